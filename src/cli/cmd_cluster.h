/*
 * cmd_cluster.h — `hdcopy cluster add|list|show|remove`: the cluster catalog for emr:// sources (cmd_cluster.c).
 */
#ifndef HD_CLI_CMD_CLUSTER_H
#define HD_CLI_CMD_CLUSTER_H

/* Run `cluster …` with argv[0] == "cluster"; returns the exit status (0 ok, 1 failed, 2 bad command line). */
int hd_cli_cmd_cluster(int argc, char **argv);

#endif
