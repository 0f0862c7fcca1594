/*
 * cmd_serve.c — `hdcopy serve --listen ADDR:PORT --upstream URI [--loader CONNINFO] [--tls-cert F --tls-key F]
 * [-j N] [-v]`: parse the command
 * line, print serve's log lines on standard error, and run src/serve until SIGINT or SIGTERM.
 */
#include "cli/cmd_serve.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdcopy.h"
#include "serve/serve.h"

static void
serve_usage(FILE *out)
{
	fputs("Usage: hdcopy serve --upstream URI [--listen ADDR:PORT] [--loader CONNINFO] [--tls-cert FILE --tls-key FILE]\n"
	      "                    [OPTION]...\n"
	      "A PostgreSQL-protocol front door: clients (psql, drivers) connect here; every message is relayed to the\n"
	      "upstream PostgreSQL server, except a Redshift COPY (simple query, or Parse/Bind/Execute) and GRANT/REVOKE\n"
	      "ASSUMEROLE, which hdcopy runs itself for the session's user (see docs/serve.md for the exact rule).\n"
	      "\n"
	      "Options:\n"
	      "  -l, --listen ADDR:PORT   where clients connect (default 127.0.0.1:5439, Redshift's port)\n"
	      "  -u, --upstream URI       the PostgreSQL server: postgresql://HOST:PORT or 'host=... port=...'; only\n"
	      "                           its host (or socket directory) and port are used for relaying — clients\n"
	      "                           authenticate to it themselves (trust, md5, SCRAM)\n"
	      "  -L, --loader CONNINFO    how loads connect (identity, password, ~/.pgpass): this role must be able to\n"
	      "                           SET ROLE to the clients' users (superuser, or GRANT <user> TO <loader>);\n"
	      "                           default: the --upstream conninfo with libpq's defaults\n"
	      "  -j, --slices N           parallel slices per COPY (default: the number of cores)\n"
	      "      --max-clients N      sessions at once (default 1000)\n"
	      "      --tls-cert FILE      PEM certificate (chain) for TLS to clients: SSLRequest is answered 'S'\n"
	      "                           (TLS 1.2 or later); without it clients get 'N' and stay in plain text\n"
	      "      --tls-key FILE       its PEM private key; must not be readable by group or others (chmod 600)\n"
	      "  -v, --verbose            log sessions and COPYs on standard error\n"
	      "  -h, --help               show this help and exit\n",
	      out);
}

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "hdcopy serve: %s\n", line);
	fflush(stderr);
}

static int
number(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "hdcopy serve: %s wants a number from %d to %d, not '%s'\n", opt, lo, hi, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
hd_cli_cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },   { "upstream", required_argument, NULL, 'u' },
		{ "loader", required_argument, NULL, 'L' },   { "slices", required_argument, NULL, 'j' },
		{ "max-clients", required_argument, NULL, 'M' }, { "verbose", no_argument, NULL, 'v' },
		{ "tls-cert", required_argument, NULL, 'C' }, { "tls-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	hd_serve_config cfg = { .listen = "127.0.0.1:5439", .log = log_line };
	hd_err err;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:u:L:j:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': cfg.listen = optarg; break;
		case 'u': cfg.upstream = optarg; break;
		case 'L': cfg.loader = optarg; break;
		case 'j':
			if (number("--slices", optarg, 1, 1024, &cfg.slices))
				return 2;
			break;
		case 'M':
			if (number("--max-clients", optarg, 1, 100000, &cfg.max_clients))
				return 2;
			break;
		case 'C': cfg.tls_cert = optarg; break;
		case 'K': cfg.tls_key = optarg; break;
		case 'v': cfg.verbose = true; break;
		case 'h': serve_usage(stdout); return 0;
		default:
			fputs("Try 'hdcopy serve --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hdcopy serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!cfg.upstream) {
		fputs("hdcopy serve: --upstream URI is required (the PostgreSQL server to relay to)\n", stderr);
		return 2;
	}
	if (!cfg.tls_cert != !cfg.tls_key) {
		fputs("hdcopy serve: --tls-cert and --tls-key go together (a certificate and its private key)\n", stderr);
		return 2;
	}
	memset(&err, 0, sizeof err);
	if (hd_serve_run(&cfg, &err) != HD_OK) {
		fprintf(stderr, "hdcopy serve: %s\n", err.msg);
		return hd_exit_status(err.code);
	}
	return 0;
}
