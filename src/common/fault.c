/*
 * fault.c — fault injection for test builds (-DHD_FAULTS=ON): parse $HDCOPY_FAULTS (grammar in sys.h) and replace
 * the entries of hd_sys with wrappers that count every call and fail the ones a rule names. Without HD_FAULTS this
 * file only has stubs: release binaries carry no fault code and ignore the variable.
 *
 * Counters are atomics shared by all threads (slices, prefetch, codec threads), so "the Nth call" is the Nth in the
 * whole process; with one slice (-j 1) a run is deterministic. Write rules also reach SQLite's unix VFS through its
 * own system-call table (sqlite3_vfs.xSetSystemCall: write, pwrite, pwrite64), so a full disk under the SQLite
 * target is the real SQLITE_FULL path. EINTR is injected once per call on the calling thread: the retry goes
 * through, so a correct retry loop makes progress and an incorrect one reports the EINTR as an error.
 */
#include "common/sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HD_FAULTS

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

enum { C_OPEN, C_READ, C_WRITE, C_ALLOC, C_N };
enum { K_SHORT, K_EINTR, K_ERRNO, K_FAIL };

typedef struct rule {
	int call, kind, eno;
	unsigned long nth; /* 0 = every call */
	bool onward;       /* @N+ */
} rule;

#define MAX_RULES 16

static rule rules[MAX_RULES];
static int nrules;
static hd_sys_calls real;
static atomic_ulong counts[C_N];
static atomic_ulong injected;
static _Thread_local bool interrupted[C_N];
static bool active;

typedef ssize_t (*sq_write_fn)(int, const void *, size_t);
typedef ssize_t (*sq_pwrite_fn)(int, const void *, size_t, off_t);
static sq_write_fn sq_write;
static sq_pwrite_fn sq_pwrite, sq_pwrite64;

static bool
matches(const rule *r, int c, unsigned long k)
{
	return r->call == c && (r->nth == 0 || k == r->nth || (r->onward && k >= r->nth));
}

/* Decide call number k of kind c against every rule: 0 go ahead (*n shortened by a short rule), -1 fail with errno
 * set. Errors win over EINTR, EINTR over shortening. */
static int
decide(int c, size_t *n)
{
	unsigned long k = atomic_fetch_add(&counts[c], 1) + 1;
	bool intr = false, shorten = false;

	for (int i = 0; i < nrules; i++) {
		const rule *r = &rules[i];
		if (!matches(r, c, k))
			continue;
		if (r->kind == K_ERRNO || r->kind == K_FAIL) {
			atomic_fetch_add(&injected, 1);
			errno = r->kind == K_FAIL ? ENOMEM : r->eno;
			return -1;
		}
		if (r->kind == K_EINTR)
			intr = true;
		else if (r->kind == K_SHORT)
			shorten = true;
	}
	if (intr && !interrupted[c]) {
		interrupted[c] = true;
		atomic_fetch_add(&injected, 1);
		errno = EINTR;
		return -1;
	}
	interrupted[c] = false;
	if (shorten && n && *n > 1) {
		uint64_t h = k * 0x9E3779B97F4A7C15ull;
		size_t lim = *n < 8191 ? *n : 8191;
		*n = 1 + (size_t)((h >> 29) % lim);
		atomic_fetch_add(&injected, 1);
	}
	return 0;
}

static int
f_open(const char *path, int flags, mode_t mode)
{
	if (decide(C_OPEN, NULL) < 0)
		return -1;
	return real.open(path, flags, mode);
}

static ssize_t
f_read(int fd, void *buf, size_t n)
{
	if (decide(C_READ, &n) < 0)
		return -1;
	return real.read(fd, buf, n);
}

static ssize_t
f_pread(int fd, void *buf, size_t n, off_t off)
{
	if (decide(C_READ, &n) < 0)
		return -1;
	return real.pread(fd, buf, n, off);
}

static ssize_t
f_write(int fd, const void *buf, size_t n)
{
	if (decide(C_WRITE, NULL) < 0)
		return -1;
	return real.write(fd, buf, n);
}

static void *
f_malloc(size_t n)
{
	return decide(C_ALLOC, NULL) < 0 ? NULL : real.malloc(n);
}

static void *
f_calloc(size_t nmemb, size_t size)
{
	return decide(C_ALLOC, NULL) < 0 ? NULL : real.calloc(nmemb, size);
}

static void *
f_realloc(void *p, size_t n)
{
	return decide(C_ALLOC, NULL) < 0 ? NULL : real.realloc(p, n);
}

/* SQLite's writes: the same write rules and counter. */
static ssize_t
sq_f_write(int fd, const void *buf, size_t n)
{
	return decide(C_WRITE, NULL) < 0 ? -1 : sq_write(fd, buf, n);
}

static ssize_t
sq_f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return decide(C_WRITE, NULL) < 0 ? -1 : sq_pwrite(fd, buf, n, off);
}

static ssize_t
sq_f_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return decide(C_WRITE, NULL) < 0 ? -1 : sq_pwrite64(fd, buf, n, off);
}

static void
hook_sqlite(void)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	if (!vfs || vfs->iVersion < 3 || !vfs->xSetSystemCall)
		return;
	sq_write = (sq_write_fn)vfs->xGetSystemCall(vfs, "write");
	sq_pwrite = (sq_pwrite_fn)vfs->xGetSystemCall(vfs, "pwrite");
	sq_pwrite64 = (sq_pwrite_fn)vfs->xGetSystemCall(vfs, "pwrite64");
	if (sq_write)
		vfs->xSetSystemCall(vfs, "write", (sqlite3_syscall_ptr)sq_f_write);
	if (sq_pwrite)
		vfs->xSetSystemCall(vfs, "pwrite", (sqlite3_syscall_ptr)sq_f_pwrite);
	if (sq_pwrite64)
		vfs->xSetSystemCall(vfs, "pwrite64", (sqlite3_syscall_ptr)sq_f_pwrite64);
}

