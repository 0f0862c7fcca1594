/*
 * hjson.h — a strict, bounded JSON parser for the answers of WebHDFS and the NameNode's JMX servlet (private to
 * source/: hdfs.c, webhdfs.c, cluster.c).
 *
 * hd_hjson_parse() checks a whole document against RFC 8259 (no comments, no trailing commas, no leading zeros,
 * strings without raw control characters and with valid escapes, one value then only white space) and records it as
 * a flat pre-order array of tokens: no recursion (an explicit stack, at most HD_MAX_HJSON_DEPTH deep) and at most
 * max_tokens tokens, so any input — it is fuzzed — costs bounded memory and time linear in its length. Tokens point
 * into the caller's text, which must outlive the hd_hjson; strings are decoded only when asked (hd_hjson_str).
 *
 * Navigation: token 0 is the root. A container's children follow it; t[i].next is the index just past token i's
 * subtree, so the first child of container i is i + 1 (when t[i].count > 0) and each sibling is the previous one's
 * next. An object's children alternate key, value.
 */
#ifndef HD_SOURCE_HJSON_H
#define HD_SOURCE_HJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define HD_MAX_HJSON_DEPTH 64

typedef enum hd_hj_type {
	HD_HJ_OBJECT = 1,
	HD_HJ_ARRAY,
	HD_HJ_STRING,
	HD_HJ_NUMBER,
	HD_HJ_TRUE,
	HD_HJ_FALSE,
	HD_HJ_NULL
} hd_hj_type;

typedef struct hd_hj_tok {
	uint8_t type;     /* hd_hj_type */
	uint32_t start;   /* offset of the value's first byte (a string: the byte after its opening quote) */
	uint32_t end;     /* one past its last byte (a string: its closing quote) */
	uint32_t count;   /* containers: number of children (an object counts keys and values) */
	uint32_t next;    /* index of the token after this one's subtree */
} hd_hj_tok;

typedef struct hd_hjson {
	const char *text;
	hd_hj_tok *t;
	uint32_t n;
} hd_hjson;

/* Parse text[0, len) (len < 4 GiB). HD_ERR_IO with the byte offset on bad JSON, HD_ERR_LIMIT past max_tokens or the
 * depth cap. On failure *out is empty. Free with hd_hjson_free(). */
hd_code hd_hjson_parse(const char *text, size_t len, uint32_t max_tokens, hd_hjson *out, hd_err *err);
void hd_hjson_free(hd_hjson *j);

/* The value of member key (exact, byte-wise; keys with escapes are compared decoded) of object token obj, or -1
 * (also when obj is not an object, or is -1). The first matching member wins. */
int hd_hjson_get(const hd_hjson *j, int obj, const char *key);
/* Is token i (>= 0) of this type? False for i == -1. */
bool hd_hjson_is(const hd_hjson *j, int i, hd_hj_type type);
/* A non-negative integer number token (no fraction or exponent) that fits in uint64_t. */
bool hd_hjson_u64(const hd_hjson *j, int i, uint64_t *out);
/* Decode string token i into buf (cap bytes, NUL-terminated). Returns the decoded length, or -1 when i is not a
 * string or it does not fit (NUL bytes from \u0000 are kept; callers treat such names as odd and may refuse them). */
long hd_hjson_str(const hd_hjson *j, int i, char *buf, size_t cap);
/* Decoded string token i, malloc'd (NULL when not a string or out of memory). *len (may be NULL) gets its length. */
char *hd_hjson_strdup(const hd_hjson *j, int i, size_t *len);
/* Does string token i decode to exactly s? */
bool hd_hjson_str_eq(const hd_hjson *j, int i, const char *s);

#endif
