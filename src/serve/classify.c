/*
 * classify.c — which simple-query texts `hdcopy serve` runs itself (a Redshift COPY) and which it relays.
 *
 * The rule (docs/serve.md states it for users): a Query is intercepted when it holds exactly one statement and that
 * statement is a Redshift COPY, i.e. it begins with the keyword COPY and
 *   (a) hdcopy's Redshift parser accepts it (hd_copy_check) — PostgreSQL's own forms never parse, since Redshift's
 *       FROM takes only a quoted string: COPY … FROM STDIN / FROM PROGRAM / TO … / COPY (query) TO … are relayed; or
 *   (b) it has the shape COPY name [(columns)] FROM 'string' and the string names a URL (contains "://": emr://,
 *       hdfs://, file://, s3://, …) or a Redshift-only option word follows the string (FIXEDWIDTH, GZIP, MAXERROR,
 *       IAM_ROLE, SSH, … — kw[] below). Those are Redshift COPYs with a mistake in them: the client gets hdcopy's
 *       (Redshift's) error with its position, not PostgreSQL's confusing one about a server file.
 * GRANT / REVOKE ASSUMEROLE (Redshift's, issue 9) are hdcopy's own too: a statement that begins with GRANT or REVOKE
 * followed by the word ASSUMEROLE is intercepted whatever follows (the grant parser reports the mistakes), and
 * refused among other statements as a COPY is.
 * Anything else is relayed, so `COPY t FROM '/srv/x' WITH (FORMAT csv)` is PostgreSQL's server-side COPY, with
 * PostgreSQL's own privilege checks. A Query of several statements with a Redshift COPY among them is refused: the
 * COPY must come as a query of its own (psql -f sends each statement separately).
 *
 * The small lexer here only finds that shape; it never needs to be complete: whatever it does not recognise is
 * relayed. It reads within [0, len) only.
 */
#include "serve/serve_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const kw[] = {
	"FIXEDWIDTH", "AVRO", "PARQUET", "ORC", "SHAPEFILE", "GZIP", "BZIP2", "ZSTD", "LZOP", "MAXERROR",
	"IGNOREHEADER", "IGNOREBLANKLINES", "IGNOREALLERRORS", "DATEFORMAT", "TIMEFORMAT", "ACCEPTINVCHARS",
	"ACCEPTANYDATE", "BLANKSASNULL", "EMPTYASNULL", "FILLRECORD", "REMOVEQUOTES", "ROUNDEC", "TRIMBLANKS",
	"TRUNCATECOLUMNS", "EXPLICIT_IDS", "NOLOAD", "COMPROWS", "COMPUPDATE", "STATUPDATE", "IAM_ROLE", "CREDENTIALS",
	"ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "SSH", "MANIFEST", "REGION", "ENCRYPTED", "READRATIO",
	"MASTER_SYMMETRIC_KEY", "JSON",
};

typedef struct lx {
	const char *s;
	size_t n, i;
} lx;

static void
skip_blank(lx *l)
{
	while (l->i < l->n) {
		char c = l->s[l->i];
		if (isspace((unsigned char)c)) {
			l->i++;
		} else if (c == '-' && l->i + 1 < l->n && l->s[l->i + 1] == '-') {
			while (l->i < l->n && l->s[l->i] != '\n')
				l->i++;
		} else if (c == '/' && l->i + 1 < l->n && l->s[l->i + 1] == '*') {
			int depth = 0;
			while (l->i + 1 < l->n) {
				if (l->s[l->i] == '/' && l->s[l->i + 1] == '*') {
					depth++;
					l->i += 2;
				} else if (l->s[l->i] == '*' && l->s[l->i + 1] == '/') {
					l->i += 2;
					if (--depth == 0)
						break;
				} else {
					l->i++;
				}
			}
			if (depth)
				l->i = l->n;
		} else {
			break;
		}
	}
}

static bool
ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* An unquoted word at l->i: its length (0 when none). */
static size_t
word(lx *l)
{
	size_t j = l->i;
	if (j >= l->n || !(isalpha((unsigned char)l->s[j]) || l->s[j] == '_' || (unsigned char)l->s[j] >= 0x80))
		return 0;
	while (j < l->n && ident_char(l->s[j]))
		j++;
	return j - l->i;
}

static bool
is_word(lx *l, const char *w)
{
	size_t k = word(l);
	return k == strlen(w) && strncasecmp(l->s + l->i, w, k) == 0;
}

/* A "quoted" identifier or a word; false when neither. */
static bool
name(lx *l)
{
	size_t k;
	if (l->i < l->n && l->s[l->i] == '"') {
		for (l->i++; l->i < l->n; l->i++)
			if (l->s[l->i] == '"') {
				if (l->i + 1 < l->n && l->s[l->i + 1] == '"')
					l->i++;
				else
					return l->i++, true;
			}
		return false;
	}
	if (!(k = word(l)))
		return false;
	l->i += k;
	return true;
}

