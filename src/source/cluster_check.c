/*
 * cluster_check.c — `hdcopy cluster check ID` (issue 9): a pre-flight doctor for a catalogued cluster, one row per
 * host, every failing cell with the exact fix.
 *
 *   tcp       the host's SSH port answers (ssh_probe.c)              timeout → firewall rule admitting `hdcopy nodes`
 *   hostkey   the host key is in $HDCOPY_HOME/known_hosts, unchanged unknown → the exact known_hosts line to accept
 *   auth      the loader's key is accepted for the user              → the exact authorized_keys line
 *   hdfs      `hdfs version` runs there for that user                → install / PATH
 *   namenode  the NameNode's WebHDFS answers (from the loader)       → the address of `hdcopy cluster add`
 *   paths     each path the load will read exists and can be listed → the path and the HDFS user
 * The last two are the same for every row (they are asked once, from the loader). A cell after a failed SSH step is
 * "not run". Nothing secret is printed: public keys and addresses only.
 */
#include "hdcopy_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "common/buf.h"
#include "common/limits.h"
#include "source/ssh_probe.h"
#include "source/webhdfs.h"
#include "common/sys.h"

#define HDFS_PROBE "command -v hdfs >/dev/null 2>&1 || { echo 'hdfs: command not found' >&2; exit 127; }; " \
                   "hdfs version >/dev/null"

