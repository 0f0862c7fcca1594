/*
 * webhdfs.c — WebHDFS plumbing for source/hdfs.c (see webhdfs.h): NameNode calls, RemoteException mapping, JMX
 * LiveNodes, and the streaming OPEN with replica failover.
 *
 * NameNode calls: one curl easy handle per call, body collected into an hd_buf capped at HD_MAX_WEBHDFS_ANSWER,
 * parsed with source/hjson.c (strict, bounded). Redirects are never followed by curl: OPEN is asked with
 * noredirect=true and the DataNode's Location is fetched by us, so a host map, the failover bookkeeping and the
 * excludedatanodes list stay in our hands (shared/HDFS-NOTES.md).
 *
 * The stream: curl multi + one easy handle, driven from read(). The write callback copies the body into a fixed
 * HD_WEBHDFS_STREAM_BUF buffer and answers CURL_WRITEFUNC_PAUSE when a chunk does not fit; read() drains the
 * buffer and unpauses. So memory per stream is that buffer plus curl's own (one receive buffer, and at most one
 * held chunk while paused): input size never changes it. pos counts body bytes accepted, so after a failure the
 * re-OPEN asks for offset = pos, and no byte is delivered twice or skipped. Timeouts: 10 s to connect; a transfer
 * that receives nothing for 60 s while not paused is dropped (and re-OPENed like a dead DataNode).
 *
 * Secrets: the delegation token travels only in request URLs; no message holds a URL or a Location.
 */
#include "source/webhdfs.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "source/hjson.h"
#include "common/sys.h"

#define WH_CONNECT_TIMEOUT 10L
#define WH_STALL_SECONDS   60  /* default of HDCOPY_HDFS_READ_TIMEOUT */
#define WH_CALL_TIMEOUT    120L
#define WH_MSG_MAX         300 /* chars of a server's exception message kept in ours */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void
curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static hd_code
need_curl(hd_err *err)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "cannot initialise libcurl: %s", curl_easy_strerror(curl_init_result));
	return HD_OK;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- setup ------------------------------------------------------------------------------------------------------ */

static char *
read_small_file(const char *path, size_t cap)
{
	FILE *f = fopen(path, "re");
	char *b;
	size_t n;

	if (!f)
		return NULL;
	if (!(b = hd_malloc(cap + 1))) {
		fclose(f);
		return NULL;
	}
	n = fread(b, 1, cap + 1, f);
	fclose(f);
	if (n > cap) {
		free(b);
		return NULL;
	}
	b[n] = '\0';
	return b;
}

static bool
url_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.' || *s == '~' || *s == '%'))
			return false;
	return true;
}

