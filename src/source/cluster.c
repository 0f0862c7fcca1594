/*
 * cluster.c — the cluster catalog of include/hdcopy_cluster.h: $HDCOPY_HOME/clusters/<ID> entry files, and DataNode
 * host discovery from the NameNode's JMX (webhdfs.c).
 *
 * $HDCOPY_HOME follows the rule of src/access/ (hd_access_home: $HDCOPY_HOME, else ~/.hdcopy); it is computed here
 * too so the catalog does not depend on that module being built. Directories are created 0700; an entry is written
 * to a temporary file (O_CREAT|O_EXCL, 0600) and renamed into place, so a reader never sees half an entry. An entry
 * is at most HD_MAX_CLUSTER_FILE bytes; nothing in it is secret (no tokens, no keys).
 */
#include "hdcopy_cluster.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/limits.h"
#include "source/webhdfs.h"
#include "common/sys.h"

bool
hd_cluster_valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > HD_CLUSTER_ID_MAX || id[0] == '.' || id[0] == '-')
		return false;
	for (; *id; id++)
		if (!((*id >= 'A' && *id <= 'Z') || (*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9') ||
		      *id == '.' || *id == '_' || *id == '-'))
			return false;
	return true;
}

/* $HDCOPY_HOME/clusters (created when create), into buf. */
static hd_code
clusters_dir(char *buf, size_t n, bool create, hd_err *err)
{
	const char *home = getenv("HDCOPY_HOME");
	char base[4096];

	if (home && *home) {
		snprintf(base, sizeof base, "%s", home);
	} else {
		const char *h = getenv("HOME");
		struct passwd pw, *res = NULL;
		char pwbuf[4096];
		if ((!h || !*h) && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
			h = res->pw_dir;
		if (!h || !*h)
			return hd_err_set(err, HD_ERR_USAGE, "cannot find a home directory: set HDCOPY_HOME");
		snprintf(base, sizeof base, "%s/.hdcopy", h);
	}
	if ((size_t)snprintf(buf, n, "%s/clusters", base) >= n)
		return hd_err_set(err, HD_ERR_USAGE, "$HDCOPY_HOME is too long");
	if (create) {
		if (mkdir(base, 0700) != 0 && errno != EEXIST)
			return hd_err_set(err, HD_ERR_IO, "cannot create '%s': %s", base, strerror(errno));
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return hd_err_set(err, HD_ERR_IO, "cannot create '%s': %s", buf, strerror(errno));
	}
	return HD_OK;
}

static hd_code
entry_path(const char *id, char *buf, size_t n, bool create, hd_err *err)
{
	char dir[4200];
	hd_code r;

	if (!hd_cluster_valid_id(id))
		return hd_err_set(err, HD_ERR_USAGE, "'%s' is not a valid cluster ID: 1-%d of A-Z a-z 0-9 . _ -, not "
		                  "starting with '.' or '-'", id, HD_CLUSTER_ID_MAX);
	if ((r = clusters_dir(dir, sizeof dir, create, err)) != HD_OK)
		return r;
	if ((size_t)snprintf(buf, n, "%s/%s", dir, id) >= n)
		return hd_err_set(err, HD_ERR_USAGE, "$HDCOPY_HOME is too long");
	return HD_OK;
}

/* A value may not hold a newline or NUL (it would change the file's meaning). */
static bool
clean(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

hd_code
hd_cluster_save(const hd_cluster *c, bool replace, hd_err *err)
{
	char path[4300], tmp[4400];
	hd_buf b;
	hd_code r;
	int fd;
	struct stat st;

	if ((r = entry_path(c->id, path, sizeof path, true, err)) != HD_OK)
		return r;
	if (!clean(c->namenode) || (c->ssh_user && !clean(c->ssh_user)))
		return hd_err_set(err, HD_ERR_USAGE, "cluster %s: a value holds a line break", c->id);
	if (!replace && lstat(path, &st) == 0)
		return hd_err_set(err, HD_ERR_USAGE, "cluster %s exists already (remove it first)", c->id);
	hd_buf_init(&b, HD_MAX_CLUSTER_FILE);
	r = hd_buf_printf(&b, "# hdcopy cluster catalog entry (hdcopy cluster show %s)\nnamenode = %s\n", c->id,
	                  c->namenode);
	if (r == HD_OK && c->ssh_user)
		r = hd_buf_printf(&b, "ssh_user = %s\n", c->ssh_user);
	if (r == HD_OK && c->nhosts > 0) {
		r = hd_buf_append_str(&b, "hosts = ");
		for (int i = 0; r == HD_OK && i < c->nhosts; i++) {
			if (!clean(c->hosts[i]) || strchr(c->hosts[i], ',') || !c->hosts[i][0]) {
				hd_buf_free(&b);
				return hd_err_set(err, HD_ERR_USAGE, "cluster %s: '%s' is not a host name", c->id, c->hosts[i]);
			}
			r = hd_buf_printf(&b, "%s%s", i ? "," : "", c->hosts[i]);
		}
		if (r == HD_OK)
			r = hd_buf_append_str(&b, "\n");
	}
	if (r == HD_OK)
		r = hd_buf_printf(&b, "webhdfs = %s\n", c->webhdfs ? "true" : "false");
	if (r != HD_OK) {
		hd_buf_free(&b);
		return hd_err_set(err, r, "cluster %s: entry too large", c->id);
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = hd_sys_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		hd_buf_free(&b);
		return hd_err_set(err, HD_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
	}
	{
		size_t off = 0;
		while (off < b.len) {
			ssize_t w = hd_sys.write(fd, b.data + off, b.len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r = hd_err_set(err, HD_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
				break;
			}
			off += (size_t)w;
		}
	}
	if (r == HD_OK && fsync(fd) != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
	hd_sys_close(fd);
	hd_buf_free(&b);
	if (r == HD_OK && rename(tmp, path) != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	if (r != HD_OK)
		unlink(tmp);
	return r;
}

static char *
trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static hd_code
split_hosts(const char *list, char ***out, int *n, hd_err *err)
{
	char *copy = hd_strdup(list), *save = NULL;
	char **v = NULL;
	int cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!copy)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (char *p = copy; p; p = save) {
		char *comma = strchr(p, ',');
		save = comma ? comma + 1 : NULL;
		if (comma)
			*comma = '\0';
		p = trim(p);
		if (!*p)
			continue;
		if (cnt == cap) {
			int nc = cap ? cap * 2 : 8;
			char **nv = hd_realloc(v, (size_t)nc * sizeof *nv);
			if (!nv)
				goto nomem;
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = hd_strdup(p)))
			goto nomem;
		cnt++;
	}
	free(copy);
	*out = v;
	*n = cnt;
	return HD_OK;
nomem:
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	free(copy);
	return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}

hd_code
hd_cluster_load(const char *id, hd_cluster *c, hd_err *err)
{
	char path[4300], *text = NULL, *line, *save = NULL;
	FILE *f;
	size_t n;
	hd_code r = HD_OK;
	int lineno = 0;

	memset(c, 0, sizeof *c);
	if ((r = entry_path(id, path, sizeof path, false, err)) != HD_OK)
		return r;
	if (!(f = fopen(path, "re"))) {
		if (errno == ENOENT)
			return hd_err_set(err, HD_ERR_NOTFOUND, "no cluster '%s' in the catalog (hdcopy cluster add %s "
			                  "--namenode HOST[:PORT])", id, id);
		return hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	}
	if (!(text = hd_malloc(HD_MAX_CLUSTER_FILE + 1))) {
		fclose(f);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	n = fread(text, 1, HD_MAX_CLUSTER_FILE + 1, f);
	fclose(f);
	if (n > HD_MAX_CLUSTER_FILE) {
		free(text);
		return hd_err_set(err, HD_ERR_LIMIT, "'%s' is larger than %u bytes", path, HD_MAX_CLUSTER_FILE);
	}
	text[n] = '\0';
	snprintf(c->id, sizeof c->id, "%s", id);
	for (line = strtok_r(text, "\n", &save); line && r == HD_OK; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *k, *v;
		lineno++;
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		if (!(eq = strchr(k, '='))) {
			r = hd_err_set(err, HD_ERR_SYNTAX, "%s line %d: expected key = value", path, lineno);
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (strcmp(k, "namenode") == 0) {
			free(c->namenode);
			if (!(c->namenode = hd_strdup(v)))
				r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		} else if (strcmp(k, "ssh_user") == 0) {
			free(c->ssh_user);
			if (!(c->ssh_user = hd_strdup(v)))
				r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		} else if (strcmp(k, "hosts") == 0) {
			for (int i = 0; i < c->nhosts; i++)
				free(c->hosts[i]);
			free(c->hosts);
			r = split_hosts(v, &c->hosts, &c->nhosts, err);
		} else if (strcmp(k, "webhdfs") == 0) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
				r = hd_err_set(err, HD_ERR_SYNTAX, "%s line %d: webhdfs is true or false", path, lineno);
			c->webhdfs = strcmp(v, "true") == 0;
		} else {
			r = hd_err_set(err, HD_ERR_SYNTAX, "%s line %d: unknown key '%.64s'", path, lineno, k);
		}
	}
	free(text);
	if (r == HD_OK && (!c->namenode || !c->namenode[0]))
		r = hd_err_set(err, HD_ERR_SYNTAX, "%s: no namenode", path);
	if (r != HD_OK)
		hd_cluster_free(c);
	return r;
}

hd_code
hd_cluster_remove(const char *id, hd_err *err)
{
	char path[4300];
	hd_code r;

	if ((r = entry_path(id, path, sizeof path, false, err)) != HD_OK)
		return r;
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return hd_err_set(err, HD_ERR_NOTFOUND, "no cluster '%s' in the catalog", id);
		return hd_err_set(err, HD_ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
	}
	return HD_OK;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

hd_code
hd_cluster_list(char ***ids, int *n, hd_err *err)
{
	char dir[4200];
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	int cnt = 0, cap = 0;
	hd_code r;

	*ids = NULL;
	*n = 0;
	if ((r = clusters_dir(dir, sizeof dir, false, err)) != HD_OK)
		return r;
	if (!(d = opendir(dir))) {
		if (errno == ENOENT)
			return HD_OK;
		return hd_err_set(err, HD_ERR_IO, "cannot list '%s': %s", dir, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		if (!hd_cluster_valid_id(e->d_name) || strstr(e->d_name, ".tmp."))
			continue;
		if (cnt == cap) {
			int nc = cap ? cap * 2 : 16;
			char **nv = hd_realloc(v, (size_t)nc * sizeof *nv);
			if (!nv)
				goto nomem;
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = hd_strdup(e->d_name)))
			goto nomem;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, (size_t)cnt, sizeof *v, str_cmp);
	*ids = v;
	*n = cnt;
	return HD_OK;
nomem:
	closedir(d);
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}

void
hd_cluster_free(hd_cluster *c)
{
	if (!c)
		return;
	free(c->namenode);
	free(c->ssh_user);
	for (int i = 0; i < c->nhosts; i++)
		free(c->hosts[i]);
	free(c->hosts);
	memset(c, 0, sizeof *c);
}

hd_code
hd_cluster_discover(const char *namenode, char ***hosts, int *n, hd_err *err)
{
	hd_webhdfs w;
	hd_hdfs_node *nodes = NULL;
	int nn = 0, cnt = 0;
	char **v = NULL, label[300];
	hd_code r;

	*hosts = NULL;
	*n = 0;
	snprintf(label, sizeof label, "hdfs://%s", namenode);
	if ((r = hd_webhdfs_init(&w, namenode, label, err)) != HD_OK)
		return r;
	r = hd_webhdfs_live_nodes(&w, &nodes, &nn, err);
	hd_webhdfs_free(&w);
	if (r != HD_OK)
		return r;
	if (!(v = hd_calloc((size_t)nn + 1, sizeof *v))) {
		free(nodes);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < nn; i++) {
		bool seen = false;
		for (int k = 0; k < cnt && !seen; k++)
			seen = strcmp(v[k], nodes[i].host) == 0;
		if (seen || !nodes[i].host[0])
			continue;
		if (!(v[cnt] = hd_strdup(nodes[i].host))) {
			for (int k = 0; k < cnt; k++)
				free(v[k]);
			free(v);
			free(nodes);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		}
		cnt++;
	}
	free(nodes);
	if (cnt)
		qsort(v, (size_t)cnt, sizeof *v, str_cmp);
	*hosts = v;
	*n = cnt;
	return HD_OK;
}
