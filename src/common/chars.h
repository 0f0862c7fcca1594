/*
 * chars.h — tiny character helpers shared by every parser (grammar, JSON readers, conversions), so each has one
 * definition.
 */
#ifndef HD_COMMON_CHARS_H
#define HD_COMMON_CHARS_H

/* The value of a hexadecimal digit, or -1. */
static inline int
hd_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
