/*
 * cmd_role.c — `hdcopy role …` (issue 9): the roles COPY's IAM_ROLE names, kept in the target database's hdcopy
 * schema (include/hdcopy.h hd_session_role_*; docs/setup.md).
 *
 *   role create NAME [--cluster ID]… [--path GLOB]… [--host PATTERN]… [--ssh-user U] [--hdfs-user U]
 *                    [--keytab FILE --principal P | --token-file FILE] [--default] [--replace]
 *   role list                    every role, its policy, identity names and grantees
 *   role show NAME               one role
 *   role drop NAME               the role, its grants and its secrets in $HDCOPY_HOME/secrets
 * The target comes from --db (before or after `role`) or $HDCOPY_DB. Exit status: 0 done; 2 a bad command line or
 * unknown role; 3 the target refused (privilege) or cannot be reached.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_role.h"
#include "cli/output.h"
#include "hdcopy.h"

#define MAX_LIST 256

static void
usage(FILE *out)
{
	fputs("Usage: hdcopy [--db TARGET] role create NAME [--cluster ID]... [--path GLOB]... [--host PATTERN]...\n"
	      "                 [--ssh-user USER] [--hdfs-user USER] [--keytab FILE --principal PRINCIPAL | --token-file FILE]\n"
	      "                 [--default] [--replace]\n"
	      "       hdcopy [--db TARGET] [--json] role list\n"
	      "       hdcopy [--db TARGET] [--json] role show NAME\n"
	      "       hdcopy [--db TARGET] role drop NAME\n"
	      "Roles are what COPY's IAM_ROLE 'arn:aws:iam::ACCOUNT:role/NAME' (or 'NAME', or default) names: an identity\n"
	      "(SSH user, HDFS user, delegation token or Kerberos keytab) and a policy of what a load may read. They live in\n"
	      "the PostgreSQL target's hdcopy schema; secrets stay in $HDCOPY_HOME/secrets (0600), never in the database.\n"
	      "A database user may use a role after GRANT ASSUMEROLE ON 'NAME' TO user FOR COPY (run it with hdcopy).\n"
	      "\n"
	      "  --cluster ID        an emr:// cluster ID (glob) the role may read; hdfs://NAMENODE[:PORT] for hdfs:// URLs\n"
	      "  --path GLOB         a path the role may read, on every source (local files and manifests too); '*' stays\n"
	      "                      within a directory, '**' crosses directories ('/data/**' = everything under /data)\n"
	      "  --host PATTERN      an SSH manifest endpoint host (glob) the role may connect to\n"
	      "  --ssh-user USER     the login for SSH hosts (else the profile's, else the local user)\n"
	      "  --hdfs-user USER    WebHDFS user.name (simple authentication)\n"
	      "  --keytab FILE       Kerberos keytab, copied to $HDCOPY_HOME/secrets/NAME.keytab; with --principal\n"
	      "  --token-file FILE   a delegation token file, copied to $HDCOPY_HOME/secrets/NAME.token\n"
	      "  --default           the role IAM_ROLE default and remote COPYs without an authorization clause use\n"
	      "  --replace           replace an existing role (its owner or a superuser); grants are kept\n"
	      "Without --path a role reads no path, without --cluster no cluster, without --host no SSH host.\n",
	      out);
}

static int
fail(const hd_err *err)
{
	fprintf(stderr, "hdcopy: ERROR:  %s\n", err->msg);
	return hd_exit_status(err->code);
}

static int
add(const char **v, int *n, const char *s)
{
	if (*n >= MAX_LIST) {
		fprintf(stderr, "hdcopy: at most %d values per option\n", MAX_LIST);
		return -1;
	}
	v[(*n)++] = s;
	return 0;
}

static void
print_json(const hd_cli_rows *rows)
{
	fputs("{\"roles\":[", stdout);
	for (long i = 0; i < rows->nrows; i++) {
		fputs(i ? ",\n{" : "\n{", stdout);
		for (int j = 0; j < rows->ncols; j++) {
			if (j)
				fputc(',', stdout);
			hd_cli_json_string(stdout, rows->names[j]);
			fputc(':', stdout);
			if (rows->rows[i][j])
				hd_cli_json_string(stdout, rows->rows[i][j]);
			else
				fputs("null", stdout);
		}
		fputc('}', stdout);
	}
	fputs("\n]}\n", stdout);
}

int
hd_cli_cmd_role(int argc, char **argv, const char *target, bool json)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "path", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "ssh-user", required_argument, NULL, 's' },
		{ "hdfs-user", required_argument, NULL, 'u' },
		{ "keytab", required_argument, NULL, 'k' },
		{ "principal", required_argument, NULL, 'P' },
		{ "token-file", required_argument, NULL, 't' },
		{ "default", no_argument, NULL, 'D' },
		{ "replace", no_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *clusters[MAX_LIST], *paths[MAX_LIST], *hosts[MAX_LIST];
	hd_role_def d;
	hd_cli_rows rows;
	hd_options opt;
	hd_session *s = NULL;
	hd_err err;
	hd_code r;
	const char *sub, *name = NULL;
	int ch;

	memset(&d, 0, sizeof d);
	memset(&rows, 0, sizeof rows);
	d.clusters = clusters;
	d.paths = paths;
	d.hosts = hosts;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': if (add(clusters, &d.nclusters, optarg)) return 2; break;
		case 'p': if (add(paths, &d.npaths, optarg)) return 2; break;
		case 'H': if (add(hosts, &d.nhosts, optarg)) return 2; break;
		case 's': d.ssh_user = optarg; break;
		case 'u': d.hdfs_user = optarg; break;
		case 'k': d.keytab_file = optarg; break;
		case 'P': d.principal = optarg; break;
		case 't': d.token_file = optarg; break;
		case 'D': d.is_default = true; break;
		case 'r': d.replace = true; break;
		case 'd': target = optarg; break;
		case 'J': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	sub = argv[optind++];
	if (strcmp(sub, "list") != 0) {
		if (optind >= argc) {
			fprintf(stderr, "hdcopy: role %s needs a role name\n", sub);
			return 2;
		}
		name = argv[optind++];
	}
	if (optind != argc) {
		fprintf(stderr, "hdcopy: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(sub, "create") != 0 &&
	    (d.nclusters || d.npaths || d.nhosts || d.ssh_user || d.hdfs_user || d.keytab_file || d.principal ||
	     d.token_file || d.is_default || d.replace)) {
		fprintf(stderr, "hdcopy: role %s takes no role options\n", sub);
		return 2;
	}
	if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "drop")) {
		fprintf(stderr, "hdcopy: unknown role command '%s' (create, list, show, drop)\n", sub);
		return 2;
	}
	if (!target || !*target)
		target = getenv("HDCOPY_DB");
	if (!target || !*target) {
		fputs("hdcopy: roles live in a PostgreSQL target: give --db TARGET or set HDCOPY_DB\n", stderr);
		return 2;
	}

	memset(&opt, 0, sizeof opt);
	opt.slices = 1;
	opt.rows = hd_cli_rows_cb;
	opt.ctx = &rows;
	memset(&err, 0, sizeof err);
	if ((r = hd_session_open(target, &opt, &s, &err)) != HD_OK)
		return fail(&err);
	d.name = name;
	if (strcmp(sub, "create") == 0)
		r = hd_session_role_create(s, &d, &err);
	else if (strcmp(sub, "drop") == 0)
		r = hd_session_role_drop(s, name, &err);
	else
		r = hd_session_role_list(s, name, &err);
	hd_session_close(s);
	if (r != HD_OK) {
		hd_cli_rows_free(&rows);
		return fail(&err);
	}
	if (strcmp(sub, "create") == 0)
		fprintf(stderr, "INFO:  role '%s' %s; database users may use it after GRANT ASSUMEROLE ON '%s' TO "
		        "<user> FOR COPY\n", name, d.replace ? "replaced" : "created", name);
	else if (strcmp(sub, "drop") == 0)
		fprintf(stderr, "INFO:  role '%s' dropped, with its grants and its secrets in $HDCOPY_HOME/secrets\n", name);
	else if (json)
		print_json(&rows);
	else if (rows.names)
		hd_cli_rows_print(&rows, stdout);
	hd_cli_rows_free(&rows);
	return 0;
}
