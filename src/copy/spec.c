/*
 * spec.c — the hd_copy_spec value: freeing it, naming its table, and describing it with secrets redacted.
 *
 * hd_copy_spec_describe() writes the statement back in one canonical form: keywords upper case, identifiers always
 * double-quoted, options in a fixed order, defaults left out. Secret values (secret_access_key, session_token) are
 * written as '***'; the access key ID and role ARNs are not secrets (AWS prints them in its own logs). Without
 * secrets the output parses back to an equal spec, which the unit tests check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "copy/copy.h"

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
hd_copy_spec_free(hd_copy_spec *spec)
{
	int i;

	if (!spec)
		return;
	free(spec->schema);
	free(spec->table);
	for (i = 0; spec->columns && i < spec->ncolumns; i++)
		free(spec->columns[i]);
	free(spec->columns);
	free(spec->source);
	free(spec->src_path);
	free(spec->src_authority);
	free(spec->iam_role);
	free(spec->role_name);
	free(spec->access_key_id);
	free_secret(spec->secret_access_key);
	free_secret(spec->session_token);
	free(spec->fixedwidth_spec);
	for (i = 0; spec->fw_cols && i < spec->nfw_cols; i++)
		free(spec->fw_cols[i].label);
	free(spec->fw_cols);
	free(spec->json_arg);
	free(spec->dateformat);
	free(spec->timeformat);
	free(spec->null_as);
	free(spec);
}

/* Append "ident" with "" doubling, as far as it fits; returns the new length (never past n - 1). */
static size_t
put_quoted(char *buf, size_t n, size_t at, const char *s)
{
	if (at + 1 < n)
		buf[at++] = '"';
	for (; *s && at + 1 < n; s++) {
		if (*s == '"') {
			if (at + 2 >= n)
				break;
			buf[at++] = '"';
		}
		buf[at++] = *s;
	}
	if (at + 1 < n)
		buf[at++] = '"';
	return at;
}

void
hd_copy_spec_table_name(const hd_copy_spec *spec, char *buf, size_t n)
{
	size_t at = 0;

	if (!buf || n == 0)
		return;
	if (spec && spec->schema) {
		at = put_quoted(buf, n, at, spec->schema);
		if (at + 1 < n)
			buf[at++] = '.';
	}
	if (spec && spec->table)
		at = put_quoted(buf, n, at, spec->table);
	buf[at] = '\0';
}

/* --- describe ---------------------------------------------------------------------------------------------------- */

static hd_code
put_ident(hd_buf *b, const char *s)
{
	hd_code r = hd_buf_append(b, "\"", 1);
	for (; !r && *s; s++)
		r = *s == '"' ? hd_buf_append(b, "\"\"", 2) : hd_buf_append(b, s, 1);
	return r ? r : hd_buf_append(b, "\"", 1);
}

static hd_code
put_str(hd_buf *b, const char *s, size_t len)
{
	hd_code r = hd_buf_append(b, "'", 1);
	size_t i;

	for (i = 0; !r && i < len; i++)
		r = s[i] == '\'' ? hd_buf_append(b, "''", 2) : hd_buf_append(b, s + i, 1);
	return r ? r : hd_buf_append(b, "'", 1);
}

static hd_code
put_char_opt(hd_buf *b, const char *kw, char c)
{
	unsigned char u = (unsigned char)c;

	if (u == '\'')
		return hd_buf_printf(b, " %s ''''", kw);
	if (u > 0x20 && u < 0x7f && u != '\\')
		return hd_buf_printf(b, " %s '%c'", kw, c);
	return hd_buf_printf(b, " %s '\\%03o'", kw, u);
}

