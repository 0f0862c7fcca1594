/*
 * webhdfs.h — WebHDFS over libcurl, private to source/ (hdfs.c, emr.c, cluster.c): NameNode calls with JSON answers,
 * RemoteException → hd_err, the NameNode's JMX list of live DataNodes, and a bounded streaming OPEN that fails over
 * to another replica when a DataNode dies mid-read.
 *
 * An hd_webhdfs names one NameNode (its HTTP address, "host:port") and how to authenticate to it; it is immutable
 * after hd_webhdfs_init(), so one may be shared by threads. Every call makes its own curl handle (no shared
 * connection state between slices). Messages name files as label + path ("hdfs://nn:9870/data/x",
 * "emr://j-1/data/x"), never an HTTP URL: those can carry a delegation token, which is a secret.
 */
#ifndef HD_SOURCE_WEBHDFS_H
#define HD_SOURCE_WEBHDFS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/stream.h"

typedef struct hd_webhdfs {
	char *nn;         /* the NameNode's HTTP address, "host:port" */
	char *label;      /* scheme + authority for messages: "hdfs://nn:9870", "emr://j-1" */
	char *user;       /* user.name; NULL with a delegation token or Kerberos */
	char *token;      /* delegation token, URL-safe form (secret) */
	bool negotiate;   /* Kerberos/SPNEGO (CURLAUTH_NEGOTIATE) */
	char *hostmap;    /* "name=addr,…": DataNode names to connect to elsewhere (curl CONNECT_TO) */
	long long max_rate; /* bytes/s per DataNode stream; 0 = unlimited */
	int read_timeout;   /* issue 11: seconds without a byte before a NameNode call or DataNode read fails (0 = 60) */
	char ccache[160];   /* a Kerberos role's MEMORY credential cache (krb5_login.c); "" = the process's default */
} hd_webhdfs;

/*
 * Fill w for the NameNode at nn ("host[:port]", default port 9870) with the authentication of the environment:
 *   HDCOPY_HDFS_AUTH=kerberos     SPNEGO (the ticket cache of the process; user.name is not sent)
 *   HDCOPY_HDFS_TOKEN_FILE=PATH   a file holding a delegation token (URL-safe string, as GETDELEGATIONTOKEN gives)
 *   HADOOP_USER_NAME=U            user.name=U (security off); else the OS user
 *   HDCOPY_HDFS_HOSTMAP=a=b,…     connect to b whenever a DataNode is named a (EMR private DNS names)
 *   HDCOPY_HDFS_MAX_RATE=N        read at most N bytes/s per stream (spare a busy cluster)
 *   HDCOPY_HDFS_READ_TIMEOUT=S    a NameNode answer or a DataNode stream that sends nothing for S seconds (1-86400,
 *                                 default 60) fails; a stalled DataNode is then replaced like a failed one
 */
hd_code hd_webhdfs_init(hd_webhdfs *w, const char *nn, const char *label, hd_err *err);
void hd_webhdfs_free(hd_webhdfs *w);
/* Issue 9 (webhdfs_role.c): replace the environment's authentication with a role's — its HDFS user (simple), its
 * delegation token ($HDCOPY_HOME/secrets/NAME.token), or Kerberos with its principal and keytab. role NULL: no-op. */
struct hd_access_role;
hd_code hd_webhdfs_use_role(hd_webhdfs *w, const struct hd_access_role *role, hd_err *err);
/* A role's Kerberos identity (krb5_login.c): log in as principal from keytab (reused while the ticket has more than
 * ten minutes left) and put the name of the MEMORY credential cache holding the ticket in ccname. HD_ERR_IO names
 * the principal and krb5's reason. hd_krb5_use() makes a cache GSS-API's default on the calling thread only: call it
 * before every request that may authenticate with SPNEGO. */
hd_code hd_krb5_login(const char *role, const char *principal, const char *keytab, char *ccname, size_t ccsize,
                      hd_err *err);
void hd_krb5_use(const char *ccname);
/* Who requests run as, for messages: the user, "kerberos", or "delegation token". */
const char *hd_webhdfs_who(const hd_webhdfs *w);

/*
 * GET http://NN/webhdfs/v1<path>?op=<query>&<auth>: the JSON answer of a 200 in *body (capped at
 * HD_MAX_WEBHDFS_ANSWER, NUL-terminated). A RemoteException becomes an error naming label + path: FileNotFound →
 * HD_ERR_NOTFOUND; everything else HD_ERR_IO (AccessControlException: "permission denied for user 'U' (…)").
 * RetriableException / SafeModeException are retried with backoff, HD_WEBHDFS_RETRIES tries in all.
 */
hd_code hd_webhdfs_get(const hd_webhdfs *w, const char *path, const char *query, hd_buf *body, hd_err *err);

typedef struct hd_hdfs_node {
	char host[256];   /* the DataNode's registered host (from its xferaddr) */
	char xfer[300];   /* data-transfer "host:port" (what excludedatanodes wants) */
	char info[300];   /* HTTP "host:port" (where OPEN redirects point) */
} hd_hdfs_node;

/* The NameNode's live DataNodes (JMX NameNodeInfo → LiveNodes), at most HD_MAX_DATANODES. Free *out. */
hd_code hd_webhdfs_live_nodes(const hd_webhdfs *w, hd_hdfs_node **out, int *n, hd_err *err);

/*
 * A stream over bytes [offset, end) of the file at path (end = the file's size as listed). op=OPEN&noredirect=true
 * asks the NameNode for a DataNode, whose body is read through a fixed buffer of HD_WEBHDFS_STREAM_BUF bytes (curl's
 * transfer is paused while it is full). When the DataNode fails (connection refused or reset, a short body, a 5xx)
 * the stream asks again at the first byte not yet received, with that DataNode in excludedatanodes, up to
 * HD_WEBHDFS_REOPENS times; the bytes delivered are the file's bytes exactly once. name is the stream's name in
 * messages (copied).
 */
hd_code hd_webhdfs_open(const hd_webhdfs *w, const char *path, uint64_t offset, uint64_t end, const char *name,
                        hd_stream **out, hd_err *err);

/* Percent-encode s (a path: '/' kept) onto b. */
hd_code hd_webhdfs_escape(hd_buf *b, const char *s, bool keep_slash);

#endif