hd_code
hd_webhdfs_init(hd_webhdfs *w, const char *nn, const char *label, hd_err *err)
{
	const char *auth = getenv("HDCOPY_HDFS_AUTH"), *tf = getenv("HDCOPY_HDFS_TOKEN_FILE");
	const char *hu = getenv("HADOOP_USER_NAME"), *hm = getenv("HDCOPY_HDFS_HOSTMAP");
	const char *rate = getenv("HDCOPY_HDFS_MAX_RATE"), *rto = getenv("HDCOPY_HDFS_READ_TIMEOUT");
	hd_code r;

	memset(w, 0, sizeof *w);
	if ((r = need_curl(err)) != HD_OK)
		return r;
	if (!nn || !nn[0])
		return hd_err_set(err, HD_ERR_SYNTAX, "%s: no NameNode address", label);
	if (strchr(nn, '@') || strchr(nn, '/') || strchr(nn, '?') || strchr(nn, '#') || strchr(nn, ' '))
		return hd_err_set(err, HD_ERR_SYNTAX, "'%s' is not a NameNode address: expected host[:port]", nn);
	{
		/* default port: WebHDFS's 9870 (a bracketed IPv6 literal keeps its colons) */
		const char *close = nn[0] == '[' ? strchr(nn, ']') : NULL;
		const char *colon = strrchr(close ? close : nn, ':');
		size_t n = strlen(nn);
		if (!(w->nn = hd_malloc(n + 6)))
			goto nomem;
		if (colon)
			memcpy(w->nn, nn, n + 1);
		else
			snprintf(w->nn, n + 6, "%s:9870", nn);
	}
	if (!(w->label = hd_strdup(label)))
		goto nomem;
	if (auth && *auth) {
		if (strcmp(auth, "kerberos") == 0 || strcmp(auth, "negotiate") == 0) {
			curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
			if (!(v->features & CURL_VERSION_SPNEGO)) {
				hd_webhdfs_free(w);
				return hd_err_set(err, HD_ERR_UNSUPPORTED,
				                  "HDCOPY_HDFS_AUTH=kerberos: this libcurl was built without SPNEGO (GSS-API)");
			}
			w->negotiate = true;
		} else if (strcmp(auth, "simple") != 0) {
			hd_webhdfs_free(w);
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_HDFS_AUTH must be 'simple' or 'kerberos', not '%s'", auth);
		}
	}
	if (tf && *tf) {
		char *t = read_small_file(tf, HD_MAX_CLUSTER_FILE), *b, *e;
		if (!t) {
			hd_webhdfs_free(w);
			return hd_err_set(err, HD_ERR_IO, "cannot read the delegation token file '%s' (HDCOPY_HDFS_TOKEN_FILE)",
			                  tf);
		}
		for (b = t; *b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'; b++)
			;
		for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'); e--)
			;
		*e = '\0';
		if (!*b || !url_safe(b)) {
			free(t);
			hd_webhdfs_free(w);
			/* never quote the token itself */
			return hd_err_set(err, HD_ERR_IO, "the delegation token file '%s' does not hold a URL-safe token", tf);
		}
		w->token = hd_strdup(b);
		explicit_bzero(t, strlen(t));
		free(t);
		if (!w->token)
			goto nomem;
	}
	if (!w->token && !w->negotiate) {
		if (hu && *hu) {
			w->user = hd_strdup(hu);
		} else {
			/* TODO(access): the credential profile's HDFS user, once src/access/ has profiles */
			struct passwd pw, *res = NULL;
			char buf[4096];
			if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res)
				w->user = hd_strdup(res->pw_name);
			else
				w->user = hd_strdup("hdcopy");
		}
		if (!w->user)
			goto nomem;
	}
	if (hm && *hm && !(w->hostmap = hd_strdup(hm)))
		goto nomem;
	if (rate && *rate) {
		char *end;
		errno = 0;
		w->max_rate = strtoll(rate, &end, 10);
		if (errno || *end || w->max_rate < 0) {
			hd_webhdfs_free(w);
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_HDFS_MAX_RATE wants bytes per second, not '%s'", rate);
		}
	}
	w->read_timeout = WH_STALL_SECONDS;
	if (rto && *rto) {
		char *end;
		long v;
		errno = 0;
		v = strtol(rto, &end, 10);
		if (errno || *end || v < 1 || v > 86400) {
			hd_webhdfs_free(w);
			return hd_err_set(err, HD_ERR_USAGE, "HDCOPY_HDFS_READ_TIMEOUT wants seconds (1-86400), not '%s'", rto);
		}
		w->read_timeout = (int)v;
	}
	return HD_OK;
nomem:
	hd_webhdfs_free(w);
	return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}

void
hd_webhdfs_free(hd_webhdfs *w)
{
	if (!w)
		return;
	free(w->nn);
	free(w->label);
	free(w->user);
	if (w->token) {
		explicit_bzero(w->token, strlen(w->token));
		free(w->token);
	}
	free(w->hostmap);
	memset(w, 0, sizeof *w);
}

const char *
hd_webhdfs_who(const hd_webhdfs *w)
{
	if (w->user)
		return w->user;
	return w->negotiate ? "kerberos" : "delegation token";
}

hd_code
hd_webhdfs_escape(hd_buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	hd_code r;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (keep_slash && c == '/')) {
			if ((r = hd_buf_append(b, s, 1)) != HD_OK)
				return r;
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			if ((r = hd_buf_append(b, e, 3)) != HD_OK)
				return r;
		}
	}
	return HD_OK;
}

