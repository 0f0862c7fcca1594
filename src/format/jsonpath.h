/*
 * jsonpath.h — private to format/json.c and format/jsonpath.c: a compiled JSONPaths file and JSON string decoding.
 *
 * A JSONPaths file (Redshift, copy-usage_notes-copy-from-json, "JSONPaths file") is one JSON object whose name
 * "jsonpaths" holds an array of expressions, one per column in order. hd_jpaths_parse() reads it once per COPY and
 * compiles every expression into steps (a key or an array index); the steps' keys point into one owned buffer.
 * Everything is freed by hd_jpaths_free(); nothing here is used per record except hd_json_unescape_().
 */
#ifndef HD_FORMAT_JSONPATH_H
#define HD_FORMAT_JSONPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct hd_jp_step {
	bool is_index;
	uint32_t index;    /* is_index: the array element, 0-based */
	const char *key;   /* !is_index: the member name (unescaped UTF-8, may hold NUL), keylen bytes */
	uint32_t keylen;
} hd_jp_step;

typedef struct hd_jpaths {
	int n;             /* expressions */
	bool use_auto;     /* the file's object has no "jsonpaths" name: COPY uses 'auto' (page: "If the name is any
	                    * string other than "jsonpaths", COPY uses the 'auto' argument") */
	int *first;        /* steps of expression i: steps[first[i] .. first[i + 1]) */
	hd_jp_step *steps;
	char *keys;        /* owned storage of the steps' keys */
} hd_jpaths;

/*
 * Compile a JSONPaths file (text, len bytes). On failure returns HD_ERR_SYNTAX (or HD_ERR_NOMEM) with a message
 * naming the expression and the position in it; *out is then empty. Free with hd_jpaths_free().
 */
hd_code hd_jpaths_parse(const char *text, size_t len, hd_jpaths *out, hd_err *err);
void hd_jpaths_free(hd_jpaths *jp);

/* Results of hd_json_unescape_(). */
enum { HD_JU_OK = 0, HD_JU_BAD_ESCAPE, HD_JU_BAD_HEX, HD_JU_SURROGATE };

/*
 * Decode the body of a JSON string [p, e) (between its quotes) into out, which has room for e - p bytes (decoding
 * never grows a string). \uXXXX escapes become UTF-8; a surrogate pair becomes one 4-byte character. *n is the
 * decoded length; on failure *at is the offset in [p, e) of the offending escape.
 */
int hd_json_unescape_(const char *p, const char *e, char *out, size_t *n, size_t *at);

#endif
