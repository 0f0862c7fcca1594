/*
 * hdfs.c — HDFS as a source (hd_source_hdfs): 'hdfs://namenode[:port]/path' and 'hdfs:///path', read over WebHDFS.
 *
 * The port of an hdfs:// URL is the NameNode's HTTP (WebHDFS) port, 9870 by default — not the RPC port 8020 that
 * Hadoop's own hdfs:// URLs name (a refused connection to 8020/8022/9000 says so in its message). 'hdfs:///path'
 * takes the NameNode from fs.defaultFS in $HADOOP_CONF_DIR/core-site.xml (docs/hdfs.md).
 *
 * list(): the same rules as file.c, over LISTSTATUS_BATCH pages (LISTSTATUS when the NameNode has no batches):
 *   - a path with wildcards is Hadoop's glob: {a,b} alternations are expanded first (glob.c, at most
 *     HD_MAX_GLOB_ALTERNATIVES patterns; a group may span '/'), then each pattern is matched one component at a
 *     time (* ? [..] [^..] \c; never across '/'); literal components are not listed, only walked through. The last
 *     component matches files only;
 *   - a path without them is a prefix: every file whose full path starts with it, directories below a match walked
 *     whole (Redshift's rule);
 *   - names starting with '_' or '.' (_SUCCESS, _temporary/, .crc files) are skipped unless the path spells that
 *     first character (file.c's comment says why);
 *   - units are sorted by name, de-duplicated (alternations may overlap), sized from FileStatus.length.
 *   A directory that does not exist is no match; any other NameNode error (permission denied, …) fails the COPY
 *   naming the URL and the user. Nothing matched is HD_ERR_NOTFOUND naming the URL.
 *
 * open(): hd_webhdfs_open() over [offset, offset + length) of the unit (to its listed size when length is 0): a
 * bounded stream that re-OPENs on another replica when a DataNode fails mid-read (webhdfs.c).
 *
 * Memory: the units array; one JSON page (≤ HD_MAX_WEBHDFS_ANSWER) at a time; a path buffer per level of descent.
 */
#include "source/hdfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "source/hjson.h"
#include "common/sys.h"

#define HDFS_MAX_DEPTH 128
#define HDFS_MAX_PAGES 1000000 /* LISTSTATUS_BATCH pages of one directory */

typedef struct lister {
	const hd_webhdfs *w;
	const char *from; /* the FROM path, for messages */
	hd_unit *v;
	int n, cap;
	bool no_batch;    /* the NameNode refused LISTSTATUS_BATCH: use LISTSTATUS */
} lister;

typedef hd_code (*entry_fn)(lister *L, const char *dir, const char *name, bool is_dir, uint64_t len, void *ctx,
                            hd_err *err);

static bool
hidden(const char *name)
{
	return name[0] == '.' || name[0] == '_';
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	bool slash = dl == 0 || dir[dl - 1] != '/';
	char *p = hd_malloc(dl + slash + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + slash, name, nl + 1);
	return p;
}

