/*
 * file.c — local files as a source (hd_source_file): list the files a FROM names, and read one.
 *
 * list(): spec->src_path (file:// already stripped) becomes units, sorted byte-wise by name (strcmp), each with its
 * size from stat(2) (symlinks followed). Two ways to name files (COPY-SPEC "Sources"):
 *   - a path with glob characters (* ? [...], hd_glob_has_magic) is matched one component at a time, so wildcards
 *     work in directory components too (/data/x?/part-0[0-9]); '\' escapes a glob character. The last component must
 *     match regular files; directories it matches are not descended into;
 *   - a path without them is a PREFIX (Redshift's S3 rule): every regular file whose full path starts with it, and
 *     every file below every directory whose path starts with it, recursively. '/data/out/part' takes
 *     /data/out/part-0000 and /data/out/part-0001; '/data/out/' takes all of /data/out; '/data/out' takes /data/out
 *     and /data/outx too. The prefix is taken literally (no escapes).
 *   Hidden files: a file or directory whose name begins with '.' or '_' is taken only when the user's path spells
 *   that first character (a prefix that reaches into the name, or a glob component that starts with it literally).
 *   Hadoop and Spark write _SUCCESS, _logs/, _temporary/ and .part-0000.crc next to the data, and Hadoop's own
 *   FileInputFormat skips exactly these names; loading them would feed markers and binary checksums to the parser.
 *   Named explicitly ('/data/out/_SUCCESS', '/data/out/.x*') they load like any file.
 *   Entries other than regular files and directories (sockets, FIFOs, devices) are skipped. A symlink loop is
 *   not followed twice. A matched entry that cannot be stat'ed, or a directory that cannot be listed, is an error
 *   naming it; a path that matches nothing is HD_ERR_NOTFOUND (Redshift 1212). More than HD_MAX_FILES files is
 *   HD_ERR_LIMIT.
 *   Memory: one growing array of units (names malloc'd) and one path buffer per directory level; no other state.
 *
 * open(): a stream over the unit's byte range [offset, offset + length) (length 0 = to the end), read with
 * pread(2) straight into the caller's buffer (the format reader asks HD_READ_CHUNK = 1 MiB at a time, so that
 * buffer is the 1 MiB read buffer and no second copy is made). Opened O_CLOEXEC; EINTR is retried; errors name the
 * path and strerror(errno). The stream owns its fd and its name.
 */
#include "source/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/sys.h"

#define FILE_MAX_DEPTH 128

typedef struct ulist {
	hd_unit *v;
	int n, cap;
	const char *from; /* the FROM path, for messages */
} ulist;

/* Directories on the current descent (loop detection through symlinks). */
typedef struct ancestry {
	dev_t dev[FILE_MAX_DEPTH];
	ino_t ino[FILE_MAX_DEPTH];
	int n;
} ancestry;

static bool
hidden(const char *name)
{
	return name[0] == '.' || name[0] == '_';
}

static bool
dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* dir "" is the current directory; a dir ending in '/' gets no second one. */
static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	bool slash = dl > 0 && dir[dl - 1] != '/';
	char *p = hd_malloc(dl + slash + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + slash, name, nl + 1);
	return p;
}