static hd_code
append_auth(hd_buf *b, const hd_webhdfs *w)
{
	hd_code r = HD_OK;
	if (w->token) {
		if ((r = hd_buf_append_str(b, "&delegation=")) == HD_OK)
			r = hd_buf_append_str(b, w->token);
	} else if (w->user) {
		if ((r = hd_buf_append_str(b, "&user.name=")) == HD_OK)
			r = hd_webhdfs_escape(b, w->user, false);
	}
	return r;
}

/* Host map entries "name::addr:" for CURLOPT_CONNECT_TO. */
static struct curl_slist *
connect_to(const hd_webhdfs *w)
{
	struct curl_slist *l = NULL;
	const char *p = w->hostmap;
	while (p && *p) {
		const char *comma = strchr(p, ','), *eq;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char e[600];
		eq = memchr(p, '=', n);
		if (eq && eq > p && n - (size_t)(eq - p) > 1 && n < 500) {
			snprintf(e, sizeof e, "%.*s::%.*s:", (int)(eq - p), p, (int)(n - (size_t)(eq - p) - 1), eq + 1);
			struct curl_slist *nl = curl_slist_append(l, e);
			if (!nl)
				break;
			l = nl;
		}
		p = comma ? comma + 1 : NULL;
	}
	return l;
}

static void
common_opts(CURL *c, const hd_webhdfs *w, struct curl_slist *cto)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, WH_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hdcopy/" HD_VERSION);
	/* a peer that accepts and then sends nothing (a hung NameNode or DataNode) fails after read_timeout seconds */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)(w->read_timeout > 0 ? w->read_timeout : WH_STALL_SECONDS));
	if (w->negotiate) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_NEGOTIATE);
		curl_easy_setopt(c, CURLOPT_USERPWD, ":");
	}
	if (cto)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, cto);
}

/* --- answers ---------------------------------------------------------------------------------------------------- */

typedef struct body_sink {
	hd_buf *b;
	bool over;
} body_sink;

static size_t
body_write(char *p, size_t size, size_t n, void *ctx)
{
	body_sink *s = ctx;
	if (hd_buf_append(s->b, p, size * n) != HD_OK) {
		s->over = true;
		return 0;
	}
	return size * n;
}

/* Map a RemoteException answer (or any non-200) to an error about what. Returns the code set. retriable is set for
 * RetriableException / SafeModeException (the caller may try again). */
static hd_code
remote_error(const hd_webhdfs *w, const char *what, long status, const hd_buf *body, bool *retriable, hd_err *err)
{
	hd_hjson j;
	hd_err ignore;
	char exc[128] = "", msg[WH_MSG_MAX + 1] = "";
	hd_code code = HD_ERR_IO;

	*retriable = false;
	if (body->len && hd_hjson_parse(body->data, body->len, 4096, &j, &ignore) == HD_OK) {
		int re = hd_hjson_get(&j, 0, "RemoteException");
		int e = hd_hjson_get(&j, re, "exception"), m = hd_hjson_get(&j, re, "message");
		if (e >= 0)
			hd_hjson_str(&j, e, exc, sizeof exc);
		if (m >= 0 && hd_hjson_str(&j, m, msg, sizeof msg) < 0) {
			/* longer than we keep: cut it */
			char *full = hd_hjson_strdup(&j, m, NULL);
			if (full) {
				snprintf(msg, sizeof msg, "%.*s…", WH_MSG_MAX - 4, full);
				free(full);
			}
		}
		hd_hjson_free(&j);
	}
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	/* StandbyException is not retried: the same NameNode stays standby (HA failover to the next one: not yet) */
	if (strcmp(exc, "RetriableException") == 0 || strcmp(exc, "SafeModeException") == 0)
		*retriable = true;
	if (strcmp(exc, "FileNotFoundException") == 0 || (status == 404 && !exc[0]))
		return hd_err_set(err, HD_ERR_NOTFOUND, "%s%s: no such file or directory", w->label, what);
	if (strcmp(exc, "AccessControlException") == 0 || strcmp(exc, "SecurityException") == 0 || status == 401) {
		return hd_err_set(err, HD_ERR_IO, "%s%s: permission denied for user '%s' (%s: %s)", w->label, what,
		                  hd_webhdfs_who(w), exc[0] ? exc : "HTTP 401", msg);
	}
	if (strcmp(exc, "StandbyException") == 0)
		return hd_err_set(err, HD_ERR_IO, "%s%s: the NameNode %s is a standby (StandbyException): give the active "
		                  "NameNode's address", w->label, what, w->nn);
	if (exc[0])
		return hd_err_set(err, code, "%s%s: %s: %s", w->label, what, exc, msg);
	return hd_err_set(err, code, "%s%s: the NameNode answered HTTP %ld", w->label, what, status);
}

