/*
 * main.c — the hdcopy command line: read statements (arguments, -f FILE, or standard input), run each through the
 * public API, print Redshift's messages and query results, and exit with the status of the first failure.
 *
 * Exit statuses: 0 every statement succeeded; 1 a load failed and nothing of it was loaded; 2 a statement or the
 * command line is invalid; 3 the target cannot be reached or refuses. Statements after a failure are not run.
 * Messages go to standard error, query results (or the --json summary) to standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdcopy.h"
#include "cli/output.h"
#include "cli/cmd_key.h"
#include "cli/cmd_cluster.h"
#include "cli/cmd_serve.h" /* issue 10: hdcopy serve */
#include "cli/cmd_role.h"

#define DEFAULT_TARGET "sqlite:hdcopy.db"
#define MAX_SCRIPT (64u << 20)

typedef struct cli {
	const char *target;
	const char *file;
	int slices;
	bool json;
	bool quiet;
	bool recover;
	hd_cli_rows rows;
} cli;

static void
usage(FILE *out)
{
	fputs(
	    "Usage: hdcopy [OPTION]... [STATEMENT]...\n"
	    "       hdcopy [OPTION]... recover\n"
	    "       hdcopy [--json] key [show | authorized-line]\n"
	    "       hdcopy [--json] nodes\n"
	    "       hdcopy cluster {add ID --namenode HOST[:PORT] [...] | list | show ID | remove ID}\n"
	    "       hdcopy serve --upstream URI [--listen ADDR:PORT] [--loader CONNINFO] [-j N] [-v]\n"
	    "       hdcopy [--db TARGET] role {create NAME [--cluster ID] [--path GLOB] [--host H] [...] | list | show NAME |\n"
	    "                                drop NAME}\n"
	    "Run Amazon Redshift COPY statements, and the SQL around them, against PostgreSQL or SQLite.\n"
	    "\n"
	    "Statements come from the arguments, from -f FILE, or from standard input; several may be given,\n"
	    "separated by ';'. A COPY is run by hdcopy, atomically; any other statement passes through to the target.\n"
	    "\n"
	    "Options:\n"
	    "  -d, --db TARGET     the target database: postgresql://…, postgres://…, a libpq keyword string\n"
	    "                      ('host=/tmp dbname=dw'), or sqlite:PATH. Default: $HDCOPY_DB, else sqlite:hdcopy.db\n"
	    "                      (libpq's PG* variables and ~/.pgpass apply as in psql)\n"
	    "  -f, --file FILE     run the statements in FILE ('-' for standard input)\n"
	    "  -j, --slices N      parallel slices (default: the number of cores)\n"
	    "      --json          print a machine-readable summary of every statement on standard output\n"
	    "  -q, --quiet         do not print INFO messages\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    "Commands:\n"
	    "  recover             settle what interrupted multi-slice loads left on the target (every COPY also does\n"
	    "                      this first): commit those whose commit was decided, roll back the rest\n"
	    "  key                 the loader's SSH identity for COPY ... SSH: creates its Ed25519 key pair in\n"
	    "                      $HDCOPY_HOME (default ~/.hdcopy) on first use, then prints the public key, the\n"
	    "                      addresses hdcopy connects from and a ready authorized_keys line\n"
	    "  key show            print the loader's public key (never the private key)\n"
	    "  key authorized-line print the authorized_keys line for each host: from=\"<addresses>\",no-pty,\n"
	    "                      no-agent-forwarding,no-port-forwarding,no-X11-forwarding <public key>\n"
	    "  nodes               print the addresses hdcopy connects from: $HDCOPY_HOME/nodes when it exists\n"
	    "                      (a multi-host loader), else this machine's non-loopback addresses\n"
	    "  cluster ...         the cluster catalog for emr://ID/path (hdcopy cluster --help; docs/hdfs.md)\n"
	    "                      (issue 9: cluster check ID, the pre-flight doctor; cluster authorize|deauthorize ID,\n"
	    "                      the loader's authorized_keys line and nft rule on every host; docs/setup.md)\n"
	    "  serve ...           a PostgreSQL-protocol front door: relays sessions to --upstream and runs the\n"
	    "                      Redshift COPYs they send (hdcopy serve --help; docs/serve.md)\n"
	    "  role ...            roles for IAM_ROLE: identity + policy of what a load may read, kept in the target\n"
	    "                      (hdcopy role --help; docs/setup.md). GRANT/REVOKE ASSUMEROLE ON 'role' TO user FOR COPY\n"
	    "                      run as statements, like COPY\n"
	    "\n"
	    "Environment:\n"
	    "  HDCOPY_DB           the default target\n"
	    "  HDCOPY_HOME         the state directory (default ~/.hdcopy): key pair, known_hosts, nodes,\n"
	    "                      credential profiles in profiles/NAME (see hdcopy(1) and docs/ssh.md)\n"
	    "  HDCOPY_HDFS_READ_TIMEOUT  seconds an HDFS NameNode or DataNode may send nothing before the read\n"
	    "                      fails (default 60; a stalled DataNode is replaced like a failed one). SSH sources:\n"
	    "                      read_timeout in the credential profile (default 120)\n"
	    "\n"
	    "Exit status: 0 success; 1 a load failed (nothing loaded); 2 invalid statement or command line;\n"
	    "3 the target cannot be reached or refuses.\n"
	    "\n"
	    "Example:\n"
	    "  hdcopy --db postgresql://localhost/dw \"COPY sales FROM '/data/out/part-*' DELIMITER '\\t' MAXERROR 10\"\n"
	    "\n"
	    "See hdcopy(1) for the COPY grammar and every option.\n",
	    out);
}

