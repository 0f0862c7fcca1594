/*
 * copy.h — the Redshift COPY statement as a typed, validated value, and the script splitter.
 *
 * hd_copy_parse() lexes and parses one statement (no trailing ';' needed) into an hd_copy_spec that the caller frees
 * with hd_copy_spec_free(). Every option conflict Redshift rejects is rejected here, before any I/O, with the byte
 * position in the statement. Options a later stage implements are parsed normally; stages refuse what they cannot do.
 *
 * Strings in the spec are NUL-terminated, owned by the spec, with SQL quoting and escapes already resolved.
 * Secrets (secret_access_key, session_token, credentials) are never to be printed: hd_copy_spec_describe() redacts them.
 */
#ifndef HD_COPY_COPY_H
#define HD_COPY_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef enum hd_src_kind {
	HD_SRC_LOCAL = 0, /* '/path', 'relative/path' or 'file:///path' (source holds the path without file://) */
	HD_SRC_EMR,       /* 'emr://cluster-id/path' */
	HD_SRC_HDFS,      /* 'hdfs://[namenode[:port]]/path' */
	HD_SRC_SSH        /* '<manifest location>' SSH */
} hd_src_kind;

typedef enum hd_format_kind {
	HD_FMT_DELIMITED = 0,
	HD_FMT_CSV,
	HD_FMT_FIXEDWIDTH,
	HD_FMT_JSON,
	HD_FMT_SHAPEFILE, /* parsed; unsupported */
	HD_FMT_AVRO,      /* parsed; unsupported */
	HD_FMT_PARQUET,   /* parsed; unsupported */
	HD_FMT_ORC        /* parsed; unsupported */
} hd_format_kind;

typedef enum hd_compression {
	HD_COMP_NONE = 0,
	HD_COMP_GZIP,
	HD_COMP_BZIP2,
	HD_COMP_LZOP,
	HD_COMP_ZSTD
} hd_compression;

typedef enum hd_auth_kind {
	HD_AUTH_NONE = 0,
	HD_AUTH_IAM_ROLE,     /* IAM_ROLE 'arn…' / IAM_ROLE default (iam_role = NULL, iam_role_default = true) */
	HD_AUTH_CREDENTIALS,  /* CREDENTIALS '…' (parsed into the fields below) */
	HD_AUTH_KEYS          /* ACCESS_KEY_ID '…' SECRET_ACCESS_KEY '…' [SESSION_TOKEN '…'] */
} hd_auth_kind;

typedef enum hd_encoding {
	HD_ENC_UTF8 = 0,
	HD_ENC_UTF16,
	HD_ENC_UTF16LE,
	HD_ENC_UTF16BE
} hd_encoding;

typedef struct hd_fw_col {
	char *label;
	int width; /* in characters */
} hd_fw_col;

typedef struct hd_copy_spec {
	/* Target */
	char *schema;   /* NULL when not given */
	char *table;
	char **columns; /* NULL when no column list */
	int ncolumns;

	/* Source */
	char *source;          /* the FROM string as written (after SQL unquoting) */
	hd_src_kind src_kind;
	char *src_path;        /* local: the path (file:// stripped); emr/hdfs: the path part after the authority */
	char *src_authority;   /* emr: cluster id; hdfs: "namenode[:port]" or "" for hdfs:///path; NULL for local */
	bool ssh;              /* SSH keyword present (src_kind == HD_SRC_SSH, src_path is the manifest's location) */
	hd_src_kind manifest_kind; /* with SSH: where the manifest is (HD_SRC_LOCAL, HD_SRC_HDFS or HD_SRC_EMR) */

	/* Authorization (secrets: never print) */
	hd_auth_kind auth;
	char *iam_role;          /* the role string as written, or NULL with iam_role_default */
	bool iam_role_default;
	char *role_name;         /* the role's name: the part after "role/" in an ARN, else the whole string */
	char *access_key_id;
	char *secret_access_key; /* secret */
	char *session_token;     /* secret */
	/* Added for roles (issue 9): the role the session resolved and authorized for this COPY (access/ fills it in
	 * before the load; the parser leaves it NULL). NULL = no role: a local load without an authorization clause,
	 * an SQLite target, or a database whose role catalog is empty (the environment's identity, as before). */
	const struct hd_access_role *role;

	/* Format */
	hd_format_kind format;
	char delimiter;          /* '|' default; ',' default for CSV */
	bool delimiter_set;
	char quote;              /* CSV quote, default '"' */
	bool quote_set;
	char *fixedwidth_spec;   /* as written */
	hd_fw_col *fw_cols;
	int nfw_cols;
	char *json_arg;          /* "auto", "auto ignorecase", or a jsonpaths location */
	bool json_auto;
	bool json_ignorecase;

	hd_compression compression;

	/* Data conversion */
	bool acceptanydate;
	bool acceptinvchars;
	char acceptinvchars_char; /* default '?' */
	bool blanksasnull;
	char *dateformat;         /* NULL = default 'YYYY-MM-DD'; "auto" allowed */
	char *timeformat;         /* NULL = default 'YYYY-MM-DD HH:MI:SS'; "auto", "epochsecs", "epochmillisecs" */
	hd_encoding encoding;
	bool emptyasnull;
	bool escape;
	bool explicit_ids;
	bool fillrecord;
	bool ignoreblanklines;
	long ignoreheader;        /* 0 = none */
	char *null_as;            /* NULL = the default "\N" (every format, CSV included); may hold a NUL: null_as_len */
	size_t null_as_len;
	bool removequotes;
	bool roundec;
	bool trimblanks;
	bool truncatecolumns;

	/* Data load */
	long maxerror;            /* default 0 */
	bool maxerror_set;
	bool ignoreallerrors;
	bool noload;
	long comprows;            /* -1 = not given */
	int compupdate;           /* -1 not given, 0 OFF, 1 ON, 2 PRESET */
	int statupdate;           /* -1 not given, 0 OFF, 1 ON */
} hd_copy_spec;