/* Explain a failed connection to the NameNode; the RPC port is the classic mistake. */
static hd_code
connect_error(const hd_webhdfs *w, const char *what, CURLcode cr, hd_err *err)
{
	const char *colon = strrchr(w->nn, ':');
	const char *hint = "";
	if (colon && (strcmp(colon, ":8020") == 0 || strcmp(colon, ":8022") == 0 || strcmp(colon, ":9000") == 0))
		hint = " (an hdfs:// URL gives the NameNode's HTTP (WebHDFS) port, 9870 by default; 8020 is its RPC port)";
	if (cr == CURLE_OPERATION_TIMEDOUT)
		return hd_err_set(err, HD_ERR_IO, "%s%s: the NameNode at %s did not answer within %d seconds "
		                  "(HDCOPY_HDFS_READ_TIMEOUT)", w->label, what, w->nn,
		                  w->read_timeout > 0 ? w->read_timeout : WH_STALL_SECONDS);
	return hd_err_set(err, HD_ERR_IO, "%s%s: cannot reach the NameNode's WebHDFS at %s: %s%s", w->label, what, w->nn,
	                  curl_easy_strerror(cr), hint);
}

/* GET url into body. *status = HTTP status (0 when no answer). */
static hd_code
get_url(const hd_webhdfs *w, const char *url, hd_buf *body, long *status, CURLcode *cr, hd_err *err)
{
	struct curl_slist *cto = connect_to(w);
	body_sink s = { .b = body, .over = false };
	CURL *c = curl_easy_init();

	*status = 0;
	if (!c) {
		curl_slist_free_all(cto);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory (curl)");
	}
	common_opts(c, w, cto);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, WH_CALL_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	hd_buf_reset(body);
	if (w->ccache[0])
		hd_krb5_use(w->ccache); /* a Kerberos role's ticket, on this thread (krb5_login.c) */
	*cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(cto);
	if (s.over)
		return hd_err_set(err, HD_ERR_LIMIT, "%s: an answer of the NameNode is larger than %u bytes", w->label,
		                  HD_MAX_WEBHDFS_ANSWER);
	if (hd_buf_cstr(body) != HD_OK)
		return hd_err_set(err, HD_ERR_LIMIT, "%s: an answer of the NameNode is too large", w->label);
	return HD_OK;
}