static void
set(hd_check_cell *c, int state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set(hd_check_cell *c, int state, const char *fmt, ...)
{
	va_list ap;
	c->state = state;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
}

/* The directory to list for a path glob: everything before the first component with a glob character. */
static void
glob_base(const char *glob, char *out, size_t n)
{
	const char *magic = strpbrk(glob, "*?[{\\");
	size_t len = magic ? (size_t)(magic - glob) : strlen(glob);
	while (magic && len > 1 && glob[len - 1] != '/')
		len--;
	if (len > 1 && glob[len - 1] == '/')
		len--;
	snprintf(out, n, "%.*s", (int)(len ? len : 1), len ? glob : "/");
}

static void
check_namenode(const hd_cluster *c, const hd_check_opts *o, hd_check_cell *nn, hd_check_cell *paths)
{
	hd_webhdfs w;
	hd_access_role role;
	hd_buf body;
	hd_err err;
	char label[128];

	memset(&role, 0, sizeof role);
	snprintf(role.hdfs_auth, sizeof role.hdfs_auth, "simple");
	snprintf(role.hdfs_user, sizeof role.hdfs_user, "%s", o->hdfs_user ? o->hdfs_user : "");
	snprintf(label, sizeof label, "emr://%s", c->id);
	hd_err_clear(&err);
	if (hd_webhdfs_init(&w, c->namenode, label, &err) != HD_OK || hd_webhdfs_use_role(&w, &role, &err) != HD_OK) {
		set(nn, HD_PROBE_FAIL, "%s", err.msg);
		hd_webhdfs_free(&w); /* init zeroes it first, so this is right whichever call failed */
		return;
	}
	hd_buf_init(&body, HD_MAX_WEBHDFS_ANSWER);
	if (hd_webhdfs_get(&w, "/", "GETFILESTATUS", &body, &err) != HD_OK) {
		set(nn, HD_PROBE_FAIL, "the NameNode's WebHDFS at %s does not answer: %s (fix the address: hdcopy cluster add %s "
		    "--namenode HOST:HTTP-PORT --replace …)", c->namenode, err.msg, c->id);
		goto out;
	}
	set(nn, HD_PROBE_OK, "WebHDFS at %s answers (as %s)", c->namenode, hd_webhdfs_who(&w));
	if (o->npaths == 0) {
		set(paths, HD_PROBE_NOT_RUN, "no path to check (give --role NAME or --path)");
		goto out;
	}
	set(paths, HD_PROBE_OK, "readable:");
	for (int i = 0; i < o->npaths; i++) {
		char dir[1024];
		glob_base(o->paths[i], dir, sizeof dir);
		hd_buf_reset(&body);
		if (hd_webhdfs_get(&w, dir, "LISTSTATUS", &body, &err) != HD_OK) {
			set(paths, HD_PROBE_FAIL, "%s (for --path %s); make it exist and readable for HDFS user %s (hdfs dfs -chmod / "
			    "-chown), or change the role's --path", err.msg, o->paths[i], hd_webhdfs_who(&w));
			goto out;
		}
		snprintf(paths->detail + strlen(paths->detail), sizeof paths->detail - strlen(paths->detail), " %s", dir);
	}
out:
	hd_buf_free(&body);
	hd_webhdfs_free(&w);
}

hd_code
hd_cluster_check(const char *id, const hd_check_opts *o, hd_check_row **rows, int *nrows, hd_err *err)
{
	hd_cluster c;
	hd_check_cell nn, paths;
	char key[PATH_MAX], kh[PATH_MAX], *pub = NULL, *line = NULL, **addrs = NULL;
	char fw4[1024] = "", fw6[1024] = "";
	int naddrs = 0;
	hd_code r;

	*rows = NULL;
	*nrows = 0;
	if ((r = hd_cluster_load(id, &c, err)) != HD_OK)
		return r;
	if (c.nhosts == 0) {
		hd_cluster_free(&c);
		return hd_err_set(err, HD_ERR_USAGE, "cluster %s lists no hosts (hdcopy cluster add %s --hosts H1,H2 --replace …)",
		                  id, id);
	}
	if ((r = hd_access_key(&pub, NULL, err)) != HD_OK || (r = hd_access_nodes(&addrs, &naddrs, err)) != HD_OK ||
	    (r = hd_access_authorized_line(pub, addrs, naddrs, &line, err)) != HD_OK ||
	    (r = hd_access_path(HD_ACCESS_KEY_FILE, key, sizeof key, err)) != HD_OK ||
	    (r = hd_access_path(HD_ACCESS_KNOWN_HOSTS, kh, sizeof kh, err)) != HD_OK)
		goto out;
	for (int i = 0; i < naddrs; i++) {
		char *dst = strchr(addrs[i], ':') ? fw6 : fw4;
		size_t l = strlen(dst);
		snprintf(dst + l, 1024 - l, "%s%s", l ? ", " : "", addrs[i]);
	}
	if (!(*rows = hd_calloc((size_t)c.nhosts, sizeof **rows))) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&nn, 0, sizeof nn);
	memset(&paths, 0, sizeof paths);
	check_namenode(&c, o, &nn, &paths);
	for (int i = 0; i < c.nhosts; i++) {
		hd_check_row *w = &(*rows)[i];
		const char *user = o->user && *o->user ? o->user : c.ssh_user ? c.ssh_user : "hadoop";
		hd_probe_in in;
		hd_probe_out p;
		char hk[300];

		hd_probe_split_host(c.hosts[i], w->host, sizeof w->host, &w->port);
		snprintf(w->user, sizeof w->user, "%s", user);
		in = (hd_probe_in){ .host = w->host, .port = w->port, .user = user, .key = key, .known_hosts = kh,
		                    .command = HDFS_PROBE, .timeout = o->timeout > 0 ? o->timeout : 5 };
		hd_probe_run(&in, &p);
		if (w->port == 22)
			snprintf(hk, sizeof hk, "%s", w->host);
		else
			snprintf(hk, sizeof hk, "[%s]:%d", w->host, w->port);
		if (p.tcp == HD_PROBE_OK)
			set(&w->c[HD_CHECK_TCP], HD_PROBE_OK, "port %d answers", w->port);
		else if (strcmp(p.tcp_why, "timeout") == 0)
			set(&w->c[HD_CHECK_TCP], HD_PROBE_FAIL,
			    "no answer on port %d within %d s: the host's firewall drops the loader. Admit it before the drop "
			    "rule, on the host: nft insert rule inet filter input tcp dport %d %s%s%s%s%s%s accept (or: hdcopy "
			    "cluster authorize %s)",
			    w->port, in.timeout, w->port, fw4[0] ? "ip saddr { " : "", fw4, fw4[0] ? " }" : "",
			    fw6[0] ? " ip6 saddr { " : "", fw6, fw6[0] ? " }" : "", id);
		else
			set(&w->c[HD_CHECK_TCP], HD_PROBE_FAIL,
			    "port %d: %s: nothing listens there — start sshd on the host (systemctl start ssh), or give the "
			    "right port: hdcopy cluster add %s --hosts HOST:PORT,… --replace",
			    w->port, p.tcp_why, id);
		if (p.hostkey == HD_PROBE_OK)
			set(&w->c[HD_CHECK_HOSTKEY], HD_PROBE_OK, "%s known", p.fingerprint);
		else if (p.hostkey == HD_PROBE_FAIL && strcmp(p.hostkey_why, "unknown") == 0)
			set(&w->c[HD_CHECK_HOSTKEY], HD_PROBE_FAIL,
			    "unknown host key %s: check this fingerprint out of band, then add to %s: %s %s", p.fingerprint, kh,
			    hk, p.hostkey_line);
		else if (p.hostkey == HD_PROBE_FAIL && strcmp(p.hostkey_why, "changed") == 0)
			set(&w->c[HD_CHECK_HOSTKEY], HD_PROBE_FAIL,
			    "HOST KEY CHANGED: the host presents %s, not the key in %s. Verify it out of band; only then replace "
			    "that host's line with: %s %s", p.fingerprint, kh, hk, p.hostkey_line);
		else if (p.hostkey == HD_PROBE_FAIL)
			set(&w->c[HD_CHECK_HOSTKEY], HD_PROBE_FAIL, "%s", p.hostkey_why);
		if (p.auth == HD_PROBE_OK)
			set(&w->c[HD_CHECK_AUTH], HD_PROBE_OK, "key accepted for %s", user);
		else if (p.auth == HD_PROBE_FAIL)
			set(&w->c[HD_CHECK_AUTH], HD_PROBE_FAIL,
			    "the host refused the loader's key for user %s: append to ~%s/.ssh/authorized_keys on the host: %s "
			    "(or: hdcopy cluster authorize %s --admin-user ADMIN)", user, user, line, id);
		if (p.exec == HD_PROBE_OK)
			set(&w->c[HD_CHECK_HDFS], HD_PROBE_OK, "hdfs runs");
		else if (p.exec == HD_PROBE_FAIL)
			set(&w->c[HD_CHECK_HDFS], HD_PROBE_FAIL,
			    "the hdfs client does not run for %s (exit status %d%s%s): install Hadoop's client on the host and put "
			    "'hdfs' on %s's PATH for non-interactive SSH commands", user, p.exit_status, p.exec_why[0] ? ": " : "",
			    p.exec_why, user);
		w->c[HD_CHECK_NAMENODE] = nn;
		w->c[HD_CHECK_PATHS] = paths;
		(*nrows)++;
	}
	r = HD_OK;
out:
	free(pub);
	free(line);
	hd_access_strv_free(addrs, naddrs);
	hd_cluster_free(&c);
	if (r != HD_OK) {
		free(*rows);
		*rows = NULL;
		*nrows = 0;
	}
	return r;
}
