/*
 * glob.c — shell-style pattern matching of one string: * ? [...] ([!...] / [^...] negate, a-z ranges, ']' first
 * in a class is literal) and \ escapes. With path = true, '*', '?' and classes never match '/', so a pattern is
 * matched one path component at a time by the caller (source/file.c).
 *
 * No allocation, no recursion: '*' is matched by remembering the last star and retrying one byte further
 * (linear memory, O(len(pat) * len(s)) time at worst). Bytes compare as unsigned; no locale, no case folding.
 */
#include "source/source.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

/* Match the class starting at p ('['), against c. *end gets the byte after ']'. Returns -1 when p does not start a
 * well-formed class (then '[' is an ordinary byte), else 1 on a match, 0 otherwise. */
static int
match_class(const char *p, unsigned char c, bool path, const char **end)
{
	bool neg = false, hit = false;
	const char *q = p + 1;

	if (*q == '!' || *q == '^') {
		neg = true;
		q++;
	}
	for (bool first = true; first || *q != ']'; first = false) {
		unsigned char lo, hi;
		if (*q == '\0')
			return -1;
		if (*q == '\\' && q[1])
			q++;
		lo = hi = (unsigned char)*q++;
		if (*q == '-' && q[1] && q[1] != ']') {
			q++;
			if (*q == '\\' && q[1])
				q++;
			hi = (unsigned char)*q++;
		}
		if (lo <= c && c <= hi)
			hit = true;
	}
	*end = q + 1;
	if (path && c == '/')
		return 0;
	return hit != neg;
}

/* Does the pattern byte(s) at *pp match c? Advances *pp past them on a match. */
static bool
match_one(const char **pp, unsigned char c, bool path)
{
	const char *p = *pp, *end;
	int r;

	switch (*p) {
	case '?':
		if (path && c == '/')
			return false;
		*pp = p + 1;
		return true;
	case '[':
		r = match_class(p, c, path, &end);
		if (r >= 0) {
			if (r)
				*pp = end;
			return r == 1;
		}
		break; /* not a class: a literal '[' */
	case '\\':
		if (p[1]) {
			if ((unsigned char)p[1] != c)
				return false;
			*pp = p + 2;
			return true;
		}
		break;
	default:
		break;
	}
	if ((unsigned char)*p != c)
		return false;
	*pp = p + 1;
	return true;
}

bool
hd_glob_match(const char *pat, const char *s, bool path)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star_p = pat;
			star_s = s;
			continue;
		}
		if (*pat && match_one(&pat, (unsigned char)*s, path)) {
			s++;
			continue;
		}
		/* let the last star eat one more byte, and retry */
		if (star_p && !(path && *star_s == '/')) {
			pat = star_p;
			s = ++star_s;
			continue;
		}
		return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool
hd_glob_has_magic(const char *pat)
{
	const char *end;

	for (const char *p = pat; *p; p++) {
		if (*p == '\\') {
			if (p[1])
				p++;
			continue;
		}
		if (*p == '*' || *p == '?')
			return true;
		if (*p == '[' && match_class(p, 0, false, &end) >= 0)
			return true;
	}
	return false;
}

/* --- Hadoop's {a,b} alternations (added for source/hdfs.c; file.c does not use them) --------------------------- */

/* The first balanced {…} group at or after s: *open at '{', *close at its '}'. Escaped braces are literal, and so is
 * a '{' without a matching '}'. */
static bool
find_group(const char *s, const char **open, const char **close)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\\') {
			if (p[1])
				p++;
			continue;
		}
		if (*p != '{')
			continue;
		int depth = 0;
		for (const char *q = p; *q; q++) {
			if (*q == '\\') {
				if (q[1])
					q++;
				continue;
			}
			if (*q == '{')
				depth++;
			else if (*q == '}' && --depth == 0) {
				*open = p;
				*close = q;
				return true;
			}
		}
	}
	return false;
}

bool
hd_glob_has_braces(const char *pat)
{
	const char *o, *c;
	return find_group(pat, &o, &c);
}

static char *
concat3(const char *a, size_t al, const char *b, size_t bl, const char *c)
{
	size_t cl = strlen(c);
	char *r = hd_malloc(al + bl + cl + 1);
	if (!r)
		return NULL;
	memcpy(r, a, al);
	memcpy(r + al, b, bl);
	memcpy(r + al + bl, c, cl + 1);
	return r;
}

int
hd_glob_braces(const char *pat, char ***out, int max)
{
	char **v = NULL;
	int n = 0, cap = 0, i = 0;

	*out = NULL;
	if (max < 1 || !(v = hd_malloc(sizeof *v)) || !(v[0] = hd_strdup(pat))) {
		free(v);
		return -1;
	}
	n = cap = 1;
	/* Expand the first group of v[i] in place (its alternatives replace it), until v[i] has none; then the next. */
	while (i < n) {
		const char *open, *close, *alt;
		char *cur = v[i];
		int k = 0, depth = 0;
		if (!find_group(cur, &open, &close)) {
			i++;
			continue;
		}
		/* split the top level of (open, close) at commas */
		alt = open + 1;
		for (const char *q = open + 1;; q++) {
			if (*q == '\\' && q < close - 1) {
				q++;
				continue;
			}
			if (*q == '{')
				depth++;
			else if (*q == '}' && q != close)
				depth--;
			if (q == close || (*q == ',' && depth == 0)) {
				char *e = concat3(cur, (size_t)(open - cur), alt, (size_t)(q - alt), close + 1);
				if (!e)
					goto fail;
				if (k == 0) {
					v[i] = e; /* cur stays alive until the loop ends */
				} else {
					if (n >= max) {
						free(e);
						free(cur);
						goto fail;
					}
					if (n == cap) {
						char **nv = hd_realloc(v, (size_t)cap * 2 * sizeof *nv);
						if (!nv) {
							free(e);
							free(cur);
							goto fail;
						}
						v = nv;
						cap *= 2;
					}
					memmove(v + i + k + 1, v + i + k, (size_t)(n - i - k) * sizeof *v);
					v[i + k] = e;
					n++;
				}
				k++;
				alt = q + 1;
				if (q == close)
					break;
			}
		}
		free(cur);
	}
	*out = v;
	return n;
fail:
	for (int j = 0; j < n; j++)
		free(v[j]);
	free(v);
	return -1;
}
