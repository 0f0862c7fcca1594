/*
 * sys.h — every system call hdcopy's own code makes for file and pipe I/O, and every allocation, goes through one
 * table of function pointers (SQLite's aSyscall, os_unix.c). By default the table holds libc's calls; tests replace
 * entries to inject what real systems do rarely and tests otherwise never see: short reads, EINTR, EIO, ENOSPC, an
 * allocation that fails at the Nth call.
 *
 * Two ways in:
 *   - unit tests assign entries directly (hd_sys.read = my_read) and restore them with hd_sys_reset();
 *   - a build with -DHD_FAULTS=ON (the ASan build of scripts/test.sh) reads $HDCOPY_FAULTS at start-up
 *     (hd_sys_faults_from_env(), called by cli/main.c) and installs faulting wrappers, so the integration tests
 *     fail the real binary from outside. Without HD_FAULTS no fault code is compiled and the variable is ignored.
 *
 * free() is not in the table: it cannot fail, and memory from the table is libc's, so free() releases it whatever
 * entry allocated it. Third-party libraries (libpq, libcurl, libssh) make their own socket calls; SQLite's unix VFS
 * has a table of its own (xSetSystemCall), which hd_sys_faults_from_env() points at the same wrappers.
 *
 * The table is process-wide and not locked: change it only while one thread runs (start-up, a unit test's setup).
 */
#ifndef HD_COMMON_SYS_H
#define HD_COMMON_SYS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/err.h"

typedef struct hd_sys_calls {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*close)(int fd);
	int (*fstat)(int fd, struct stat *st);
	void *(*malloc)(size_t n);
	void *(*calloc)(size_t nmemb, size_t size);
	void *(*realloc)(void *p, size_t n);
} hd_sys_calls;

extern hd_sys_calls hd_sys;
/* libc's calls: what hd_sys holds until someone changes it. */
extern const hd_sys_calls hd_sys_default;

/* Put libc's calls back. */
void hd_sys_reset(void);

static inline void *hd_malloc(size_t n) { return hd_sys.malloc(n); }
static inline void *hd_calloc(size_t nmemb, size_t size) { return hd_sys.calloc(nmemb, size); }
static inline void *hd_realloc(void *p, size_t n) { return hd_sys.realloc(p, n); }
char *hd_strdup(const char *s);
char *hd_strndup(const char *s, size_t n);

/* open(2) with EINTR retried. mode matters only with O_CREAT. */
int hd_sys_open(const char *path, int flags, mode_t mode);
/* read(2)/pread(2) with EINTR retried; may return fewer bytes than asked (callers loop). */
ssize_t hd_sys_read(int fd, void *buf, size_t n);
ssize_t hd_sys_pread(int fd, void *buf, size_t n, off_t off);
/* Write all n bytes (short writes and EINTR retried): 0, or -1 with errno set. */
int hd_sys_write_all(int fd, const void *buf, size_t n);
/* Read until n bytes or the end: the count read, or -1 with errno set. */
ssize_t hd_sys_read_full(int fd, void *buf, size_t n);
static inline int hd_sys_close(int fd) { return hd_sys.close(fd); }
static inline int hd_sys_fstat(int fd, struct stat *st) { return hd_sys.fstat(fd, st); }

/*
 * $HDCOPY_FAULTS (HD_FAULTS builds only): a comma-separated list of rules CALL:KIND[@N[+]]
 *   CALL   read (read and pread), write, open, alloc (malloc, calloc, realloc, strdup)
 *   KIND   short  (read: return fewer bytes than asked, 1..n pseudo-randomly — a pipe, a socket, a FUSE mount)
 *          eintr  (fail with EINTR once before each call goes through — a signal arrived)
 *          eio, enospc, eacces, emfile, enomem, econnreset  (fail with that errno; alloc: just fail)
 *   @N     only the Nth call of CALL (counted from 1, all threads together); @N+ the Nth and every later call;
 *          no @: every call.
 *   alloc:N is short for alloc:fail@N. "count" (alone) fails nothing and only counts (see hd_sys_fault_counts).
 * Examples: read:short,read:eintr   write:enospc@3+   alloc:17   read:eio@2
 * Write faults reach SQLite's own writes too (the target file and its journal). Returns HD_ERR_USAGE for a rule
 * it does not understand; in a build without HD_FAULTS, HD_OK whatever spec says (spec NULL or "": nothing).
 */
hd_code hd_sys_faults_from_env(const char *spec, hd_err *err);

/* Calls seen so far by the fault wrappers (all zero without HD_FAULTS or without $HDCOPY_FAULTS). */
typedef struct hd_sys_counts {
	unsigned long open, read, write, alloc, injected;
} hd_sys_counts;
void hd_sys_fault_counts(hd_sys_counts *out);
/* Whether this build has the fault wrappers (HD_FAULTS). */
int hd_sys_faults_compiled(void);

#endif
