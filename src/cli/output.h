/*
 * output.h — what the CLI prints: query results as psql's aligned tables, the --json summary, messages.
 */
#ifndef HD_CLI_OUTPUT_H
#define HD_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "hdcopy.h"

/* Collects one statement's rows (header + rows) for printing. */
typedef struct hd_cli_rows {
	int ncols;
	char **names;
	char ***rows;  /* rows[i][j], NULL for SQL NULL */
	long nrows, alloc;
} hd_cli_rows;

int hd_cli_rows_cb(void *ctx, int ncols, const char *const *names, const char *const *values);
void hd_cli_rows_print(const hd_cli_rows *r, FILE *out);
void hd_cli_rows_free(hd_cli_rows *r);

/* JSON */
void hd_cli_json_string(FILE *out, const char *s);
void hd_cli_json_statement(FILE *out, int index, int line, const hd_result *res, const hd_cli_rows *rows,
                           hd_code code, const char *error);

#endif
