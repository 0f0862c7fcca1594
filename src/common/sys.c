/*
 * sys.c — the table of system calls (sys.h) and the helpers every caller uses on top of it: EINTR retried, short
 * reads and writes looped, strdup through the allocation entries. The fault wrappers are in fault.c.
 */
#include "common/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
libc_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

const hd_sys_calls hd_sys_default = {
	.open = libc_open,
	.read = read,
	.pread = pread,
	.write = write,
	.close = close,
	.fstat = fstat,
	.malloc = malloc,
	.calloc = calloc,
	.realloc = realloc,
};

hd_sys_calls hd_sys = {
	.open = libc_open,
	.read = read,
	.pread = pread,
	.write = write,
	.close = close,
	.fstat = fstat,
	.malloc = malloc,
	.calloc = calloc,
	.realloc = realloc,
};

void
hd_sys_reset(void)
{
	hd_sys = hd_sys_default;
}

char *
hd_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = hd_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *
hd_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = hd_malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

int
hd_sys_open(const char *path, int flags, mode_t mode)
{
	int fd;
	do
		fd = hd_sys.open(path, flags, mode);
	while (fd < 0 && errno == EINTR);
	return fd;
}

ssize_t
hd_sys_read(int fd, void *buf, size_t n)
{
	ssize_t got;
	do
		got = hd_sys.read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

ssize_t
hd_sys_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t got;
	do
		got = hd_sys.pread(fd, buf, n, off);
	while (got < 0 && errno == EINTR);
	return got;
}

int
hd_sys_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = hd_sys.write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) { /* a regular file never does this; treat it as a full device rather than spin */
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t
hd_sys_read_full(int fd, void *buf, size_t n)
{
	size_t have = 0;
	while (have < n) {
		ssize_t got = hd_sys_read(fd, (char *)buf + have, n - have);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	return (ssize_t)have;
}