/* A '…' string (or E'…'): its contents' bounds, quotes not resolved (enough to look for "://"). */
static bool
string(lx *l, size_t *from, size_t *to)
{
	bool esc = false;
	if (l->i + 1 < l->n && (l->s[l->i] == 'E' || l->s[l->i] == 'e') && l->s[l->i + 1] == '\'') {
		esc = true;
		l->i++;
	}
	if (l->i >= l->n || l->s[l->i] != '\'')
		return false;
	*from = ++l->i;
	for (; l->i < l->n; l->i++) {
		if (esc && l->s[l->i] == '\\') {
			l->i++;
			continue;
		}
		if (l->s[l->i] == '\'') {
			if (l->i + 1 < l->n && l->s[l->i + 1] == '\'') {
				l->i++;
				continue;
			}
			*to = l->i++;
			return true;
		}
	}
	return false;
}

/* Rule (b): COPY name [. name] [(…)] FROM '…' with a URL or a Redshift-only word after it. */
static bool
looks_redshift(const char *sql, size_t len)
{
	lx l = { sql, len, 0 };
	size_t a, b;

	skip_blank(&l);
	if (!is_word(&l, "COPY"))
		return false;
	l.i += 4;
	skip_blank(&l);
	if (!name(&l))
		return false;
	skip_blank(&l);
	if (l.i < l.n && l.s[l.i] == '.') {
		l.i++;
		skip_blank(&l);
		if (!name(&l))
			return false;
		skip_blank(&l);
	}
	if (l.i < l.n && l.s[l.i] == '(') {
		const char *close = memchr(l.s + l.i, ')', l.n - l.i);
		if (!close)
			return false;
		l.i = (size_t)(close - l.s) + 1;
		skip_blank(&l);
	}
	if (!is_word(&l, "FROM"))
		return false;
	l.i += 4;
	skip_blank(&l);
	if (!string(&l, &a, &b))
		return false;
	for (size_t i = a; i + 3 <= b; i++)
		if (memcmp(sql + i, "://", 3) == 0)
			return true;
	/* Any Redshift-only word after the string, outside quotes. */
	while (l.i < l.n) {
		size_t k;
		skip_blank(&l);
		if (l.i >= l.n)
			break;
		if ((k = word(&l)) > 0) {
			for (size_t w = 0; w < sizeof kw / sizeof kw[0]; w++)
				if (k == strlen(kw[w]) && strncasecmp(l.s + l.i, kw[w], k) == 0)
					return true;
			l.i += k;
		} else if (l.s[l.i] == '\'' || ((l.s[l.i] == 'E' || l.s[l.i] == 'e') && l.i + 1 < l.n &&
		                                 l.s[l.i + 1] == '\'')) {
			if (!string(&l, &a, &b))
				break;
		} else if (l.s[l.i] == '"') {
			if (!name(&l))
				break;
		} else {
			l.i++;
		}
	}
	return false;
}

/* The statement begins with the keyword COPY. */
static bool
starts_copy(const char *sql, size_t len)
{
	lx l = { sql, len, 0 };
	skip_blank(&l);
	return is_word(&l, "COPY");
}

bool
hd_serve_is_assumerole(const char *sql, size_t len)
{
	lx l = { sql, len, 0 };
	skip_blank(&l);
	if (!is_word(&l, "GRANT") && !is_word(&l, "REVOKE"))
		return false;
	l.i += word(&l);
	skip_blank(&l);
	return is_word(&l, "ASSUMEROLE");
}

hd_sv_verdict
hd_serve_classify(const char *sql, size_t len, const char **stmt, size_t *stmt_len, hd_err *why)
{
	size_t pos = 0;
	hd_statement st;
	hd_err e;
	int nstmts = 0, r;
	bool redshift = false;
	hd_sv_verdict v = HD_SV_RELAY;

	hd_err_clear_pub(why);
	while ((r = hd_script_next_statement(sql, len, &pos, &st, &e)) == 1) {
		nstmts++;
		if (hd_serve_is_assumerole(st.text, st.len)) {
			v = HD_SV_INTERCEPT; /* hd_session_exec parses it and reports its mistakes */
		} else if (!starts_copy(st.text, st.len)) {
			continue;
		} else if (hd_copy_check(st.text, st.len, &e) == HD_OK) {
			v = HD_SV_INTERCEPT;
		} else if (looks_redshift(st.text, st.len)) {
			v = HD_SV_ERROR;   /* a Redshift COPY with a mistake: answer with the parser's message */
			*why = e;
		} else {
			continue;
		}
		redshift = true;
		*stmt = st.text;
		*stmt_len = st.len;
	}
	if (r < 0 || !redshift)
		return HD_SV_RELAY; /* unterminated quotes and the like: PostgreSQL says what is wrong */
	if (nstmts > 1) {
		why->code = HD_ERR_UNSUPPORTED;
		snprintf(why->msg, sizeof why->msg,
		         "a Redshift COPY must be sent as a query of its own, not together with other statements");
		return HD_SV_ERROR;
	}
	return v;
}
