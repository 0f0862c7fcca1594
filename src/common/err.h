/*
 * err.h — errors as values.
 *
 * Every fallible function returns an hd_code (HD_OK == 0) and, when it fails, fills an hd_err the caller owns with
 * the code and one human-readable line (PostgreSQL style: short, lower-case start, no trailing period). Codes are
 * never renumbered. Nothing below cli/ prints or exits; the CLI maps codes to exit statuses with hd_exit_status().
 *
 * Idiom:   if ((r = f(..., err)) != HD_OK) goto out;
 */
#ifndef HD_COMMON_ERR_H
#define HD_COMMON_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include "hdcopy.h"

/* hd_code and hd_err are public: see include/hdcopy.h. */

/* Set *err (if non-NULL) and return code. The message is formatted like printf. */
hd_code hd_err_set(hd_err *err, hd_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
hd_code hd_err_setv(hd_err *err, hd_code code, const char *fmt, va_list ap);

/* Prefix an existing message: "<prefix>: <old message>". Returns err->code. */
hd_code hd_err_prefix(hd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void hd_err_clear(hd_err *err);

/* Short name of a code, e.g. "syntax error". */
const char *hd_strerror(hd_code code);

/* The CLI's exit status for a code: 0 ok; 1 load failed; 2 invalid statement/command line; 3 target. */
int hd_exit_status(hd_code code);

#endif
