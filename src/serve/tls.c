/*
 * tls.c — TLS between clients and `hdcopy serve` (--tls-cert/--tls-key): the one file that knows OpenSSL.
 *
 * A client's SSLRequest is answered 'S' when a certificate is configured; serve.c then puts a server-side TLS
 * filter (libevent's bufferevent_openssl) over the client's socket bufferevent, and from then on reads and writes
 * plain protocol bytes through it as before. One SSL_CTX per server (loaded once at start, before any client),
 * one SSL per session (owned and freed by its bufferevent). TLS 1.2 is the minimum version. The key file must not
 * be accessible to group or others (PostgreSQL's own rule for ssl_key_file), else serve refuses to start. Error
 * lines name files and OpenSSL's reason, never key material.
 */
#include "serve/serve_int.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/sys.h"

struct hd_tls {
	SSL_CTX *ctx;
};

static void
ossl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_get_error();
	if (!e) {
		snprintf(buf, n, "unknown error");
		return;
	}
	ERR_error_string_n(e, buf, n);
	ERR_clear_error();
}

hd_code
hd_tls_new(const char *cert_file, const char *key_file, hd_tls **out, hd_err *err)
{
	struct stat st;
	char why[256];
	hd_tls *t;

	*out = NULL;
	if (stat(key_file, &st) != 0)
		return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-key %s: %s", key_file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-key %s: not a regular file", key_file);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return hd_err_set_pub(err, HD_ERR_USAGE,
		                      "--tls-key %s: the private key file is accessible to group or others (mode %04o);"
		                      " it must be u=rw (0600) or less: chmod 600 %s",
		                      key_file, (unsigned)(st.st_mode & 07777), key_file);
	if (!(t = hd_calloc(1, sizeof *t)))
		return hd_err_set_pub(err, HD_ERR_NOMEM, "out of memory");
	if (!(t->ctx = SSL_CTX_new(TLS_server_method()))) {
		ossl_reason(why, sizeof why);
		hd_tls_free(t);
		return hd_err_set_pub(err, HD_ERR_INTERNAL, "TLS: %s", why);
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1) {
		ossl_reason(why, sizeof why);
		hd_tls_free(t);
		return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-cert %s: could not load the certificate: %s", cert_file,
		                      why);
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			hd_tls_free(t);
			return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-key %s does not match the certificate of --tls-cert %s",
			                      key_file, cert_file);
		}
		ossl_reason(why, sizeof why);
		hd_tls_free(t);
		return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-key %s: could not load the private key: %s", key_file, why);
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		ERR_clear_error();
		hd_tls_free(t);
		return hd_err_set_pub(err, HD_ERR_USAGE, "--tls-key %s does not match the certificate of --tls-cert %s",
		                      key_file, cert_file);
	}
	*out = t;
	return HD_OK;
}

void
hd_tls_free(hd_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct bufferevent *
hd_tls_wrap(hd_tls *t, struct event_base *base, struct bufferevent *under)
{
	struct bufferevent *b;
	SSL *ssl = SSL_new(t->ctx);

	if (!ssl)
		return NULL;
	/* On failure libevent 2.1 has already freed ssl (and may have freed under): the caller must drop both. */
	b = bufferevent_openssl_filter_new(base, under, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (!b)
		return NULL;
	/* A client that closes the socket without close_notify (most do after Terminate) is an EOF, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(b, 1);
	return b;
}

void
hd_tls_error(struct bufferevent *b, char *buf, size_t n)
{
	unsigned long e = bufferevent_get_openssl_error(b);
	buf[0] = 0;
	if (e)
		ERR_error_string_n(e, buf, n);
}
