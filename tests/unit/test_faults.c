/*
 * test_faults.c — the system-call table (common/sys.h) and what hdcopy does when calls misbehave.
 *
 * The tests replace entries of hd_sys directly (no HD_FAULTS build needed) and restore them with hd_sys_reset()
 * after each test:
 *   - short reads and EINTR under the file source + CSV reader give exactly the records of plain reads, plain and
 *     through the gzip and zstd codecs (a read loop that treats EINTR or a short count as the end would lose rows);
 *   - EIO on the Nth read ends the reader with one error naming the file and the errno text, after the records
 *     before it;
 *   - ENOSPC while writing the loader's key: an error naming the file and "No space left on device", no key file
 *     and no temporary file left behind;
 *   - an allocation that fails at the Nth call, for every N up to the count of a whole file + reader run: each run
 *     ends with the full dump or with an error value (ASan: no crash, no leak, no use of a NULL);
 *   - the helpers: hd_sys_write_all() survives short writes and EINTR; hd_sys_read_full() short reads and EINTR;
 *   - HD_FAULTS builds: $HDCOPY_FAULTS specs are parsed strictly (an unknown rule is HD_ERR_USAGE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "common/sys.h"
#include "fmt_harness.h"
#include "source/source.h"

static char root[64];
static char csv_path[128], gz_path[128], zst_path[128];
static char *csv_data;
static size_t csv_len;

/* ---- injected calls --------------------------------------------------------------------------------------------- */

static unsigned long calls;      /* reads (or writes, allocations) seen by the injected entry */
static unsigned long fail_at;    /* the call that fails (0 = none) */
static int fail_errno;

/* Every other call is interrupted; the rest return 1..7 bytes (or what is left). */
static ssize_t
short_eintr_pread(int fd, void *buf, size_t n, off_t off)
{
	calls++;
	if (calls % 2) {
		errno = EINTR;
		return -1;
	}
	if (n > 1 + calls % 7)
		n = 1 + calls % 7;
	return pread(fd, buf, n, off);
}

static ssize_t
failing_pread(int fd, void *buf, size_t n, off_t off)
{
	if (++calls == fail_at) {
		errno = fail_errno;
		return -1;
	}
	if (n > 100)
		n = 100;
	return pread(fd, buf, n, off);
}

static ssize_t
enospc_write(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	calls++;
	errno = ENOSPC;
	return -1;
}

static ssize_t
short_eintr_write(int fd, const void *buf, size_t n)
{
	calls++;
	if (calls % 3 == 1) {
		errno = EINTR;
		return -1;
	}
	return write(fd, buf, n > 3 ? 3 : n);
}

static ssize_t
short_eintr_read(int fd, void *buf, size_t n)
{
	calls++;
	if (calls % 3 == 1) {
		errno = EINTR;
		return -1;
	}
	return read(fd, buf, n > 2 ? 2 : n);
}

static void *
nth_malloc(size_t n)
{
	return ++calls == fail_at ? NULL : malloc(n);
}

static void *
nth_calloc(size_t a, size_t b)
{
	return ++calls == fail_at ? NULL : calloc(a, b);
}

static void *
nth_realloc(void *p, size_t n)
{
	return ++calls == fail_at ? NULL : realloc(p, n);
}

/* ---- fixtures ------------------------------------------------------------------------------------------------ */

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	char cmd[1024];
	size_t cap = 64 << 10;
	(void)state;

	snprintf(root, sizeof root, "/tmp/hdfault.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* CSV with quoted delimiters, doubled quotes and newlines inside quotes, ~40 KB */
	csv_data = malloc(cap);
	for (int i = 0; i < 600; i++) {
		int n = snprintf(csv_data + csv_len, cap - csv_len, "%d,\"a, \"\"quoted\"\"\nvalue %d\",%s\n", i, i * 7,
		                 i % 5 ? "plain" : "");
		csv_len += (size_t)n;
	}
	snprintf(csv_path, sizeof csv_path, "%s/data.csv", root);
	snprintf(gz_path, sizeof gz_path, "%s/data.csv.gz", root);
	snprintf(zst_path, sizeof zst_path, "%s/data.csv.zst", root);
	write_file(csv_path, csv_data, csv_len);
	snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' && zstd -q -c '%s' > '%s'", csv_path, gz_path, csv_path,
	         zst_path);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	free(csv_data);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int
reset_each(void **state)
{
	(void)state;
	hd_sys_reset();
	calls = fail_at = 0;
	fail_errno = 0;
	return 0;
}

