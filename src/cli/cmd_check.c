/*
 * cmd_check.c — `hdcopy cluster check ID [--role NAME [--db TARGET]] [--user U] [--hdfs-user U] [--path GLOB]…
 * [--timeout S] [--json]` (issue 9): one row per host of a catalogued cluster — TCP reachable on its SSH port, host
 * key known and matching, the loader's key accepted for the user, the hdfs client runs there, the NameNode answers
 * and the paths exist and can be listed — every failing cell with the exact fix. --role takes the user, HDFS user
 * and path globs from a role in the target database. Exit 0 only if every host passes every cell it ran.
 * Also `hdcopy cluster authorize | deauthorize ID …` (step 5, the fix for most failing cells; at the end).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_check.h"
#include "cli/output.h"
#include "hdcopy.h"
#include "hdcopy_cluster.h"

#define MAX_PATHS 256

static const char *const cell_names[HD_CHECK__N] = { "tcp", "hostkey", "auth", "hdfs", "namenode", "paths" };

typedef struct role_row {
	char *ssh_user, *hdfs_user, *paths;
	int n;
} role_row;

static int
on_role(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	role_row *R = ctx;
	if (!values)
		return 0;
	for (int j = 0; j < ncols; j++) {
		if (!values[j])
			continue;
		if (strcmp(names[j], "ssh_user") == 0)
			R->ssh_user = strdup(values[j]);
		else if (strcmp(names[j], "hdfs_user") == 0)
			R->hdfs_user = strdup(values[j]);
		else if (strcmp(names[j], "paths") == 0)
			R->paths = strdup(values[j]);
	}
	R->n++;
	return 0;
}

static void
usage(FILE *out)
{
	fputs("Usage: hdcopy cluster check ID [--role NAME [--db TARGET]] [--user USER] [--hdfs-user USER] [--path GLOB]...\n"
	      "                            [--timeout SECONDS] [--json]\n"
	      "Pre-flight doctor: one row per host — tcp (SSH port reachable), hostkey (known and matching), auth (the\n"
	      "loader's key accepted for the user), hdfs (the client runs there), namenode (WebHDFS answers), paths (exist\n"
	      "and can be listed). Each failing cell says the fix. Exit 0 only if every host passes.\n"
	      "--role takes the SSH user, HDFS user and --path globs of a role in the target database (--db or HDCOPY_DB).\n",
	      out);
}

int
hd_cli_cmd_cluster_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'R' }, { "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' }, { "hdfs-user", required_argument, NULL, 'U' },
		{ "path", required_argument, NULL, 'p' }, { "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *paths[MAX_PATHS];
	hd_check_opts o;
	hd_check_row *rows = NULL;
	role_row R;
	const char *role = NULL, *target = NULL, *id;
	bool json = false, all_ok = true;
	hd_err err;
	int ch, n = 0;
	hd_code r;

	memset(&o, 0, sizeof o);
	memset(&R, 0, sizeof R);
	o.paths = paths;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'R': role = optarg; break;
		case 'd': target = optarg; break;
		case 'u': o.user = optarg; break;
		case 'U': o.hdfs_user = optarg; break;
		case 'p':
			if (o.npaths >= MAX_PATHS)
				return 2;
			paths[o.npaths++] = optarg;
			break;
		case 't': o.timeout = atoi(optarg); break;
		case 'J': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	id = argv[optind];
	memset(&err, 0, sizeof err);
	if (role) {
		hd_options opt;
		hd_session *s = NULL;
		if (!target)
			target = getenv("HDCOPY_DB");
		if (!target || !*target) {
			fputs("hdcopy: --role reads the role from the target database: give --db TARGET or set HDCOPY_DB\n", stderr);
			return 2;
		}
		memset(&opt, 0, sizeof opt);
		opt.slices = 1;
		opt.rows = on_role;
		opt.ctx = &R;
		if ((r = hd_session_open(target, &opt, &s, &err)) == HD_OK) {
			r = hd_session_role_list(s, role, &err);
			hd_session_close(s);
		}
		if (r != HD_OK) {
			fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
			return hd_exit_status(r);
		}
		if (!o.user && R.ssh_user)
			o.user = R.ssh_user;
		if (!o.hdfs_user && R.hdfs_user)
			o.hdfs_user = R.hdfs_user;
		for (char *p = R.paths; p && *p && o.npaths < MAX_PATHS;) {
			char *sep = strstr(p, ", ");
			if (sep)
				*sep = '\0';
			paths[o.npaths++] = p;
			p = sep ? sep + 2 : NULL;
		}
	}
	r = hd_cluster_check(id, &o, &rows, &n, &err);
	if (r != HD_OK) {
		fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
		free(R.ssh_user);
		free(R.hdfs_user);
		free(R.paths);
		return r == HD_ERR_NOTFOUND ? 2 : hd_exit_status(r); /* an unknown ID is a bad command line */
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < HD_CHECK__N; k++)
			if (rows[i].c[k].state == 2 || (k < HD_CHECK_NAMENODE && rows[i].c[k].state == 0))
				all_ok = false;
	if (json) {
		printf("{\"cluster\":");
		hd_cli_json_string(stdout, id);
		printf(",\"ok\":%s,\"hosts\":[", all_ok ? "true" : "false");
		for (int i = 0; i < n; i++) {
			printf("%s\n{\"host\":", i ? "," : "");
			hd_cli_json_string(stdout, rows[i].host);
			printf(",\"port\":%d,\"user\":", rows[i].port);
			hd_cli_json_string(stdout, rows[i].user);
			for (int k = 0; k < HD_CHECK__N; k++) {
				static const char *const st[] = { "not run", "ok", "fail" };
				printf(",\"%s\":{\"status\":\"%s\",\"detail\":", cell_names[k], st[rows[i].c[k].state]);
				hd_cli_json_string(stdout, rows[i].c[k].detail);
				putchar('}');
			}
			putchar('}');
		}
		printf("\n]}\n");
	} else {
		for (int i = 0; i < n; i++) {
			printf("%s port %d (user %s):\n", rows[i].host, rows[i].port, rows[i].user);
			for (int k = 0; k < HD_CHECK__N; k++)
				printf("  %-9s %-7s %s\n", cell_names[k],
				       rows[i].c[k].state == 1 ? "ok" : rows[i].c[k].state == 2 ? "FAIL" : "-", rows[i].c[k].detail);
		}
		printf("%s\n", all_ok ? "every host passes" : "some checks FAILED: apply the fixes above");
	}
	free(rows);
	free(R.ssh_user);
	free(R.hdfs_user);
	free(R.paths);
	return all_ok ? 0 : 1;
}

