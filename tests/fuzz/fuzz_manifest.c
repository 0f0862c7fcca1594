/*
 * fuzz_manifest.c — the SSH manifest of COPY … SSH: hd_manifest_parse and hd_manifest_endpoint
 * (source/manifest.c).
 *
 * Input: the manifest text.
 * Invariants: the text sits in an exactly-sized heap block (ASan); parse succeeds, or fails with HD_ERR_SYNTAX /
 * HD_ERR_LIMIT and a message; on success every entry has an endpoint, host and command that are NUL-terminated
 * strings without NUL bytes within their caps, a port in 1..65535, and hd_manifest_endpoint of the endpoint gives
 * the same host and port; parsing twice gives the same entries. The input's first line, NUL-terminated, is also
 * split by hd_manifest_endpoint on its own (it succeeds or fails with a message; a host fits its buffer).
 */
#include "fuzz_common.h"

#include "common/limits.h"
#include "source/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_str(const char *a, const char *b)
{
	FUZZ_CHECK((a == NULL) == (b == NULL));
	if (a)
		FUZZ_CHECK(strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_dup(data, size, false);
	hd_manifest m, m2;
	hd_err err;
	hd_code r;

	memset(&m, 0, sizeof m);
	r = hd_manifest_parse(text, size, &m, &err);
	if (r != HD_OK) {
		FUZZ_CHECK(r == HD_ERR_SYNTAX || r == HD_ERR_LIMIT);
		FUZZ_CHECK(err.msg[0] != '\0');
	} else {
		FUZZ_CHECK(m.n >= 0 && m.n <= HD_MAX_MANIFEST_ENTRIES);
		for (int i = 0; i < m.n; i++) {
			const hd_manifest_entry *e = &m.v[i];
			char host[512];
			int port = 0;
			FUZZ_CHECK(e->endpoint && e->host && e->command);
			FUZZ_CHECK(strlen(e->endpoint) <= HD_MAX_SSH_FIELD && strlen(e->command) <= HD_MAX_SSH_COMMAND);
			FUZZ_CHECK(e->port >= 1 && e->port <= 65535);
			FUZZ_CHECK(fz_utf8_valid(e->command, strlen(e->command)));
			(void)fz_touch(e->host, strlen(e->host));
			if (e->publickey)
				FUZZ_CHECK(strlen(e->publickey) <= HD_MAX_SSH_FIELD);
			if (e->username)
				FUZZ_CHECK(strlen(e->username) <= HD_MAX_SSH_FIELD);
			FUZZ_CHECK(hd_manifest_endpoint(e->endpoint, host, sizeof host, &port, &err) == HD_OK);
			FUZZ_CHECK(strcmp(host, e->host) == 0 && port == e->port);
		}
		FUZZ_CHECK(hd_manifest_parse(text, size, &m2, &err) == HD_OK && m2.n == m.n);
		for (int i = 0; i < m.n; i++) {
			same_str(m.v[i].endpoint, m2.v[i].endpoint);
			same_str(m.v[i].host, m2.v[i].host);
			same_str(m.v[i].command, m2.v[i].command);
			same_str(m.v[i].publickey, m2.v[i].publickey);
			same_str(m.v[i].username, m2.v[i].username);
			FUZZ_CHECK(m.v[i].port == m2.v[i].port && m.v[i].mandatory == m2.v[i].mandatory);
		}
		hd_manifest_free(&m2);
		hd_manifest_free(&m);
	}
	{
		const char *eol = memchr(text, '\n', size);
		size_t l = eol ? (size_t)(eol - text) : size;
		char *ep = fz_dup(data, l, true);
		char host[64];
		int port = 0;
		if (strlen(ep) == l) {
			r = hd_manifest_endpoint(ep, host, sizeof host, &port, &err);
			if (r == HD_OK)
				FUZZ_CHECK(strlen(host) < sizeof host && port >= 1 && port <= 65535);
			else
				FUZZ_CHECK(err.msg[0] != '\0');
		}
		free(ep);
	}
	free(text);
	return 0;
}