static hd_format_opts
csv_opts(void)
{
	hd_format_opts o;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_CSV;
	o.delimiter = ',';
	o.quote = '"';
	o.null_as = "\\N";
	o.null_as_len = 2;
	return o;
}

/* fh_run_stream() without its asserts: a reader that cannot open (an allocation failed) is a dump "ERR:<msg>".
 * Closes in. */
static char *
read_all(const hd_format_opts *o, hd_stream *in)
{
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	dump d = { 0 };

	dput(&d, "", 0);
	if (hd_format_csv.open(o, in, &rd, &err) != HD_OK) {
		dprintf_(&d, "ERR:%s\n", err.msg);
		hd_stream_close(in);
		return d.s;
	}
	for (;;) {
		int rc;
		memset(&rec, 0, sizeof rec);
		rc = hd_format_csv.next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			dprintf_(&d, "ERR:%s\n", err.msg);
			break;
		}
		dprintf_(&d, "%llu@%llu:%d:", (unsigned long long)rec.line, (unsigned long long)rec.offset, rc);
		for (int i = 0; i < rec.nfields; i++)
			dfield(&d, &rec.fields[i]);
		dput(&d, "\n", 1);
	}
	hd_format_csv.close(rd);
	hd_stream_close(in);
	return d.s;
}

/* Open path through the file source (and a codec), read it with the CSV reader: the dump, or NULL when opening
 * failed (err set). */
static char *
run_file(const char *path, hd_compression comp, hd_err *err)
{
	hd_unit u = { .name = (char *)path };
	hd_copy_spec spec;
	hd_format_opts o = csv_opts();
	hd_stream *in = NULL;

	memset(&spec, 0, sizeof spec);
	if (hd_source_file.open(&spec, &u, &in, err) != HD_OK)
		return NULL;
	if (comp != HD_COMP_NONE && hd_codec_wrap(comp, in, &in, err) != HD_OK)
		return NULL; /* the codec closed in */
	return read_all(&o, in);
}

/* ---- tests ----------------------------------------------------------------------------------------------------- */

static void
short_reads_and_eintr_give_the_same_records(void **state)
{
	static const struct {
		const char *path;
		hd_compression comp;
	} cases[] = { { csv_path, HD_COMP_NONE }, { gz_path, HD_COMP_GZIP }, { zst_path, HD_COMP_ZSTD } };
	hd_err err;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *ref, *got;
		hd_sys_reset();
		ref = run_file(cases[i].path, cases[i].comp, &err);
		assert_non_null(ref);
		assert_null(strstr(ref, "ERR:"));
		hd_sys.pread = short_eintr_pread;
		calls = 0;
		got = run_file(cases[i].path, cases[i].comp, &err);
		assert_non_null(got);
		if (strcmp(ref, got) != 0)
			fail_msg("%s: short reads + EINTR differ:\n--- want\n%.600s\n--- got\n%.600s", cases[i].path, ref, got);
		assert_true(calls > 100); /* the injected call really ran */
		free(ref);
		free(got);
	}
}

static void
eio_is_an_error_naming_the_file(void **state)
{
	hd_err err;
	char *got, want[300];
	(void)state;

	hd_sys.pread = failing_pread;
	fail_at = 5; /* after 400 bytes: some records first */
	fail_errno = EIO;
	got = run_file(csv_path, HD_COMP_NONE, &err);
	assert_non_null(got);
	snprintf(want, sizeof want, "ERR:cannot read '%s': Input/output error\n", csv_path);
	assert_non_null(strstr(got, want));
	assert_int_equal(strlen(strstr(got, want)), strlen(want)); /* the last thing the reader said */
	free(got);

	/* an error on the very first read of a compressed file names it too */
	hd_sys_reset();
	hd_sys.pread = failing_pread;
	calls = 0;
	fail_at = 1;
	got = run_file(gz_path, HD_COMP_GZIP, &err);
	if (got) {
		assert_non_null(strstr(got, "Input/output error"));
		assert_non_null(strstr(got, gz_path));
		free(got);
	} else {
		assert_non_null(strstr(err.msg, "Input/output error"));
	}
}

