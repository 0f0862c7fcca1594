/*
 * proto.h — the PostgreSQL frontend/backend protocol v3, as much as `hdcopy serve` reads and writes.
 *
 * Readers take a byte range the caller owns and never trust a length in it: every declared length is checked
 * against the bytes present and against a named cap before anything is read. They return HD_OK, or HD_ERR_SYNTAX
 * ("protocol violation") with a line naming what was wrong; nothing is allocated, and returned pointers point into
 * the caller's bytes (valid as long as they are). Builders append whole messages to an hd_pgp_buf, which grows up to
 * its cap and then fails with HD_ERR_LIMIT. No I/O here: serve.c frames the streams, this file checks and encodes
 * (it is what the fuzz target drives).
 *
 * Wire shapes (all integers big-endian):
 *   startup-phase packet   int32 len (itself included) · int32 code · body      (no type byte)
 *   every later message    byte type · int32 len (itself included, not the type) · body
 */
#ifndef HD_SERVE_PROTO_H
#define HD_SERVE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hdcopy.h"

/* Caps. PostgreSQL's own: a startup packet ≤ 10000 bytes (MAX_STARTUP_PACKET_LENGTH), a message < 1 GiB. */
#define HD_PGP_STARTUP_MAX 10000u
#define HD_PGP_MSG_MAX 0x3fffffffu
/* A Query message serve reads whole to classify; a longer one is relayed without being looked at. */
#define HD_PGP_QUERY_MAX (4u << 20)
/* Any other message serve reads whole (ReadyForQuery, CommandComplete, BackendKeyData, replies to its own
 * queries): longer is a protocol violation. */
#define HD_PGP_INSPECT_MAX (1u << 20)
/* Identifiers from the startup packet (PostgreSQL truncates them to 63 bytes; we keep a little more). */
#define HD_PGP_NAME_MAX 256

/* Startup-phase request codes. */
#define HD_PGP_PROTO_V3 196608u   /* 3.0 */
#define HD_PGP_CANCEL 80877102u
#define HD_PGP_SSLREQ 80877103u
#define HD_PGP_GSSREQ 80877104u

/* The first 8 bytes of a startup-phase packet: *len (whole packet) and *code, checked against the caps and the
 * fixed sizes of SSLRequest/GSSENCRequest (8) and CancelRequest (16). */
hd_code hd_pgp_startup_header(const uint8_t *p, size_t n, uint32_t *len, uint32_t *code, hd_err *err);

typedef struct hd_pgp_startup {
	char user[HD_PGP_NAME_MAX];
	char database[HD_PGP_NAME_MAX]; /* "" when not given (the server then uses user) */
} hd_pgp_startup;

/* The parameters of a StartupMessage body (after len and code): NUL-terminated name/value pairs and a final NUL.
 * "user" is required, as PostgreSQL requires it. */
hd_code hd_pgp_startup_params(const uint8_t *body, size_t n, hd_pgp_startup *out, hd_err *err);

/* A typed message's 5-byte header: *type and *len (the declared length, ≥ 4, ≤ HD_PGP_MSG_MAX). */
hd_code hd_pgp_header(const uint8_t *p, size_t n, char *type, uint32_t *len, hd_err *err);

/* Query body: one NUL-terminated string and nothing after it. The NUL is not in *len. */
hd_code hd_pgp_query(const uint8_t *body, size_t n, const char **sql, size_t *len, hd_err *err);
/* ReadyForQuery body: one status byte, 'I', 'T' or 'E'. */
hd_code hd_pgp_ready(const uint8_t *body, size_t n, char *status, hd_err *err);
/* CommandComplete body: the NUL-terminated tag. */
hd_code hd_pgp_tag(const uint8_t *body, size_t n, const char **tag, hd_err *err);
/* BackendKeyData body: pid and secret key. */
hd_code hd_pgp_backend_key(const uint8_t *body, size_t n, uint32_t *pid, uint32_t *key, hd_err *err);
/* DataRow body: column col's value, copied NUL-terminated into buf (size bufn; longer is an error); *isnull. */
hd_code hd_pgp_datarow_col(const uint8_t *body, size_t n, int col, char *buf, size_t bufn, bool *isnull,
                           hd_err *err);
/* ErrorResponse/NoticeResponse body: the value of field code (e.g. 'C' SQLSTATE, 'M' message), NULL when absent;
 * the whole body is checked for well-formedness either way. */
hd_code hd_pgp_field(const uint8_t *body, size_t n, char code, const char **value, hd_err *err);

/* Extended query (issue 10). Names are NUL-terminated strings inside the caller's bytes ("" = the unnamed one).
 * Parse: statement name, query (its NUL not in *qlen), the count of parameter type OIDs that follow (checked). */
hd_code hd_pgp_parse(const uint8_t *body, size_t n, const char **name, const char **query, size_t *qlen,
                     int *nparams, hd_err *err);
/* Bind: portal and statement names and the parameter count; the rest of the message (formats, values, result
 * formats) is checked for well-formedness too, so body must be the whole message. */
hd_code hd_pgp_bind(const uint8_t *body, size_t n, const char **portal, const char **stmt, int *nparams,
                    hd_err *err);
/* Only the first two strings of a Bind (body may be a prefix of the message): false when they are not both
 * terminated within n bytes. */
bool hd_pgp_bind_names(const uint8_t *body, size_t n, const char **portal, const char **stmt);
/* Describe and Close: *kind 'S' (statement) or 'P' (portal), and the name. */
hd_code hd_pgp_target(const uint8_t *body, size_t n, char *kind, const char **name, hd_err *err);
/* Execute: the portal name and the row limit (0 = all). */
hd_code hd_pgp_execute(const uint8_t *body, size_t n, const char **portal, uint32_t *maxrows, hd_err *err);

/* ---- building messages ----------------------------------------------------------------------------------------- */

typedef struct hd_pgp_buf {
	uint8_t *data;
	size_t len, cap, max;   /* max: the cap on len (0 = HD_PGP_INSPECT_MAX) */
} hd_pgp_buf;

void hd_pgp_buf_free(hd_pgp_buf *b);
/* NoticeResponse ('N') or ErrorResponse ('E'): severity ("INFO", "ERROR", …), SQLSTATE, message, detail (may be
 * NULL). */
hd_code hd_pgp_put_notice(hd_pgp_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
                          const char *detail);
hd_code hd_pgp_put_complete(hd_pgp_buf *b, const char *tag);
hd_code hd_pgp_put_ready(hd_pgp_buf *b, char status);
hd_code hd_pgp_put_query(hd_pgp_buf *b, const char *sql);
/* A message with an empty body: ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n', Flush 'H'. */
hd_code hd_pgp_put_empty(hd_pgp_buf *b, char type);
/* ParameterDescription ('t') of a statement without parameters. */
hd_code hd_pgp_put_noparams(hd_pgp_buf *b);

/* The SQLSTATE serve reports for a failed COPY with this code (docs/serve.md has the table). */
const char *hd_pgp_sqlstate(hd_code code);

#endif
