/*
 * cmd_serve.h — `hdcopy serve`: options, then src/serve runs the front door (docs/serve.md).
 */
#ifndef HD_CLI_CMD_SERVE_H
#define HD_CLI_CMD_SERVE_H

/* Run `hdcopy serve` with argv[0] == "serve"; returns the exit status. */
int hd_cli_cmd_serve(int argc, char **argv);

#endif
