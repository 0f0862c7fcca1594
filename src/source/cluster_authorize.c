/*
 * cluster_authorize.c — `hdcopy cluster authorize | deauthorize ID` (issue 9 step 5): set up (or take back) a
 * cluster's hosts for the loader with the operator's own SSH access, idempotently:
 *
 *   authorized_keys  the loader's restricted line (from="<hdcopy nodes>",no-pty,…) appended for the user unless the
 *                    exact line is already there (file: ~USER/.ssh/authorized_keys, created 0700/0600 owned by USER,
 *                    or --authorized-keys-file for hosts whose sshd uses another AuthorizedKeysFile)
 *   nftables         hdcopy's own table `inet hdcopy`, chain `input` (hook input, priority -10, policy accept), one
 *                    rule per SSH port admitting exactly the loader's addresses, tagged comment "hdcopy-ssh-PORT";
 *                    nothing else of the host's ruleset is touched (never a flush of a chain that is not ours)
 * deauthorize removes exactly that line and those rules (and the table once its chain is empty).
 *
 * The script runs under `sh -c` as the admin user, through `sudo -n` when that user is not root. Values in it are
 * single-quoted (hd_ssh_shell_quote rules); addresses are validated by access/ and only plain IPs and CIDRs go into
 * nft. The admin connection verifies the host key against $HDCOPY_HOME/known_hosts; an unknown host is refused unless
 * trust-on-first-use was asked for, and then its key is recorded there (a changed key is always refused).
 * --dry-run returns the scripts without connecting.
 */
#include "hdcopy_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "common/buf.h"
#include "common/err.h"
#include "source/ssh_probe.h"
#include "common/sys.h"

static hd_code
q(hd_buf *b, const char *s)
{
	hd_code r = hd_buf_append_str(b, "'");
	for (; r == HD_OK && *s; s++)
		r = *s == '\'' ? hd_buf_append_str(b, "'\\''") : hd_buf_append(b, s, 1);
	return r ? r : hd_buf_append_str(b, "'");
}

static bool
plain_addr(const char *a)
{
	return !strpbrk(a, "*?!");
}

static hd_code
build_script(bool deauth, const char *user, const char *line, const char *akf, int port, char *const *addrs,
             int naddrs, hd_buf *b)
{
	char v4[2048] = "", v6[2048] = "";
	hd_code r = HD_OK;

	for (int i = 0; i < naddrs; i++) {
		char *dst;
		size_t l;
		if (!plain_addr(addrs[i]))
			continue;
		dst = strchr(addrs[i], ':') ? v6 : v4;
		l = strlen(dst);
		snprintf(dst + l, sizeof v4 - l, "%s%s", l ? ", " : "", addrs[i]);
	}
	r = hd_buf_append_str(b, "set -e; PATH=\"$PATH:/usr/sbin:/sbin\"; u="); /* nft lives in sbin */
	if (!r) r = q(b, user);
	if (!r) r = hd_buf_append_str(b, "; line=");
	if (!r) r = q(b, line);
	if (!r) r = hd_buf_append_str(b, "; f=");
	if (!r) r = q(b, akf ? akf : "");
	if (!r)
		r = hd_buf_append_str(b,
		    "; if [ -z \"$f\" ]; then h=$(getent passwd \"$u\" | cut -d: -f6); "
		    "[ -n \"$h\" ] || { echo \"no user $u on this host\" >&2; exit 3; }; f=\"$h/.ssh/authorized_keys\"; ");
	if (!r && !deauth)
		r = hd_buf_append_str(b, "mkdir -p \"$h/.ssh\"; chmod 700 \"$h/.ssh\"; chown \"$u\" \"$h/.ssh\"; fi; "
		                         "[ -e \"$f\" ] || { : > \"$f\"; chmod 600 \"$f\"; chown \"$u\" \"$f\" 2>/dev/null || :; }; "
		                         "grep -qxF \"$line\" \"$f\" || printf '%s\\n' \"$line\" >> \"$f\"; "
		                         "nft add table inet hdcopy; "
		                         "nft add chain inet hdcopy input '{ type filter hook input priority -10; policy accept; }'; ");
	if (!r && deauth)
		r = hd_buf_append_str(b, "fi; if [ -f \"$f\" ] && grep -qxF \"$line\" \"$f\"; then "
		                         "grep -vxF \"$line\" \"$f\" > \"$f.hdcopy-tmp\" || :; cat \"$f.hdcopy-tmp\" > \"$f\"; "
		                         "rm -f \"$f.hdcopy-tmp\"; fi; ");
	/* our rules for this port: delete them by handle (authorize re-adds them: idempotent, never duplicated) */
	if (!r)
		r = hd_buf_printf(b, "for x in $(nft -a list chain inet hdcopy input 2>/dev/null | "
		                     "sed -n 's/.*comment \"hdcopy-ssh-%d\" # handle \\([0-9]*\\).*/\\1/p'); do "
		                     "nft delete rule inet hdcopy input handle \"$x\"; done; ", port);
	if (!r && !deauth && v4[0])
		r = hd_buf_printf(b, "nft add rule inet hdcopy input tcp dport %d ip saddr '{ %s }' accept comment "
		                     "'\"hdcopy-ssh-%d\"'; ", port, v4, port);
	if (!r && !deauth && v6[0])
		r = hd_buf_printf(b, "nft add rule inet hdcopy input tcp dport %d ip6 saddr '{ %s }' accept comment "
		                     "'\"hdcopy-ssh-%d\"'; ", port, v6, port);
	if (!r && deauth)
		r = hd_buf_append_str(b, "if nft list table inet hdcopy >/dev/null 2>&1 && "
		                         "! nft list chain inet hdcopy input | grep -q 'hdcopy-ssh-'; then "
		                         "nft delete table inet hdcopy; fi; ");
	if (!r)
		r = hd_buf_append_str(b, "echo done");
	return r;
}

