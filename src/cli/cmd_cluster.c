/*
 * cmd_cluster.c — `hdcopy cluster …`: keep the catalog of Hadoop clusters that `COPY … FROM 'emr://ID/path'` reads
 * (include/hdcopy_cluster.h; entries in $HDCOPY_HOME/clusters/<ID>, 0600 in a 0700 directory).
 *
 *   cluster add ID --namenode HOST[:PORT] [--ssh-user U] [--hosts H1,H2,…] [--webhdfs] [--replace]
 *       PORT is the NameNode's HTTP (WebHDFS) port, 9870 by default. Without --hosts, the cluster's live DataNode
 *       hosts are read from the NameNode's JMX (NameNodeInfo LiveNodes); a NameNode that cannot be asked fails the
 *       command unless --webhdfs is given (then the hosts are not needed and the entry is saved without them).
 *   cluster list                 one ID per line
 *   cluster show ID              the entry, key = value
 *   cluster remove ID
 * Exit status: 0 done; 1 the catalog or the NameNode failed; 2 a bad command line or an unknown ID.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_check.h"
#include "cli/cmd_cluster.h"
#include "hdcopy_cluster.h"

static void
usage(FILE *out)
{
	fputs("Usage: hdcopy cluster add ID --namenode HOST[:PORT] [--ssh-user USER] [--hosts H1,H2,...] [--webhdfs]\n"
	      "                          [--replace]\n"
	      "       hdcopy cluster list\n"
	      "       hdcopy cluster show ID\n"
	      "       hdcopy cluster remove ID\n"
	      "       hdcopy cluster check ID [--role NAME [--db TARGET]] [--user U] [--path GLOB]... [--json]\n"
	      "       hdcopy cluster {authorize | deauthorize} ID --admin-user U [--admin-key FILE] [--dry-run]\n"
	      "                      [--trust-on-first-use] [--user U] [--authorized-keys-file PATH]\n"
	      "The cluster catalog for COPY ... FROM 'emr://ID/path' ($HDCOPY_HOME/clusters, default ~/.hdcopy).\n"
	      "PORT is the NameNode's HTTP (WebHDFS) port, 9870 by default (not the RPC port 8020).\n"
	      "Without --hosts, the live DataNode hosts are discovered from the NameNode (JMX NameNodeInfo).\n"
	      "--webhdfs reads the cluster's files over WebHDFS (else `hdfs dfs -cat` on its hosts over SSH; a host may be\n"
	      "HOST:PORT).\n",
	      out);
}

static int
fail(const hd_err *err)
{
	fprintf(stderr, "hdcopy: %s\n", err->msg);
	return hd_exit_status(err->code);
}

static int
split_hosts(char *list, hd_cluster *c)
{
	int n = 1;
	for (char *p = list; *p; p++)
		n += *p == ',';
	if (!(c->hosts = calloc((size_t)n, sizeof *c->hosts)))
		return -1;
	for (char *p = list; p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p && !(c->hosts[c->nhosts++] = strdup(p)))
			return -1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int
cmd_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "namenode", required_argument, NULL, 'n' }, { "ssh-user", required_argument, NULL, 'u' },
		{ "hosts", required_argument, NULL, 'H' },    { "webhdfs", no_argument, NULL, 'w' },
		{ "replace", no_argument, NULL, 'r' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	hd_cluster c;
	hd_err err = { 0 };
	char *hosts = NULL;
	bool replace = false;
	int ch, status = 0;
	hd_code r;

	memset(&c, 0, sizeof c);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:u:H:wrh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': c.namenode = optarg; break;
		case 'u': c.ssh_user = optarg; break;
		case 'H': hosts = optarg; break;
		case 'w': c.webhdfs = true; break;
		case 'r': replace = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* ID may come before or after the options */
	if (optind < argc && argc - optind == 1 && !c.id[0]) {
		snprintf(c.id, sizeof c.id, "%s", argv[optind]);
	} else {
		fputs("hdcopy: cluster add wants one ID\n", stderr);
		usage(stderr);
		return 2;
	}
	if (!c.namenode || !*c.namenode) {
		fputs("hdcopy: cluster add needs --namenode HOST[:PORT]\n", stderr);
		return 2;
	}
	if (!hd_cluster_valid_id(argv[optind])) {
		fprintf(stderr, "hdcopy: '%s' is not a valid cluster ID: 1-%d of A-Z a-z 0-9 . _ -, not starting with '.' "
		        "or '-'\n", argv[optind], HD_CLUSTER_ID_MAX);
		return 2;
	}
	{
		/* stored as given, with the default WebHDFS port made explicit */
		static char nn[512];
		const char *close = c.namenode[0] == '[' ? strchr(c.namenode, ']') : NULL;
		if (!strrchr(close ? close : c.namenode, ':')) {
			snprintf(nn, sizeof nn, "%s:9870", c.namenode);
			c.namenode = nn;
		}
	}
	if (!replace) {
		hd_cluster old;
		if (hd_cluster_load(c.id, &old, &err) == HD_OK) {
			hd_cluster_free(&old);
			fprintf(stderr, "hdcopy: cluster %s exists already (remove it, or add --replace)\n", c.id);
			return 2;
		}
	}
	if (hosts) {
		if (split_hosts(hosts, &c) != 0) {
			fputs("hdcopy: out of memory\n", stderr);
			status = 1;
			goto out;
		}
	} else {
		r = hd_cluster_discover(c.namenode, &c.hosts, &c.nhosts, &err);
		if (r != HD_OK) {
			if (!c.webhdfs) {
				fprintf(stderr, "hdcopy: cluster %s: cannot discover its hosts: %s (give --hosts, or --webhdfs)\n",
				        c.id, err.msg);
				status = 1;
				goto out;
			}
			fprintf(stderr, "hdcopy: cluster %s: hosts not discovered (%s); saved without them\n", c.id, err.msg);
		}
	}
	if ((r = hd_cluster_save(&c, replace, &err)) != HD_OK) {
		status = fail(&err);
		goto out;
	}
	printf("cluster %s: namenode %s, %d host(s)%s%s, read over %s\n", c.id, c.namenode, c.nhosts,
	       c.nhosts ? ": " : "", "", c.webhdfs || c.nhosts == 0 ? "WebHDFS" : "SSH");
	for (int i = 0; i < c.nhosts; i++)
		printf("  %s\n", c.hosts[i]);
