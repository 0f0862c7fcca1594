/*
 * access.h — the loader's state directory ($HDCOPY_HOME), its SSH identity and its credential profiles, for the
 * CLI (through the hd_access_* calls of include/hdcopy.h) and the SSH source (the calls below).
 *
 * Layout of $HDCOPY_HOME (default ~/.hdcopy; created 0700):
 *   id_ed25519, id_ed25519.pub   the loader's key pair (private 0600, written O_CREAT|O_EXCL; refused when group or
 *                                others may read it)
 *   known_hosts                  hosts verified without a manifest publickey (OpenSSH format)
 *   nodes                        optional: the loader's addresses, one per line (a multi-host loader)
 *   profiles/<name>              credential profiles: "key = value" lines (key, user, connect_timeout,
 *                                read_timeout); `IAM_ROLE 'arn:…:role/NAME'` selects profiles/NAME
 * A profile holds no secret itself: it names a key file. Nothing here prints or logs a key.
 */
#ifndef HD_ACCESS_ACCESS_H
#define HD_ACCESS_ACCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define HD_ACCESS_KEY_FILE "id_ed25519"
#define HD_ACCESS_KNOWN_HOSTS "known_hosts"
#define HD_ACCESS_NAME_MAX 64

typedef struct hd_access_profile {
	char name[HD_ACCESS_NAME_MAX + 1];
	char key[PATH_MAX];     /* private key file (absolute) */
	char user[257];         /* login name; "" = the manifest's, else the local user's */
	int connect_timeout;    /* seconds to connect, exchange keys and authenticate; default 10 */
	int read_timeout;       /* seconds a command may send nothing before its unit fails; default 120 */
} hd_access_profile;

/* The profile a statement selects: its role name (IAM_ROLE 'arn:…:role/NAME' → NAME, IAM_ROLE default →
 * "default"), else its ACCESS_KEY_ID, else "default". Both arguments may be NULL. */
const char *hd_access_profile_name(const char *role_name, const char *access_key_id);

/* True for a usable profile name: 1–64 of [A-Za-z0-9+=,.@_-], not starting with '.'. */
bool hd_access_valid_name(const char *name);

/* Parse a profile's text (home: $HDCOPY_HOME, for the defaults and relative key paths). HD_ERR_SYNTAX names the line. */
hd_code hd_access_profile_parse(const char *text, size_t len, const char *home, const char *name, hd_access_profile *p,
                                hd_err *err);

/* Load profiles/<name> from $HDCOPY_HOME. "default" may be absent (defaults apply); another name must exist. A profile
 * file that group or others can write is refused. */
hd_code hd_access_profile_load(const char *name, hd_access_profile *p, hd_err *err);

/* HD_OK when path is a regular file that group and others can neither read nor write (OpenSSH's rule for private
 * keys); else HD_ERR_PRIVILEGE-free HD_ERR_IO naming the path and the mode, never the content. */
hd_code hd_access_check_private(const char *path, hd_err *err);

/* $HDCOPY_HOME/<file> into buf. */
hd_code hd_access_path(const char *file, char *buf, size_t n, hd_err *err);

/* Validate one address for a from="…" list. */
bool hd_access_valid_addr(const char *a);

/* ---- Roles (issue 9; role.c, policy.c; docs/setup.md) ------------------------------------------------------------
 * A role is two halves that share its name:
 *   - in the target database (hdcopy.iam_roles, readable by every user): the policy — clusters (IDs, or
 *     hdfs://NAMENODE for hdfs:// URLs), path globs, SSH host patterns — and the identity's names (ssh user, HDFS
 *     user, auth kind, Kerberos principal), plus who may assume it (hdcopy.iam_role_grants);
 *   - in the loader's $HDCOPY_HOME: the secrets — profiles/<name> (the credential profile of docs/ssh.md, which is
 *     now a role's local half: key file, timeouts) and secrets/<name>.keytab / secrets/<name>.token (0600).
 * Nothing secret is ever written to the database, printed or put into an error. */

struct hd_sink;
struct hd_sink_ops;
struct hd_copy_spec;

