/*
 * ssh_probe.h — private to source/: probe one SSH host step by step for `hdcopy cluster check` (ssh_probe.c).
 */
#ifndef HD_SOURCE_SSH_PROBE_H
#define HD_SOURCE_SSH_PROBE_H

#include <stddef.h>
#include <stdbool.h>

enum { HD_PROBE_NOT_RUN = 0, HD_PROBE_OK = 1, HD_PROBE_FAIL = 2 };

typedef struct hd_probe_in {
	const char *host;        /* name or address, no brackets */
	int port;
	const char *user;
	const char *key;         /* the loader's private key file */
	const char *known_hosts;
	const char *command;     /* run after authentication (NULL: none); its exit status is reported */
	int timeout;             /* seconds per step */
} hd_probe_in;

typedef struct hd_probe_out {
	int tcp, hostkey, auth, exec;       /* HD_PROBE_* per step; a step after a failed one is NOT_RUN */
	char tcp_why[128];                  /* "timeout", "refused", … */
	char hostkey_why[256];              /* "unknown", "changed", or the key exchange error */
	char hostkey_line[1024];            /* "ssh-ed25519 AAAA…" as the host presented it */
	char fingerprint[128];              /* SHA256:… */
	char auth_why[4200];
	char exec_why[512];                 /* the command's stderr (cut), control characters as spaces */
	int exit_status;
} hd_probe_out;

void hd_probe_run(const hd_probe_in *in, hd_probe_out *out);
/* A cluster catalog's host entry, "host", "host:port", "[v6]:port" or "[v6]", split (port 22 when none). */
void hd_probe_split_host(const char *spec, char *host, size_t n, int *port);

#endif
