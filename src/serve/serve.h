/*
 * serve.h — `hdcopy serve`: a PostgreSQL-protocol front door (docs/serve.md). What src/cli/cmd_serve.c may call.
 */
#ifndef HD_SERVE_SERVE_H
#define HD_SERVE_SERVE_H

#include "hdcopy.h"

typedef struct hd_serve_config {
	const char *listen;   /* "ADDR:PORT", "[v6]:PORT", or a path (a unix socket) */
	const char *upstream; /* libpq URI or keyword string: only host(/socket directory) and port are used */
	const char *loader;   /* conninfo the loads connect with (identity + password); NULL = upstream's */
	int slices;           /* per COPY; 0 = the library's default (cores) */
	int max_clients;      /* 0 = 1000 */
	const char *tls_cert; /* PEM certificate chain for TLS to clients; NULL = answer SSLRequest 'N' */
	const char *tls_key;  /* its PEM private key (must not be group/world accessible); both or neither */
	bool verbose;         /* also log one line per session and per intercepted COPY */
	/* Where serve's own lines go ("listening on …", failures; with verbose, sessions and COPYs); may be NULL. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
} hd_serve_config;

/* Run until SIGINT/SIGTERM. Returns HD_OK after a clean stop; err names what failed to start. */
hd_code hd_serve_run(const hd_serve_config *cfg, hd_err *err);

#endif
