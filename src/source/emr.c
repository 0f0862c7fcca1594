/*
 * emr.c — 'emr://cluster-id/path' as a source (hd_source_emr): the cluster is looked up in the catalog
 * (include/hdcopy_cluster.h, $HDCOPY_HOME/clusters/<ID>). Units are named 'emr://ID/path'.
 *
 * Which way a cluster is read:
 *  - over WebHDFS when its entry says webhdfs = true or it has no hosts: through hdfs.c against its NameNode, with
 *    the same globbing, prefix rule, byte ranges and replica failover;
 *  - otherwise Redshift's way (issue 7): the files are listed through the NameNode's WebHDFS (same globbing and
 *    prefix rule), and each file is one unit read on one of the cluster's hosts over SSH by running
 *    `hdfs dfs -cat 'PATH'` (ssh.c's hd_ssh_open_command: host key checked against $HDCOPY_HOME/known_hosts, the
 *    credential profile's key, its timeouts, stderr and exit status checked). Files go to hosts round-robin in name
 *    order; slices take the units from the shared queue. The login is the entry's ssh_user, else the profile's
 *    user, else the local user. A unit is never cut into byte ranges (hd_unit.whole): a command has no offsets.
 *    The path is shell-quoted (single quotes, ' as '\'') after escaping Hadoop's glob characters with '\', since
 *    `hdfs dfs -cat` expands its argument as a glob.
 */
#include "source/hdfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdcopy_cluster.h"
#include "source/manifest.h"
#include "source/ssh.h"
#include "common/sys.h"

/* The cluster's NameNode as a WebHDFS handle; *cl (when cl is given) gets the catalog entry. */
static hd_code
resolve(const hd_copy_spec *spec, hd_webhdfs *w, hd_cluster *cl, hd_err *err)
{
	hd_cluster c;
	char label[128];
	hd_code r;

	if ((r = hd_cluster_load(spec->src_authority, &c, err)) != HD_OK) {
		if (r == HD_ERR_NOTFOUND) {
			char msg[HD_ERR_MSG_MAX];
			snprintf(msg, sizeof msg, "%s", err->msg);
			return hd_err_set(err, HD_ERR_USAGE, "emr://%s: %s", spec->src_authority, msg);
		}
		return r;
	}
	snprintf(label, sizeof label, "emr://%s", c.id);
	r = hd_webhdfs_init(w, c.namenode, label, err);
	if (r == HD_OK && (r = hd_webhdfs_use_role(w, spec->role, err)) != HD_OK) /* issue 9: the role's HDFS identity */
		hd_webhdfs_free(w); /* the callers return at once: nothing else frees it (valgrind) */
	if (r == HD_OK && cl)
		*cl = c;
	else
		hd_cluster_free(&c);
	return r;
}

/* `hdfs dfs -cat 'PATH'` with Hadoop's glob characters escaped (FsShell expands its argument as a glob; a literal
 * component is unescaped again by Hadoop's Globber), then single-quoted for the host's shell. */
static hd_code
cat_command(const char *path, hd_buf *b)
{
	hd_buf esc;
	hd_code r = HD_OK;

	hd_buf_init(&esc, 0);
	for (const char *p = path; r == HD_OK && *p; p++) {
		if (strchr("*?[]{}\\", *p))
			r = hd_buf_append(&esc, "\\", 1);
		if (r == HD_OK)
			r = hd_buf_append(&esc, p, 1);
	}
	if (r == HD_OK)
		r = hd_buf_cstr(&esc);
	if (r == HD_OK)
		r = hd_buf_append_str(b, "hdfs dfs -cat ");
	if (r == HD_OK)
		r = hd_ssh_shell_quote(b, esc.data);
	if (r == HD_OK)
		r = hd_buf_cstr(b);
	hd_buf_free(&esc);
	return r;
}

/* Make every listed file an SSH unit: priv = an hd_ssh_target block (strings after it), hosts round-robin. */
static hd_code
ssh_units(const hd_copy_spec *spec, const hd_cluster *c, hd_units *u, hd_err *err)
{
	hd_access_profile prof;
	char known_hosts[PATH_MAX], login[257], host[256], what[1024];
	const char *user;
	size_t ll = strlen("emr://") + strlen(c->id);
	hd_code r;

	if ((r = hd_ssh_credentials(spec, &prof, known_hosts, login, err)) != HD_OK)
		return r;
	user = c->ssh_user ? c->ssh_user : prof.user[0] ? prof.user : login;
	for (int i = 0; i < u->n; i++) {
		hd_unit *x = &u->v[i];
		const char *hostspec = c->hosts[i % c->nhosts];
		hd_buf cmd;
		hd_ssh_target *t;
		size_t n;
		char *p;
		int port;

		if ((r = hd_manifest_endpoint(hostspec, host, sizeof host, &port, err)) != HD_OK)
			return hd_err_prefix(err, "emr://%s: host '%s' of the cluster entry", c->id, hostspec);
		if (spec->role) { /* issue 9: a host read over SSH is inside the role's --host patterns, as manifest hosts */
			snprintf(what, sizeof what, "emr://%s host %s", c->id, hostspec);
			if ((r = hd_access_policy_host(spec->role, host, what, err)) != HD_OK)
				return r;
		}
		hd_buf_init(&cmd, 0);
		if ((r = cat_command(x->name + ll, &cmd)) != HD_OK) {
			hd_buf_free(&cmd);
			return hd_err_set(err, r, "out of memory");
		}
		snprintf(what, sizeof what, "emr://%s host %s@%s port %d (hdfs dfs -cat)", c->id, user, host, port);
		n = sizeof *t + strlen(host) + strlen(user) + cmd.len + strlen(prof.key) + strlen(known_hosts) +
		    strlen(what) + 6;
		if (!(t = hd_calloc(1, n))) {
			hd_buf_free(&cmd);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		}
		p = (char *)(t + 1);
#define PUT(field, s) (t->field = p, p = stpcpy(p, (s)) + 1)
		PUT(host, host);
		PUT(user, user);
		PUT(command, cmd.data);
		PUT(key, prof.key);
		PUT(known_hosts, known_hosts);
		PUT(what, what);
#undef PUT
		hd_buf_free(&cmd);
		t->port = port;
		t->connect_timeout = prof.connect_timeout;
		t->read_timeout = prof.read_timeout;
		t->what_on_read = true;
		x->priv = t;
		x->whole = true;
	}
	return HD_OK;
}

static hd_code
emr_list(const hd_copy_spec *spec, hd_units *out, hd_err *err)
{
	hd_webhdfs w;
	hd_cluster c;
	hd_code r;

	out->v = NULL;
	out->n = 0;
	if ((r = resolve(spec, &w, &c, err)) != HD_OK)
		return r;
	r = hd_hdfs_list_at(&w, spec->src_path, out, err);
	hd_webhdfs_free(&w);
	if (r == HD_OK && !c.webhdfs && c.nhosts > 0 && (r = ssh_units(spec, &c, out, err)) != HD_OK)
		hd_units_free(out);
	hd_cluster_free(&c);
	return r;
}

static hd_code
emr_open(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err)
{
	hd_webhdfs w;
	hd_code r;

	*out = NULL;
	if (unit->priv) /* listed for SSH reads */
		return hd_ssh_open_command(unit->priv, unit->name, out, err);
	if ((r = resolve(spec, &w, NULL, err)) != HD_OK)
		return r;
	r = hd_hdfs_open_at(&w, unit, out, err);
	hd_webhdfs_free(&w);
	return r;
}

const hd_source_ops hd_source_emr = { "emr", emr_list, emr_open };
