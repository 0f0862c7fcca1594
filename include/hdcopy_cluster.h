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

/* ---- `hdcopy cluster check ID` (issue 9; src/source/cluster_check.c): a pre-flight doctor, one row per host ------ */
enum { HD_CHECK_TCP, HD_CHECK_HOSTKEY, HD_CHECK_AUTH, HD_CHECK_HDFS, HD_CHECK_NAMENODE, HD_CHECK_PATHS, HD_CHECK__N };
typedef struct hd_check_cell {
	int state;          /* 0 not run (an earlier step failed), 1 passed, 2 failed */
	char detail[2048];  /* what was found; for a failure, the exact fix */
} hd_check_cell;
typedef struct hd_check_row {
	char host[256];
	int port;
	char user[257];
	hd_check_cell c[HD_CHECK__N];
} hd_check_row;
typedef struct hd_check_opts {
	const char *user;              /* SSH login (a role's ssh_user); NULL = the cluster's ssh_user */
	const char *hdfs_user;         /* WebHDFS user.name; NULL = the environment's */
	const char *const *paths;      /* path globs to check on the NameNode (a role's --path) */
	int npaths;
	int timeout;                   /* seconds per step; 0 = 5 */
} hd_check_opts;
/* Check every host of cluster id; *rows (free()) has one row per host. HD_OK even when cells fail. */
hd_code hd_cluster_check(const char *id, const hd_check_opts *o, hd_check_row **rows, int *n, hd_err *err);

/* ---- `hdcopy cluster authorize | deauthorize ID` (issue 9; src/source/cluster_authorize.c) ---------------------- */
typedef struct hd_authorize_opts {
	const char *admin_user;           /* the operator's login on the hosts (root, or sudo -n without a password) */
	const char *admin_key;            /* its private key; NULL = ~/.ssh/id_ed25519 */
	const char *user;                 /* whose authorized_keys; NULL = the cluster's ssh_user */
	const char *authorized_keys_file; /* NULL = ~USER/.ssh/authorized_keys on the host */
	bool deauthorize;
	bool dry_run;                     /* only build the commands */
	bool trust_on_first_use;          /* record an unknown host key in $HDCOPY_HOME/known_hosts */
	int timeout;
} hd_authorize_opts;
typedef struct hd_authorize_row {
	char host[256];
	int port;
	int state;          /* 0 dry run, 1 done, 2 failed */
	char detail[2048];
	char note[256];
	char *command;      /* dry run: the command the admin session would run */
} hd_authorize_row;
hd_code hd_cluster_authorize(const char *id, const hd_authorize_opts *o, hd_authorize_row **rows, int *n, hd_err *err);
void hd_authorize_rows_free(hd_authorize_row *rows, int n);

#endif