out:
	for (int i = 0; i < c.nhosts; i++)
		free(c.hosts[i]);
	free(c.hosts);
	return status;
}

int
hd_cli_cmd_cluster(int argc, char **argv)
{
	hd_err err = { 0 };
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		usage(sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "check") == 0) /* issue 9: the pre-flight doctor (cmd_check.c) */
		return hd_cli_cmd_cluster_check(argc - 1, argv + 1);
	if (strcmp(sub, "authorize") == 0 || strcmp(sub, "deauthorize") == 0) /* issue 9 (cmd_check.c) */
		return hd_cli_cmd_cluster_authorize(argc - 1, argv + 1);
	if (strcmp(sub, "add") == 0)
		return cmd_add(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0) {
		char **ids;
		int n;
		if (argc != 2) {
			fputs("hdcopy: cluster list takes no arguments\n", stderr);
			return 2;
		}
		if (hd_cluster_list(&ids, &n, &err) != HD_OK)
			return fail(&err);
		for (int i = 0; i < n; i++) {
			puts(ids[i]);
			free(ids[i]);
		}
		free(ids);
		return 0;
	}
	if (strcmp(sub, "show") == 0 || strcmp(sub, "remove") == 0) {
		hd_cluster c;
		hd_code r;
		if (argc != 3) {
			fprintf(stderr, "hdcopy: cluster %s wants one ID\n", sub);
			return 2;
		}
		if (sub[0] == 'r') {
			if ((r = hd_cluster_remove(argv[2], &err)) != HD_OK)
				return r == HD_ERR_NOTFOUND ? (fprintf(stderr, "hdcopy: %s\n", err.msg), 2) : fail(&err);
			printf("cluster %s removed\n", argv[2]);
			return 0;
		}
		if ((r = hd_cluster_load(argv[2], &c, &err)) != HD_OK)
			return r == HD_ERR_NOTFOUND ? (fprintf(stderr, "hdcopy: %s\n", err.msg), 2) : fail(&err);
		printf("id = %s\nnamenode = %s\n", c.id, c.namenode);
		if (c.ssh_user)
			printf("ssh_user = %s\n", c.ssh_user);
		printf("hosts = ");
		for (int i = 0; i < c.nhosts; i++)
			printf("%s%s", i ? "," : "", c.hosts[i]);
		printf("\nwebhdfs = %s\nread = %s\n", c.webhdfs ? "true" : "false",
		       c.webhdfs || c.nhosts == 0 ? "webhdfs" : "ssh");
		hd_cluster_free(&c);
		return 0;
	}
	fprintf(stderr, "hdcopy: unknown cluster command '%s'\n", sub);
	usage(stderr);
	return 2;
}
