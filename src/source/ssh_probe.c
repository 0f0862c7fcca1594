/*
 * ssh_probe.c — step-by-step SSH probing for `hdcopy cluster check` (issue 9): unlike ssh.c's source, which wants a
 * stream and fails at the first step, the doctor wants to know WHICH step fails and what would fix it, so each step
 * is reported separately: TCP reachable → host key known and matching → the loader's key accepted → a command's exit
 * status. libssh as in ssh.c (no ~/.ssh/config, explicit known_hosts, one explicit key; no agent, no password).
 *
 * The host's public key line is returned so the caller can print the exact known_hosts entry to accept (after the
 * fingerprint is checked out of band); nothing secret is ever put in a message.
 */
#include "source/ssh_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>

static int
tcp_probe(const char *host, int port, int timeout_s, char *why, size_t n)
{
	struct addrinfo hints, *res = NULL, *ai;
	char ps[16];
	int rc = HD_PROBE_FAIL, last = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof ps, "%d", port);
	if (getaddrinfo(host, ps, &hints, &res) != 0) {
		snprintf(why, n, "cannot resolve '%s'", host);
		return HD_PROBE_FAIL;
	}
	for (ai = res; ai && rc != HD_PROBE_OK; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		struct pollfd p;
		int e = 0;
		socklen_t el = sizeof e;
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
			last = errno;
			close(fd);
			continue;
		}
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, timeout_s * 1000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
			rc = HD_PROBE_OK;
		else
			last = e ? e : ETIMEDOUT;
		close(fd);
	}
	freeaddrinfo(res);
	if (rc != HD_PROBE_OK)
		snprintf(why, n, "%s", last == ETIMEDOUT ? "timeout" : last == ECONNREFUSED ? "refused" : strerror(last));
	return rc;
}

void
hd_probe_run(const hd_probe_in *in, hd_probe_out *out)
{
	ssh_session s = NULL;
	ssh_key srv = NULL, priv = NULL;
	ssh_channel ch = NULL;
	char *b64 = NULL;
	int no = 0, verbosity = SSH_LOG_NOLOG, rc;
	long tmo = in->timeout;

	memset(out, 0, sizeof *out);
	out->exit_status = -1;
	/* 1. TCP */
	if ((out->tcp = tcp_probe(in->host, in->port, in->timeout, out->tcp_why, sizeof out->tcp_why)) != HD_PROBE_OK)
		return;
	/* 2. key exchange and the host key */
	if (!(s = ssh_new()))
		goto nomem;
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 || ssh_options_set(s, SSH_OPTIONS_HOST, in->host) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &in->port) < 0 || ssh_options_set(s, SSH_OPTIONS_USER, in->user) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &tmo) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, in->known_hosts) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PASSWORD_AUTH, &no) < 0 || ssh_options_set(s, SSH_OPTIONS_KBDINT_AUTH, &no) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GSSAPI_AUTH, &no) < 0)
		goto nomem;
	if (ssh_connect(s) != SSH_OK) {
		out->hostkey = HD_PROBE_FAIL;
		snprintf(out->hostkey_why, sizeof out->hostkey_why, "key exchange failed: %s", ssh_get_error(s));
		goto out;
	}
	if (ssh_get_server_publickey(s, &srv) == SSH_OK && ssh_pki_export_pubkey_base64(srv, &b64) == SSH_OK) {
		unsigned char *hash = NULL;
		size_t hl = 0;
		snprintf(out->hostkey_line, sizeof out->hostkey_line, "%s %s", ssh_key_type_to_char(ssh_key_type(srv)), b64);
		if (ssh_get_publickey_hash(srv, SSH_PUBLICKEY_HASH_SHA256, &hash, &hl) == SSH_OK) {
			char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hl);
			if (fp)
				snprintf(out->fingerprint, sizeof out->fingerprint, "%s", fp);
			ssh_string_free_char(fp);
			ssh_clean_pubkey_hash(&hash);
		}
	}
	switch (ssh_session_is_known_server(s)) {
	case SSH_KNOWN_HOSTS_OK:
		out->hostkey = HD_PROBE_OK;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		out->hostkey = HD_PROBE_FAIL;
		snprintf(out->hostkey_why, sizeof out->hostkey_why, "changed");
		goto out;
	default:
		out->hostkey = HD_PROBE_FAIL;
		snprintf(out->hostkey_why, sizeof out->hostkey_why, "unknown");
		goto out;
	}
	/* 3. the loader's key for the user */
	if (ssh_pki_import_privkey_file(in->key, NULL, NULL, NULL, &priv) != SSH_OK) {
		out->auth = HD_PROBE_FAIL;
		snprintf(out->auth_why, sizeof out->auth_why, "cannot read the loader's private key %s", in->key);
		goto out;
	}
	rc = ssh_userauth_publickey(s, NULL, priv);
	if (rc != SSH_AUTH_SUCCESS) {
		out->auth = HD_PROBE_FAIL;
		snprintf(out->auth_why, sizeof out->auth_why, "refused");
		goto out;
	}
	out->auth = HD_PROBE_OK;
	/* 4. the command */
	if (!in->command)
		goto out;
	if (!(ch = ssh_channel_new(s)) || ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, in->command) != SSH_OK) {
		out->exec = HD_PROBE_FAIL;
		snprintf(out->exec_why, sizeof out->exec_why, "the host refused to run a command: %s", ssh_get_error(s));
		goto out;
	}
	{
		char buf[512];
		int got;
		size_t kept = 0;
		while ((got = ssh_channel_read_timeout(ch, buf, sizeof buf, 0, in->timeout * 1000)) > 0)
			;
		while ((got = ssh_channel_read_timeout(ch, buf, sizeof buf - 1, 1, 1000)) > 0) {
			if (kept + (size_t)got < sizeof out->exec_why - 1) {
				memcpy(out->exec_why + kept, buf, (size_t)got);
				kept += (size_t)got;
			}
		}
		out->exec_why[kept] = '\0';
		for (char *q = out->exec_why; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = ' ';
	}
	ssh_channel_send_eof(ch);
	out->exit_status = ssh_channel_get_exit_status(ch);
	out->exec = out->exit_status == 0 ? HD_PROBE_OK : HD_PROBE_FAIL;
	goto out;
nomem:
	out->hostkey = HD_PROBE_FAIL;
	snprintf(out->hostkey_why, sizeof out->hostkey_why, "out of memory");
out:
	if (ch) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	ssh_string_free_char(b64);
	ssh_key_free(srv);
	ssh_key_free(priv);
	if (s) {
		ssh_disconnect(s);
		ssh_free(s);
	}
}

/* "host", "host:port", "[v6]:port", "[v6]" → host, port (22 when none): a cluster catalog's host entry. */
void
hd_probe_split_host(const char *spec, char *host, size_t n, int *port)
{
	const char *colon;
	*port = 22;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		size_t len = close ? (size_t)(close - spec - 1) : strlen(spec + 1);
		snprintf(host, n, "%.*s", (int)len, spec + 1);
		if (close && close[1] == ':')
			*port = atoi(close + 2);
		return;
	}
	colon = strchr(spec, ':');
	if (colon && !strchr(colon + 1, ':')) {
		snprintf(host, n, "%.*s", (int)(colon - spec), spec);
		*port = atoi(colon + 1);
	} else {
		snprintf(host, n, "%s", spec);
	}
}