/* The command the admin's session runs: the script under sh -c, through sudo -n unless already root. */
static hd_code
wrap(const hd_buf *script, hd_buf *cmd)
{
	hd_code r = hd_buf_append_str(cmd, "S=; [ \"$(id -u)\" -eq 0 ] || S='sudo -n'; $S sh -c ");
	if (!r) r = q(cmd, script->data);
	if (!r) r = hd_buf_cstr(cmd);
	return r;
}

static hd_code
record_host_key(const char *kh, const char *host, int port, const char *keyline, hd_err *err)
{
	FILE *f = fopen(kh, "ae");
	if (!f)
		return hd_err_set(err, HD_ERR_IO, "cannot append to %s", kh);
	if (port == 22)
		fprintf(f, "%s %s\n", host, keyline);
	else
		fprintf(f, "[%s]:%d %s\n", host, port, keyline);
	return fclose(f) == 0 ? HD_OK : hd_err_set(err, HD_ERR_IO, "cannot write %s", kh);
}

hd_code
hd_cluster_authorize(const char *id, const hd_authorize_opts *o, hd_authorize_row **rows, int *nrows, hd_err *err)
{
	hd_cluster c;
	char kh[PATH_MAX], adminkey[PATH_MAX];
	char *pub = NULL, *line = NULL, **addrs = NULL;
	int naddrs = 0;
	hd_code r;

	*rows = NULL;
	*nrows = 0;
	if ((r = hd_cluster_load(id, &c, err)) != HD_OK)
		return r;
	if (c.nhosts == 0) {
		hd_cluster_free(&c);
		return hd_err_set(err, HD_ERR_USAGE, "cluster %s lists no hosts", id);
	}
	if (!o->admin_user || !*o->admin_user) {
		hd_cluster_free(&c);
		return hd_err_set(err, HD_ERR_USAGE, "--admin-user is required (a user who may edit authorized_keys and nftables)");
	}
	if ((r = hd_access_key(&pub, NULL, err)) != HD_OK || (r = hd_access_nodes(&addrs, &naddrs, err)) != HD_OK ||
	    (r = hd_access_authorized_line(pub, addrs, naddrs, &line, err)) != HD_OK ||
	    (r = hd_access_path(HD_ACCESS_KNOWN_HOSTS, kh, sizeof kh, err)) != HD_OK)
		goto out;
	if (o->admin_key && *o->admin_key) {
		snprintf(adminkey, sizeof adminkey, "%s", o->admin_key);
	} else {
		const char *home = getenv("HOME");
		snprintf(adminkey, sizeof adminkey, "%s/.ssh/id_ed25519", home ? home : "/root");
	}
	if (!o->dry_run && (r = hd_access_check_private(adminkey, err)) != HD_OK)
		goto out;
	if (!(*rows = hd_calloc((size_t)c.nhosts, sizeof **rows))) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < c.nhosts; i++) {
		hd_authorize_row *w = &(*rows)[i];
		const char *user = o->user && *o->user ? o->user : c.ssh_user ? c.ssh_user : "hadoop";
		hd_buf script, cmd;
		hd_probe_in in;
		hd_probe_out p;

		hd_probe_split_host(c.hosts[i], w->host, sizeof w->host, &w->port);
		hd_buf_init(&script, 1u << 20);
		hd_buf_init(&cmd, 1u << 20);
		if (build_script(o->deauthorize, user, line, o->authorized_keys_file, w->port, addrs, naddrs, &script) ||
		    hd_buf_cstr(&script) || wrap(&script, &cmd)) {
			hd_buf_free(&script);
			hd_buf_free(&cmd);
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		(*nrows)++;
		if (o->dry_run) {
			w->state = 0;
			w->command = cmd.data; /* owned by the row */
			hd_buf_free(&script);
			continue;
		}
		in = (hd_probe_in){ .host = w->host, .port = w->port, .user = o->admin_user, .key = adminkey,
		                    .known_hosts = kh, .command = cmd.data, .timeout = o->timeout > 0 ? o->timeout : 10 };
		hd_probe_run(&in, &p);
		if (p.hostkey == HD_PROBE_FAIL && strcmp(p.hostkey_why, "unknown") == 0 && o->trust_on_first_use &&
		    p.hostkey_line[0]) {
			if ((r = record_host_key(kh, w->host, w->port, p.hostkey_line, err)) != HD_OK) {
				hd_buf_free(&script);
				hd_buf_free(&cmd);
				goto out;
			}
			snprintf(w->note, sizeof w->note, "recorded host key %s (trust on first use); ", p.fingerprint);
			hd_probe_run(&in, &p);
		}
		if (p.tcp != HD_PROBE_OK)
			snprintf(w->detail, sizeof w->detail, "cannot reach port %d: %s", w->port, p.tcp_why);
		else if (p.hostkey != HD_PROBE_OK && strcmp(p.hostkey_why, "unknown") == 0)
			snprintf(w->detail, sizeof w->detail,
			         "unknown host key %s: check it out of band, then run again with --trust-on-first-use (or add it "
			         "to %.512s)", p.fingerprint, kh);
		else if (p.hostkey != HD_PROBE_OK)
			snprintf(w->detail, sizeof w->detail, "host key %s: %s — refused", p.fingerprint, p.hostkey_why);
		else if (p.auth != HD_PROBE_OK)
			snprintf(w->detail, sizeof w->detail, "the host refused the admin key %.512s for %s", adminkey,
			         o->admin_user);
		else if (p.exec != HD_PROBE_OK)
			snprintf(w->detail, sizeof w->detail, "the set-up script failed (exit status %d): %s", p.exit_status,
			         p.exec_why);
		else {
			w->state = 1;
			snprintf(w->detail, sizeof w->detail, "%s%s", w->note,
			         o->deauthorize ? "loader's authorized_keys line and nft rule removed"
			                        : "loader's authorized_keys line and nft rule in place");
		}
		if (w->state != 1)
			w->state = 2;
		hd_buf_free(&script);
		hd_buf_free(&cmd);
	}
	r = HD_OK;
out:
	free(pub);
	free(line);
	hd_access_strv_free(addrs, naddrs);
	hd_cluster_free(&c);
	if (r != HD_OK) {
		hd_authorize_rows_free(*rows, *nrows);
		*rows = NULL;
		*nrows = 0;
	}
	return r;
}

void
hd_authorize_rows_free(hd_authorize_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].command);
	free(rows);
}