static void
enospc_writing_the_key_leaves_nothing(void **state)
{
	char home[128], *pub = NULL;
	bool created = false;
	hd_err err;
	DIR *d;
	struct dirent *e;
	int entries = 0;
	(void)state;

	snprintf(home, sizeof home, "%s/home", root);
	setenv("HDCOPY_HOME", home, 1);
	hd_sys.write = enospc_write;
	assert_int_not_equal(hd_access_key(&pub, &created, &err), HD_OK);
	assert_null(pub);
	assert_false(created);
	assert_non_null(strstr(err.msg, "No space left on device"));
	assert_non_null(strstr(err.msg, home));
	assert_true(calls >= 1);
	/* nothing half-written: the home directory is empty */
	assert_non_null(d = opendir(home));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	assert_int_equal(entries, 0);

	/* with the disk back, the same call works */
	hd_sys_reset();
	assert_int_equal(hd_access_key(&pub, &created, &err), HD_OK);
	assert_true(created);
	free(pub);
	unsetenv("HDCOPY_HOME");
}

static void
allocation_failure_at_every_call(void **state)
{
	hd_err err;
	char *ref;
	unsigned long total;
	(void)state;

	/* count the allocations of one whole run */
	hd_sys.malloc = nth_malloc;
	hd_sys.calloc = nth_calloc;
	hd_sys.realloc = nth_realloc;
	ref = run_file(zst_path, HD_COMP_ZSTD, &err);
	assert_non_null(ref);
	total = calls;
	assert_true(total >= 3);
	for (unsigned long n = 1; n <= total + 1; n++) {
		char *got;
		calls = 0;
		fail_at = n;
		memset(&err, 0, sizeof err);
		got = run_file(zst_path, HD_COMP_ZSTD, &err);
		if (!got) {
			/* opening failed: an error value with a message */
			assert_int_not_equal(err.code, HD_OK);
			assert_true(err.msg[0] != '\0');
		} else if (strcmp(got, ref) != 0) {
			/* the reader stopped: with one error line at the end, after a prefix of the records */
			char *last = strstr(got, "ERR:");
			assert_non_null(last);
			assert_int_equal(strncmp(got, ref, (size_t)(last - got)), 0);
		} else {
			assert_true(n > total); /* only a run past the last allocation loads everything */
		}
		free(got);
	}
	free(ref);
}

static void
helpers_loop_over_short_writes_and_eintr(void **state)
{
	char path[160], back[64];
	const char *msg = "0123456789abcdefghijklmnopqrstuvwxyz";
	int fd;
	(void)state;

	snprintf(path, sizeof path, "%s/helpers", root);
	hd_sys.write = short_eintr_write;
	hd_sys.read = short_eintr_read;
	fd = hd_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(hd_sys_write_all(fd, msg, strlen(msg)), 0);
	assert_true(calls > strlen(msg) / 3);
	hd_sys_close(fd);
	fd = hd_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(back, 0, sizeof back);
	assert_int_equal(hd_sys_read_full(fd, back, sizeof back), (ssize_t)strlen(msg));
	assert_string_equal(back, msg);
	hd_sys_close(fd);

	hd_sys.write = enospc_write;
	fd = hd_sys_open(path, O_WRONLY | O_CLOEXEC, 0);
	assert_int_equal(hd_sys_write_all(fd, msg, 3), -1);
	assert_int_equal(errno, ENOSPC);
	hd_sys_close(fd);
}

static void
fault_specs_are_parsed_strictly(void **state)
{
	static const char *const bad[] = { "read", "read:", "bogus:eio", "read:fail", "alloc:short", "write:eio@0",
	                                   "write:eio@x", "alloc:0", "read:eio@3-", "open:enospc,read:nope" };
	hd_err err;
	(void)state;

	if (!hd_sys_faults_compiled())
		skip();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(hd_sys_faults_from_env(bad[i], &err), HD_ERR_USAGE);
		assert_non_null(strstr(err.msg, "HDCOPY_FAULTS"));
	}
	/* nothing was installed by the failed specs */
	assert_ptr_equal(hd_sys.read, hd_sys_default.read);
	assert_ptr_equal(hd_sys.malloc, hd_sys_default.malloc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(short_reads_and_eintr_give_the_same_records, reset_each),
		cmocka_unit_test_setup(eio_is_an_error_naming_the_file, reset_each),
		cmocka_unit_test_setup(enospc_writing_the_key_leaves_nothing, reset_each),
		cmocka_unit_test_setup(allocation_failure_at_every_call, reset_each),
		cmocka_unit_test_setup(helpers_loop_over_short_writes_and_eintr, reset_each),
		cmocka_unit_test_setup(fault_specs_are_parsed_strictly, reset_each),
	};
	int r = cmocka_run_group_tests(tests, setup, teardown);
	hd_sys_reset();
	return r;
}
