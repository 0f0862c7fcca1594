/*
 * hdcopy.h — the public API: run Redshift-style COPY statements (and the SQL around them) against a target.
 *
 * A session is one target (PostgreSQL or SQLite) and the options of a run. hd_session_exec() runs one statement:
 * a Redshift COPY is executed by hdcopy (atomically: all of its rows or none); anything else passes through to the
 * target unchanged. Messages (Redshift's INFO lines, warnings) and the rows of pass-through queries go to callbacks;
 * nothing is printed by the library. The CLI (src/cli) is one user of this API; `hdcopy serve` will be another.
 *
 * Errors are values: every call returns an hd_code and fills the caller's hd_err with one line naming the cause.
 */
#ifndef HDCOPY_H
#define HDCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hd_code {
	HD_OK = 0,
	HD_ERR_NOMEM = 1,       /* allocation failed */
	HD_ERR_USAGE = 2,       /* bad command line */
	HD_ERR_SYNTAX = 3,      /* invalid statement (grammar or conflicting options) */
	HD_ERR_UNSUPPORTED = 4, /* parsed, valid, but not implemented (yet) */
	HD_ERR_NOTFOUND = 5,    /* a source matched no file (Redshift 1212) */
	HD_ERR_IO = 6,          /* reading a source failed */
	HD_ERR_LOAD = 7,        /* data errors exceeded MAXERROR */
	HD_ERR_TARGET = 8,      /* the target cannot be reached or failed */
	HD_ERR_PRIVILEGE = 9,   /* the target refused: authentication or privilege */
	HD_ERR_TABLE = 10,      /* the table or a listed column does not exist / is unusable */
	HD_ERR_LIMIT = 11,      /* a named cap was exceeded (record too long, …) */
	HD_ERR_INTERNAL = 12,   /* a bug */
	HD_ERR_CANCELED = 13    /* stopped on request */
} hd_code;

#define HD_ERR_MSG_MAX 1024

typedef struct hd_err {
	hd_code code;
	char msg[HD_ERR_MSG_MAX];
} hd_err;

/* Short name of a code, e.g. "syntax error". */
const char *hd_strerror(hd_code code);
/* The CLI's exit status for a code: 0 loaded; 1 load failed; 2 invalid statement or command line; 3 target. */
int hd_exit_status(hd_code code);

/* Message levels, as PostgreSQL names them. */
typedef enum hd_level { HD_LOG_INFO = 0, HD_LOG_NOTICE, HD_LOG_WARNING } hd_level;

/* Rows of a pass-through statement: once with values == NULL (the header), then once per row (NULL = SQL NULL). */
typedef int (*hd_rows_fn)(void *ctx, int ncols, const char *const *names, const char *const *values);
typedef void (*hd_message_fn)(void *ctx, hd_level level, const char *text);

typedef struct hd_options {
	int slices;               /* parallel slices; 0 = number of cores */
	bool progress;            /* draw a progress line on standard error during loads (when it is a terminal) */
	hd_message_fn message;    /* may be NULL */
	hd_rows_fn rows;          /* may be NULL */
	void *ctx;
	/* Added for `hdcopy serve` (issue 10): a COPY ends with its slices prepared (PostgreSQL two-phase commit, even
	 * with one slice) instead of committed, and the caller decides: it runs the statement of hd_session_decision_sql()
	 * in a transaction of its own choosing, and after that transaction has ended calls hd_session_settle(). Needs
	 * max_prepared_transactions > 0 (HD_ERR_UNSUPPORTED otherwise, and on SQLite). NOLOAD prepares nothing. */
	bool prepare_only;
	/* Added for `hdcopy serve` (issue 9): statements come from a database session, not from the OS user who runs
	 * hdcopy. A local-file COPY without a role then needs superuser or pg_read_server_files (PostgreSQL's rule for
	 * COPY FROM a server file), and a remote one always needs a role, even while the role catalog is empty. */
	bool client_session;
} hd_options;

/* Per-file outcome of a COPY. */
typedef struct hd_file_result {
	char *name;
	int64_t lines;    /* lines scanned (header and blank lines included) */
	int64_t rows;     /* rows loaded (0 with NOLOAD) */
	int64_t errors;   /* rows rejected */
	uint64_t bytes;   /* bytes read (after decompression) */
} hd_file_result;

