/*
 * emr.c — 'emr://cluster-id/path' as a source (hd_source_emr): the cluster is looked up in the catalog
 * (include/hdcopy_cluster.h, $HDCOPY_HOME/clusters/<ID>) and read through hdfs.c against its NameNode, with the same
 * globbing, prefix rule, byte ranges and replica failover. Units are named 'emr://ID/path'.
 *
 * Which way a cluster is read: over WebHDFS when its entry says webhdfs = true or it has no hosts; otherwise
 * Redshift's way, `hdfs dfs -cat PATH` on one of its hosts over SSH — not available yet.
 * TODO(issue 7 / SSH source, issue 6): read each file on a cluster host over SSH through src/source/ssh.c once it
 * lands (list over WebHDFS or `hdfs dfs -ls`, then one SSH unit per file: endpoint = a host, command = hdfs dfs -cat
 * 'path' shell-quoted, username = ssh_user).
 */
#include "source/hdfs.h"

#include <stdio.h>
#include <string.h>

#include "hdcopy_cluster.h"

static hd_code
resolve(const hd_copy_spec *spec, hd_webhdfs *w, hd_err *err)
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
	if (!c.webhdfs && c.nhosts > 0) {
		hd_cluster_free(&c);
		return hd_err_set(err, HD_ERR_UNSUPPORTED,
		                  "emr://%s: reading a cluster's files over SSH (hdfs dfs -cat on its hosts) is not supported "
		                  "yet; read it over WebHDFS: hdcopy cluster add %s --namenode HOST[:PORT] --webhdfs",
		                  spec->src_authority, spec->src_authority);
	}
	snprintf(label, sizeof label, "emr://%s", c.id);
	r = hd_webhdfs_init(w, c.namenode, label, err);
	hd_cluster_free(&c);
	return r;
}

static hd_code
emr_list(const hd_copy_spec *spec, hd_units *out, hd_err *err)
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
emr_open(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err)
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

const hd_source_ops hd_source_emr = { "emr", emr_list, emr_open };
