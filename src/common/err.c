/*
 * err.c — the error value: set, prefix, name, and map to exit statuses.
 */
#include "common/err.h"

#include <stdio.h>
#include <string.h>

hd_code
hd_err_setv(hd_err *err, hd_code code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

hd_code
hd_err_set(hd_err *err, hd_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hd_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

hd_code
hd_err_prefix(hd_err *err, const char *fmt, ...)
{
	char pre[HD_ERR_MSG_MAX], old[HD_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return HD_ERR_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	{
		/* Truncation is fine here: the message is cut, never overrun. */
		size_t n = strnlen(pre, sizeof pre - 1);
		if (n > sizeof err->msg - 3)
			n = sizeof err->msg - 3;
		memcpy(err->msg, pre, n);
		memcpy(err->msg + n, ": ", 2);
		n += 2;
		size_t m = strnlen(old, sizeof old - 1);
		if (m > sizeof err->msg - 1 - n)
			m = sizeof err->msg - 1 - n;
		memcpy(err->msg + n, old, m);
		err->msg[n + m] = '\0';
	}
	return err->code;
}

void
hd_err_clear(hd_err *err)
{
	if (err) {
		err->code = HD_OK;
		err->msg[0] = '\0';
	}
}

const char *
hd_strerror(hd_code code)
{
	switch (code) {
	case HD_OK: return "success";
	case HD_ERR_NOMEM: return "out of memory";
	case HD_ERR_USAGE: return "invalid command line";
	case HD_ERR_SYNTAX: return "syntax error";
	case HD_ERR_UNSUPPORTED: return "not supported";
	case HD_ERR_NOTFOUND: return "load file not found";
	case HD_ERR_IO: return "read error";
	case HD_ERR_LOAD: return "load failed";
	case HD_ERR_TARGET: return "target error";
	case HD_ERR_PRIVILEGE: return "permission denied";
	case HD_ERR_TABLE: return "invalid target table";
	case HD_ERR_LIMIT: return "limit exceeded";
	case HD_ERR_INTERNAL: return "internal error";
	case HD_ERR_CANCELED: return "canceled";
	}
	return "unknown error";
}

int
hd_exit_status(hd_code code)
{
	switch (code) {
	case HD_OK:
		return 0;
	case HD_ERR_USAGE:
	case HD_ERR_SYNTAX:
	case HD_ERR_UNSUPPORTED:
	case HD_ERR_TABLE: /* the statement names a table or column that is not there */
		return 2;
	case HD_ERR_TARGET:
	case HD_ERR_PRIVILEGE:
		return 3;
	default:
		return 1;
	}
}
