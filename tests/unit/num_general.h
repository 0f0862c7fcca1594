/*
 * num_general.h — for the numeric unit tests (test_convert.c, test_pg_encode.c): the same number written so that
 * convert's numeric fast path hands it to the general one.
 */
#ifndef TEST_NUM_GENERAL_H
#define TEST_NUM_GENERAL_H

#include <stdio.h>
#include <string.h>

/* s with exponent e0 after its last non-blank byte (before any trailing white space): the same number, but a field
 * that convert's fast path hands to the general one. */
static inline void
with_e0(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s), e = n;
	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n'))
		e--;
	snprintf(dst, size, "%.*se0%s", (int)e, s, s + e);
}

#endif