static void
on_message(void *ctx, hd_level level, const char *text)
{
	const cli *c = ctx;
	if (level == HD_LOG_INFO && c->quiet)
		return;
	fprintf(stderr, "%s:  %s\n", level == HD_LOG_INFO ? "INFO" : level == HD_LOG_NOTICE ? "NOTICE" : "WARNING", text);
}

static int
on_rows(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	cli *c = ctx;
	return hd_cli_rows_cb(&c->rows, ncols, names, values);
}

/* HDCOPY_FAULTS=count (test builds): how many calls a run makes, so a test can fail each one in turn. */
static void
fault_summary(void)
{
	char line[256];
	if (hd_faults_summary(line, sizeof line))
		fprintf(stderr, "hdcopy: faults: %s\n", line);
}

/* Issue 10: SIGINT cancels the running statement (hd_session_cancel, like psql's ^C); a second one quits at once.
 * hd_session_cancel is not async-signal-safe, so SIGINT is blocked in every thread and a thread of its own waits
 * for it. main() clears cancel_target under cancel_mu before it closes the session. */
static pthread_mutex_t cancel_mu = PTHREAD_MUTEX_INITIALIZER;
static hd_session *cancel_target;

static void *
sigint_main(void *arg)
{
	sigset_t set;
	int sig, n = 0;
	(void)arg;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (n++ == 0) {
			static const char msg[] = "hdcopy: canceling (press Ctrl-C again to quit)\n";
			(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
			pthread_mutex_lock(&cancel_mu);
			hd_session_cancel(cancel_target);
			pthread_mutex_unlock(&cancel_mu);
			continue;
		}
		signal(SIGINT, SIG_DFL);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		raise(SIGINT);
	}
	return NULL;
}

static void
cancel_on_sigint(hd_session *s)
{
	sigset_t set;
	pthread_t th;
	pthread_attr_t at;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return;
	cancel_target = s;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, sigint_main, NULL) != 0) {
		cancel_target = NULL;
		pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* no canceller: ^C kills, as before */
	}
	pthread_attr_destroy(&at);
}

static void
cancel_off(void)
{
	pthread_mutex_lock(&cancel_mu);
	cancel_target = NULL;
	pthread_mutex_unlock(&cancel_mu);
}

