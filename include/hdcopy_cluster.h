/*
 * hdcopy_cluster.h — the cluster catalog (issue 7): Hadoop clusters registered by ID for `COPY … FROM
 * 'emr://ID/path'`, kept in $HDCOPY_HOME/clusters/<ID> (directory 0700, files 0600; $HDCOPY_HOME defaults to
 * ~/.hdcopy). Used by `hdcopy cluster add|list|show|remove` (src/cli/cmd_cluster.c) and the emr:// source.
 *
 * An entry file is "key = value" lines: namenode (host:port, the NameNode's WebHDFS address), ssh_user, hosts
 * (comma-separated), webhdfs (true/false). Unknown keys are kept out (refused on load, so a typo is seen).
 */
#ifndef HDCOPY_CLUSTER_H
#define HDCOPY_CLUSTER_H

#include <stdbool.h>

#include "hdcopy.h"

#define HD_CLUSTER_ID_MAX 64

typedef struct hd_cluster {
	char id[HD_CLUSTER_ID_MAX + 1];
	char *namenode;   /* "host:port" (WebHDFS; port 9870 when not given) */
	char *ssh_user;   /* NULL when not given */
	char **hosts;     /* cluster hosts for SSH reads (given, or discovered from the NameNode's JMX) */
	int nhosts;
	bool webhdfs;     /* read over WebHDFS even when hosts are known */
} hd_cluster;

/* True for a usable ID: 1–64 of [A-Za-z0-9._-], not starting with '.' or '-' (EMR's j-XXXXXXXX fits). */
bool hd_cluster_valid_id(const char *id);
/* Write the entry (refuses to replace an existing one unless replace). */
hd_code hd_cluster_save(const hd_cluster *c, bool replace, hd_err *err);
/* Read entry id: HD_ERR_NOTFOUND when there is none. Free with hd_cluster_free(). */
hd_code hd_cluster_load(const char *id, hd_cluster *c, hd_err *err);
hd_code hd_cluster_remove(const char *id, hd_err *err);
/* The IDs in the catalog, sorted. Free each and the array. */
hd_code hd_cluster_list(char ***ids, int *n, hd_err *err);
void hd_cluster_free(hd_cluster *c);
/* The live DataNode hosts the NameNode at namenode ("host[:port]") reports (JMX NameNodeInfo LiveNodes), distinct,
 * sorted. Free each and the array. */
hd_code hd_cluster_discover(const char *namenode, char ***hosts, int *n, hd_err *err);

#endif
