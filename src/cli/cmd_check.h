/*
 * cmd_check.h — `hdcopy cluster check ID` (the pre-flight doctor) and `cluster authorize | deauthorize ID` (issue 9;
 * cmd_check.c).
 */
#ifndef HD_CLI_CMD_CHECK_H
#define HD_CLI_CMD_CHECK_H

/* argv[0] == "check". Returns the exit status: 0 every host passes, 1 a cell failed, 2 bad command line. */
int hd_cli_cmd_cluster_check(int argc, char **argv);
/* argv[0] == "authorize" or "deauthorize". 0 every host done, 1 a host failed, 2 bad command line. */
int hd_cli_cmd_cluster_authorize(int argc, char **argv);

#endif