/* The outcome of one statement. */
typedef struct hd_result {
	bool is_copy;
	char tag[64];             /* command tag: "COPY 4", "CREATE TABLE", "SELECT 3" */
	char table[256];          /* COPY: the table as named in the statement */
	int64_t rows_loaded;
	int64_t rows_rejected;
	int64_t rows_replaced;    /* rows with ACCEPTINVCHARS replacements */
	uint64_t bytes;
	double elapsed;           /* seconds */
	int64_t query_id;         /* stl_load_errors.query / stl_load_commits.query */
	bool noload;
	int slices;
	const char *commit_method;/* "single transaction", … */
	hd_file_result *files;    /* owned by the result: hd_result_clear() */
	int nfiles;
	/* When a COPY fails on data errors, the first rejected row (for the one-line error message). */
	char first_error[512];
	/* Added for SSH sources (issue 6): units skipped instead of failing the COPY (a non-mandatory SSH manifest
	 * entry that could not be reached), one line each naming the unit and the cause. Owned: hd_result_clear(). */
	char **warnings;
	int nwarnings;
} hd_result;

void hd_result_clear(hd_result *r);

typedef struct hd_session hd_session;

/* Connect to a target: "postgresql://…", "postgres://…", a libpq keyword string, or "sqlite:PATH". */
hd_code hd_session_open(const char *target, const hd_options *opt, hd_session **out, hd_err *err);
void hd_session_close(hd_session *s);

/* Run one statement (without its ';'). res is cleared first and filled on success and on failure. */
hd_code hd_session_exec(hd_session *s, const char *sql, size_t len, hd_result *res, hd_err *err);

/* Added for cancel (issue 10): stop the statement s is running on another thread, as PostgreSQL's cancel request
 * does. Thread-safe (not async-signal-safe: from a signal, call it on a thread that waits for the signal). A COPY
 * stops promptly — every slice, and the server's side of each connection is interrupted — rolls back whatever it
 * had begun or prepared, and hd_session_exec() returns HD_ERR_CANCELED ("canceling statement due to user request");
 * a cancel that comes once the COPY has started to commit is too late and ignored. A pass-through statement is
 * cancelled on the server. A cancel while no statement runs applies to the next one. */
void hd_session_cancel(hd_session *s);

/* Settle what interrupted loads left on the target (prepared transactions of a multi-slice load whose process died):
 * commit those whose commit decision was recorded, roll back the rest. Loads still running are left alone. Every
 * COPY does this first; `hdcopy recover` does only this. */
hd_code hd_session_recover(hd_session *s, int *committed, int *rolled_back, hd_err *err);

/* ---- Prepare-only loads (hd_options.prepare_only; `hdcopy serve` inside a client's transaction block) ------------
 * After a successful COPY the session holds one pending load: its slices are prepared transactions, and the session
 * keeps the load's lock (so recovery leaves it alone) until hd_session_settle() or hd_session_close(). The commit
 * decision is the row that hd_session_decision_sql()'s INSERT writes into hdcopy.load_decisions — the same row the
 * CLI writes in autocommit and recovery looks for (docs/internals/commit.md). A second COPY on a session with a
 * pending load is refused. */

/* True when the session holds a pending load. */
bool hd_session_pending(const hd_session *s);
/* The statement that records the pending load's commit decision ("INSERT INTO hdcopy.load_decisions …"), NUL-ended,
 * into buf (n bytes). HD_ERR_USAGE when nothing is pending. */
hd_code hd_session_decision_sql(const hd_session *s, char *buf, size_t n, hd_err *err);
/* Settle the pending load by its decision, read now on this session: the row exists (the caller's transaction
 * committed) → COMMIT PREPARED every slice, else ROLLBACK PREPARED. Call it only once the transaction that ran the
 * decision statement has ended, or when it never ran; when its outcome is unknown (the connection broke during
 * COMMIT), close the session instead and let recovery decide later. *committed (may be NULL) says which. A failure
 * part way leaves the rest to recovery (the error says so). Nothing pending: HD_OK, *committed = false. */
hd_code hd_session_settle(hd_session *s, bool *committed, hd_err *err);

/* Parse and validate sql as a Redshift COPY without running anything: HD_OK when it is one hdcopy would run,
 * else the parser's error (HD_ERR_SYNTAX or HD_ERR_UNSUPPORTED, with the position). For `hdcopy serve`'s rule of
 * which COPY statements it runs itself (docs/serve.md). */
hd_code hd_copy_check(const char *sql, size_t len, hd_err *err);

/* Scripts: the next non-empty statement of script[0..len) from *pos, split on ';' outside quotes, dollar quotes and
 * comments. Returns 1 with *out set, 0 at the end, -1 on an unterminated quote or comment (err says where). */
