/*
 * manifest.h — the SSH manifest of COPY … SSH (COPY-SPEC "SSH manifest"), parsed and validated.
 *
 *   { "entries": [ { "endpoint": "host[:port]" | "[v6addr][:port]", "command": "…", "mandatory": true|false,
 *                    "publickey": "ssh-ed25519 AAAA… [comment]", "username": "loader" }, … ] }
 *
 * hd_manifest_parse() is a strict, bounded JSON reader of exactly this shape (it is a fuzz target: any input either
 * parses or fails with a message; nothing else happens). Input over HD_MAX_MANIFEST bytes, more than
 * HD_MAX_MANIFEST_ENTRIES entries, or a string over its cap is HD_ERR_LIMIT; anything else that is not a valid
 * manifest is HD_ERR_SYNTAX with a message naming the line and column, or the entry (1-based) and field.
 * Unknown or duplicate keys are errors (a misspelt "mandatory" must not silently load as optional).
 * All strings are NUL-terminated UTF-8 without NUL bytes, owned by the manifest.
 */
#ifndef HD_SOURCE_MANIFEST_H
#define HD_SOURCE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

typedef struct hd_manifest_entry {
	char *endpoint;  /* as written */
	char *host;      /* host name or address: brackets and port removed */
	int port;        /* 22 unless the endpoint names one */
	char *command;   /* run by the host's shell; its stdout is the data */
	bool mandatory;  /* default false */
	char *publickey; /* the HOST's public key "type base64 [comment]", or NULL */
	char *username;  /* login name, or NULL (the credential profile decides) */
} hd_manifest_entry;

typedef struct hd_manifest {
	hd_manifest_entry *v;
	int n;
} hd_manifest;

hd_code hd_manifest_parse(const char *text, size_t len, hd_manifest *out, hd_err *err);
void hd_manifest_free(hd_manifest *m);

/* Split an endpoint: "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (two or more ':'). host gets
 * the name or address (hostsz bytes at most, NUL included). HD_ERR_SYNTAX with a reason when it is not one of these
 * or holds characters no host name or address has. */
hd_code hd_manifest_endpoint(const char *endpoint, char *host, size_t hostsz, int *port, hd_err *err);

#endif