static const struct {
	const char *name;
	int eno;
} errnos[] = {
	{ "eio", EIO }, { "enospc", ENOSPC }, { "eacces", EACCES }, { "emfile", EMFILE },
	{ "enomem", ENOMEM }, { "econnreset", ECONNRESET }, { "edquot", EDQUOT },
};

static hd_code
parse_rule(const char *s, size_t len, hd_err *err)
{
	char tok[64], *colon, *at, *kind;
	rule r = { 0 };

	if (len == 0 || len >= sizeof tok)
		return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: bad rule '%.*s'", (int)len, s);
	memcpy(tok, s, len);
	tok[len] = '\0';
	if (strcmp(tok, "count") == 0)
		return HD_OK;
	if (nrules == MAX_RULES)
		return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: more than %d rules", MAX_RULES);
	if (!(colon = strchr(tok, ':')))
		return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: '%s' is not CALL:KIND[@N[+]]", tok);
	*colon = '\0';
	kind = colon + 1;
	if ((at = strchr(kind, '@')) != NULL) {
		char *end;
		*at = '\0';
		errno = 0;
		r.nth = strtoul(at + 1, &end, 10);
		if (errno || r.nth == 0 || end == at + 1 || (*end && strcmp(end, "+") != 0))
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: '@%s' wants a call number from 1", at + 1);
		r.onward = *end == '+';
	}
	if (strcmp(tok, "open") == 0) r.call = C_OPEN;
	else if (strcmp(tok, "read") == 0) r.call = C_READ;
	else if (strcmp(tok, "write") == 0) r.call = C_WRITE;
	else if (strcmp(tok, "alloc") == 0) r.call = C_ALLOC;
	else
		return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: unknown call '%s' (open, read, write, alloc)", tok);
	if (r.call == C_ALLOC && kind[0] >= '0' && kind[0] <= '9' && !at) {
		char *end;
		errno = 0;
		r.nth = strtoul(kind, &end, 10);
		if (errno || r.nth == 0 || (*end && strcmp(end, "+") != 0))
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: 'alloc:%s' wants a call number from 1", kind);
		r.onward = *end == '+';
		r.kind = K_FAIL;
	} else if (strcmp(kind, "fail") == 0 && r.call == C_ALLOC) {
		r.kind = K_FAIL;
	} else if (strcmp(kind, "short") == 0 && r.call == C_READ) {
		r.kind = K_SHORT;
	} else if (strcmp(kind, "eintr") == 0 && r.call != C_ALLOC) {
		r.kind = K_EINTR;
	} else {
		size_t i;
		for (i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
			if (strcmp(kind, errnos[i].name) == 0)
				break;
		if (i == sizeof errnos / sizeof errnos[0] || r.call == C_ALLOC)
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_FAULTS: '%s' cannot fail with '%s'", tok, kind);
		r.kind = K_ERRNO;
		r.eno = errnos[i].eno;
	}
	rules[nrules++] = r;
	return HD_OK;
}

hd_code
hd_sys_faults_from_env(const char *spec, hd_err *err)
{
	hd_code r;

	if (!spec || !*spec || active)
		return HD_OK;
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		if ((r = parse_rule(p, n, err)) != HD_OK) {
			nrules = 0;
			return r;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	real = hd_sys;
	hd_sys.open = f_open;
	hd_sys.read = f_read;
	hd_sys.pread = f_pread;
	hd_sys.write = f_write;
	hd_sys.malloc = f_malloc;
	hd_sys.calloc = f_calloc;
	hd_sys.realloc = f_realloc;
	hook_sqlite();
	active = true;
	return HD_OK;
}

void
hd_sys_fault_counts(hd_sys_counts *out)
{
	out->open = atomic_load(&counts[C_OPEN]);
	out->read = atomic_load(&counts[C_READ]);
	out->write = atomic_load(&counts[C_WRITE]);
	out->alloc = atomic_load(&counts[C_ALLOC]);
	out->injected = atomic_load(&injected);
}

int
hd_sys_faults_compiled(void)
{
	return 1;
}

#else /* !HD_FAULTS */

hd_code
hd_sys_faults_from_env(const char *spec, hd_err *err)
{
	(void)spec;
	(void)err;
	return HD_OK;
}

void
hd_sys_fault_counts(hd_sys_counts *out)
{
	memset(out, 0, sizeof *out);
}

int
hd_sys_faults_compiled(void)
{
	return 0;
}

#endif

/* The public face (hdcopy.h): the CLI calls these first and last. */
hd_code
hd_faults_init(hd_err *err)
{
	return hd_sys_faults_from_env(getenv("HDCOPY_FAULTS"), err);
}

int
hd_faults_summary(char *buf, size_t n)
{
	hd_sys_counts c;
	const char *spec = getenv("HDCOPY_FAULTS");
	if (!hd_sys_faults_compiled() || !spec || !*spec)
		return 0;
	hd_sys_fault_counts(&c);
	snprintf(buf, n, "calls: open %lu, read %lu, write %lu, alloc %lu; faults injected %lu", c.open, c.read,
	         c.write, c.alloc, c.injected);
	return 1;
}