hd_code
hd_copy_spec_describe(const hd_copy_spec *s, hd_buf *b)
{
	static const char *const fmts[] = {"", "CSV", "FIXEDWIDTH", "JSON", "SHAPEFILE", "AVRO", "PARQUET", "ORC"};
	static const char *const comps[] = {"", "GZIP", "BZIP2", "LZOP", "ZSTD"};
	static const char *const encs[] = {"UTF8", "UTF16", "UTF16LE", "UTF16BE"};
	static const char *const cu[] = {"OFF", "ON", "PRESET"};
	hd_code r;
	int i;

#define TRY(x) do { if ((r = (x)) != HD_OK) goto out; } while (0)
#define FLAG(f, kw) do { if (s->f) TRY(hd_buf_append_str(b, " " kw)); } while (0)
	TRY(hd_buf_append_str(b, "COPY "));
	if (s->schema) {
		TRY(put_ident(b, s->schema));
		TRY(hd_buf_append(b, ".", 1));
	}
	TRY(put_ident(b, s->table ? s->table : ""));
	for (i = 0; s->columns && i < s->ncolumns; i++) {
		TRY(hd_buf_append_str(b, i ? ", " : " ("));
		TRY(put_ident(b, s->columns[i]));
	}
	if (s->columns && s->ncolumns)
		TRY(hd_buf_append(b, ")", 1));
	TRY(hd_buf_append_str(b, " FROM "));
	TRY(put_str(b, s->source ? s->source : "", s->source ? strlen(s->source) : 0));
	FLAG(ssh, "SSH");

	if (s->iam_role_default) {
		TRY(hd_buf_append_str(b, " IAM_ROLE default"));
	} else if (s->auth == HD_AUTH_IAM_ROLE && s->iam_role) {
		TRY(hd_buf_append_str(b, " IAM_ROLE "));
		TRY(put_str(b, s->iam_role, strlen(s->iam_role)));
	} else if (s->auth == HD_AUTH_CREDENTIALS && s->iam_role) {
		TRY(hd_buf_append_str(b, " CREDENTIALS 'aws_iam_role="));
		for (const char *q = s->iam_role; *q; q++) /* a ' in the role is doubled, as put_str() does */
			TRY(*q == '\'' ? hd_buf_append(b, "''", 2) : hd_buf_append(b, q, 1));
		TRY(hd_buf_append(b, "'", 1));
	} else if (s->auth == HD_AUTH_CREDENTIALS) {
		TRY(hd_buf_append_str(b, " CREDENTIALS 'aws_access_key_id=***;aws_secret_access_key=***"));
		TRY(hd_buf_append_str(b, s->session_token ? ";token=***'" : "'"));
	} else if (s->auth == HD_AUTH_KEYS) {
		TRY(hd_buf_append_str(b, " ACCESS_KEY_ID "));
		TRY(put_str(b, s->access_key_id ? s->access_key_id : "", s->access_key_id ? strlen(s->access_key_id) : 0));
		TRY(hd_buf_append_str(b, " SECRET_ACCESS_KEY '***'"));
		if (s->session_token)
			TRY(hd_buf_append_str(b, " SESSION_TOKEN '***'"));
	}

	if (s->format > HD_FMT_DELIMITED && (size_t)s->format < sizeof fmts / sizeof fmts[0] &&
	    s->format != HD_FMT_FIXEDWIDTH) {
		TRY(hd_buf_printf(b, " %s", fmts[s->format]));
		if ((s->format == HD_FMT_JSON || s->format == HD_FMT_AVRO) && s->json_arg) {
			TRY(hd_buf_append(b, " ", 1));
			TRY(put_str(b, s->json_arg, strlen(s->json_arg)));
		}
	}
	if (s->format == HD_FMT_FIXEDWIDTH && s->fixedwidth_spec) {
		TRY(hd_buf_append_str(b, " FIXEDWIDTH "));
		TRY(put_str(b, s->fixedwidth_spec, strlen(s->fixedwidth_spec)));
	}
	if (s->quote_set)
		TRY(put_char_opt(b, "QUOTE", s->quote));
	if (s->delimiter_set)
		TRY(put_char_opt(b, "DELIMITER", s->delimiter));
	if (s->compression > HD_COMP_NONE && (size_t)s->compression < sizeof comps / sizeof comps[0])
		TRY(hd_buf_printf(b, " %s", comps[s->compression]));

	FLAG(acceptanydate, "ACCEPTANYDATE");
	if (s->acceptinvchars)
		TRY(put_char_opt(b, "ACCEPTINVCHARS", s->acceptinvchars_char));
	FLAG(blanksasnull, "BLANKSASNULL");
	if (s->dateformat) {
		TRY(hd_buf_append_str(b, " DATEFORMAT "));
		TRY(put_str(b, s->dateformat, strlen(s->dateformat)));
	}
	if (s->timeformat) {
		TRY(hd_buf_append_str(b, " TIMEFORMAT "));
		TRY(put_str(b, s->timeformat, strlen(s->timeformat)));
	}
	if (s->encoding != HD_ENC_UTF8 && (size_t)s->encoding < sizeof encs / sizeof encs[0])
		TRY(hd_buf_printf(b, " ENCODING %s", encs[s->encoding]));
	FLAG(emptyasnull, "EMPTYASNULL");
	FLAG(escape, "ESCAPE");
	FLAG(explicit_ids, "EXPLICIT_IDS");
	FLAG(fillrecord, "FILLRECORD");
	FLAG(ignoreblanklines, "IGNOREBLANKLINES");
	if (s->ignoreheader)
		TRY(hd_buf_printf(b, " IGNOREHEADER %ld", s->ignoreheader));
	if (s->null_as) {
		TRY(hd_buf_append_str(b, " NULL AS "));
		if (s->null_as_len == 1 && s->null_as[0] == '\0')
			TRY(hd_buf_append_str(b, "'\\0'"));
		else
			TRY(put_str(b, s->null_as, s->null_as_len));
	}
	FLAG(removequotes, "REMOVEQUOTES");
	FLAG(roundec, "ROUNDEC");
	FLAG(trimblanks, "TRIMBLANKS");
	FLAG(truncatecolumns, "TRUNCATECOLUMNS");
	if (s->maxerror_set)
		TRY(hd_buf_printf(b, " MAXERROR %ld", s->maxerror));
	FLAG(ignoreallerrors, "IGNOREALLERRORS");
	FLAG(noload, "NOLOAD");
	if (s->comprows >= 0)
		TRY(hd_buf_printf(b, " COMPROWS %ld", s->comprows));
	if (s->compupdate >= 0 && s->compupdate <= 2)
		TRY(hd_buf_printf(b, " COMPUPDATE %s", cu[s->compupdate]));
	if (s->statupdate >= 0 && s->statupdate <= 1)
		TRY(hd_buf_printf(b, " STATUPDATE %s", cu[s->statupdate]));
	r = hd_buf_cstr(b);
#undef FLAG
#undef TRY
out:
	return r;
}