hd_code
hd_webhdfs_get(const hd_webhdfs *w, const char *path, const char *query, hd_buf *body, hd_err *err)
{
	hd_buf url;
	hd_code r;
	long backoff = 200;

	hd_buf_init(&url, 0);
	if ((r = hd_buf_printf(&url, "http://%s/webhdfs/v1", w->nn)) != HD_OK ||
	    (r = hd_webhdfs_escape(&url, path, true)) != HD_OK || (r = hd_buf_printf(&url, "?op=%s", query)) != HD_OK ||
	    (r = append_auth(&url, w)) != HD_OK || (r = hd_buf_cstr(&url)) != HD_OK) {
		hd_buf_free(&url);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	for (int attempt = 1;; attempt++) {
		long status;
		CURLcode cr;
		bool retriable;
		if ((r = get_url(w, url.data, body, &status, &cr, err)) != HD_OK)
			break;
		if (cr != CURLE_OK) {
			r = connect_error(w, path, cr, err);
			break;
		}
		if (status == 200)
			break;
		r = remote_error(w, path, status, body, &retriable, err);
		if (!retriable || attempt >= HD_WEBHDFS_RETRIES)
			break;
		sleep_ms(backoff);
		backoff *= 2;
	}
	if (url.data)
		explicit_bzero(url.data, url.len); /* it may hold the token */
	hd_buf_free(&url);
	return r;
}

/* --- JMX -------------------------------------------------------------------------------------------------------- */

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0; /* cut to fit */
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

hd_code
hd_webhdfs_live_nodes(const hd_webhdfs *w, hd_hdfs_node **out, int *n, hd_err *err)
{
	hd_buf body, inner;
	hd_hjson j = { 0 }, k = { 0 };
	char url[512];
	long status;
	CURLcode cr;
	hd_code r;
	int beans, bean, live;
	hd_hdfs_node *v = NULL;
	int cnt = 0;

	*out = NULL;
	*n = 0;
	hd_buf_init(&body, HD_MAX_WEBHDFS_ANSWER);
	hd_buf_init(&inner, 0);
	snprintf(url, sizeof url, "http://%s/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo", w->nn);
	if ((r = get_url(w, url, &body, &status, &cr, err)) != HD_OK)
		goto out;
	if (cr != CURLE_OK) {
		r = connect_error(w, "", cr, err);
		goto out;
	}
	if (status != 200) {
		r = hd_err_set(err, HD_ERR_IO, "%s: the NameNode's JMX answered HTTP %ld", w->label, status);
		goto out;
	}
	if ((r = hd_hjson_parse(body.data, body.len, HD_MAX_WEBHDFS_TOKENS, &j, err)) != HD_OK) {
		hd_err_prefix(err, "%s: JMX NameNodeInfo", w->label);
		goto out;
	}
	beans = hd_hjson_get(&j, 0, "beans");
	bean = hd_hjson_is(&j, beans, HD_HJ_ARRAY) && j.t[beans].count > 0 ? beans + 1 : -1;
	live = hd_hjson_get(&j, bean, "LiveNodes");
	if (!hd_hjson_is(&j, live, HD_HJ_STRING)) {
		r = hd_err_set(err, HD_ERR_IO, "%s: JMX NameNodeInfo has no LiveNodes", w->label);
		goto out;
	}
	{
		size_t len;
		char *s = hd_hjson_strdup(&j, live, &len);
		if (!s) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		inner.data = s;
		inner.len = len;
	}
	if ((r = hd_hjson_parse(inner.data, inner.len, HD_MAX_WEBHDFS_TOKENS, &k, err)) != HD_OK) {
		hd_err_prefix(err, "%s: JMX LiveNodes", w->label);
		goto out;
	}
	if (!hd_hjson_is(&k, 0, HD_HJ_OBJECT)) {
		r = hd_err_set(err, HD_ERR_IO, "%s: JMX LiveNodes is not an object", w->label);
		goto out;
	}
	{
		uint32_t cnt_max = k.t[0].count / 2;
		if (cnt_max > HD_MAX_DATANODES)
			cnt_max = HD_MAX_DATANODES;
		if (!(v = hd_calloc((size_t)cnt_max + 1, sizeof *v))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		uint32_t key = 1;
		for (uint32_t c = 0; c < cnt_max; c++) {
			uint32_t val = k.t[key].next;
			char name[300], xfer[300] = "", info[300] = "";
			int xi = hd_hjson_get(&k, (int)val, "xferaddr"), ii = hd_hjson_get(&k, (int)val, "infoAddr");
			if (hd_hjson_str(&k, (int)key, name, sizeof name) >= 0) {
				if (xi < 0 || hd_hjson_str(&k, xi, xfer, sizeof xfer) < 0)
					copy_str(xfer, sizeof xfer, name);
				if (ii >= 0)
					hd_hjson_str(&k, ii, info, sizeof info);
				hd_hdfs_node *nd = &v[cnt++];
				copy_str(nd->xfer, sizeof nd->xfer, xfer);
				copy_str(nd->info, sizeof nd->info, info);
				{
					/* the host: the key without its :port */
					char *colon = strrchr(name, ':');
					if (colon)
						*colon = '\0';
					copy_str(nd->host, sizeof nd->host, name);
				}
			}
			key = k.t[val].next;
		}
	}
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	hd_hjson_free(&j);
	hd_hjson_free(&k);
	hd_buf_free(&inner);
	hd_buf_free(&body);
	return r;
}

/* --- the stream ------------------------------------------------------------------------------------------------- */

typedef struct wh_stream {
	hd_stream base;
	hd_webhdfs w;         /* our own copy */
	char *path;
	char *name;
	uint64_t pos;         /* file offset of the next body byte to accept */
	uint64_t end;         /* one past the last byte to read */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *cto;
	bool active;          /* a transfer is attached to multi */
	bool done;            /* it finished (result holds how) */
	bool paused;
	CURLcode result;
	long status;          /* HTTP status of the DataNode answer */
	char *buf;            /* HD_WEBHDFS_STREAM_BUF bytes; data in [rpos, wpos) */
	size_t rpos, wpos;
	hd_buf errbody;       /* a non-200 answer's body (capped) */
	char dn[300];         /* the DataNode serving the transfer, "host:port" (HTTP) */
	hd_buf exclude;       /* excludedatanodes so far, "h:p,h:p" */
	int reopens;
	int64_t last_data;    /* issue 11: monotonic ms of the last body byte (or of the transfer's start, or of a
	                       * resume after our own pause): read_timeout counts from here. curl's LOW_SPEED check
	                       * averages over a 5 s window, so alone it gives up T + ~5 s after the last byte. */
} wh_stream;

static size_t
stream_write(char *p, size_t size, size_t n, void *ctx)
{
	wh_stream *s = ctx;
	size_t len = size * n;

	if (s->status == 0)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status != 200) {
		/* an error answer: keep its head for the message */
		if (s->errbody.len < 65536)
			hd_buf_append(&s->errbody, p, len < 65536 - s->errbody.len ? len : 65536 - s->errbody.len);
		return len;
	}
	if (len > s->end - s->pos)
		len = (size_t)(s->end - s->pos); /* more than asked: the excess is dropped (never delivered twice) */
	if (HD_WEBHDFS_STREAM_BUF - s->wpos < len && s->rpos > 0) {
		memmove(s->buf, s->buf + s->rpos, s->wpos - s->rpos);
		s->wpos -= s->rpos;
		s->rpos = 0;
	}
	if (HD_WEBHDFS_STREAM_BUF - s->wpos < len) {
		s->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	memcpy(s->buf + s->wpos, p, len);
	s->wpos += len;
	s->pos += len;
	if (len)
		s->last_data = now_ms();
	return size * n;
}

static void
detach(wh_stream *s)
{
	if (s->easy) {
		if (s->active)
			curl_multi_remove_handle(s->multi, s->easy);
		curl_easy_cleanup(s->easy);
		s->easy = NULL;
	}
	s->active = false;
}

/* Ask the NameNode where to read from pos, and start the transfer from that DataNode. */
static hd_code
start_transfer(wh_stream *s, hd_err *err)
{
	hd_buf q, body;
	hd_hjson j = { 0 };
	char *loc = NULL;
	hd_code r;

	detach(s);
	s->done = s->paused = false;
	s->status = 0;
	s->result = CURLE_OK;
	hd_buf_reset(&s->errbody);
	hd_buf_init(&q, 0);
	hd_buf_init(&body, HD_MAX_WEBHDFS_ANSWER);
	if ((r = hd_buf_printf(&q, "OPEN&noredirect=true&offset=%llu&length=%llu", (unsigned long long)s->pos,
	                       (unsigned long long)(s->end - s->pos))) != HD_OK)
		goto nomem;
	if (s->exclude.len) {
		if ((r = hd_buf_append_str(&q, "&excludedatanodes=")) != HD_OK ||
		    (r = hd_buf_append(&q, s->exclude.data, s->exclude.len)) != HD_OK)
			goto nomem;
	}
	if ((r = hd_buf_cstr(&q)) != HD_OK)
		goto nomem;
	if ((r = hd_webhdfs_get(&s->w, s->path, q.data, &body, err)) != HD_OK)
		goto out;
	if ((r = hd_hjson_parse(body.data, body.len, 64, &j, err)) != HD_OK) {
		hd_err_prefix(err, "%s: OPEN", s->name);
		goto out;
	}
	if (!(loc = hd_hjson_strdup(&j, hd_hjson_get(&j, 0, "Location"), NULL)) ||
	    (strncmp(loc, "http://", 7) != 0 && strncmp(loc, "https://", 8) != 0)) {
		r = hd_err_set(err, HD_ERR_IO, "%s: the NameNode's OPEN answer has no usable Location", s->name);
		goto out;
	}
	{
		/* the DataNode's host:port, for excludedatanodes and messages (never the whole URL: it may hold a token) */
		const char *h = strstr(loc, "://") + 3;
		size_t n = strcspn(h, "/?#");
		snprintf(s->dn, sizeof s->dn, "%.*s", (int)(n < sizeof s->dn ? n : sizeof s->dn - 1), h);
	}
	if (!(s->easy = curl_easy_init())) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory (curl)");
		goto out;
	}
	common_opts(s->easy, &s->w, s->cto);
	curl_easy_setopt(s->easy, CURLOPT_URL, loc);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	if (s->w.max_rate > 0)
		curl_easy_setopt(s->easy, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)s->w.max_rate);
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
		r = hd_err_set(err, HD_ERR_INTERNAL, "%s: curl_multi_add_handle failed", s->name);
		goto out;
	}
	s->active = true;
	s->last_data = now_ms();
	r = HD_OK;
	goto out;
