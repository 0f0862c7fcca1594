/*
 * cmd_role.h — `hdcopy role create|list|show|drop` (issue 9): roles for COPY's IAM_ROLE, kept in the target
 * database (cmd_role.c).
 */
#ifndef HD_CLI_CMD_ROLE_H
#define HD_CLI_CMD_ROLE_H

#include <stdbool.h>

/* Run `role …` with argv[0] == "role"; target (may be NULL: --db or $HDCOPY_DB) and json come from the options given
 * before `role`. Returns the exit status. */
int hd_cli_cmd_role(int argc, char **argv, const char *target, bool json);

#endif
