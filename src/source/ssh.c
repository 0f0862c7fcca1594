/*
 * ssh.c — SSH manifests as a source (hd_source_ssh): COPY t FROM '/path/to/manifest' SSH (docs/ssh.md).
 *
 * list(): reads the manifest (at most HD_MAX_MANIFEST bytes: a local file, or on hdfs:// / emr:// through
 * hd_source_read_small()), parses it strictly (manifest.c), checks each entry's publickey decodes, selects the credential
 * profile the statement names (access/), checks the loader's private key is present and private, and returns one
 * unit per entry in manifest order: name "endpoint: command" (no user name, no key), size 0 (unknown), optional =
 * !mandatory, priv = a copy of what open() needs (one malloc'd block, freed with the unit).
 *
 * open(): one SSH session per unit, made by the slice's own thread (libssh sessions are not shared between threads):
 * connect (profile connect_timeout bounds connect, key exchange, authentication and channel set-up), verify the
 * HOST — against the entry's publickey when given, else against $HDCOPY_HOME/known_hosts (no other file, no
 * ~/.ssh/config: what hdcopy trusts is only what its manifest and its state directory say); an unknown or changed
 * key refuses the connection —, authenticate with the profile's key (never an agent, never a password), exec the
 * command. Failing any step fails open() with a message naming the endpoint and the step; the slice then fails the
 * COPY, or skips the unit with a warning when it is optional (hd_unit.optional).
 *
 * The stream: read() waits at most 200 ms at a time for stdout data (ssh_channel_poll_timeout), drains stderr into a
 * bounded buffer (HD_MAX_SSH_STDERR bytes kept, the rest counted) between waits so a chatty command can never fill
 * the channel window and stall, and fails after read_timeout seconds without data. Data goes straight into the
 * caller's buffer; libssh buffers at most one channel window. At end of stdout the exit status is checked: non-zero,
 * no status (killed), or anything on stderr makes the read fail with that text (control characters shown as '?').
 * A dropped connection is a read error at once.
 *
 * The connect+exec+stream part is hd_ssh_open_command() (ssh.h), which emr.c also uses to run `hdfs dfs -cat` on a
 * cluster's hosts.
 */
#include "source/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "access/access.h"
#include "common/limits.h"
#include "source/manifest.h"
#include "source/source.h"
#include "common/sys.h"

#define POLL_MS 200

/* What open() needs of one entry: one block (the unit's priv), the target's strings after the struct. */
typedef hd_ssh_target ssh_entry;

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

static void
init_once(void)
{
	ssh_init_rc = ssh_init();
}

/* ---- list ------------------------------------------------------------------------------------------------------- */

static hd_code
read_manifest(const char *path, char **text, size_t *len, hd_err *err)
{
	struct stat st;
	size_t n = 0;
	char *b;
	int fd = hd_sys_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);

	if (fd < 0)
		return hd_err_set(err, errno == ENOENT ? HD_ERR_NOTFOUND : HD_ERR_IO, "cannot open SSH manifest '%s': %s",
		                  path, strerror(errno));
	if (hd_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_IO, "SSH manifest '%s' is not a regular file", path);
	}
	if (st.st_size > (off_t)HD_MAX_MANIFEST) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_LIMIT, "SSH manifest '%s' is larger than %u bytes", path, HD_MAX_MANIFEST);
	}
	b = hd_malloc((size_t)st.st_size + 1);
	if (!b) {
		hd_sys_close(fd);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	for (;;) {
		ssize_t got = hd_sys.read(fd, b + n, (size_t)st.st_size + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			hd_sys_close(fd);
			free(b);
			return hd_err_set(err, HD_ERR_IO, "cannot read SSH manifest '%s': %s", path, strerror(e));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > (size_t)st.st_size) { /* it grew while we read */
			hd_sys_close(fd);
			free(b);
			return hd_err_set(err, HD_ERR_IO, "SSH manifest '%s' changed while it was read", path);
		}
	}
	hd_sys_close(fd);
	*text = b;
	*len = n;
	return HD_OK;
}