nomem:
	r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
out:
	if (loc) {
		explicit_bzero(loc, strlen(loc));
		free(loc);
	}
	hd_hjson_free(&j);
	hd_buf_free(&body);
	hd_buf_free(&q);
	return r;
}

/* The failed DataNode's data-transfer address for excludedatanodes: its xferaddr from JMX when the NameNode lists
 * it (minicluster DataNodes share one host; excludedatanodes=HOST alone would be ambiguous), else its host. */
static void
add_exclude(wh_stream *s)
{
	hd_hdfs_node *nodes = NULL;
	int n = 0;
	char entry[300];
	hd_err ignore;
	const char *colon = strrchr(s->dn, ':');

	snprintf(entry, sizeof entry, "%.*s", colon ? (int)(colon - s->dn) : (int)strlen(s->dn), s->dn);
	if (hd_webhdfs_live_nodes(&s->w, &nodes, &n, &ignore) == HD_OK) {
		for (int i = 0; i < n; i++) {
			const char *ic = strrchr(nodes[i].info, ':');
			if (strcmp(nodes[i].info, s->dn) == 0 || (ic && colon && strcmp(ic, colon) == 0)) {
				snprintf(entry, sizeof entry, "%s", nodes[i].xfer);
				break;
			}
		}
		free(nodes);
	}
	/* A DataNode already stopped is no longer live: then we only know its HTTP address; its host still helps on a
	 * real cluster (one DataNode per host). */
	if (s->exclude.len && (hd_buf_append(&s->exclude, ",", 1) != HD_OK))
		return;
	hd_buf_append_str(&s->exclude, entry);
}