static char *
read_all(FILE *f, size_t *len, const char *name)
{
	size_t alloc = 1 << 16, n = 0;
	char *buf = malloc(alloc);

	if (!buf)
		return NULL;
	for (;;) {
		if (n == alloc) {
			if (alloc >= MAX_SCRIPT) {
				fprintf(stderr, "hdcopy: %s: script larger than %u bytes\n", name, MAX_SCRIPT);
				free(buf);
				return NULL;
			}
			char *nb = realloc(buf, alloc * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			alloc *= 2;
		}
		size_t got = fread(buf + n, 1, alloc - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				fprintf(stderr, "hdcopy: %s: %s\n", name, strerror(errno));
				free(buf);
				return NULL;
			}
			break;
		}
	}
	*len = n;
	return buf;
}

/* Run every statement of one text; returns the first failure's code. */
static hd_code
run_text(cli *c, hd_session *s, const char *text, size_t len, const char *origin, int *index)
{
	size_t pos = 0;
	hd_statement st;
	hd_result res;
	hd_err err;
	int k;

	for (;;) {
		memset(&err, 0, sizeof err);
		k = hd_script_next_statement(text, len, &pos, &st, &err);
		if (k == 0)
			return HD_OK;
		if (k < 0) {
			fprintf(stderr, "hdcopy: ERROR:  %s: %s\n", origin, err.msg);
			return HD_ERR_SYNTAX;
		}
		hd_code r = hd_session_exec(s, st.text, st.len, &res, &err);
		if (r != HD_OK) {
			if (c->json)
				hd_cli_json_statement(stdout, (*index)++, st.line, &res, NULL, r, err.msg);
			/* One line: the cause, then where the statement is when it came from a script. */
			if (strcmp(origin, "command line") != 0 || st.line > 1)
				fprintf(stderr, "hdcopy: ERROR:  %s (statement at %s line %d)\n", err.msg, origin, st.line);
			else
				fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
			hd_result_clear(&res);
			hd_cli_rows_free(&c->rows);
			return r;
		}
		if (c->json) {
			hd_cli_json_statement(stdout, (*index)++, st.line, &res, &c->rows, r, NULL);
		} else if (c->rows.names) {
			hd_cli_rows_print(&c->rows, stdout);
			fflush(stdout);
		}
		hd_cli_rows_free(&c->rows);
		hd_result_clear(&res);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'f' },
		{ "slices", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	cli c;
	hd_session *s = NULL;
	hd_options opt;
	hd_err err;
	hd_code r = HD_OK;
	int ch, index = 0;

	memset(&c, 0, sizeof c);
	/* Issue 11: test builds (HD_FAULTS) inject the I/O and allocation faults $HDCOPY_FAULTS names. */
	if (hd_faults_init(&err) != HD_OK) {
		fprintf(stderr, "hdcopy: %s\n", err.msg);
		return 2;
	}
	atexit(fault_summary);
	/* Issue 7: `hdcopy cluster …` (cmd_cluster.c) has options of its own, so it is dispatched before getopt. */
	if (argc > 1 && strcmp(argv[1], "cluster") == 0)
		return hd_cli_cmd_cluster(argc - 1, argv + 1);
	/* Issue 10: `hdcopy serve …` (cmd_serve.c, src/serve) has options of its own too. */
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		return hd_cli_cmd_serve(argc - 1, argv + 1);
	/* Issue 9: `hdcopy [--db T] [--json] role …` (cmd_role.c) has options of its own: dispatched before getopt. */
	{
		const char *t = NULL;
		bool j = false;
		int i = 1;
		for (; i < argc; i++) {
			if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--db") == 0) && i + 1 < argc)
				t = argv[++i];
			else if (strncmp(argv[i], "--db=", 5) == 0)
				t = argv[i] + 5;
			else if (strcmp(argv[i], "--json") == 0)
				j = true;
			else if (strcmp(argv[i], "-q") != 0 && strcmp(argv[i], "--quiet") != 0)
				break;
		}
		if (i < argc && strcmp(argv[i], "role") == 0)
			return hd_cli_cmd_role(argc - i, argv + i, t, j);
	}
	while ((ch = getopt_long(argc, argv, "d:f:j:qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.target = optarg; break;
		case 'f': c.file = optarg; break;
		case 'j': {
			char *end;
			long v;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 1024) {
				fprintf(stderr, "hdcopy: --slices wants a number from 1 to 1024, not '%s'\n", optarg);
				return 2;
			}
			c.slices = (int)v;
			break;
		}
		case 'J': c.json = true; break;
		case 'q': c.quiet = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hdcopy %s\n", hd_version()); return 0;
		default:
			fputs("Try 'hdcopy --help' for more information.\n", stderr);
			return 2;
		}
	}
	/* Issue 6: `hdcopy key …` and `hdcopy nodes` (cmd_key.c) need no target. */
	if (optind < argc && hd_cli_is_key_command(argv[optind]))
		return hd_cli_cmd_key(argc - optind, argv + optind, c.json);
	if (optind < argc && strcmp(argv[optind], "recover") == 0) {
		if (optind + 1 != argc) {
			fputs("hdcopy: recover takes no arguments\n", stderr);
			return 2;
		}
		c.recover = true;
	}
	if (c.file && optind < argc) {
		fputs("hdcopy: give statements either as arguments or with -f, not both\n", stderr);
		return 2;
	}
	if (!c.file && optind == argc) {
		if (isatty(STDIN_FILENO)) {
			fputs("hdcopy: no statement given (arguments, -f FILE, or standard input)\n"
			      "Try 'hdcopy --help' for more information.\n",
			      stderr);
			return 2;
		}
		c.file = "-";
	}

	if (!c.target || !*c.target) {
		const char *env = getenv("HDCOPY_DB");
		if (env && *env) {
			c.target = env;
		} else {
			c.target = DEFAULT_TARGET;
			fprintf(stderr, "hdcopy: no --db or HDCOPY_DB given: using the embedded default %s\n", DEFAULT_TARGET);
		}
	}

	memset(&opt, 0, sizeof opt);
	opt.slices = c.slices;
	opt.progress = isatty(STDERR_FILENO) && !c.quiet;
	opt.message = on_message;
	opt.rows = on_rows;
	opt.ctx = &c;

	memset(&err, 0, sizeof err);
	if ((r = hd_session_open(c.target, &opt, &s, &err)) != HD_OK) {
		fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
		return hd_exit_status(r);
	}

	cancel_on_sigint(s);

	if (c.recover) {
		int committed = 0, rolled_back = 0;
		r = hd_session_recover(s, &committed, &rolled_back, &err);
		if (r != HD_OK)
			fprintf(stderr, "hdcopy: ERROR:  %s\n", err.msg);
		else if (c.json)
			printf("{\"recover\":{\"committed\":%d,\"rolled_back\":%d},\"exit_status\":0}\n", committed,
			       rolled_back);
		else
			fprintf(stderr, "INFO:  recovery: %d prepared slice(s) committed, %d rolled back\n", committed,
			        rolled_back);
		cancel_off();
		hd_session_close(s);
		return hd_exit_status(r);
	}

	if (c.json)
		fputs("{\"statements\":[\n", stdout);

	if (c.file) {
		FILE *f = strcmp(c.file, "-") == 0 ? stdin : fopen(c.file, "rb");
		size_t len = 0;
		char *text;
		if (!f) {
			fprintf(stderr, "hdcopy: %s: %s\n", c.file, strerror(errno));
			r = HD_ERR_USAGE;
			goto done;
		}
		text = read_all(f, &len, c.file);
		if (f != stdin)
			fclose(f);
		if (!text) {
			r = HD_ERR_USAGE;
			goto done;
		}
		r = run_text(&c, s, text, len, strcmp(c.file, "-") == 0 ? "standard input" : c.file, &index);
		free(text);
	} else {
		for (int i = optind; i < argc && r == HD_OK; i++)
			r = run_text(&c, s, argv[i], strlen(argv[i]), "command line", &index);
	}

done:
	if (c.json)
		printf("\n],\"exit_status\":%d}\n", hd_exit_status(r));
	cancel_off();
	hd_session_close(s);
	hd_cli_rows_free(&c.rows);
	return hd_exit_status(r);
}