static hd_code
add_unit(lister *L, const char *path, uint64_t size, hd_err *err)
{
	size_t ll = strlen(L->w->label), pl = strlen(path);
	char *name;

	if (L->n >= HD_MAX_FILES)
		return hd_err_set(err, HD_ERR_LIMIT, "'%s%s' matches more than %d files", L->w->label, L->from,
		                  HD_MAX_FILES);
	if (L->n == L->cap) {
		int nc = L->cap ? L->cap * 2 : 16;
		hd_unit *nv = hd_realloc(L->v, (size_t)nc * sizeof *nv);
		if (!nv)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
		L->v = nv;
		L->cap = nc;
	}
	if (!(name = hd_malloc(ll + pl + 1)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	memcpy(name, L->w->label, ll);
	memcpy(name + ll, path, pl + 1);
	memset(&L->v[L->n], 0, sizeof L->v[L->n]);
	L->v[L->n].name = name;
	L->v[L->n].size = size;
	L->n++;
	return HD_OK;
}

/* One page of FileStatus entries → fn. *last gets the last name seen (for startAfter), *remaining the count the
 * NameNode says is left (batch answers; 0 otherwise). */
static hd_code
page_entries(lister *L, const char *dir, const hd_hjson *j, int arr, entry_fn fn, void *ctx, char *last,
             size_t lastcap, uint64_t *nseen, hd_err *err)
{
	uint32_t i;
	hd_code r;

	if (!hd_hjson_is(j, arr, HD_HJ_ARRAY))
		return hd_err_set(err, HD_ERR_IO, "%s%s: unexpected LISTSTATUS answer", L->w->label, dir);
	i = (uint32_t)arr + 1;
	for (uint32_t c = 0; c < j->t[arr].count; c++, i = j->t[i].next) {
		char name[4096];
		long nl = hd_hjson_str(j, hd_hjson_get(j, (int)i, "pathSuffix"), name, sizeof name);
		int ty = hd_hjson_get(j, (int)i, "type");
		uint64_t len = 0;
		bool is_dir;
		(*nseen)++;
		if (nl <= 0 || memchr(name, '/', (size_t)nl) || strlen(name) != (size_t)nl)
			continue; /* "" (the listed path is a file), or a name we cannot represent */
		snprintf(last, lastcap, "%s", name);
		is_dir = hd_hjson_str_eq(j, ty, "DIRECTORY");
		if (!is_dir && !hd_hjson_str_eq(j, ty, "FILE"))
			continue; /* SYMLINK (not followed by WebHDFS either) or unknown */
		if (!is_dir && !hd_hjson_u64(j, hd_hjson_get(j, (int)i, "length"), &len))
			return hd_err_set(err, HD_ERR_IO, "%s%s/%s: FileStatus without a valid length", L->w->label, dir,
			                  name);
		if ((r = fn(L, dir, name, is_dir, len, ctx, err)) != HD_OK)
			return r;
	}
	return HD_OK;
}

/* Every entry of directory dir → fn. A missing directory (or a path that is a file) has no entries. */
static hd_code
list_dir(lister *L, const char *dir, entry_fn fn, void *ctx, hd_err *err)
{
	hd_buf body, q;
	char last[4096] = "";
	hd_code r = HD_OK;

	hd_buf_init(&body, HD_MAX_WEBHDFS_ANSWER);
	hd_buf_init(&q, 0);
	for (int page = 0; page < HDFS_MAX_PAGES; page++) {
		hd_hjson j = { 0 };
		uint64_t remaining = 0, nseen = 0;
		int arr;

		hd_buf_reset(&q);
		if (L->no_batch) {
			r = hd_buf_append_str(&q, "LISTSTATUS");
		} else if ((r = hd_buf_append_str(&q, "LISTSTATUS_BATCH")) == HD_OK && last[0]) {
			if ((r = hd_buf_append_str(&q, "&startAfter=")) == HD_OK)
				r = hd_webhdfs_escape(&q, last, false);
		}
		if (r != HD_OK || (r = hd_buf_cstr(&q)) != HD_OK) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			break;
		}
		r = hd_webhdfs_get(L->w, dir, q.data, &body, err);
		if (r == HD_ERR_NOTFOUND) {
			hd_err_clear(err);
			r = HD_OK;
			break;
		}
		if (r == HD_ERR_IO && !L->no_batch && page == 0 && strstr(err->msg, "IllegalArgumentException") &&
		    strstr(err->msg, "LISTSTATUS_BATCH")) {
			/* an old NameNode (Hadoop 2.7 and before): one LISTSTATUS answer */
			hd_err_clear(err);
			L->no_batch = true;
			page--;
			continue;
		}
		if (r != HD_OK)
			break;
		if ((r = hd_hjson_parse(body.data, body.len, HD_MAX_WEBHDFS_TOKENS, &j, err)) != HD_OK) {
			hd_err_prefix(err, "%s%s: LISTSTATUS", L->w->label, dir);
			break;
		}
		if (L->no_batch) {
			arr = hd_hjson_get(&j, hd_hjson_get(&j, 0, "FileStatuses"), "FileStatus");
		} else {
			int dl = hd_hjson_get(&j, 0, "DirectoryListing");
			arr = hd_hjson_get(&j, hd_hjson_get(&j, hd_hjson_get(&j, dl, "partialListing"), "FileStatuses"),
			                   "FileStatus");
			if (!hd_hjson_u64(&j, hd_hjson_get(&j, dl, "remainingEntries"), &remaining))
				remaining = 0;
		}
		r = page_entries(L, dir, &j, arr, fn, ctx, last, sizeof last, &nseen, err);
		hd_hjson_free(&j);
		if (r != HD_OK || L->no_batch || remaining == 0)
			break;
		if (nseen == 0 || !last[0]) {
			r = hd_err_set(err, HD_ERR_IO, "%s%s: LISTSTATUS_BATCH says %llu entries remain but sent none",
			               L->w->label, dir, (unsigned long long)remaining);
			break;
		}
	}
	hd_buf_free(&q);
	hd_buf_free(&body);
	return r;
}

/* --- the prefix rule ------------------------------------------------------------------------------------------- */

typedef struct walk_ctx {
	int depth;
	const char *pfx; /* prefix of names to take (NULL: every non-hidden name) */
} walk_ctx;

static hd_code walk_entry(lister *L, const char *dir, const char *name, bool is_dir, uint64_t len, void *ctx,
                          hd_err *err);

static hd_code
walk_all(lister *L, const char *dir, int depth, hd_err *err)
{
	walk_ctx c = { .depth = depth, .pfx = NULL };
	if (depth >= HDFS_MAX_DEPTH)
		return hd_err_set(err, HD_ERR_LIMIT, "'%s%s': directories nested more than %d deep", L->w->label, dir,
		                  HDFS_MAX_DEPTH);
	return list_dir(L, dir, walk_entry, &c, err);
}

static hd_code
walk_entry(lister *L, const char *dir, const char *name, bool is_dir, uint64_t len, void *ctx, hd_err *err)
{
	walk_ctx *c = ctx;
	char *path;
	hd_code r;

	if (c->pfx ? strncmp(name, c->pfx, strlen(c->pfx)) != 0 : hidden(name))
		return HD_OK;
	if (!(path = join(dir, name)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	r = is_dir ? walk_all(L, path, c->depth + 1, err) : add_unit(L, path, len, err);
	free(path);
	return r;
}

static hd_code
list_prefix(lister *L, const char *prefix, hd_err *err)
{
	const char *slash = strrchr(prefix, '/');
	size_t dlen = slash ? (size_t)(slash - prefix) + 1 : 0;
	char *dir = hd_malloc(dlen + 2);
	walk_ctx c = { .depth = 0, .pfx = slash ? slash + 1 : prefix };
	hd_code r;

	if (!dir)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	memcpy(dir, prefix, dlen);
	dir[dlen] = '\0';
	if (dlen > 1)
		dir[dlen - 1] = '\0'; /* "/data/out/" → "/data/out"; "/" stays */
	if (!dir[0])
		strcpy(dir, "/");
	if (!c.pfx[0])
		c.pfx = NULL; /* a directory named with its '/': all of it, hidden names skipped */
	r = list_dir(L, dir, walk_entry, &c, err);
	free(dir);
	return r;
}

/* --- globs ----------------------------------------------------------------------------------------------------- */

typedef struct glob_ctx {
	char **comps;
	int k, n; /* matching comps[k]; n components */
} glob_ctx;

static hd_code glob_at(lister *L, const char *base, char **comps, int i, int n, hd_err *err);

static hd_code
glob_entry(lister *L, const char *dir, const char *name, bool is_dir, uint64_t len, void *ctx, hd_err *err)
{
	glob_ctx *g = ctx;
	const char *pat = g->comps[g->k];
	char *path;
	hd_code r = HD_OK;

	/* a wildcard never supplies a hidden name's first character */
	if (hidden(name) && pat[0] != name[0])
		return HD_OK;
	if (!hd_glob_match(pat, name, true))
		return HD_OK;
	if (g->k == g->n - 1 ? is_dir : !is_dir)
		return HD_OK; /* the last component names files; the others directories */
	if (!(path = join(dir, name)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	if (g->k == g->n - 1)
		r = add_unit(L, path, len, err);
	else
		r = glob_at(L, path, g->comps, g->k + 1, g->n, err);
	free(path);
	return r;
}

static void
unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*o++ = *s;
	}
	*o = '\0';
}

/* Match comps[i..n) below base: literal components are walked through without listing; the next magic one (or the
 * last one) is matched against a listing. */
static hd_code
glob_at(lister *L, const char *base, char **comps, int i, int n, hd_err *err)
{
	char *dir = hd_strdup(base);
	int k = i;
	glob_ctx g;
	hd_code r;

	if (!dir)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	while (k < n - 1 && !hd_glob_has_magic(comps[k])) {
		char *lit = hd_strdup(comps[k]), *nd;
		if (!lit) {
			free(dir);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
		}
		unescape(lit);
		nd = join(dir, lit);
		free(lit);
		free(dir);
		if (!(dir = nd))
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
		k++;
	}
	g = (glob_ctx){ .comps = comps, .k = k, .n = n };
	r = list_dir(L, dir, glob_entry, &g, err);
	free(dir);
	return r;
}

static hd_code
list_glob(lister *L, const char *pattern, hd_err *err)
{
	char *copy = hd_strdup(pattern), **comps = NULL;
	int n = 0;
	hd_code r;

	if (!copy || !(comps = hd_malloc((strlen(pattern) / 2 + 2) * sizeof *comps))) {
		free(copy);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory listing '%s'", L->from);
	}
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
	if (n > HDFS_MAX_DEPTH)
		r = hd_err_set(err, HD_ERR_LIMIT, "'%s': more than %d path components", L->from, HDFS_MAX_DEPTH);
	else
		r = n ? glob_at(L, "/", comps, 0, n, err) : HD_OK;
	free(comps);
	free(copy);
	return r;
}

static int
unit_cmp(const void *a, const void *b)
{
	return strcmp(((const hd_unit *)a)->name, ((const hd_unit *)b)->name);
}

hd_code
hd_hdfs_list_at(const hd_webhdfs *w, const char *path, hd_units *out, hd_err *err)
{
	lister L = { .w = w, .from = path, .v = NULL, .n = 0, .cap = 0, .no_batch = false };
	hd_code r = HD_OK;

	out->v = NULL;
	out->n = 0;
	if (!path || path[0] != '/')
		return hd_err_set(err, HD_ERR_NOTFOUND, "load file not found: '%s%s' is not an absolute HDFS path",
		                  w->label, path ? path : "");
	if (hd_glob_has_braces(path)) {
		char **pats;
		int np = hd_glob_braces(path, &pats, HD_MAX_GLOB_ALTERNATIVES);
		if (np < 0)
			return hd_err_set(err, HD_ERR_LIMIT, "'%s%s': its {…} alternatives make more than %d patterns",
			                  w->label, path, HD_MAX_GLOB_ALTERNATIVES);
		for (int i = 0; i < np; i++) {
			if (r == HD_OK)
				r = list_glob(&L, pats[i], err);
			free(pats[i]);
		}
		free(pats);
	} else if (hd_glob_has_magic(path)) {
		r = list_glob(&L, path, err);
	} else {
		r = list_prefix(&L, path, err);
	}
	if (r == HD_OK && L.n == 0)
		r = hd_err_set(err, HD_ERR_NOTFOUND, "load file not found: no file matches '%s%s'", w->label, path);
	if (r != HD_OK) {
		hd_units u = { L.v, L.n };
		hd_units_free(&u);
		return r;
	}
	qsort(L.v, (size_t)L.n, sizeof *L.v, unit_cmp);
	{
		/* alternations may name one file twice */
		int o = 0;
		for (int i = 0; i < L.n; i++) {
			if (o > 0 && strcmp(L.v[o - 1].name, L.v[i].name) == 0) {
				free(L.v[i].name);
				continue;
			}
			L.v[o++] = L.v[i];
		}
		L.n = o;
	}
	out->v = L.v;
	out->n = L.n;
	return HD_OK;
}

hd_code
hd_hdfs_open_at(const hd_webhdfs *w, const hd_unit *u, hd_stream **out, hd_err *err)
{
	size_t ll = strlen(w->label);
	uint64_t end;

	if (strncmp(u->name, w->label, ll) != 0 || u->name[ll] != '/')
		return hd_err_set(err, HD_ERR_INTERNAL, "'%s' is not a unit of %s", u->name, w->label);
	end = u->length ? u->offset + u->length : u->size;
	if (u->offset > end)
		return hd_err_set(err, HD_ERR_INTERNAL, "'%s': range past the end", u->name);
	return hd_webhdfs_open(w, u->name + ll, u->offset, end, u->name, out, err);
}

/* --- fs.defaultFS ---------------------------------------------------------------------------------------------- */

/* The value of property name in a Hadoop *-site.xml text, trimmed, malloc'd; NULL when absent. A tolerant scan:
 * <property> blocks with <name> and <value> children; comments and CDATA are not special-cased. */
static char *
xml_property(const char *xml, const char *name)
{
	const char *p = xml;
	while ((p = strstr(p, "<property")) != NULL) {
		const char *end = strstr(p, "</property>"), *n, *ne, *v, *ve;
		if (!end)
			return NULL;
		n = strstr(p, "<name>");
		v = strstr(p, "<value>");
		if (n && v && n < end && v < end) {
			n += 6;
			v += 7;
			ne = strstr(n, "</name>");
			ve = strstr(v, "</value>");
			if (ne && ve && ne < end && ve < end) {
				while (n < ne && strchr(" \t\r\n", *n))
					n++;
				while (ne > n && strchr(" \t\r\n", ne[-1]))
					ne--;
				while (v < ve && strchr(" \t\r\n", *v))
					v++;
				while (ve > v && strchr(" \t\r\n", ve[-1]))
					ve--;
				if ((size_t)(ne - n) == strlen(name) && memcmp(n, name, (size_t)(ne - n)) == 0)
					return hd_strndup(v, (size_t)(ve - v));
			}
		}
		p = end + 11;
	}
	return NULL;
}

static char *
read_conf(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	char *b;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return NULL;
	if (!(b = hd_malloc(HD_MAX_HADOOP_CONF + 1))) {
		fclose(f);
		return NULL;
	}
	n = fread(b, 1, HD_MAX_HADOOP_CONF, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

hd_code
hd_hdfs_default_namenode(char **nn, hd_err *err)
{
	const char *dir = getenv("HADOOP_CONF_DIR");
	char *core, *fs = NULL, *site, *http = NULL;
	const char *host, *hend, *port = NULL;
	bool webhdfs = false;
	hd_code r = HD_OK;

	*nn = NULL;
	if (!dir || !*dir)
		dir = "/etc/hadoop/conf";
	if (!(core = read_conf(dir, "core-site.xml")))
		return hd_err_set(err, HD_ERR_USAGE, "hdfs:///path needs fs.defaultFS: cannot read %s/core-site.xml (set "
		                  "HADOOP_CONF_DIR, or name the NameNode: hdfs://namenode:9870/path)", dir);
	fs = xml_property(core, "fs.defaultFS");
	if (!fs)
		fs = xml_property(core, "fs.default.name"); /* the Hadoop 1 name */
	free(core);
	if (!fs)
		return hd_err_set(err, HD_ERR_USAGE, "hdfs:///path: %s/core-site.xml sets no fs.defaultFS", dir);
	if (strncmp(fs, "hdfs://", 7) == 0) {
		host = fs + 7;
	} else if (strncmp(fs, "webhdfs://", 10) == 0) {
		host = fs + 10;
		webhdfs = true;
	} else {
		r = hd_err_set(err, HD_ERR_UNSUPPORTED, "hdfs:///path: fs.defaultFS '%s' is not an hdfs:// or webhdfs:// URL",
		               fs);
		goto out;
	}
	hend = host + strcspn(host, "/");
	if (hend == host) {
		r = hd_err_set(err, HD_ERR_USAGE, "hdfs:///path: fs.defaultFS '%s' names no host", fs);
		goto out;
	}
	{
		const char *c = memchr(host, ':', (size_t)(hend - host));
		if (c && webhdfs)
			port = c + 1;
		if (c)
			hend = c;
	}
	if (!webhdfs && (site = read_conf(dir, "hdfs-site.xml")) != NULL) {
		http = xml_property(site, "dfs.namenode.http-address");
		free(site);
		if (http && strrchr(http, ':'))
			port = strrchr(http, ':') + 1;
	}
	{
		size_t hl = (size_t)(hend - host), pl = port ? strcspn(port, "/") : 4;
		if (!(*nn = hd_malloc(hl + pl + 2))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(*nn, hl + pl + 2, "%.*s:%.*s", (int)hl, host, (int)pl, port ? port : "9870");
	}
out:
	free(http);
	free(fs);
	return r;
}

/* --- the ops --------------------------------------------------------------------------------------------------- */

/* The role's HDFS identity on an initialised w; on failure w is freed (the callers return at once: valgrind found
 * the NameNode, label and user leaked when a role's token or keytab could not be used). */
static hd_code
with_role(hd_webhdfs *w, const hd_copy_spec *spec, hd_err *err)
{
	hd_code r = hd_webhdfs_use_role(w, spec->role, err);
	if (r != HD_OK)
		hd_webhdfs_free(w);
	return r;
}

/* The NameNode of the spec's hdfs:// URL; the label is the URL's scheme and authority as written. */
static hd_code
resolve(const hd_copy_spec *spec, hd_webhdfs *w, hd_err *err)
{
	char *nn = NULL, label[512];
	hd_code r;

	if (spec->src_authority && spec->src_authority[0]) {
		snprintf(label, sizeof label, "hdfs://%s", spec->src_authority);
		r = hd_webhdfs_init(w, spec->src_authority, label, err);
		return r ? r : with_role(w, spec, err); /* issue 9: the role's HDFS identity */
	}
	if ((r = hd_hdfs_default_namenode(&nn, err)) != HD_OK)
		return r;
	/* hdfs:///x names files hdfs://<defaultFS namenode>/x, so messages say which cluster */
	snprintf(label, sizeof label, "hdfs://%s", nn);
	r = hd_webhdfs_init(w, nn, label, err);
	free(nn);
	return r ? r : with_role(w, spec, err); /* issue 9 */
}

static hd_code
hdfs_list(const hd_copy_spec *spec, hd_units *out, hd_err *err)
{
	hd_webhdfs w;
	hd_code r;

	out->v = NULL;
	out->n = 0;
	if ((r = resolve(spec, &w, err)) != HD_OK)
		return r;
	r = hd_hdfs_list_at(&w, spec->src_path, out, err);
	hd_webhdfs_free(&w);
	return r;
}

static hd_code
hdfs_open(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err)
{
	hd_webhdfs w;
	hd_code r;

	*out = NULL;
	if ((r = resolve(spec, &w, err)) != HD_OK)
		return r;
	r = hd_hdfs_open_at(&w, unit, out, err);
	hd_webhdfs_free(&w);
	return r;
}

const hd_source_ops hd_source_hdfs = { "hdfs", hdfs_list, hdfs_open };
