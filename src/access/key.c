/*
 * key.c — the loader's Ed25519 key pair in $HDCOPY_HOME (Redshift's "cluster public key", set-up step 3).
 *
 * First use creates $HDCOPY_HOME (0700) and the pair with libssh's key API: ssh_pki_generate(), exported to memory
 * (ssh_pki_export_privkey_base64, OpenSSH format) and written by us — to a temporary name opened
 * O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600, fsync'd, then link(2)ed to id_ed25519 — so the key file never exists with
 * a wider mode or half written, and two loaders starting at once end up with one key (the loser of link() uses the
 * winner's). The public key is always derived from the private key (id_ed25519.pub is written for people, never read).
 * A private key that group or others can read is refused, as OpenSSH refuses it.
 */
#include "access/access.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "hdcopy.h"
#include "common/sys.h"

static hd_code
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = hd_sys.write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return HD_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return HD_OK;
}

static hd_code
ensure_home(const char *home, hd_err *err)
{
	struct stat st;
	if (mkdir(home, 0700) != 0 && errno != EEXIST)
		return hd_err_set(err, HD_ERR_IO, "cannot create %s: %s", home, strerror(errno));
	if (stat(home, &st) != 0 || !S_ISDIR(st.st_mode))
		return hd_err_set(err, HD_ERR_IO, "%s is not a directory", home);
	if (st.st_mode & 022)
		return hd_err_set(err, HD_ERR_IO, "%s can be changed by group or others (mode %04o): chmod 700 it", home,
		                  (unsigned)(st.st_mode & 07777));
	return HD_OK;
}

/* Public key line "type base64 hdcopy@host" from a private key. */
static hd_code
public_line(ssh_key priv, char **out, hd_err *err)
{
	ssh_key pub = NULL;
	char *b64 = NULL, host[256];
	const char *type;
	size_t n;

	if (ssh_pki_export_privkey_to_pubkey(priv, &pub) != SSH_OK || ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK) {
		ssh_key_free(pub);
		return hd_err_set(err, HD_ERR_INTERNAL, "cannot derive the public key");
	}
	type = ssh_key_type_to_char(ssh_key_type(pub));
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	n = strlen(type) + strlen(b64) + strlen(host) + 16;
	*out = hd_malloc(n);
	if (*out)
		snprintf(*out, n, "%s %s hdcopy@%s", type, b64, host);
	ssh_string_free_char(b64);
	ssh_key_free(pub);
	return *out ? HD_OK : hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}

static hd_code
generate(const char *home, const char *keypath, bool *created, hd_err *err)
{
	char tmp[PATH_MAX + 64], pubpath[PATH_MAX + 64];
	ssh_key key = NULL;
	char *b64 = NULL, *publine = NULL;
	hd_code r = HD_OK;
	int fd;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "cannot generate an Ed25519 key");
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK) {
		r = hd_err_set(err, HD_ERR_INTERNAL, "cannot export the new private key");
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", home, HD_ACCESS_KEY_FILE, (long)getpid());
	fd = hd_sys_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = hd_err_set(err, HD_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, b64, strlen(b64)) != HD_OK || fsync(fd) != 0) {
		r = hd_err_set(err, HD_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		hd_sys_close(fd);
		unlink(tmp);
		goto out;
	}
	hd_sys_close(fd);
	if (link(tmp, keypath) != 0) {
		int e = errno;
		unlink(tmp);
		if (e != EEXIST)
			r = hd_err_set(err, HD_ERR_IO, "cannot create %s: %s", keypath, strerror(e));
		goto out; /* EEXIST: another hdcopy made it first; use that one */
	}
	unlink(tmp);
	if (created)
		*created = true;
	/* The .pub file is a convenience for people; failing to write it is not an error. */
	snprintf(pubpath, sizeof pubpath, "%s.pub", keypath);
	if (public_line(key, &publine, err) == HD_OK) {
		fd = hd_sys_open(pubpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (write_all(fd, publine, strlen(publine)) == HD_OK)
				(void)write_all(fd, "\n", 1);
			hd_sys_close(fd);
		}
	}
	hd_err_clear(err);
out:
	if (b64) {
		explicit_bzero(b64, strlen(b64));
		ssh_string_free_char(b64);
	}
	free(publine);
	ssh_key_free(key);
	return r;
}

hd_code
hd_access_key(char **pubkey, bool *created, hd_err *err)
{
	char home[PATH_MAX], keypath[PATH_MAX + 32];
	ssh_key key = NULL;
	hd_code r;

	*pubkey = NULL;
	if (created)
		*created = false;
	if ((r = hd_access_home(home, sizeof home, err)) != HD_OK)
		return r;
	if ((r = ensure_home(home, err)) != HD_OK)
		return r;
	snprintf(keypath, sizeof keypath, "%s/%s", home, HD_ACCESS_KEY_FILE);
	if (access(keypath, F_OK) != 0 && errno == ENOENT && (r = generate(home, keypath, created, err)) != HD_OK)
		return r;
	if ((r = hd_access_check_private(keypath, err)) != HD_OK)
		return r;
	if (ssh_pki_import_privkey_file(keypath, NULL, NULL, NULL, &key) != SSH_OK)
		return hd_err_set(err, HD_ERR_IO, "cannot read the private key %s (damaged, or protected by a passphrase)",
		                  keypath);
	r = public_line(key, pubkey, err);
	ssh_key_free(key);
	return r;
}