/* "type base64 …" → a libssh public key. */
static int
import_publickey(const char *line, ssh_key *out)
{
	char type[64], *b64;
	const char *sp = strchr(line, ' '), *end;
	size_t tl = sp ? (size_t)(sp - line) : 0;
	int rc;

	*out = NULL;
	if (!sp || tl >= sizeof type)
		return SSH_ERROR;
	memcpy(type, line, tl);
	type[tl] = '\0';
	end = strchr(sp + 1, ' ');
	b64 = end ? hd_strndup(sp + 1, (size_t)(end - sp - 1)) : hd_strdup(sp + 1);
	if (!b64)
		return SSH_ERROR;
	enum ssh_keytypes_e t = ssh_key_type_from_name(type);
	rc = t == SSH_KEYTYPE_UNKNOWN ? SSH_ERROR : ssh_pki_import_pubkey_base64(b64, t, out);
	free(b64);
	if (rc == SSH_OK && ssh_key_type(*out) != t) { /* the blob must be of the type the line names */
		ssh_key_free(*out);
		*out = NULL;
		rc = SSH_ERROR;
	}
	return rc;
}

static size_t
slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copy s into the block at *p; returns the copy (NULL for NULL). */
static const char *
put(char **p, const char *s)
{
	char *d = *p;
	size_t n;
	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*p += n;
	return d;
}

