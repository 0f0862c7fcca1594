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
