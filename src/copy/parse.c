/*
 * parse.c — Redshift COPY grammar → hd_copy_spec, with every option conflict rejected before any I/O.
 *
 *   COPY [schema.]table [ ( column [, ...] ) ] FROM 'source' [ option [ ... ] ] [ ; ]
 *
 * Options come in any order (authorization and SSH are options too: Redshift accepts them anywhere after FROM).
 * Each option is recorded with the byte position of its keyword; after the last one, validate() checks the
 * combinations. Conflict messages name both options and quote the position of the one written second, so
 * "COPY t FROM 'f' CSV ESCAPE" reports ESCAPE's position.
 *
 * Rules and where they come from (Redshift Database Developer Guide pages):
 *   copy-parameters-data-format:     CSV cannot be used with FIXEDWIDTH, REMOVEQUOTES or ESCAPE; QUOTE only with
 *                                    CSV; DELIMITER cannot be used with FIXEDWIDTH; JSON does not support CSV,
 *                                    DELIMITER, ESCAPE, FILLRECORD, FIXEDWIDTH, IGNOREBLANKLINES, NULL AS,
 *                                    READRATIO, REMOVEQUOTES (hdcopy applies the same list to AVRO, PARQUET, ORC
 *                                    and SHAPEFILE, which the loader refuses anyway); DELIMITER is one ASCII
 *                                    character, octal '\ddd' allowed.
 *   copy-parameters-data-conversion: ESCAPE cannot be used with FIXEDWIDTH; ACCEPTINVCHARS is any ASCII character
 *                                    but NUL; NULL AS '\0' / '\000' is the NUL byte; '\n' may not be the null
 *                                    string; fixed-width files must be UTF-8; 'auto', 'epochsecs' and
 *                                    'epochmillisecs' are case-sensitive (kept verbatim for convert/).
 *   COPY-SPEC.md (hdcopy):           REMOVEQUOTES cannot be used with FIXEDWIDTH either.
 *   copy-parameters-data-load:       MAXERROR's limit is 100000 (a larger value is an error here, not clamped);
 *                                    IGNOREALLERRORS cannot be used with MAXERROR; COMPROWS is 1000..2147483647;
 *                                    COMPUPDATE [PRESET|ON|TRUE|OFF|FALSE] and STATUPDATE [ON|TRUE|OFF|FALSE]
 *                                    without an argument mean ON.
 *   copy-parameters-authorization:   IAM_ROLE, CREDENTIALS and ACCESS_KEY_ID/SECRET_ACCESS_KEY[/SESSION_TOKEN]
 *                                    exclude each other; the key pair goes together; SESSION_TOKEN needs the pair;
 *                                    [WITH] CREDENTIALS [AS] '…' is case-sensitive and has no spaces.
 *   copy-parameters-data-source-emr: SSH, MANIFEST, REGION, ENCRYPTED, READRATIO are not allowed with emr://.
 *   copy-parameters-data-source-ssh / -s3 / -dynamodb: MANIFEST, REGION, ENCRYPTED, READRATIO and s3:// or
 *                                    dynamodb:// sources exist only for Amazon S3 / DynamoDB: HD_ERR_UNSUPPORTED.
 *
 * Secrets: only string constants can hold them, and no message here ever prints a string constant's contents.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "copy/copy.h"
#include "copy/copy_int.h"
#include "common/sys.h"

typedef enum opt_id {
	OPT_CSV, OPT_QUOTE, OPT_DELIMITER, OPT_FIXEDWIDTH, OPT_JSON, OPT_AVRO, OPT_PARQUET, OPT_ORC, OPT_SHAPEFILE,
	OPT_GZIP, OPT_BZIP2, OPT_LZOP, OPT_ZSTD,
	OPT_IAM_ROLE, OPT_CREDENTIALS, OPT_ACCESS_KEY_ID, OPT_SECRET_ACCESS_KEY, OPT_SESSION_TOKEN,
	OPT_SSH,
	OPT_ACCEPTANYDATE, OPT_ACCEPTINVCHARS, OPT_BLANKSASNULL, OPT_DATEFORMAT, OPT_TIMEFORMAT, OPT_ENCODING,
	OPT_EMPTYASNULL, OPT_ESCAPE, OPT_EXPLICIT_IDS, OPT_FILLRECORD, OPT_IGNOREBLANKLINES, OPT_IGNOREHEADER,
	OPT_NULL, OPT_REMOVEQUOTES, OPT_ROUNDEC, OPT_TRIMBLANKS, OPT_TRUNCATECOLUMNS,
	OPT_MAXERROR, OPT_IGNOREALLERRORS, OPT_NOLOAD, OPT_COMPROWS, OPT_COMPUPDATE, OPT_STATUPDATE,
	OPT__COUNT
} opt_id;

static const struct opt_def {
	const char *kw; /* lower case, as the lexer folds it */
	const char *name;
} opt_defs[OPT__COUNT] = {
	[OPT_CSV] = {"csv", "CSV"},
	[OPT_QUOTE] = {"quote", "QUOTE"},
	[OPT_DELIMITER] = {"delimiter", "DELIMITER"},
	[OPT_FIXEDWIDTH] = {"fixedwidth", "FIXEDWIDTH"},
	[OPT_JSON] = {"json", "JSON"},
	[OPT_AVRO] = {"avro", "AVRO"},
	[OPT_PARQUET] = {"parquet", "PARQUET"},
	[OPT_ORC] = {"orc", "ORC"},
	[OPT_SHAPEFILE] = {"shapefile", "SHAPEFILE"},
	[OPT_GZIP] = {"gzip", "GZIP"},
	[OPT_BZIP2] = {"bzip2", "BZIP2"},
	[OPT_LZOP] = {"lzop", "LZOP"},
	[OPT_ZSTD] = {"zstd", "ZSTD"},
	[OPT_IAM_ROLE] = {"iam_role", "IAM_ROLE"},
	[OPT_CREDENTIALS] = {"credentials", "CREDENTIALS"},
	[OPT_ACCESS_KEY_ID] = {"access_key_id", "ACCESS_KEY_ID"},
	[OPT_SECRET_ACCESS_KEY] = {"secret_access_key", "SECRET_ACCESS_KEY"},
	[OPT_SESSION_TOKEN] = {"session_token", "SESSION_TOKEN"},
	[OPT_SSH] = {"ssh", "SSH"},
	[OPT_ACCEPTANYDATE] = {"acceptanydate", "ACCEPTANYDATE"},
	[OPT_ACCEPTINVCHARS] = {"acceptinvchars", "ACCEPTINVCHARS"},
	[OPT_BLANKSASNULL] = {"blanksasnull", "BLANKSASNULL"},
	[OPT_DATEFORMAT] = {"dateformat", "DATEFORMAT"},
	[OPT_TIMEFORMAT] = {"timeformat", "TIMEFORMAT"},
	[OPT_ENCODING] = {"encoding", "ENCODING"},
	[OPT_EMPTYASNULL] = {"emptyasnull", "EMPTYASNULL"},
	[OPT_ESCAPE] = {"escape", "ESCAPE"},
	[OPT_EXPLICIT_IDS] = {"explicit_ids", "EXPLICIT_IDS"},
	[OPT_FILLRECORD] = {"fillrecord", "FILLRECORD"},
	[OPT_IGNOREBLANKLINES] = {"ignoreblanklines", "IGNOREBLANKLINES"},
	[OPT_IGNOREHEADER] = {"ignoreheader", "IGNOREHEADER"},
	[OPT_NULL] = {"null", "NULL AS"},
	[OPT_REMOVEQUOTES] = {"removequotes", "REMOVEQUOTES"},
	[OPT_ROUNDEC] = {"roundec", "ROUNDEC"},
	[OPT_TRIMBLANKS] = {"trimblanks", "TRIMBLANKS"},
	[OPT_TRUNCATECOLUMNS] = {"truncatecolumns", "TRUNCATECOLUMNS"},
	[OPT_MAXERROR] = {"maxerror", "MAXERROR"},
	[OPT_IGNOREALLERRORS] = {"ignoreallerrors", "IGNOREALLERRORS"},
	[OPT_NOLOAD] = {"noload", "NOLOAD"},
	[OPT_COMPROWS] = {"comprows", "COMPROWS"},
	[OPT_COMPUPDATE] = {"compupdate", "COMPUPDATE"},
	[OPT_STATUPDATE] = {"statupdate", "STATUPDATE"},
};