static hd_code
make_entry(const hd_manifest_entry *me, int index, const hd_access_profile *prof, const char *login,
           const char *known_hosts, ssh_entry **out, hd_err *err)
{
	const char *user = me->username ? me->username : prof->user[0] ? prof->user : login;
	char what[512];
	size_t n;
	ssh_entry *e;
	char *p;

	snprintf(what, sizeof what, "SSH manifest entry %d (%s@%s port %d)", index, user, me->host, me->port);
	n = sizeof(ssh_entry) + slen(me->host) + slen(user) + slen(me->command) + slen(me->publickey) + slen(prof->key) +
	    slen(known_hosts) + slen(what);
	if (!(e = hd_calloc(1, n)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	p = (char *)(e + 1);
	e->index = index;
	e->port = me->port;
	e->connect_timeout = prof->connect_timeout;
	e->read_timeout = prof->read_timeout;
	e->host = put(&p, me->host);
	e->user = put(&p, user);
	e->command = put(&p, me->command);
	e->publickey = put(&p, me->publickey);
	e->key = put(&p, prof->key);
	e->known_hosts = put(&p, known_hosts);
	e->what = put(&p, what);
	*out = e;
	return HD_OK;
}

hd_code
hd_ssh_credentials(const hd_copy_spec *spec, hd_access_profile *prof, char known_hosts[PATH_MAX], char login[257],
                   hd_err *err)
{
	hd_code r;
	struct passwd *pw;

	pthread_once(&ssh_once, init_once);
	if (ssh_init_rc != SSH_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "the SSH library could not be initialised");
	/* The credentials: the profile the statement names, and its key (present, readable by us alone). */
	if (spec->role)
		*prof = spec->role->prof; /* issue 9: the authorized role's local half, with its ssh_user */
	else if ((r = hd_access_profile_load(hd_access_profile_name(spec->role_name, spec->access_key_id), prof, err)) !=
	         HD_OK)
		return r;
	if ((r = hd_access_check_private(prof->key, err)) != HD_OK) {
		if (r == HD_ERR_NOTFOUND)
			hd_err_set(err, HD_ERR_NOTFOUND,
			           "the loader has no SSH key at %s: run 'hdcopy key' to create it (profile '%s')", prof->key,
			           prof->name);
		return r;
	}
	if ((r = hd_access_path(HD_ACCESS_KNOWN_HOSTS, known_hosts, PATH_MAX, err)) != HD_OK)
		return r;
	pw = getpwuid(geteuid());
	snprintf(login, 257, "%s", pw && pw->pw_name ? pw->pw_name : "root");
	return HD_OK;
}

hd_code
hd_ssh_shell_quote(hd_buf *b, const char *s)
{
	hd_code r = hd_buf_append_str(b, "'");
	for (; r == HD_OK && *s; s++)
		r = *s == '\'' ? hd_buf_append_str(b, "'\\''") : hd_buf_append(b, s, 1);
	return r == HD_OK ? hd_buf_append_str(b, "'") : r;
}

static hd_code
ssh_list(const hd_copy_spec *spec, hd_units *out, hd_err *err)
{
	hd_manifest m = { 0 };
	hd_access_profile prof;
	char *text = NULL, known_hosts[PATH_MAX], login[257];
	size_t len = 0;
	hd_units u = { 0 };
	hd_code r;
	/* messages name the manifest as written: a local path, or its hdfs:// / emr:// URL */
	const char *mname = spec->manifest_kind == HD_SRC_LOCAL ? spec->src_path : spec->source;

	out->v = NULL;
	out->n = 0;
	pthread_once(&ssh_once, init_once);
	if (ssh_init_rc != SSH_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "the SSH library could not be initialised");

	if (spec->manifest_kind == HD_SRC_LOCAL) {
		if ((r = read_manifest(spec->src_path, &text, &len, err)) != HD_OK)
			return r;
	} else {
		/* issue 7: a manifest on hdfs:// (or emr://) is read through the source that reads such data */
		hd_buf b;
		if ((r = hd_source_read_small(spec->source, spec, HD_MAX_MANIFEST, "SSH manifest", &b, err)) != HD_OK)
			return r;
		text = b.data;
		len = b.len;
	}
	r = hd_manifest_parse(text, len, &m, err);
	free(text);
	if (r != HD_OK)
		return hd_err_prefix(err, "%s", mname);
	for (int i = 0; i < m.n; i++) {
		ssh_key k = NULL;
		if (m.v[i].publickey && import_publickey(m.v[i].publickey, &k) != SSH_OK) {
			hd_manifest_free(&m);
			return hd_err_set(err, HD_ERR_SYNTAX,
			                  "%s: manifest entry %d: \"publickey\" is not a public key this loader can read", mname,
			                  i + 1);
		}
		ssh_key_free(k);
	}

	if ((r = hd_ssh_credentials(spec, &prof, known_hosts, login, err)) != HD_OK)
		goto out;

	u.v = hd_calloc((size_t)m.n, sizeof *u.v);
	if (!u.v) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < m.n; i++) {
		const hd_manifest_entry *me = &m.v[i];
		hd_unit *x = &u.v[u.n];
		ssh_entry *e = NULL;
		size_t nl = strlen(me->endpoint) + strlen(me->command) + 3;
		if (spec->role) { /* issue 9: every endpoint inside the role's --host patterns, before any connection */
			char what[64 + HD_MAX_SSH_FIELD];
			snprintf(what, sizeof what, "SSH manifest entry %d (%s)", i + 1, me->endpoint);
			if ((r = hd_access_policy_host(spec->role, me->host, what, err)) != HD_OK)
				goto out;
		}
		if ((r = make_entry(me, i + 1, &prof, login, known_hosts, &e, err)) != HD_OK)
			goto out;
		x->priv = e;
		x->name = hd_malloc(nl);
		u.n++;
		if (!x->name) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(x->name, nl, "%s: %s", me->endpoint, me->command);
		x->file = i;
		x->optional = !me->mandatory;
	}
	*out = u;
	u.v = NULL;
	u.n = 0;
	r = HD_OK;
out:
	hd_units_free(&u);
	hd_manifest_free(&m);
	return r;
}

/* ---- the stream ------------------------------------------------------------------------------------------------- */

typedef struct ssh_stream {
	hd_stream base;
	ssh_session sess;
	ssh_channel ch;
	const hd_ssh_target *e;
	char *name;
	char errbuf[HD_MAX_SSH_STDERR + 1];
	size_t errlen;       /* bytes kept in errbuf */
	uint64_t errtotal;   /* bytes the command wrote to stderr */
	bool done;
} ssh_stream;

/* Printable for one-line messages: control characters (newlines included) become ' ' or '?'. */
static void
sanitize(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\t' || c == '\r')
			s[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			s[i] = '?';
	}
}

static int
drain_stderr(ssh_stream *s)
{
	char tmp[4096];
	for (;;) {
		int got = ssh_channel_read_nonblocking(s->ch, tmp, sizeof tmp, 1);
		if (got <= 0)
			return got;
		s->errtotal += (uint64_t)got;
		if (s->errlen < HD_MAX_SSH_STDERR) {
			size_t take = (size_t)got < HD_MAX_SSH_STDERR - s->errlen ? (size_t)got : HD_MAX_SSH_STDERR - s->errlen;
			memcpy(s->errbuf + s->errlen, tmp, take);
			s->errlen += take;
		}
	}
}

static ssize_t
stream_fail(ssh_stream *s, hd_err *err, hd_code code, const char *fmt, const char *a)
{
	s->done = true;
	hd_err_set(err, code, fmt, a);
	if (s->e->what_on_read)
		hd_err_prefix(err, "%s", s->e->what);
	return -1;
}

/* End of stdout: the exit status and stderr decide. */
static ssize_t
finish(ssh_stream *s, hd_err *err)
{
	int status;
	char msg[HD_MAX_SSH_STDERR + 128];

	drain_stderr(s);
	status = ssh_channel_get_exit_status(s->ch);
	drain_stderr(s);
	s->done = true;
	s->errbuf[s->errlen] = '\0';
	sanitize(s->errbuf, s->errlen);
	/* trailing spaces from the final newline */
	while (s->errlen > 0 && s->errbuf[s->errlen - 1] == ' ')
		s->errbuf[--s->errlen] = '\0';
	if (status == 0 && s->errtotal == 0)
		return 0;
	if (status == -1)
		snprintf(msg, sizeof msg, "command ended without an exit status (killed, or the connection closed)");
	else if (status != 0)
		snprintf(msg, sizeof msg, "command failed with exit status %d", status);
	else
		snprintf(msg, sizeof msg, "command wrote to standard error");
	if (s->errtotal > 0) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof msg - l, "; stderr: %s%s", s->errbuf,
		         s->errtotal > s->errlen ? " [cut]" : "");
	}
	hd_err_set(err, HD_ERR_IO, "%s", msg);
	if (s->e->what_on_read)
		hd_err_prefix(err, "%s", s->e->what);
	return -1;
}

