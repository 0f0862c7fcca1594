/*
 * cmd_key.h — `hdcopy key [show | authorized-line]` and `hdcopy nodes`: the loader's SSH identity (cmd_key.c).
 */
#ifndef HD_CLI_CMD_KEY_H
#define HD_CLI_CMD_KEY_H

#include <stdbool.h>

/* True when argv[0] names one of these commands. */
bool hd_cli_is_key_command(const char *word);
/* Run the command in argv[0..argc) (argv[0] is "key" or "nodes"); returns the exit status. */
int hd_cli_cmd_key(int argc, char **argv, bool json);

#endif