typedef struct hd_statement {
	const char *text; /* without the ';' */
	size_t len;
	size_t offset;
	int line;         /* 1-based line of the statement's first byte */
} hd_statement;
int hd_script_next_statement(const char *script, size_t len, size_t *pos, hd_statement *out, hd_err *err);

/* ---- The loader's SSH identity (src/access; `hdcopy key`, `hdcopy nodes`; docs/ssh.md) ---------------------------
 * State lives in $HDCOPY_HOME (default ~/.hdcopy, mode 0700): the key pair id_ed25519 (0600) / id_ed25519.pub,
 * known_hosts, an optional `nodes` file and credential profiles in profiles/<name>. The private key is never printed. */

/* $HDCOPY_HOME, or ~/.hdcopy, into buf (n bytes). */
hd_code hd_access_home(char *buf, size_t n, hd_err *err);
/* The loader's public key line ("ssh-ed25519 AAAA… hdcopy@host"); creates $HDCOPY_HOME (0700) and the Ed25519 key
 * pair on first use (*created says so; may be NULL). Refuses a private key that group or others can read. The caller
 * frees *pubkey. */
hd_code hd_access_key(char **pubkey, bool *created, hd_err *err);
/* The addresses the loader connects from: the lines of $HDCOPY_HOME/nodes when it exists (a multi-host loader),
 * else this machine's interface addresses without loopback and link-local ones. Free with hd_access_strv_free(). */
hd_code hd_access_nodes(char ***addrs, int *n, hd_err *err);
void hd_access_strv_free(char **v, int n);
/* A ready authorized_keys line for pubkey: from="addr,…",no-pty,no-agent-forwarding,no-port-forwarding,
 * no-X11-forwarding <pubkey>. Addresses may be IPs, CIDRs or patterns; '"', ',' and white space are refused. */
hd_code hd_access_authorized_line(const char *pubkey, char *const *addrs, int n, char **line, hd_err *err);

/* ---- Roles and ASSUMEROLE grants (issue 9; src/access/role.c; docs/setup.md) ------------------------------------
 * A role (what IAM_ROLE names) is kept in a PostgreSQL target's hdcopy schema: its policy (clusters, path globs, SSH
 * hosts) and identity names (ssh user, HDFS user, Kerberos principal). Its secrets stay in $HDCOPY_HOME: the key
 * file of profiles/NAME, and secrets/NAME.keytab or secrets/NAME.token (copied there, 0600, by role create). GRANT /
 * REVOKE ASSUMEROLE statements are run by hd_session_exec(). SQLite targets have no role catalog. */
typedef struct hd_role_def {
	const char *name;                 /* 1-64 of [A-Za-z0-9+=,.@_-] */
	const char *const *clusters;      /* cluster ID globs; "hdfs://NAMENODE[:PORT]" globs for hdfs:// URLs */
	int nclusters;
	const char *const *paths;         /* path globs ('**' crosses '/'); apply to every source, local ones too */
	int npaths;
	const char *const *hosts;         /* SSH manifest endpoint host globs */
	int nhosts;
	const char *ssh_user;             /* login for SSH; NULL = the profile's / the manifest's */
	const char *hdfs_user;            /* WebHDFS user.name (simple auth); NULL = the environment's */
	const char *keytab_file;          /* with principal: Kerberos (SPNEGO); the file is copied into $HDCOPY_HOME */
	const char *principal;
	const char *token_file;           /* a delegation token file, copied into $HDCOPY_HOME */
	bool is_default;                  /* what IAM_ROLE default (and a remote COPY with no authorization) uses */
	bool replace;                     /* replace an existing role of this name (its owner or a superuser) */
} hd_role_def;

hd_code hd_session_role_create(hd_session *s, const hd_role_def *d, hd_err *err);
hd_code hd_session_role_drop(hd_session *s, const char *name, hd_err *err);
/* Rows through the session's rows callback: every role, or the one named (name != NULL). */
hd_code hd_session_role_list(hd_session *s, const char *name, hd_err *err);

/* Test builds (-DHD_FAULTS=ON): install the I/O and allocation faults $HDCOPY_FAULTS names (src/common/sys.h,
 * docs/testing.md "Faults"); HD_ERR_USAGE for a spec it does not understand. Other builds: nothing, HD_OK. */
hd_code hd_faults_init(hd_err *err);
/* Test builds with $HDCOPY_FAULTS set: a line counting the calls seen and faults injected, 1; else 0. */
int hd_faults_summary(char *buf, size_t n);

/* The library's version string. */
const char *hd_version(void);

#endif
