/*
 * script.c — split a script into statements on ';', and tell COPY statements from the rest.
 *
 * A ';' ends a statement only outside '…' strings ('' doubling), E'…' strings (backslash escapes), "…" identifiers,
 * $tag$…$tag$ dollar quotes, -- line comments and nested block comments — the same quoting rules as lex.c, through
 * the helpers in copy_int.h, so a statement the splitter cuts out is lexed the same way by hd_copy_parse().
 *
 * A returned statement starts at its first byte that is neither white space nor part of a comment and ends at its
 * last non-blank byte before the ';' (or the end of the script); text points into the caller's script, which must
 * outlive it. A statement that holds nothing but white space and comments is skipped. The 1-based line is found by
 * counting newlines before the statement's offset (memchr; scripts are capped at HD_MAX_SCRIPT).
 */
#include <string.h>
#include <strings.h>

#include "copy/copy.h"
#include "copy/copy_int.h"

static int
line_at(const char *s, size_t off)
{
	const char *p = s, *end = s + off;
	int line = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

static bool
prev_is_ident(const char *s, size_t start, size_t i)
{
	return i > start && hd_copy_is_ident_char((unsigned char)s[i - 1]);
}

int
hd_script_next(const char *script, size_t len, size_t *pos, hd_stmt *out, hd_err *err)
{
	size_t i = pos ? *pos : 0;

	if (!pos || !out || (!script && len)) {
		hd_err_set(err, HD_ERR_INTERNAL, "hd_script_next: bad arguments");
		return -1;
	}
	while (i < len) {
		bool unterminated;
		size_t cstart = 0, start, last_end;

		i = hd_copy_skip_blank(script, len, i, &unterminated, &cstart);
		if (unterminated) {
			hd_err_set(err, HD_ERR_SYNTAX, "unterminated /* comment starting at line %d", line_at(script, cstart));
			*pos = len;
			return -1;
		}
		if (i >= len)
			break;
		if (script[i] == ';') { /* empty statement */
			i++;
			continue;
		}
		start = i;
		last_end = i;
		while (i < len && script[i] != ';') {
			unsigned char c = (unsigned char)script[i];
			size_t end = 0, tl;
			const char *what = NULL;

			if (c == '\'' ) {
				bool esc = i > start && (script[i - 1] == 'E' || script[i - 1] == 'e') &&
					   !prev_is_ident(script, start, i - 1);
				end = hd_copy_quote_end(script, len, i, '\'', esc);
				what = "quoted string";
			} else if (c == '"') {
				end = hd_copy_quote_end(script, len, i, '"', false);
				what = "quoted identifier";
			} else if (c == '$' && !prev_is_ident(script, start, i) &&
				   (tl = hd_copy_dollar_tag(script, len, i)) != 0) {
				size_t k = i + tl;
				what = "dollar-quoted string";
				for (; k + tl <= len; k++) {
					if (script[k] == '$' && memcmp(script + k, script + i, tl) == 0) {
						end = k + tl;
						break;
					}
				}
			} else if ((c == '-' && i + 1 < len && script[i + 1] == '-') ||
				   (c == '/' && i + 1 < len && script[i + 1] == '*')) {
				end = hd_copy_skip_blank(script, len, i, &unterminated, &cstart);
				if (unterminated) {
					hd_err_set(err, HD_ERR_SYNTAX, "unterminated /* comment starting at line %d",
						   line_at(script, cstart));
					*pos = len;
					return -1;
				}
				/* comments and blanks do not move last_end: trailing ones are trimmed */
				i = end;
				continue;
			} else if (hd_copy_is_space(c)) {
				i++;
				continue;
			} else {
				i++;
				last_end = i;
				continue;
			}
			if (!end) {
				hd_err_set(err, HD_ERR_SYNTAX, "unterminated %s starting at line %d", what, line_at(script, i));
				*pos = len;
				return -1;
			}
			i = end;
			last_end = i;
		}
		*pos = i < len ? i + 1 : len;
		out->text = script + start;
		out->len = last_end - start;
		out->offset = start;
		out->line = line_at(script, start);
		return 1;
	}
	*pos = len;
	return 0;
}

bool
hd_stmt_is_copy(const hd_stmt *st)
{
	size_t i;

	if (!st || !st->text)
		return false;
	i = hd_copy_skip_blank(st->text, st->len, 0, NULL, NULL);
	if (st->len - i < 4 || strncasecmp(st->text + i, "copy", 4) != 0)
		return false;
	return st->len - i == 4 || !hd_copy_is_ident_char((unsigned char)st->text[i + 4]);
}