/* Parse one COPY statement. On error returns HD_ERR_SYNTAX (or NOMEM) with a message that names the
 * problem and its position ("at position N"). Sources and options that exist only for Amazon S3 or DynamoDB
 * (s3://, dynamodb://, MANIFEST, REGION, ENCRYPTED, READRATIO) return HD_ERR_UNSUPPORTED, also with a position. */
hd_code hd_copy_parse(const char *sql, size_t len, hd_copy_spec **out, hd_err *err);
void hd_copy_spec_free(hd_copy_spec *spec);

/* The target table as "schema"."table" or "table", quoted, into buf (size n). */
void hd_copy_spec_table_name(const hd_copy_spec *spec, char *buf, size_t n);

struct hd_buf;
/* Append the spec to out as one canonical COPY statement (NUL-terminated; out->len excludes the NUL), secrets written
 * as '***'. For logs and verbose output. May reallocate out->data. */
hd_code hd_copy_spec_describe(const hd_copy_spec *spec, struct hd_buf *out);

/* --- Scripts ----------------------------------------------------------------------------------------------------- */

/* One statement of a script: text without the terminating ';', trimmed of surrounding white space. */
typedef struct hd_stmt {
	const char *text;
	size_t len;
	size_t offset; /* byte offset of text in the script */
	int line;      /* 1-based line of its first byte */
} hd_stmt;

/* Return the next non-empty statement starting at *pos and advance *pos past it. Splits on ';' outside
 * '…' (with '' doubling and E'…' backslash escapes), "…", $tag$…$tag$, -- comments and nested / * * / comments.
 * Returns 1 with *out set, 0 at the end, or -1 when the script ends inside a quote or comment (err set). */
int hd_script_next(const char *script, size_t len, size_t *pos, hd_stmt *out, hd_err *err);

/* True when the statement's first keyword is COPY (case-insensitive, after comments). */
bool hd_stmt_is_copy(const hd_stmt *st);

/* --- GRANT / REVOKE ASSUMEROLE (issue 9; grant.c) ----------------------------------------------------------------
 *   GRANT  ASSUMEROLE ON { 'role' [, ...] | ALL } TO   { user | ROLE role | PUBLIC } [, ...] FOR { COPY | ALL }
 *   REVOKE ASSUMEROLE ON { 'role' [, ...] | ALL } FROM { user | ROLE role | PUBLIC } [, ...] FOR { COPY | ALL }
 * hdcopy runs these itself (access/); PostgreSQL never sees them. */

typedef struct hd_grantee {
	char type;   /* 'u' a user, 'g' ROLE name (a PostgreSQL role used as a group), 'p' PUBLIC — Redshift's letters */
	char *name;  /* NULL for PUBLIC; identifiers folded to lower case unless "quoted" */
} hd_grantee;

typedef struct hd_grant {
	bool revoke;
	bool all_roles;        /* ON ALL */
	char **roles;          /* role names (an ARN's name part), nroles of them; none with ON ALL */
	int nroles;
	hd_grantee *grantees;
	int ngrantees;
	bool for_all;          /* FOR ALL; else FOR COPY */
} hd_grant;

/* True when the statement starts with GRANT ASSUMEROLE or REVOKE ASSUMEROLE (case-insensitive, after comments). */
bool hd_stmt_is_assumerole(const hd_stmt *st);
/* Parse one GRANT/REVOKE ASSUMEROLE statement. HD_ERR_SYNTAX with the position; FOR UNLOAD, EXTERNAL FUNCTION and
 * CREATE MODEL are HD_ERR_UNSUPPORTED (hdcopy runs only COPY). Free with hd_grant_free(). */
hd_code hd_grant_parse(const char *sql, size_t len, hd_grant **out, hd_err *err);
void hd_grant_free(hd_grant *g);

#endif
