/*
 * ssh.h — private to source/: the SSH machinery of ssh.c (connect, verify the host, authenticate with the loader's
 * key, exec one command, stream its stdout with stderr and exit-status checks) for other sources that read the
 * output of a command on a host: emr.c runs `hdfs dfs -cat 'PATH'` on a cluster's hosts (issue 7).
 */
#ifndef HD_SOURCE_SSH_H
#define HD_SOURCE_SSH_H

#include <limits.h>
#include <stdbool.h>

#include "access/access.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/stream.h"
#include "copy/copy.h"

/* One command on one host, and how to reach it. The strings must outlive the stream (emr.c and ssh.c keep them in
 * the unit's priv block). */
typedef struct hd_ssh_target {
	const char *host;        /* name or address, no brackets, no port */
	int port;
	const char *user;        /* login name */
	const char *command;     /* run by the host's shell; its stdout is the data */
	const char *publickey;   /* the host key to expect ("type base64 [comment]"), or NULL: known_hosts decides */
	const char *key;         /* the loader's private key file */
	const char *known_hosts; /* $HDCOPY_HOME/known_hosts */
	int connect_timeout;     /* seconds: connect, key exchange, authentication, channel, exec */
	int read_timeout;        /* seconds without data before the stream fails */
	int index;               /* manifest entry (1-based) for messages about its publickey; 0 for none */
	const char *what;        /* how messages name the target, e.g. "SSH manifest entry 2 (u@h port 22)" */
	bool what_on_read;       /* read errors start with what too (when the unit's name does not say the host) */
} hd_ssh_target;

/* Connect to t->host, verify its key, authenticate with t->key, exec t->command: a stream over its stdout named
 * name (copied). Errors name t->what and the step; nothing secret is ever in them. */
hd_code hd_ssh_open_command(const hd_ssh_target *t, const char *name, hd_stream **out, hd_err *err);

/* The credentials a statement's SSH reads use: its credential profile (access/), checked to have a private key,
 * $HDCOPY_HOME/known_hosts into known_hosts, and the local login name (the last default for a user name). */
hd_code hd_ssh_credentials(const hd_copy_spec *spec, hd_access_profile *prof, char known_hosts[PATH_MAX],
                           char login[257], hd_err *err);

/* s single-quoted for a POSIX shell ('…', an embedded ' as '\''), appended to b. */
hd_code hd_ssh_shell_quote(hd_buf *b, const char *s);

#endif