static ssize_t
ssh_read(hd_stream *st, void *buf, size_t n, hd_err *err)
{
	ssh_stream *s = (ssh_stream *)st;
	long idle_ms = 0;

	if (s->done)
		return 0;
	if (n > (1u << 30))
		n = 1u << 30;
	for (;;) {
		int avail;
		if (drain_stderr(s) == SSH_ERROR)
			return stream_fail(s, err, HD_ERR_IO, "connection lost while reading: %s", ssh_get_error(s->sess));
		avail = ssh_channel_poll_timeout(s->ch, POLL_MS, 0);
		if (avail == SSH_ERROR)
			return stream_fail(s, err, HD_ERR_IO, "connection lost while reading: %s", ssh_get_error(s->sess));
		if (avail > 0) {
			int got = ssh_channel_read_nonblocking(s->ch, buf, (uint32_t)n, 0);
			if (got == SSH_ERROR)
				return stream_fail(s, err, HD_ERR_IO, "connection lost while reading: %s", ssh_get_error(s->sess));
			if (got > 0)
				return got;
			continue;
		}
		if (avail == SSH_EOF)
			return finish(s, err);
		idle_ms += POLL_MS;
		if (idle_ms >= (long)s->e->read_timeout * 1000) {
			char secs[32];
			snprintf(secs, sizeof secs, "%d", s->e->read_timeout);
			return stream_fail(s, err, HD_ERR_IO,
			                   "no data for %s seconds (read_timeout of the credential profile): giving up", secs);
		}
	}
}

