/*
 * cmd_key.c — Redshift's set-up steps 3 and 4 for SSH sources, as commands (docs/ssh.md):
 *
 *   hdcopy key                   create the key pair on first use; print the public key, the addresses hdcopy
 *                                connects from, and a ready authorized_keys line (Redshift's console shows the
 *                                cluster public key and node IP addresses)
 *   hdcopy key show              the public key line only
 *   hdcopy key authorized-line   the authorized_keys line only: from="<addresses>",no-pty,no-agent-forwarding,
 *                                no-port-forwarding,no-X11-forwarding <public key>
 *   hdcopy nodes                 the addresses, one per line ($HDCOPY_HOME/nodes when present, else this machine's)
 *
 * Everything goes through the public API (hd_access_*); the private key is never printed. With --json one object.
 */
#include "cli/cmd_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdcopy.h"
#include "cli/output.h"

bool
hd_cli_is_key_command(const char *word)
{
	return strcmp(word, "key") == 0 || strcmp(word, "nodes") == 0;
}

static int
fail(const hd_err *err, hd_code r)
{
	fprintf(stderr, "hdcopy: ERROR:  %s\n", err->msg);
	return hd_exit_status(r) ? hd_exit_status(r) : 1;
}

static void
json_strv(char *const *v, int n)
{
	fputc('[', stdout);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', stdout);
		hd_cli_json_string(stdout, v[i]);
	}
	fputc(']', stdout);
}

int
hd_cli_cmd_key(int argc, char **argv, bool json)
{
	enum { ALL, SHOW, LINE, NODES } what;
	char *pub = NULL, *line = NULL, **addrs = NULL, home[4096];
	int naddrs = 0, status = 0;
	bool created = false;
	hd_err err;
	hd_code r;

	memset(&err, 0, sizeof err);
	if (strcmp(argv[0], "nodes") == 0) {
		if (argc != 1) {
			fputs("hdcopy: nodes takes no arguments\n", stderr);
			return 2;
		}
		what = NODES;
	} else if (argc == 1) {
		what = ALL;
	} else if (argc == 2 && strcmp(argv[1], "show") == 0) {
		what = SHOW;
	} else if (argc == 2 && strcmp(argv[1], "authorized-line") == 0) {
		what = LINE;
	} else {
		fputs("hdcopy: usage: hdcopy key [show | authorized-line]\n", stderr);
		return 2;
	}

	if (what != NODES) {
		if ((r = hd_access_key(&pub, &created, &err)) != HD_OK)
			return fail(&err, r);
		if (created && hd_access_home(home, sizeof home, &err) == HD_OK)
			fprintf(stderr, "hdcopy: created the loader's Ed25519 key pair in %s (id_ed25519, mode 0600)\n", home);
	}
	if (what != SHOW && (r = hd_access_nodes(&addrs, &naddrs, &err)) != HD_OK) {
		status = fail(&err, r);
		goto out;
	}
	if ((what == ALL || what == LINE) && (r = hd_access_authorized_line(pub, addrs, naddrs, &line, &err)) != HD_OK) {
		status = fail(&err, r);
		goto out;
	}

	if (json) {
		fputc('{', stdout);
		if (pub) {
			fputs("\"public_key\":", stdout);
			hd_cli_json_string(stdout, pub);
			fprintf(stdout, ",\"created\":%s", created ? "true" : "false");
		}
		if (addrs) {
			fputs(pub ? ",\"addresses\":" : "\"addresses\":", stdout);
			json_strv(addrs, naddrs);
		}
		if (line) {
			fputs(",\"authorized_line\":", stdout);
			hd_cli_json_string(stdout, line);
		}
		fputs("}\n", stdout);
		goto out;
	}
	switch (what) {
	case SHOW:
		printf("%s\n", pub);
		break;
	case LINE:
		printf("%s\n", line);
		break;
	case NODES:
		for (int i = 0; i < naddrs; i++)
			printf("%s\n", addrs[i]);
		break;
	case ALL:
		printf("Public key (put it in each host's authorized_keys):\n  %s\n", pub);
		printf("Addresses hdcopy connects from (admit them in each host's firewall):\n");
		for (int i = 0; i < naddrs; i++)
			printf("  %s\n", addrs[i]);
		printf("authorized_keys line (one line, for ~USER/.ssh/authorized_keys on each host):\n%s\n", line);
		break;
	}
out:
	free(pub);
	free(line);
	hd_access_strv_free(addrs, naddrs);
	return status;
}