static ssize_t
stream_read(hd_stream *base, void *out, size_t n, hd_err *err)
{
	wh_stream *s = (wh_stream *)base;

	for (;;) {
		if (s->wpos > s->rpos) {
			size_t k = s->wpos - s->rpos;
			if (k > n)
				k = n;
			memcpy(out, s->buf + s->rpos, k);
			s->rpos += k;
			if (s->rpos == s->wpos)
				s->rpos = s->wpos = 0;
			return (ssize_t)k;
		}
		if (!s->active && s->pos >= s->end)
			return 0;
		if (s->done) {
			hd_code r;
			bool dn_failed = s->result != CURLE_OK || s->status >= 500 || s->status == 0 ||
			                 (s->status == 200 && s->pos < s->end);
			if (s->status == 200 && s->result == CURLE_OK && s->pos >= s->end) {
				detach(s);
				return 0;
			}
			if (!dn_failed) {
				bool retriable;
				remote_error(&s->w, s->path, s->status, &s->errbody, &retriable, err);
				hd_err_prefix(err, "reading from DataNode %s", s->dn);
				detach(s);
				return -1;
			}
			if (s->reopens >= HD_WEBHDFS_REOPENS) {
				if (s->result == CURLE_OPERATION_TIMEDOUT)
					hd_err_set(err, HD_ERR_IO, "%s: read timed out at byte %llu: DataNode %s sent nothing for %d "
					           "seconds (HDCOPY_HDFS_READ_TIMEOUT), and so did the replicas tried before it (%d)",
					           s->name, (unsigned long long)s->pos, s->dn, s->w.read_timeout, s->reopens);
				else
					hd_err_set(err, HD_ERR_IO, "%s: read failed at byte %llu from DataNode %s after %d tries on "
					           "other replicas: %s", s->name, (unsigned long long)s->pos, s->dn, s->reopens,
					           s->result != CURLE_OK ? curl_easy_strerror(s->result) : "short or failed answer");
				detach(s);
				return -1;
			}
			s->reopens++;
			add_exclude(s);
			sleep_ms(100L * s->reopens);
			if ((r = start_transfer(s, err)) != HD_OK)
				return -1;
			continue;
		}
		if (s->paused) {
			s->paused = false;
			s->last_data = now_ms(); /* the wait was ours (a slow reader), not the DataNode's */
			curl_easy_pause(s->easy, CURLPAUSE_CONT); /* may deliver the held chunk right away */
			continue;
		}
		if (s->active && now_ms() - s->last_data >= (int64_t)s->w.read_timeout * 1000) {
			/* a stalled DataNode: failed like one that reset the connection (another replica is tried) */
			s->done = true;
			s->result = CURLE_OPERATION_TIMEDOUT;
			continue;
		}
		{
			int running = 0, left;
			CURLMsg *m;
			if (s->w.ccache[0])
				hd_krb5_use(s->w.ccache); /* a Kerberos role's ticket, on this thread (krb5_login.c) */
			if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
				hd_err_set(err, HD_ERR_INTERNAL, "%s: curl_multi_perform failed", s->name);
				return -1;
			}
			while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
				if (m->msg == CURLMSG_DONE && m->easy_handle == s->easy) {
					s->done = true;
					s->result = m->data.result;
					if (s->status == 0)
						curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
				}
			}
			if (!s->done && s->wpos == s->rpos && !s->paused)
				curl_multi_poll(s->multi, NULL, 0, 250, NULL);
		}
	}
}