static void
ssh_close(hd_stream *st)
{
	ssh_stream *s = (ssh_stream *)st;
	if (s->ch) {
		if (ssh_channel_is_open(s->ch))
			ssh_channel_close(s->ch);
		ssh_channel_free(s->ch);
	}
	if (s->sess) {
		ssh_disconnect(s->sess);
		ssh_free(s->sess);
	}
	free(s->name);
	free(s);
}

static const hd_stream_ops ssh_stream_ops = { "ssh", ssh_read, ssh_close };

/* ---- open ------------------------------------------------------------------------------------------------------- */

/* Host key algorithms to ask for so the host presents the key the manifest names. */
static const char *
hostkey_algos(const char *publickey, char *buf, size_t n)
{
	size_t tl = strcspn(publickey, " ");
	if (tl == 7 && strncmp(publickey, "ssh-rsa", 7) == 0)
		return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
	if (tl >= n)
		return NULL;
	memcpy(buf, publickey, tl);
	buf[tl] = '\0';
	return buf;
}

static void
fingerprint(ssh_key k, char *out, size_t n)
{
	unsigned char *hash = NULL;
	size_t hl = 0;
	snprintf(out, n, "unknown fingerprint");
	if (k && ssh_get_publickey_hash(k, SSH_PUBLICKEY_HASH_SHA256, &hash, &hl) == SSH_OK) {
		char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hl);
		if (fp) {
			snprintf(out, n, "%s %s", ssh_key_type_to_char(ssh_key_type(k)), fp);
			ssh_string_free_char(fp);
		}
		ssh_clean_pubkey_hash(&hash);
	}
}

static hd_code
verify_host(ssh_stream *s, const char *what, hd_err *err)
{
	const hd_ssh_target *e = s->e;
	ssh_key srv = NULL, want = NULL;
	char fp[160];
	hd_code r = HD_OK;

	if (ssh_get_server_publickey(s->sess, &srv) != SSH_OK)
		return hd_err_set(err, HD_ERR_IO, "%s: the host sent no host key", what);
	fingerprint(srv, fp, sizeof fp);
	if (e->publickey) {
		if (import_publickey(e->publickey, &want) != SSH_OK)
			r = hd_err_set(err, HD_ERR_IO, "%s: manifest entry %d: \"publickey\" cannot be read", what, e->index);
		else if (ssh_key_cmp(srv, want, SSH_KEY_CMP_PUBLIC) != 0)
			r = hd_err_set(err, HD_ERR_IO,
			               "%s: HOST KEY MISMATCH: the host's key (%s) is not the \"publickey\" of manifest entry %d; "
			               "refusing to connect",
			               what, fp, e->index);
	} else {
		switch (ssh_session_is_known_server(s->sess)) {
		case SSH_KNOWN_HOSTS_OK:
			break;
		case SSH_KNOWN_HOSTS_CHANGED:
			r = hd_err_set(err, HD_ERR_IO,
			               "%s: HOST KEY CHANGED: the host's key (%s) differs from the one recorded in %s; refusing "
			               "to connect (if the change is expected, replace the host's line there)",
			               what, fp, e->known_hosts);
			break;
		case SSH_KNOWN_HOSTS_OTHER:
			r = hd_err_set(err, HD_ERR_IO,
			               "%s: HOST KEY CHANGED: the host offered a key (%s) of another type than the one recorded in "
			               "%s; refusing to connect",
			               what, fp, e->known_hosts);
			break;
		case SSH_KNOWN_HOSTS_UNKNOWN:
		case SSH_KNOWN_HOSTS_NOT_FOUND:
			r = hd_err_set(err, HD_ERR_IO,
			               "%s: UNKNOWN HOST: its key (%s) is neither the manifest entry's \"publickey\" nor in %s; "
			               "refusing to connect (give \"publickey\" in the manifest, or add the host's key to that "
			               "file)",
			               what, fp, e->known_hosts);
			break;
		default:
			r = hd_err_set(err, HD_ERR_IO, "%s: cannot check the host key against %s: %s", what, e->known_hosts,
			               ssh_get_error(s->sess));
			break;
		}
	}
	ssh_key_free(srv);
	ssh_key_free(want);
	return r;
}