/* Takes ownership of path. */
static hd_code
add_unit(ulist *l, char *path, uint64_t size, hd_err *err)
{
	if (l->n >= HD_MAX_FILES) {
		free(path);
		return hd_err_set(err, HD_ERR_LIMIT, "'%s' matches more than %d files", l->from, HD_MAX_FILES);
	}
	if (l->n == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 16;
		hd_unit *nv = hd_realloc(l->v, (size_t)ncap * sizeof *nv);
		if (!nv) {
			free(path);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = (hd_unit){ .name = path, .size = size, .offset = 0, .length = 0 };
	return HD_OK;
}

static hd_code
open_dir(const char *dir, DIR **out, hd_err *err)
{
	*out = opendir(dir[0] ? dir : ".");
	if (*out)
		return HD_OK;
	if (errno == ENOENT || errno == ENOTDIR)
		return HD_OK; /* nothing there: no match */
	return hd_err_set(err, HD_ERR_IO, "cannot list directory '%s': %s", dir[0] ? dir : ".", strerror(errno));
}

static hd_code walk_all(ulist *l, const char *dir, ancestry *anc, hd_err *err);

/* A matched path: a regular file becomes a unit; a directory is walked when descend is set. Takes path. */
static hd_code
take(ulist *l, char *path, bool descend, ancestry *anc, hd_err *err)
{
	struct stat st;
	hd_code r = HD_OK;

	if (stat(path, &st) != 0) {
		r = hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		free(path);
		return r;
	}
	if (S_ISREG(st.st_mode))
		return add_unit(l, path, (uint64_t)st.st_size, err);
	if (S_ISDIR(st.st_mode) && descend) {
		for (int i = 0; i < anc->n; i++) {
			if (anc->dev[i] == st.st_dev && anc->ino[i] == st.st_ino)
				goto out; /* a symlink back up the tree */
		}
		if (anc->n == FILE_MAX_DEPTH) {
			r = hd_err_set(err, HD_ERR_LIMIT, "'%s': directories nested more than %d deep", path,
			    FILE_MAX_DEPTH);
			goto out;
		}
		anc->dev[anc->n] = st.st_dev;
		anc->ino[anc->n] = st.st_ino;
		anc->n++;
		r = walk_all(l, path, anc, err);
		anc->n--;
	}
out:
	free(path);
	return r;
}

/* Every file below dir, skipping hidden names (none of them is spelled by the user). */
static hd_code
walk_all(ulist *l, const char *dir, ancestry *anc, hd_err *err)
{
	DIR *d;
	struct dirent *e;
	hd_code r;

	if ((r = open_dir(dir, &d, err)) != HD_OK || !d)
		return r;
	while ((errno = 0, e = readdir(d)) != NULL) {
		char *path;
		if (dot_or_dotdot(e->d_name) || hidden(e->d_name))
			continue;
		if (!(path = join(dir, e->d_name))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
			break;
		}
		if ((r = take(l, path, true, anc, err)) != HD_OK)
			break;
	}
	if (r == HD_OK && errno != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot list directory '%s': %s", dir, strerror(errno));
	closedir(d);
	return r;
}

/* Redshift's prefix rule. */
static hd_code
list_prefix(ulist *l, const char *prefix, hd_err *err)
{
	const char *slash = strrchr(prefix, '/');
	const char *pfx = slash ? slash + 1 : prefix;
	size_t plen = strlen(pfx), dlen = (size_t)(pfx - prefix);
	char *dir = hd_malloc(dlen + 1);
	ancestry anc = { .n = 0 };
	DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	hd_code r;

	if (!dir)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
	memcpy(dir, prefix, dlen);
	dir[dlen] = '\0';
	if ((r = open_dir(dir, &d, err)) != HD_OK || !d)
		goto out;
	if (fstat(dirfd(d), &st) == 0) {
		/* a symlink below back to this directory is a loop too */
		anc.dev[0] = st.st_dev;
		anc.ino[0] = st.st_ino;
		anc.n = 1;
	}
	while ((errno = 0, e = readdir(d)) != NULL) {
		char *path;
		if (dot_or_dotdot(e->d_name) || strncmp(e->d_name, pfx, plen) != 0)
			continue;
		if (plen == 0 && hidden(e->d_name))
			continue;
		if (!(path = join(dir, e->d_name))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
			break;
		}
		if ((r = take(l, path, true, &anc, err)) != HD_OK)
			break;
	}
	if (r == HD_OK && errno != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot list directory '%s': %s", dir[0] ? dir : ".", strerror(errno));
	closedir(d);
out:
	free(dir);
	return r;
}

/* Remove glob escapes from a component without magic (in place). */
static void
unescape_component(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*o++ = *s;
	}
	*o = '\0';
}

/* Match comps[i..n) below base. */
static hd_code
list_glob(ulist *l, const char *base, char **comps, int i, int n, hd_err *err)
{
	const bool last = i == n - 1;
	const char *comp = comps[i];
	ancestry anc = { .n = 0 };
	DIR *d;
	struct dirent *e;
	hd_code r;

	if (!hd_glob_has_magic(comp)) {
		char *lit = hd_strdup(comp), *path;
		struct stat st;
		if (!lit)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
		unescape_component(lit);
		path = join(base, lit);
		free(lit);
		if (!path)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
		if (stat(path, &st) != 0) {
			r = HD_OK;
			if (errno != ENOENT && errno != ENOTDIR)
				r = hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
			free(path);
			return r;
		}
		if (last) {
			if (S_ISREG(st.st_mode))
				return add_unit(l, path, (uint64_t)st.st_size, err);
			free(path);
			return HD_OK;
		}
		r = S_ISDIR(st.st_mode) ? list_glob(l, path, comps, i + 1, n, err) : HD_OK;
		free(path);
		return r;
	}
	if ((r = open_dir(base, &d, err)) != HD_OK || !d)
		return r;
	while ((errno = 0, e = readdir(d)) != NULL) {
		char *path;
		struct stat st;
		if (dot_or_dotdot(e->d_name))
			continue;
		/* a wildcard never supplies a hidden name's first character */
		if (hidden(e->d_name) && comp[0] != e->d_name[0])
			continue;
		if (!hd_glob_match(comp, e->d_name, true))
			continue;
		if (!(path = join(base, e->d_name))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", l->from);
			break;
		}
		if (last) {
			if ((r = take(l, path, false, &anc, err)) != HD_OK)
				break;
			continue;
		}
		if (stat(path, &st) != 0) {
			r = hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
			free(path);
			break;
		}
		if (S_ISDIR(st.st_mode))
			r = list_glob(l, path, comps, i + 1, n, err);
		free(path);
		if (r != HD_OK)
			break;
	}
	if (r == HD_OK && errno != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot list directory '%s': %s", base[0] ? base : ".", strerror(errno));
	closedir(d);
	return r;
}

static int
unit_cmp(const void *a, const void *b)
{
	return strcmp(((const hd_unit *)a)->name, ((const hd_unit *)b)->name);
}

static hd_code
file_list(const hd_copy_spec *spec, hd_units *out, hd_err *err)
{
	const char *path = spec->src_path;
	ulist l = { .v = NULL, .n = 0, .cap = 0, .from = path };
	hd_code r;

	out->v = NULL;
	out->n = 0;
	if (!path || !path[0])
		return hd_err_set(err, HD_ERR_NOTFOUND, "load file not found: empty path");
	if (hd_glob_has_magic(path)) {
		char *copy = hd_strdup(path), **comps = NULL;
		int n = 0;
		if (!copy || !(comps = hd_malloc((strlen(path) / 2 + 2) * sizeof *comps))) {
			free(copy);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", path);
		}
		/* components between slashes; empty ones (//) are dropped */
		for (char *p = copy; *p;) {
			char *slash = strchr(p, '/');
			if (slash)
				*slash = '\0';
			if (*p)
				comps[n++] = p;
			if (!slash)
				break;
			p = slash + 1;
		}
		r = n ? list_glob(&l, path[0] == '/' ? "/" : "", comps, 0, n, err) : HD_OK;
		free(comps);
		free(copy);
	} else {
		r = list_prefix(&l, path, err);
	}
	if (r == HD_OK && l.n == 0)
		r = hd_err_set(err, HD_ERR_NOTFOUND, "load file not found: no file matches '%s'", path);
	if (r != HD_OK) {
		hd_units u = { l.v, l.n };
		hd_units_free(&u);
		return r;
	}
	qsort(l.v, (size_t)l.n, sizeof *l.v, unit_cmp);
	out->v = l.v;
	out->n = l.n;
	return HD_OK;
}

/* --- the stream ------------------------------------------------------------------------------------------------- */

typedef struct file_stream {
	hd_stream base;
	int fd;
	uint64_t pos;   /* next byte to read */
	uint64_t end;   /* one past the last byte to read; UINT64_MAX = to the end of the file */
	char *name;
} file_stream;

static ssize_t
file_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	file_stream *f = (file_stream *)s;
	ssize_t got;

	if (f->end != UINT64_MAX && n > f->end - f->pos)
		n = (size_t)(f->end - f->pos);
	if (n == 0)
		return 0;
	if (n > (size_t)SSIZE_MAX)
		n = (size_t)SSIZE_MAX;
	got = hd_sys_pread(f->fd, buf, n, (off_t)f->pos); /* EINTR retried; a short read is returned as it is */
	if (got < 0) {
		hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", f->name, strerror(errno));
		return -1;
	}
	f->pos += (uint64_t)got;
	return got;
}

static void
file_close(hd_stream *s)
{
	file_stream *f = (file_stream *)s;
	if (f->fd >= 0)
		hd_sys_close(f->fd);
	free(f->name);
	free(f);
}

static const hd_stream_ops file_stream_ops = { "file", file_read, file_close };

static hd_code
file_open(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err)
{
	file_stream *f;
	(void)spec;

	*out = NULL;
	if (unit->length && unit->offset > UINT64_MAX - unit->length)
		return hd_err_set(err, HD_ERR_INTERNAL, "'%s': byte range out of bounds", unit->name);
	f = hd_calloc(1, sizeof *f);
	if (!f || !(f->name = hd_strdup(unit->name))) {
		free(f);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory opening '%s'", unit->name);
	}
	f->fd = hd_sys_open(unit->name, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	if (f->fd < 0) {
		hd_code r = hd_err_set(err, errno == ENOENT ? HD_ERR_NOTFOUND : HD_ERR_IO, "cannot open '%s': %s",
		    unit->name, strerror(errno));
		free(f->name);
		free(f);
		return r;
	}
	f->base.ops = &file_stream_ops;
	f->base.name = f->name;
	f->pos = unit->offset;
	f->end = unit->length ? unit->offset + unit->length : UINT64_MAX;
	(void)posix_fadvise(f->fd, (off_t)unit->offset, (off_t)unit->length, POSIX_FADV_SEQUENTIAL);
	*out = &f->base;
	return HD_OK;
}

const hd_source_ops hd_source_file = {
	.name = "file",
	.list = file_list,
	.open = file_open,
};
