/*
 * copy_int.h — private to src/copy/: the COPY lexer's tokens and the quoting rules lex.c and script.c share.
 *
 * hd_copy_lex() turns one statement into an array of tokens that always ends with HD_TK_EOF, so the parser may look
 * one token ahead without bounds checks. Every token owns its decoded text (NUL-terminated, len without the NUL):
 * plain identifiers folded to lower case, "quoted" identifiers and '…' / E'…' / $tag$…$tag$ strings unquoted.
 * pos/end are byte offsets into the statement; error messages quote pos, never a string constant's contents (string
 * constants may hold secrets).
 */
#ifndef HD_COPY_COPY_INT_H
#define HD_COPY_COPY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

typedef enum hd_tk {
	HD_TK_EOF = 0,
	HD_TK_IDENT,  /* plain identifier or keyword, folded to lower case */
	HD_TK_QIDENT, /* "quoted identifier" */
	HD_TK_STRING, /* string constant */
	HD_TK_NUMBER, /* unsigned decimal digits */
	HD_TK_PUNCT   /* one byte: ( ) , . ; and anything else that is not a token of its own */
} hd_tk;

typedef struct hd_token {
	hd_tk kind;
	size_t pos;  /* first byte in the statement */
	size_t end;  /* one past the last byte */
	char *text;  /* decoded; NULL for EOF and PUNCT */
	size_t len;  /* bytes in text (a string may hold NUL bytes from E'\000') */
	char punct;  /* for HD_TK_PUNCT */
} hd_token;

typedef struct hd_toklist {
	hd_token *v;
	size_t n;
	size_t cap;
} hd_toklist;

hd_code hd_copy_lex(const char *sql, size_t len, hd_toklist *out, hd_err *err);
void hd_copy_toklist_free(hd_toklist *tl);

/* Shared by the lexer and the script splitter. */
static inline bool hd_copy_is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
static inline bool hd_copy_is_ident_char(unsigned char c)
{
	return hd_copy_is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}
static inline bool hd_copy_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* If s[pos] starts a dollar-quote opener ($$ or $tag$), return its length (tag + both '$'), else 0. The caller checks
 * that the '$' does not continue an identifier. */
size_t hd_copy_dollar_tag(const char *s, size_t len, size_t pos);

/* Skip white space and comments from pos. Returns the new position; sets *unterminated (when non-NULL) and returns
 * len if a block comment does not end, and *comment_start to where that comment began. */
size_t hd_copy_skip_blank(const char *s, size_t len, size_t pos, bool *unterminated, size_t *comment_start);

/* Where a '…' quote that starts at s[pos] (pos is the opening quote) ends: one past the closing quote, or 0 when it
 * does not end. escape: E'…' rules (backslash takes the next byte). */
size_t hd_copy_quote_end(const char *s, size_t len, size_t pos, char q, bool escape);

/* A role string's name (parse.c): the last segment after ":role/" in an ARN, else the whole string. Malloc'd; NULL
 * when out of memory. Shared by COPY's IAM_ROLE and GRANT/REVOKE ASSUMEROLE (grant.c). */
char *hd_copy_role_name_of(const char *role);

#endif