typedef struct hd_access_role {
	char name[HD_ACCESS_NAME_MAX + 1];
	hd_access_profile prof;   /* the local half (key, timeouts); prof.user = the role's ssh_user when it has one */
	char hdfs_user[257];      /* user.name for WebHDFS with simple auth; "" = the environment's */
	char hdfs_auth[16];       /* "simple", "token" or "kerberos" */
	char principal[257];      /* Kerberos principal (with hdfs_auth kerberos) */
	char keytab[PATH_MAX];    /* $HDCOPY_HOME/secrets/<name>.keytab (a path; never its content) */
	char token_file[PATH_MAX];/* $HDCOPY_HOME/secrets/<name>.token */
	char **clusters;          /* glob patterns on cluster IDs ("hdfs://host:port" for hdfs:// URLs) */
	int nclusters;
	char **paths;             /* path globs: * ? […] within a path component, ** across components */
	int npaths;
	char **hosts;             /* host patterns for SSH manifest endpoints (glob on the host name or address) */
	int nhosts;
} hd_access_role;

void hd_access_role_free(hd_access_role *r);

/* Glob of a role's policy: '*', '?' and '[…]' stay inside one '/'-separated component; a '**' component crosses
 * them (a pattern ending in a '**' component matches everything below its directory, and a '**' component in the
 * middle also matches zero components); '\\' escapes. The string is taken literally: a glob character in s is
 * matched only by a wildcard of pat. */
bool hd_access_glob(const char *pat, const char *s);

/* Policy checks (policy.c), before any connection; HD_ERR_PRIVILEGE with a message naming the role, the source and
 * the rule. source_kind is an hd_src_kind; authority the cluster ID or hdfs NameNode ("" for hdfs:///path). */
hd_code hd_access_policy_source(const hd_access_role *r, int source_kind, const char *authority, const char *path,
                                const char *what, hd_err *err);
/* An SSH manifest endpoint's host (no port, no brackets) against the role's --host patterns. */
hd_code hd_access_policy_host(const hd_access_role *r, const char *host, const char *what, hd_err *err);
/* A listed unit (after list(), before reading): its name as the sources give it — a local path, or
 * "hdfs://authority/path", "emr://ID/path" — checked against the role's path globs. */
hd_code hd_access_policy_unit(const hd_access_role *r, int source_kind, const char *unit_name, hd_err *err);

/* Before a COPY reads anything (role.c): the session's user may INSERT into the table (and its listed columns);
 * the role the statement names (IAM_ROLE 'arn…:role/NAME' | 'NAME' | default, CREDENTIALS 'aws_iam_role=…', or
 * the default role for a remote source without an authorization clause) exists, the user holds ASSUMEROLE on it
 * for COPY, and the source is inside its policy. *out is NULL when no role applies: a local source without an
 * authorization clause (with client_session — a statement from `hdcopy serve` — only for a superuser or a member of
 * pg_read_server_files), a target without a role catalog (SQLite: the OS user is the only principal), or a remote
 * source without an authorization clause while the catalog is empty and !client_session (the invoking OS user's own
 * identity). A named role must exist. Refusals are HD_ERR_PRIVILEGE and say what to grant. */
/* GRANT / REVOKE ASSUMEROLE (a parsed hd_grant of copy/copy.h), and `hdcopy role …`. HD_ERR_UNSUPPORTED on a target
 * without a role catalog. */
struct hd_grant;
hd_code hd_access_grant_exec(const struct hd_sink_ops *ops, struct hd_sink *sink, const struct hd_grant *g,
                             hd_err *err);
hd_code hd_access_role_create(const struct hd_sink_ops *ops, struct hd_sink *sink, const hd_role_def *d, hd_err *err);
hd_code hd_access_role_drop(const struct hd_sink_ops *ops, struct hd_sink *sink, const char *name, hd_err *err);
hd_code hd_access_role_list(const struct hd_sink_ops *ops, struct hd_sink *sink, const char *name, hd_rows_fn cb,
                            void *ctx, hd_err *err);

hd_code hd_access_authorize(const struct hd_sink_ops *ops, struct hd_sink *sink, const struct hd_copy_spec *spec,
                            bool client_session, hd_access_role **out, hd_err *err);

#endif