static void
stream_close(hd_stream *base)
{
	wh_stream *s = (wh_stream *)base;
	detach(s);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->cto);
	hd_webhdfs_free(&s->w);
	hd_buf_free(&s->errbody);
	hd_buf_free(&s->exclude);
	free(s->buf);
	free(s->path);
	free(s->name);
	free(s);
}

static const hd_stream_ops wh_stream_ops = { "webhdfs", stream_read, stream_close };

static char *
dup_or_null(const char *s)
{
	return s ? hd_strdup(s) : NULL;
}

hd_code
hd_webhdfs_open(const hd_webhdfs *w, const char *path, uint64_t offset, uint64_t end, const char *name,
                hd_stream **out, hd_err *err)
{
	wh_stream *s = hd_calloc(1, sizeof *s);
	hd_code r;

	*out = NULL;
	if (!s)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	s->base.ops = &wh_stream_ops;
	hd_buf_init(&s->errbody, 65536);
	hd_buf_init(&s->exclude, 64u << 10);
	s->w.nn = dup_or_null(w->nn);
	s->w.label = dup_or_null(w->label);
	s->w.user = dup_or_null(w->user);
	s->w.token = dup_or_null(w->token);
	s->w.negotiate = w->negotiate;
	memcpy(s->w.ccache, w->ccache, sizeof s->w.ccache);
	s->w.hostmap = dup_or_null(w->hostmap);
	s->w.max_rate = w->max_rate;
	s->w.read_timeout = w->read_timeout > 0 ? w->read_timeout : WH_STALL_SECONDS;
	s->path = hd_strdup(path);
	s->name = hd_strdup(name);
	s->buf = hd_malloc(HD_WEBHDFS_STREAM_BUF);
	s->multi = curl_multi_init();
	s->base.name = s->name;
	if (!s->w.nn || !s->w.label || (w->user && !s->w.user) || (w->token && !s->w.token) ||
	    (w->hostmap && !s->w.hostmap) || !s->path || !s->name || !s->buf || !s->multi) {
		stream_close(&s->base);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	s->cto = connect_to(&s->w);
	s->pos = offset;
	s->end = end;
	if (s->pos < s->end && (r = start_transfer(s, err)) != HD_OK) {
		stream_close(&s->base);
		return r;
	}
	*out = &s->base;
	return HD_OK;
}