/* Options Redshift has only for Amazon S3 or DynamoDB sources. */
static const char *const s3_only[] = {"manifest", "region", "encrypted", "readratio"};

#define NOT_SEEN ((size_t)-1)

typedef struct parser {
	const char *sql;
	size_t len;
	hd_toklist tl;
	size_t i;
	hd_copy_spec *spec;
	hd_err *err;
	size_t seen[OPT__COUNT]; /* keyword position, or NOT_SEEN */
	size_t source_pos;
} parser;

static const hd_token *
cur(const parser *p)
{
	return &p->tl.v[p->i];
}

static void
advance(parser *p)
{
	if (p->tl.v[p->i].kind != HD_TK_EOF)
		p->i++;
}

static bool
is_kw(const hd_token *t, const char *kw)
{
	return t->kind == HD_TK_IDENT && strcmp(t->text, kw) == 0;
}

static bool
is_punct(const hd_token *t, char c)
{
	return t->kind == HD_TK_PUNCT && t->punct == c;
}

static bool
accept_kw(parser *p, const char *kw)
{
	if (is_kw(cur(p), kw)) {
		advance(p);
		return true;
	}
	return false;
}

static hd_code
fail(parser *p, hd_code code, size_t pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static hd_code
fail(parser *p, hd_code code, size_t pos, const char *fmt, ...)
{
	char msg[HD_ERR_MSG_MAX - 40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hd_err_set(p->err, code, "%s (at position %zu)", msg, pos);
}

/* "syntax error at or near …" for the current token; string constants are never quoted (they may be secrets). */
static hd_code
fail_near(parser *p, const char *expecting)
{
	const hd_token *t = cur(p);
	char near[48];
	size_t i, n;

	if (t->kind == HD_TK_EOF)
		return fail(p, HD_ERR_SYNTAX, t->pos, "syntax error at end of input%s%s", expecting ? ": expected " : "",
			    expecting ? expecting : "");
	if (t->kind == HD_TK_STRING) {
		snprintf(near, sizeof near, "a string constant");
	} else {
		n = t->end - t->pos;
		if (n > 40)
			n = 40;
		near[0] = '"';
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p->sql[t->pos + i];
			near[i + 1] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		near[n + 1] = '"';
		near[n + 2] = '\0';
	}
	return fail(p, HD_ERR_SYNTAX, t->pos, "syntax error at or near %s%s%s", near, expecting ? ": expected " : "",
		    expecting ? expecting : "");
}

static hd_code
nomem(parser *p)
{
	return hd_err_set(p->err, HD_ERR_NOMEM, "out of memory");
}

static char *
dupn(const char *s, size_t n)
{
	char *d = hd_malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Store v in *dst, freeing what was there (an earlier authorization option may have set it; validate() then
 * reports the conflict). */
static void
replace(char **dst, char *v)
{
	if (*dst)
		explicit_bzero(*dst, strlen(*dst));
	free(*dst);
	*dst = v;
}

/* A string argument of option `name`: returns the token, or NULL with the error set. With allow_nul false, a
 * string that spells a NUL byte (E'\0') is refused, because the spec's strings are C strings. */
static const hd_token *
expect_string(parser *p, const char *name, bool allow_nul, hd_code *r)
{
	const hd_token *t = cur(p);

	if (t->kind != HD_TK_STRING) {
		*r = fail(p, HD_ERR_SYNTAX, t->pos, "%s requires a quoted string", name);
		return NULL;
	}
	if (!allow_nul && memchr(t->text, '\0', t->len)) {
		*r = fail(p, HD_ERR_SYNTAX, t->pos, "%s: the string may not contain a NUL byte", name);
		return NULL;
	}
	advance(p);
	*r = HD_OK;
	return t;
}

static hd_code
set_string(parser *p, const char *name, char **dst, bool nonempty)
{
	hd_code r;
	const hd_token *t = expect_string(p, name, false, &r);

	if (!t)
		return r;
	if (nonempty && t->len == 0)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s may not be empty", name);
	replace(dst, dupn(t->text, t->len));
	if (!*dst)
		return nomem(p);
	return HD_OK;
}

/* An unsigned integer in [min, max]. */
static hd_code
expect_number(parser *p, const char *name, long min, long max, long *out)
{
	const hd_token *t = cur(p);
	long v = 0;
	size_t i;

	if (t->kind != HD_TK_NUMBER)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s requires an integer from %ld to %ld", name, min, max);
	for (i = 0; i < t->len; i++) {
		int d = t->text[i] - '0';
		if (v > (LONG_MAX - d) / 10) {
			v = LONG_MAX;
			break;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s must be an integer from %ld to %ld", name, min, max);
	advance(p);
	*out = v;
	return HD_OK;
}

/*
 * One character given as a string: a single byte, or a backslash escape as Redshift writes them: '\t' '\n' '\r'
 * '\\' '\'' '\"', octal '\d' to '\ddd', or a backslash before any other punctuation character ('\|' is '|').
 * Returns the byte (0..255) or -1.
 */
static int
decode_char(const char *s, size_t len)
{
	size_t i;
	int v;

	if (len == 1)
		return (unsigned char)s[0];
	if (len < 2 || s[0] != '\\')
		return -1;
	if (s[1] >= '0' && s[1] <= '7') {
		if (len > 4)
			return -1;
		for (i = 1, v = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '7')
				return -1;
			v = v * 8 + (s[i] - '0');
		}
		return v > 255 ? -1 : v;
	}
	if (len != 2)
		return -1;
	switch (s[1]) {
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	default:
		if ((unsigned char)s[1] < 0x80 && !(s[1] >= 'a' && s[1] <= 'z') && !(s[1] >= 'A' && s[1] <= 'Z') &&
		    (unsigned char)s[1] > 0x20)
			return (unsigned char)s[1];
		return -1;
	}
}

/* An identifier (plain or quoted) into *dst. */
static hd_code
expect_ident(parser *p, const char *what, char **dst, size_t *pos)
{
	const hd_token *t = cur(p);

	if (t->kind != HD_TK_IDENT && t->kind != HD_TK_QIDENT)
		return fail_near(p, what);
	if (!(*dst = dupn(t->text, t->len)))
		return nomem(p);
	if (pos)
		*pos = t->pos;
	advance(p);
	return HD_OK;
}

/* --- target and source ------------------------------------------------------------------------------------------- */

static hd_code
parse_columns(parser *p)
{
	hd_copy_spec *s = p->spec;
	size_t cap = 0, pos;
	hd_code r;
	int k;

	advance(p); /* ( */
	for (;;) {
		char *name = NULL;
		if ((size_t)s->ncolumns == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **nv = hd_realloc(s->columns, nc * sizeof *nv);
			if (!nv)
				return nomem(p);
			s->columns = nv;
			cap = nc;
		}
		if ((r = expect_ident(p, "a column name", &name, &pos)) != HD_OK)
			return r;
		s->columns[s->ncolumns++] = name;
		for (k = 0; k < s->ncolumns - 1; k++)
			if (strcmp(s->columns[k], name) == 0)
				return fail(p, HD_ERR_SYNTAX, pos, "column \"%s\" specified more than once", name);
		if (s->ncolumns > HD_MAX_FIELDS)
			return fail(p, HD_ERR_SYNTAX, pos, "too many columns in the column list (the limit is %d)",
				    HD_MAX_FIELDS);
		if (is_punct(cur(p), ',')) {
			advance(p);
			continue;
		}
		if (is_punct(cur(p), ')')) {
			advance(p);
			return HD_OK;
		}
		return fail_near(p, "',' or ')'");
	}
}

/* Split the FROM string into kind, authority and path. */
static hd_code
parse_source(parser *p, const hd_token *t)
{
	hd_copy_spec *s = p->spec;
	const char *src = t->text, *colon;
	size_t n = t->len, slen;

	if (n == 0)
		return fail(p, HD_ERR_SYNTAX, t->pos, "FROM requires a non-empty source");
	if (!(s->source = dupn(src, n)))
		return nomem(p);
	/* a scheme: [A-Za-z][A-Za-z0-9+.-]*:// */
	colon = NULL;
	if ((src[0] >= 'a' && src[0] <= 'z') || (src[0] >= 'A' && src[0] <= 'Z')) {
		size_t i = 1;
		while (i < n && ((src[i] >= 'a' && src[i] <= 'z') || (src[i] >= 'A' && src[i] <= 'Z') ||
				 (src[i] >= '0' && src[i] <= '9') || src[i] == '+' || src[i] == '.' || src[i] == '-'))
			i++;
		if (i + 3 <= n && memcmp(src + i, "://", 3) == 0)
			colon = src + i;
	}
	if (!colon) {
		s->src_kind = HD_SRC_LOCAL;
		if (!(s->src_path = dupn(src, n)))
			return nomem(p);
		return HD_OK;
	}
	slen = (size_t)(colon - src);
	{
		const char *rest = colon + 3, *end = src + n, *slash = memchr(rest, '/', (size_t)(end - rest));
		const char *auth_end = slash ? slash : end;

		if (slen == 4 && strncasecmp(src, "file", 4) == 0) {
			if (auth_end != rest && !((size_t)(auth_end - rest) == 9 && strncasecmp(rest, "localhost", 9) == 0))
				return fail(p, HD_ERR_SYNTAX, t->pos, "file:// sources must be local: file:///path");
			if (!slash || slash + 1 == end)
				return fail(p, HD_ERR_SYNTAX, t->pos, "file:// source has no path: expected file:///path");
			s->src_kind = HD_SRC_LOCAL;
			if (!(s->src_path = dupn(slash, (size_t)(end - slash))))
				return nomem(p);
			return HD_OK;
		}
		if (slen == 3 && strncasecmp(src, "emr", 3) == 0) {
			if (auth_end == rest)
				return fail(p, HD_ERR_SYNTAX, t->pos, "emr:// source has no cluster id: expected "
					    "'emr://cluster-id/hdfs/path'");
			if (!slash || slash + 1 == end)
				return fail(p, HD_ERR_SYNTAX, t->pos, "emr:// source has no path: expected "
					    "'emr://cluster-id/hdfs/path'");
			s->src_kind = HD_SRC_EMR;
		} else if (slen == 4 && strncasecmp(src, "hdfs", 4) == 0) {
			if (!slash || slash + 1 == end)
				return fail(p, HD_ERR_SYNTAX, t->pos, "hdfs:// source has no path: expected "
					    "'hdfs://namenode[:port]/path' or 'hdfs:///path'");
			s->src_kind = HD_SRC_HDFS;
		} else {
			return fail(p, HD_ERR_UNSUPPORTED, t->pos, "%.*s:// sources are not supported: hdcopy loads from "
				    "local files, hdfs://, emr:// and SSH manifests", (int)(slen > 16 ? 16 : slen), src);
		}
		if (!(s->src_authority = dupn(rest, (size_t)(auth_end - rest))) ||
		    !(s->src_path = dupn(slash, (size_t)(end - slash))))
			return nomem(p);
	}
	return HD_OK;
}

/* --- authorization ----------------------------------------------------------------------------------------------- */

/* The role's name: the last path segment after "role/" in an ARN ("arn:aws:iam::1:role/path/Name" → "Name"; for a
 * chain "arn…role/A,arn…role/B" the last role, the one that reads the data), else the whole string. */
char * /* exported for grant.c (issue 9): GRANT ASSUMEROLE names roles the same way */
hd_copy_role_name_of(const char *role)
{
	const char *last = strrchr(role, ',');
	const char *r = last ? last + 1 : role, *m, *slash;

	if (strncmp(r, "arn:", 4) == 0 && (m = strstr(r, ":role/")) != NULL) {
		slash = strrchr(m, '/');
		return dupn(slash + 1, strlen(slash + 1));
	}
	return dupn(role, strlen(role));
}

static hd_code
set_role(parser *p, const char *role, size_t len, size_t pos, const char *name)
{
	hd_copy_spec *s = p->spec;

	if (len == 0)
		return fail(p, HD_ERR_SYNTAX, pos, "%s requires a role", name);
	replace(&s->iam_role, dupn(role, len));
	replace(&s->role_name, s->iam_role ? hd_copy_role_name_of(s->iam_role) : NULL);
	if (!s->iam_role || !s->role_name)
		return nomem(p);
	if (s->role_name[0] == '\0')
		return fail(p, HD_ERR_SYNTAX, pos, "%s: the role ARN has an empty role name", name);
	return HD_OK;
}

/* 'aws_iam_role=…' or 'aws_access_key_id=…;aws_secret_access_key=…[;token=…]'. Values are never printed. */
static hd_code
parse_credentials(parser *p, const hd_token *t)
{
	static const char *const keys[] = {"aws_iam_role", "aws_access_key_id", "aws_secret_access_key", "token"};
	hd_copy_spec *s = p->spec;
	char *val[4] = {NULL, NULL, NULL, NULL}; /* in the order of keys[] */
	const char *a = t->text, *end = t->text + t->len;
	size_t pos = t->pos, i;
	hd_code r = HD_OK;

	if (t->len == 0) {
		r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS requires a non-empty string");
		goto out;
	}
	for (i = 0; i < t->len; i++) {
		if (hd_copy_is_space((unsigned char)a[i])) {
			r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: the string must not contain spaces");
			goto out;
		}
	}
	while (a < end) {
		const char *semi = memchr(a, ';', (size_t)(end - a));
		const char *pe = semi ? semi : end;
		const char *eq = memchr(a, '=', (size_t)(pe - a));
		size_t klen, k;

		if (pe == a) { /* empty element, e.g. a trailing ';' */
			a = pe + 1;
			continue;
		}
		if (!eq) {
			r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: expected key=value pairs separated by ';'");
			goto out;
		}
		klen = (size_t)(eq - a);
		for (k = 0; k < 4; k++)
			if (strlen(keys[k]) == klen && strncmp(a, keys[k], klen) == 0)
				break;
		if (k == 4) {
			if (klen == 20 && strncmp(a, "master_symmetric_key", klen) == 0)
				r = fail(p, HD_ERR_UNSUPPORTED, pos, "CREDENTIALS: master_symmetric_key is not supported: "
					 "ENCRYPTED applies to Amazon S3 sources only");
			else
				r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: unknown key (expected aws_iam_role, "
					 "aws_access_key_id, aws_secret_access_key or token; keys are case-sensitive)");
			goto out;
		}
		if (val[k]) {
			r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: key %s given more than once", keys[k]);
			goto out;
		}
		if (eq + 1 == pe) {
			r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: key %s has an empty value", keys[k]);
			goto out;
		}
		if (!(val[k] = dupn(eq + 1, (size_t)(pe - eq - 1)))) {
			r = nomem(p);
			goto out;
		}
		a = semi ? semi + 1 : end;
	}
	if (val[0] && (val[1] || val[2] || val[3])) {
		r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: aws_iam_role cannot be used with access keys");
		goto out;
	}
	if (!val[0] && (!val[1] || !val[2])) {
		r = fail(p, HD_ERR_SYNTAX, pos, "CREDENTIALS: aws_access_key_id and aws_secret_access_key must be "
			 "given together");
		goto out;
	}
	if (val[0]) {
		r = set_role(p, val[0], strlen(val[0]), pos, "CREDENTIALS");
		goto out;
	}
	replace(&s->access_key_id, val[1]);
	replace(&s->secret_access_key, val[2]);
	replace(&s->session_token, val[3]);
	val[1] = val[2] = val[3] = NULL;
out:
	for (i = 0; i < 4; i++) {
		if (val[i]) /* secrets: wipe before freeing */
			explicit_bzero(val[i], strlen(val[i]));
		free(val[i]);
	}
	return r;
}

/* --- options ----------------------------------------------------------------------------------------------------- */

static hd_code
parse_char_option(parser *p, const char *name, bool allow_newline, char *dst)
{
	hd_code r;
	const hd_token *t = expect_string(p, name, true, &r);
	int c;

	if (!t)
		return r;
	c = decode_char(t->text, t->len);
	if (c < 0)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s must be a single character (escapes: \\t, \\\\, octal \\ddd)",
			    name);
	if (c == 0 || c > 0x7f)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s must be an ASCII character other than NUL", name);
	if (!allow_newline && (c == '\n' || c == '\r'))
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s cannot be a newline or carriage return", name);
	*dst = (char)c;
	return HD_OK;
}

static hd_code
parse_json_arg(parser *p, const char *name)
{
	hd_copy_spec *s = p->spec;
	const hd_token *t;
	hd_code r;

	accept_kw(p, "as");
	if (cur(p)->kind != HD_TK_STRING) {
		s->json_auto = true;
		replace(&s->json_arg, dupn("auto", 4));
		return s->json_arg ? HD_OK : nomem(p);
	}
	if (!(t = expect_string(p, name, false, &r)))
		return r;
	if (t->len == 0)
		return fail(p, HD_ERR_SYNTAX, t->pos, "%s requires 'auto', 'auto ignorecase' or a jsonpaths file", name);
	if (strcasecmp(t->text, "auto") == 0) {
		s->json_auto = true;
	} else if (strcasecmp(t->text, "auto ignorecase") == 0) {
		s->json_auto = true;
		s->json_ignorecase = true;
	} else if (strcasecmp(t->text, "noshred") == 0) {
		return fail(p, HD_ERR_UNSUPPORTED, t->pos, "%s 'noshred' is not supported", name);
	}
	replace(&s->json_arg, dupn(t->text, t->len));
	if (!s->json_arg)
		return nomem(p);
	return HD_OK;
}

static hd_code
parse_fixedwidth(parser *p)
{
	hd_copy_spec *s = p->spec;
	const hd_token *t;
	const char *a, *end;
	size_t cap = 0;
	hd_code r;

	accept_kw(p, "as");
	if (!(t = expect_string(p, "FIXEDWIDTH", false, &r)))
		return r;
	if (!(s->fixedwidth_spec = dupn(t->text, t->len)))
		return nomem(p);
	a = t->text;
	end = t->text + t->len;
	if (a == end)
		return fail(p, HD_ERR_SYNTAX, t->pos, "FIXEDWIDTH requires 'label:width,…'");
	/* positions below are within the string constant: exact unless the constant has doubled quotes */
	while (a <= end) {
		const char *comma = memchr(a, ',', (size_t)(end - a)), *pe = comma ? comma : end;
		const char *colon = memchr(a, ':', (size_t)(pe - a)), *l0 = a, *l1, *w0, *w1;
		size_t epos = t->pos + 1 + (size_t)(a - t->text);
		long w = 0;

		if (!colon)
			return fail(p, HD_ERR_SYNTAX, epos, "FIXEDWIDTH: column %d has no ':width'", s->nfw_cols + 1);
		while (l0 < colon && hd_copy_is_space((unsigned char)*l0))
			l0++;
		l1 = colon;
		while (l1 > l0 && hd_copy_is_space((unsigned char)l1[-1]))
			l1--;
		if (l1 == l0)
			return fail(p, HD_ERR_SYNTAX, epos, "FIXEDWIDTH: column %d has an empty label", s->nfw_cols + 1);
		w0 = colon + 1;
		while (w0 < pe && hd_copy_is_space((unsigned char)*w0))
			w0++;
		w1 = pe;
		while (w1 > w0 && hd_copy_is_space((unsigned char)w1[-1]))
			w1--;
		if (w1 == w0)
			return fail(p, HD_ERR_SYNTAX, epos, "FIXEDWIDTH: column %d has no width", s->nfw_cols + 1);
		for (const char *q = w0; q < w1; q++) {
			if (*q < '0' || *q > '9')
				return fail(p, HD_ERR_SYNTAX, t->pos + 1 + (size_t)(q - t->text),
					    "FIXEDWIDTH: column %d: the width must be a positive integer", s->nfw_cols + 1);
			if (w > (long)HD_MAX_RECORD)
				break;
			w = w * 10 + (*q - '0');
		}
		if (w <= 0 || w > (long)HD_MAX_RECORD)
			return fail(p, HD_ERR_SYNTAX, t->pos + 1 + (size_t)(w0 - t->text),
				    "FIXEDWIDTH: column %d: the width must be from 1 to %u", s->nfw_cols + 1,
				    (unsigned)HD_MAX_RECORD);
		if (s->nfw_cols >= HD_MAX_FIELDS)
			return fail(p, HD_ERR_SYNTAX, epos, "FIXEDWIDTH: too many columns (the limit is %d)", HD_MAX_FIELDS);
		if ((size_t)s->nfw_cols == cap) {
			size_t nc = cap ? cap * 2 : 8;
			hd_fw_col *nv = hd_realloc(s->fw_cols, nc * sizeof *nv);
			if (!nv)
				return nomem(p);
			s->fw_cols = nv;
			cap = nc;
		}
		if (!(s->fw_cols[s->nfw_cols].label = dupn(l0, (size_t)(l1 - l0))))
			return nomem(p);
		s->fw_cols[s->nfw_cols++].width = (int)w;
		if (!comma)
			break;
		a = comma + 1;
	}
	return HD_OK;
}

static hd_code
parse_null_as(parser *p)
{
	hd_copy_spec *s = p->spec;
	const hd_token *t;
	hd_code r;

	accept_kw(p, "as");
	if (!(t = expect_string(p, "NULL AS", true, &r)))
		return r;
	if ((t->len == 2 && memcmp(t->text, "\\0", 2) == 0) || (t->len == 4 && memcmp(t->text, "\\000", 4) == 0) ||
	    (t->len == 1 && t->text[0] == '\0')) {
		if (!(s->null_as = hd_malloc(2)))
			return nomem(p);
		s->null_as[0] = s->null_as[1] = '\0';
		s->null_as_len = 1;
		return HD_OK;
	}
	if (memchr(t->text, '\0', t->len))
		return fail(p, HD_ERR_SYNTAX, t->pos, "NULL AS: a NUL byte is only allowed alone ('\\0')");
	/* copy-parameters-data-conversion: '\n' is reserved as the line delimiter */
	if (memchr(t->text, '\n', t->len) || memchr(t->text, '\r', t->len) ||
	    (t->len == 2 && memcmp(t->text, "\\n", 2) == 0))
		return fail(p, HD_ERR_SYNTAX, t->pos, "NULL AS cannot contain a newline: it is the record delimiter");
	if (!(s->null_as = dupn(t->text, t->len)))
		return nomem(p);
	s->null_as_len = t->len;
	return HD_OK;
}

/* [ON|TRUE|OFF|FALSE|PRESET] → 1, 0, 2; none given → 1 */
static int
on_off_arg(parser *p, bool allow_preset)
{
	if (accept_kw(p, "on") || accept_kw(p, "true"))
		return 1;
	if (accept_kw(p, "off") || accept_kw(p, "false"))
		return 0;
	if (allow_preset && accept_kw(p, "preset"))
		return 2;
	return 1;
}

static hd_code
parse_option(parser *p, opt_id id, size_t kwpos)
{
	hd_copy_spec *s = p->spec;
	hd_code r = HD_OK;
	long v;

	switch (id) {
	case OPT_CSV:
		s->format = HD_FMT_CSV;
		break;
	case OPT_QUOTE:
		accept_kw(p, "as");
		r = parse_char_option(p, "QUOTE", false, &s->quote);
		s->quote_set = true;
		break;
	case OPT_DELIMITER:
		accept_kw(p, "as");
		r = parse_char_option(p, "DELIMITER", false, &s->delimiter);
		s->delimiter_set = true;
		break;
	case OPT_FIXEDWIDTH:
		s->format = HD_FMT_FIXEDWIDTH;
		r = parse_fixedwidth(p);
		break;
	case OPT_JSON:
		s->format = HD_FMT_JSON;
		r = parse_json_arg(p, "JSON");
		break;
	case OPT_AVRO:
		s->format = HD_FMT_AVRO;
		r = parse_json_arg(p, "AVRO");
		break;
	case OPT_PARQUET: s->format = HD_FMT_PARQUET; break;
	case OPT_ORC: s->format = HD_FMT_ORC; break;
	case OPT_SHAPEFILE: s->format = HD_FMT_SHAPEFILE; break;
	case OPT_GZIP: s->compression = HD_COMP_GZIP; break;
	case OPT_BZIP2: s->compression = HD_COMP_BZIP2; break;
	case OPT_LZOP: s->compression = HD_COMP_LZOP; break;
	case OPT_ZSTD: s->compression = HD_COMP_ZSTD; break;
	case OPT_IAM_ROLE:
		s->auth = HD_AUTH_IAM_ROLE;
		if (accept_kw(p, "default")) {
			s->iam_role_default = true;
			/* the loader maps role names to credential profiles: the default role is the "default" profile */
			replace(&s->role_name, dupn("default", 7));
			if (!s->role_name)
				r = nomem(p);
		} else {
			const hd_token *t = expect_string(p, "IAM_ROLE", false, &r);
			if (t)
				r = set_role(p, t->text, t->len, t->pos, "IAM_ROLE");
		}
		break;
	case OPT_CREDENTIALS: {
		const hd_token *t;
		s->auth = HD_AUTH_CREDENTIALS;
		accept_kw(p, "as");
		if ((t = expect_string(p, "CREDENTIALS", false, &r)) != NULL)
			r = parse_credentials(p, t);
		break;
	}
	case OPT_ACCESS_KEY_ID:
		r = set_string(p, "ACCESS_KEY_ID", &s->access_key_id, true);
		break;
	case OPT_SECRET_ACCESS_KEY:
		r = set_string(p, "SECRET_ACCESS_KEY", &s->secret_access_key, true);
		break;
	case OPT_SESSION_TOKEN:
		r = set_string(p, "SESSION_TOKEN", &s->session_token, true);
		break;
	case OPT_SSH:
		s->ssh = true;
		break;
	case OPT_ACCEPTANYDATE: s->acceptanydate = true; break;
	case OPT_ACCEPTINVCHARS:
		s->acceptinvchars = true;
		if (accept_kw(p, "as") || cur(p)->kind == HD_TK_STRING)
			r = parse_char_option(p, "ACCEPTINVCHARS", true, &s->acceptinvchars_char);
		break;
	case OPT_BLANKSASNULL: s->blanksasnull = true; break;
	case OPT_DATEFORMAT:
		accept_kw(p, "as");
		r = set_string(p, "DATEFORMAT", &s->dateformat, true);
		break;
	case OPT_TIMEFORMAT:
		accept_kw(p, "as");
		r = set_string(p, "TIMEFORMAT", &s->timeformat, true);
		break;
	case OPT_ENCODING: {
		const hd_token *t;
		accept_kw(p, "as");
		t = cur(p);
		if (t->kind != HD_TK_IDENT && t->kind != HD_TK_STRING)
			return fail(p, HD_ERR_SYNTAX, t->pos, "ENCODING requires UTF8, UTF16, UTF16LE or UTF16BE");
		if (strcasecmp(t->text, "utf8") == 0)
			s->encoding = HD_ENC_UTF8;
		else if (strcasecmp(t->text, "utf16") == 0)
			s->encoding = HD_ENC_UTF16;
		else if (strcasecmp(t->text, "utf16le") == 0)
			s->encoding = HD_ENC_UTF16LE;
		else if (strcasecmp(t->text, "utf16be") == 0)
			s->encoding = HD_ENC_UTF16BE;
		else
			return fail(p, HD_ERR_SYNTAX, t->pos, "ENCODING requires UTF8, UTF16, UTF16LE or UTF16BE");
		advance(p);
		break;
	}
	case OPT_EMPTYASNULL: s->emptyasnull = true; break;
	case OPT_ESCAPE: s->escape = true; break;
	case OPT_EXPLICIT_IDS: s->explicit_ids = true; break;
	case OPT_FILLRECORD: s->fillrecord = true; break;
	case OPT_IGNOREBLANKLINES: s->ignoreblanklines = true; break;
	case OPT_IGNOREHEADER:
		accept_kw(p, "as");
		if ((r = expect_number(p, "IGNOREHEADER", 0, INT_MAX, &v)) == HD_OK)
			s->ignoreheader = v;
		break;
	case OPT_NULL:
		r = parse_null_as(p);
		break;
	case OPT_REMOVEQUOTES: s->removequotes = true; break;
	case OPT_ROUNDEC: s->roundec = true; break;
	case OPT_TRIMBLANKS: s->trimblanks = true; break;
	case OPT_TRUNCATECOLUMNS: s->truncatecolumns = true; break;
	case OPT_MAXERROR:
		accept_kw(p, "as");
		if ((r = expect_number(p, "MAXERROR", 0, HD_MAXERROR_MAX, &v)) == HD_OK) {
			s->maxerror = v;
			s->maxerror_set = true;
		}
		break;
	case OPT_IGNOREALLERRORS: s->ignoreallerrors = true; break;
	case OPT_NOLOAD: s->noload = true; break;
	case OPT_COMPROWS:
		if ((r = expect_number(p, "COMPROWS", 1000, 2147483647L, &v)) == HD_OK)
			s->comprows = v;
		break;
	case OPT_COMPUPDATE: s->compupdate = on_off_arg(p, true); break;
	case OPT_STATUPDATE:
		if (is_kw(cur(p), "preset"))
			return fail(p, HD_ERR_SYNTAX, cur(p)->pos, "STATUPDATE takes ON, TRUE, OFF or FALSE");
		s->statupdate = on_off_arg(p, false);
		break;
	case OPT__COUNT:
		return hd_err_set(p->err, HD_ERR_INTERNAL, "bad option id (at position %zu)", kwpos);
	}
	return r;
}

/* --- validation -------------------------------------------------------------------------------------------------- */

static hd_code
conflict(parser *p, opt_id a, opt_id b)
{
	size_t pa = p->seen[a], pb = p->seen[b];
	opt_id first = pa < pb ? a : b, second = pa < pb ? b : a;

	return fail(p, HD_ERR_SYNTAX, pa > pb ? pa : pb, "conflicting options: %s cannot be used with %s",
		    opt_defs[first].name, opt_defs[second].name);
}

static bool
seen(const parser *p, opt_id id)
{
	return p->seen[id] != NOT_SEEN;
}

static hd_code
validate(parser *p)
{
	static const opt_id formats[] = {OPT_CSV, OPT_FIXEDWIDTH, OPT_JSON, OPT_AVRO, OPT_PARQUET, OPT_ORC,
					 OPT_SHAPEFILE};
	static const opt_id comps[] = {OPT_GZIP, OPT_BZIP2, OPT_LZOP, OPT_ZSTD};
	/* copy-parameters-data-format: "The following options are not supported with JSON" */
	static const opt_id not_json[] = {OPT_DELIMITER, OPT_ESCAPE, OPT_FILLRECORD, OPT_IGNOREBLANKLINES, OPT_NULL,
					  OPT_REMOVEQUOTES, OPT_QUOTE};
	static const struct { opt_id a, b; } pairs[] = {
		/* copy-parameters-data-format: CSV cannot be used with FIXEDWIDTH, REMOVEQUOTES, or ESCAPE */
		{OPT_CSV, OPT_REMOVEQUOTES},
		{OPT_CSV, OPT_ESCAPE},
		/* copy-parameters-data-format: DELIMITER cannot be used with FIXEDWIDTH */
		{OPT_FIXEDWIDTH, OPT_DELIMITER},
		/* copy-parameters-data-conversion: you cannot use the ESCAPE parameter for FIXEDWIDTH loads */
		{OPT_FIXEDWIDTH, OPT_ESCAPE},
		/* COPY-SPEC.md: REMOVEQUOTES — not with CSV or FIXEDWIDTH */
		{OPT_FIXEDWIDTH, OPT_REMOVEQUOTES},
		/* copy-parameters-data-load: can't specify IGNOREALLERRORS if you specify MAXERROR */
		{OPT_IGNOREALLERRORS, OPT_MAXERROR},
		/* copy-parameters-authorization: one kind of authorization */
		{OPT_IAM_ROLE, OPT_CREDENTIALS},
		{OPT_IAM_ROLE, OPT_ACCESS_KEY_ID},
		{OPT_IAM_ROLE, OPT_SECRET_ACCESS_KEY},
		{OPT_IAM_ROLE, OPT_SESSION_TOKEN},
		{OPT_CREDENTIALS, OPT_ACCESS_KEY_ID},
		{OPT_CREDENTIALS, OPT_SECRET_ACCESS_KEY},
		{OPT_CREDENTIALS, OPT_SESSION_TOKEN},
	};
	hd_copy_spec *s = p->spec;
	size_t i, j;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		for (j = i + 1; j < sizeof formats / sizeof formats[0]; j++)
			if (seen(p, formats[i]) && seen(p, formats[j]))
				return conflict(p, formats[i], formats[j]);
	for (i = 0; i < sizeof comps / sizeof comps[0]; i++)
		for (j = i + 1; j < sizeof comps / sizeof comps[0]; j++)
			if (seen(p, comps[i]) && seen(p, comps[j]))
				return conflict(p, comps[i], comps[j]);
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (seen(p, pairs[i].a) && seen(p, pairs[i].b))
			return conflict(p, pairs[i].a, pairs[i].b);
	for (i = 2; i < sizeof formats / sizeof formats[0]; i++) {
		if (!seen(p, formats[i]))
			continue;
		for (j = 0; j < sizeof not_json / sizeof not_json[0]; j++)
			if (seen(p, not_json[j]))
				return conflict(p, formats[i], not_json[j]);
	}
	/* copy-parameters-data-format: the QUOTE parameter can be used only with the CSV parameter */
	if (seen(p, OPT_QUOTE) && !seen(p, OPT_CSV))
		return fail(p, HD_ERR_SYNTAX, p->seen[OPT_QUOTE], "QUOTE can be used only with CSV");
	/* copy-parameters-data-conversion: fixed-width data files must use UTF-8 encoding */
	if (seen(p, OPT_FIXEDWIDTH) && s->encoding != HD_ENC_UTF8 && seen(p, OPT_ENCODING))
		return fail(p, HD_ERR_SYNTAX, p->seen[OPT_ENCODING] > p->seen[OPT_FIXEDWIDTH] ?
			    p->seen[OPT_ENCODING] : p->seen[OPT_FIXEDWIDTH],
			    "conflicting options: FIXEDWIDTH requires ENCODING UTF8");
	if (s->format == HD_FMT_CSV) {
		if (!s->delimiter_set)
			s->delimiter = ',';
		if (s->delimiter == s->quote)
			return fail(p, HD_ERR_SYNTAX, p->seen[OPT_DELIMITER] != NOT_SEEN ? p->seen[OPT_DELIMITER] :
				    p->seen[OPT_QUOTE], "conflicting options: the CSV delimiter and quote must differ");
	}
	if (s->escape && s->delimiter == '\\')
		return fail(p, HD_ERR_SYNTAX, p->seen[OPT_DELIMITER] > p->seen[OPT_ESCAPE] ? p->seen[OPT_DELIMITER] :
			    p->seen[OPT_ESCAPE], "conflicting options: DELIMITER cannot be the ESCAPE character '\\'");

	/* authorization: ACCESS_KEY_ID and SECRET_ACCESS_KEY go together; SESSION_TOKEN needs both */
	if (seen(p, OPT_ACCESS_KEY_ID) || seen(p, OPT_SECRET_ACCESS_KEY) || seen(p, OPT_SESSION_TOKEN)) {
		if (!seen(p, OPT_ACCESS_KEY_ID))
			return fail(p, HD_ERR_SYNTAX, seen(p, OPT_SECRET_ACCESS_KEY) ? p->seen[OPT_SECRET_ACCESS_KEY] :
				    p->seen[OPT_SESSION_TOKEN], "%s requires ACCESS_KEY_ID",
				    seen(p, OPT_SECRET_ACCESS_KEY) ? "SECRET_ACCESS_KEY" : "SESSION_TOKEN");
		if (!seen(p, OPT_SECRET_ACCESS_KEY))
			return fail(p, HD_ERR_SYNTAX, p->seen[OPT_ACCESS_KEY_ID], "ACCESS_KEY_ID requires SECRET_ACCESS_KEY");
		s->auth = HD_AUTH_KEYS;
	}

	/* sources: SSH names a manifest, which hdcopy reads from a local file, hdfs:// or an emr:// cluster (COPY-SPEC
	 * "Sources"; Redshift itself reads manifests from S3 only, copy-parameters-data-source-ssh). */
	if (s->ssh) {
		s->manifest_kind = s->src_kind;
		s->src_kind = HD_SRC_SSH;
	}
	return HD_OK;
}

/* --- statement --------------------------------------------------------------------------------------------------- */

static hd_code
parse_options(parser *p)
{
	hd_code r;

	while (cur(p)->kind != HD_TK_EOF && !is_punct(cur(p), ';')) {
		const hd_token *t = cur(p);
		size_t kwpos = t->pos, k;
		const char *kw;
		int id = -1;

		if (t->kind != HD_TK_IDENT)
			return fail_near(p, "a COPY option");
		kw = t->text;
		advance(p);
		if (strcmp(kw, "with") == 0) {
			/* [WITH] CREDENTIALS */
			if (!is_kw(cur(p), "credentials"))
				return fail_near(p, "CREDENTIALS");
			kwpos = cur(p)->pos;
			kw = cur(p)->text;
			advance(p);
		} else if (strcmp(kw, "format")  == 0) {
			/* FORMAT [AS] CSV | JSON | AVRO | PARQUET | ORC | SHAPEFILE | FIXEDWIDTH */
			accept_kw(p, "as");
			t = cur(p);
			if (!(is_kw(t, "csv") || is_kw(t, "json") || is_kw(t, "avro") || is_kw(t, "parquet") ||
			      is_kw(t, "orc") || is_kw(t, "shapefile") || is_kw(t, "fixedwidth")))
				return fail_near(p, "CSV, JSON, AVRO, PARQUET, ORC, SHAPEFILE or FIXEDWIDTH");
			kwpos = t->pos;
			kw = t->text;
			advance(p);
		}
		for (k = 0; k < OPT__COUNT; k++)
			if (strcmp(kw, opt_defs[k].kw) == 0)
				id = (int)k;
		if (id < 0) {
			for (k = 0; k < sizeof s3_only / sizeof s3_only[0]; k++)
				if (strcmp(kw, s3_only[k]) == 0)
					return fail(p, HD_ERR_UNSUPPORTED, kwpos, "%s is not supported: it applies to Amazon S3 "
						    "and DynamoDB sources only", kw);
			return fail(p, HD_ERR_SYNTAX, kwpos, "unrecognized COPY option \"%s\"", kw);
		}
		if (p->seen[id] != NOT_SEEN)
			return fail(p, HD_ERR_SYNTAX, kwpos, "redundant option: %s given more than once", opt_defs[id].name);
		p->seen[id] = kwpos;
		if ((r = parse_option(p, (opt_id)id, kwpos)) != HD_OK)
			return r;
	}
	return HD_OK;
}

hd_code
hd_copy_parse(const char *sql, size_t len, hd_copy_spec **out, hd_err *err)
{
	parser p;
	hd_copy_spec *s = NULL;
	const hd_token *t;
	hd_code r;
	size_t k;

	if (!out)
		return hd_err_set(err, HD_ERR_INTERNAL, "hd_copy_parse: no output");
	*out = NULL;
	memset(&p, 0, sizeof p);
	p.sql = sql;
	p.len = len;
	p.err = err;
	for (k = 0; k < OPT__COUNT; k++)
		p.seen[k] = NOT_SEEN;
	if (!sql && len) {
		r = hd_err_set(err, HD_ERR_INTERNAL, "no statement");
		goto out;
	}
	if ((r = hd_copy_lex(sql ? sql : "", len, &p.tl, err)) != HD_OK)
		goto out;
	if (!(s = hd_calloc(1, sizeof *s))) {
		r = nomem(&p);
		goto out;
	}
	p.spec = s;
	s->delimiter = '|';
	s->quote = '"';
	s->acceptinvchars_char = '?';
	s->comprows = -1;
	s->compupdate = -1;
	s->statupdate = -1;

	if (!accept_kw(&p, "copy")) {
		r = fail_near(&p, "COPY");
		goto out;
	}
	if ((r = expect_ident(&p, "a table name", &s->table, NULL)) != HD_OK)
		goto out;
	if (is_punct(cur(&p), '.')) {
		advance(&p);
		s->schema = s->table;
		s->table = NULL;
		if ((r = expect_ident(&p, "a table name", &s->table, NULL)) != HD_OK)
			goto out;
	}
	if (is_punct(cur(&p), '(') && (r = parse_columns(&p)) != HD_OK)
		goto out;
	if (!accept_kw(&p, "from")) {
		r = fail_near(&p, "FROM");
		goto out;
	}
	t = cur(&p);
	if (t->kind != HD_TK_STRING) {
		r = fail(&p, HD_ERR_SYNTAX, t->pos, "FROM requires a quoted source, e.g. '/data/file.txt'");
		goto out;
	}
	if (memchr(t->text, '\0', t->len)) {
		r = fail(&p, HD_ERR_SYNTAX, t->pos, "FROM: the source may not contain a NUL byte");
		goto out;
	}
	p.source_pos = t->pos;
	advance(&p);
	if ((r = parse_source(&p, t)) != HD_OK)
		goto out;
	if ((r = parse_options(&p)) != HD_OK)
		goto out;
	if (is_punct(cur(&p), ';'))
		advance(&p);
	if (cur(&p)->kind != HD_TK_EOF) {
		r = fail_near(&p, "end of statement");
		goto out;
	}
	if ((r = validate(&p)) != HD_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	hd_copy_spec_free(s);
	hd_copy_toklist_free(&p.tl);
	return r;
}