/* ---- `hdcopy cluster authorize | deauthorize ID --admin-user U [--admin-key FILE] [--user U]
 *      [--authorized-keys-file PATH] [--trust-on-first-use] [--dry-run] [--json]` (issue 9 step 5) ---------------- */
int
hd_cli_cmd_cluster_authorize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-user", required_argument, NULL, 'a' }, { "admin-key", required_argument, NULL, 'k' },
		{ "user", required_argument, NULL, 'u' },       { "authorized-keys-file", required_argument, NULL, 'f' },
		{ "trust-on-first-use", no_argument, NULL, 'T' }, { "dry-run", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },    { "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },             { NULL, 0, NULL, 0 },
	};
	hd_authorize_opts o;
	hd_authorize_row *rows = NULL;
	bool json = false, all_ok = true;
	hd_err err;
	int ch, n = 0;
	hd_code r;

	memset(&o, 0, sizeof o);
	o.deauthorize = strcmp(argv[0], "deauthorize") == 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': o.admin_user = optarg; break;
		case 'k': o.admin_key = optarg; break;
		case 'u': o.user = optarg; break;
		case 'f': o.authorized_keys_file = optarg; break;
		case 'T': o.trust_on_first_use = true; break;
		case 'n': o.dry_run = true; break;
		case 't': o.timeout = atoi(optarg); break;
		case 'J': json = true; break;
		case 'h':
			printf("Usage: hdcopy cluster %s ID --admin-user USER [--admin-key FILE] [--user USER]\n"
			       "           [--authorized-keys-file PATH] [--trust-on-first-use] [--dry-run] [--json]\n"
			       "With the operator's SSH access (USER is root, or may sudo -n): %s the loader's restricted\n"
			       "authorized_keys line for the cluster's SSH user (or --user) and an nftables rule admitting\n"
			       "exactly 'hdcopy nodes' to each host's SSH port, in hdcopy's own table inet hdcopy. Idempotent.\n"
			       "--dry-run prints the commands. An unknown host key is refused unless --trust-on-first-use.\n",
			       argv[0], o.deauthorize ? "remove" : "install");
			return 0;
		default: return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "hdcopy: cluster %s wants one ID\n", argv[0]);
		return 2;
	}
	memset(&err, 0, sizeof err);
	r = hd_cluster_authorize(argv[optind], &o, &rows, &n, &err);
	if (r != HD_OK) {
		fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
		return r == HD_ERR_NOTFOUND ? 2 : hd_exit_status(r);
	}
	if (json)
		printf("{\"cluster\":\"%s\",\"hosts\":[", argv[optind]);
	for (int i = 0; i < n; i++) {
		if (rows[i].state == 2)
			all_ok = false;
		if (json) {
			printf("%s\n{\"host\":", i ? "," : "");
			hd_cli_json_string(stdout, rows[i].host);
			printf(",\"port\":%d,\"status\":\"%s\",\"detail\":", rows[i].port,
			       rows[i].state == 0 ? "dry run" : rows[i].state == 1 ? "ok" : "fail");
			hd_cli_json_string(stdout, rows[i].command ? rows[i].command : rows[i].detail);
			putchar('}');
		} else if (o.dry_run) {
			printf("# %s port %d\nssh -p %d %s@%s %s\n", rows[i].host, rows[i].port, rows[i].port, o.admin_user,
			       rows[i].host, rows[i].command);
		} else {
			printf("%s port %d: %s %s\n", rows[i].host, rows[i].port, rows[i].state == 1 ? "ok" : "FAILED",
			       rows[i].detail);
		}
	}
	if (json)
		printf("\n]}\n");
	hd_authorize_rows_free(rows, n);
	return all_ok ? 0 : 1;
}