hd_code
hd_ssh_open_command(const hd_ssh_target *e, const char *name, hd_stream **out, hd_err *err)
{
	ssh_stream *s;
	ssh_key priv = NULL;
	const char *what = e->what;
	char algos[64];
	long tmo;
	int no = 0, verbosity = SSH_LOG_NOLOG, rc;
	hd_code r;

	*out = NULL;
	pthread_once(&ssh_once, init_once);
	if (ssh_init_rc != SSH_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "the SSH library could not be initialised");
	s = hd_calloc(1, sizeof *s);
	if (!s || !(s->name = hd_strdup(name))) {
		free(s);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	s->base.ops = &ssh_stream_ops;
	s->base.name = s->name;
	s->e = e;
	if (!(s->sess = ssh_new())) {
		ssh_close(&s->base);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	tmo = e->connect_timeout;
	if (ssh_options_set(s->sess, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_HOST, e->host) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_PORT, &e->port) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_USER, e->user) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_TIMEOUT, &tmo) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_KNOWNHOSTS, e->known_hosts) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_PASSWORD_AUTH, &no) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_KBDINT_AUTH, &no) < 0 ||
	    ssh_options_set(s->sess, SSH_OPTIONS_GSSAPI_AUTH, &no) < 0) {
		r = hd_err_set(err, HD_ERR_IO, "%s: invalid SSH option: %s", what, ssh_get_error(s->sess));
		goto fail;
	}
	if (e->publickey) {
		const char *a = hostkey_algos(e->publickey, algos, sizeof algos);
		if (a && ssh_options_set(s->sess, SSH_OPTIONS_HOSTKEYS, a) < 0) {
			r = hd_err_set(err, HD_ERR_IO, "%s: this loader cannot use a host key of the manifest's type", what);
			goto fail;
		}
	}
	if (ssh_connect(s->sess) != SSH_OK) {
		r = hd_err_set(err, HD_ERR_IO, "%s: cannot connect: %s", what, ssh_get_error(s->sess));
		goto fail;
	}
	if ((r = verify_host(s, what, err)) != HD_OK)
		goto fail;

	if ((r = hd_access_check_private(e->key, err)) != HD_OK)
		goto fail;
	if (ssh_pki_import_privkey_file(e->key, NULL, NULL, NULL, &priv) != SSH_OK) {
		r = hd_err_set(err, HD_ERR_IO, "cannot read the private key %s (damaged, or protected by a passphrase)", e->key);
		goto fail;
	}
	rc = ssh_userauth_publickey(s->sess, NULL, priv);
	ssh_key_free(priv);
	if (rc != SSH_AUTH_SUCCESS) {
		r = hd_err_set(err, HD_ERR_IO,
		               "%s: the host refused the loader's key%s (is the line of 'hdcopy key authorized-line' in "
		               "~%s/.ssh/authorized_keys, with from=\"…\" naming this loader's address?)",
		               what, rc == SSH_AUTH_ERROR ? " (authentication error)" : "", e->user);
		goto fail;
	}
	if (!(s->ch = ssh_channel_new(s->sess)) || ssh_channel_open_session(s->ch) != SSH_OK) {
		r = hd_err_set(err, HD_ERR_IO, "%s: cannot open a session channel: %s", what, ssh_get_error(s->sess));
		goto fail;
	}
	if (ssh_channel_request_exec(s->ch, e->command) != SSH_OK) {
		r = hd_err_set(err, HD_ERR_IO, "%s: the host refused to run the command: %s", what, ssh_get_error(s->sess));
		goto fail;
	}
	*out = &s->base;
	return HD_OK;
fail:
	ssh_close(&s->base);
	return r;
}

static hd_code
ssh_open(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err)
{
	(void)spec;
	*out = NULL;
	if (!unit->priv)
		return hd_err_set(err, HD_ERR_INTERNAL, "%s: no manifest entry", unit->name);
	return hd_ssh_open_command(unit->priv, unit->name, out, err);
}

const hd_source_ops hd_source_ssh = {
	.name = "ssh",
	.list = ssh_list,
	.open = ssh_open,
};
