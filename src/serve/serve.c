/*
 * serve.c — `hdcopy serve`: the event loop, one relay per client session, and the interception of Redshift COPYs.
 *
 * One libevent loop (docs/serve.md says why libevent) runs every session. A session is two bufferevents, the client's
 * socket and a socket to the upstream PostgreSQL server opened when the client's StartupMessage arrives; messages
 * go both ways unchanged: startup, authentication (trust, md5, SCRAM: hdcopy only carries the messages), simple and
 * extended query, COPY FROM STDIN/TO STDOUT, notices, Terminate. An SSLRequest is answered 'S' and the client's
 * side becomes TLS (tls.c) when --tls-cert is given, else 'N'; GSSENCRequest is answered 'N'.
 * A CancelRequest is relayed to the upstream unchanged (clients hold the upstream's own BackendKeyData).
 *
 * Framing, bounded: a message is relayed as it streams (header, then `pass` body bytes moved buffer to buffer) and
 * read whole only when serve must look at it — a client Query (≤ HD_PGP_QUERY_MAX, else relayed unread), and from
 * the upstream ReadyForQuery, CommandComplete, BackendKeyData and the replies to serve's own queries
 * (≤ HD_PGP_INSPECT_MAX, else the session is closed). Whole messages that need only their header read are moved in
 * runs (relay_run()) — or, when neither end of that direction has anything buffered, straight from
 * one recv() to one send() (direct_relay()). A side whose peer's output passes HIGH_WATER stops being read until that
 * output drains, so memory per session stays bounded whatever the clients send.
 *
 * Interception of a Query that classify.c calls a Redshift COPY (the rest of this note is the state machine):
 *   client idle (no reply in flight), status 'I' or 'T':
 *     IC_WHOAMI  serve sends `SELECT current_user, current_database()` on the client's upstream session (its
 *                replies are consumed, not relayed)                               → the load's role and database
 *     IC_LOAD    a job thread runs the COPY through the public API as the loader identity with role=<current_user>;
 *                in 'T' with prepare_only (the slices end prepared)
 *     IC_DECIDE  ('T' only) serve sends the decision INSERT on the client's session, inside its transaction
 *     reply      NoticeResponse (INFO lines), CommandComplete "COPY n", ReadyForQuery(status)
 *   a failure in 'I' is answered with ErrorResponse + ReadyForQuery 'I'; in 'T' serve first makes the upstream
 *   transaction fail (IC_FAILTXN: a query that raises) so that the client and the server agree on status 'E'.
 *   status 'E': the Query is relayed, and the upstream answers 25P02 as for any statement.
 * Transaction end: while loads are pending, every ReadyForQuery that says the transaction ended ('I', or a COMMIT
 * tag went by: COMMIT AND CHAIN) is held back; a job settles the loads by their decision row (the recovery
 * rule) and then the ReadyForQuery goes on — so after COMMIT returns, the rows are visible.
 *
 * Extended protocol (Parse/Bind/Describe/Execute/Close/Sync): a Parse whose query classify.c calls ours makes a
 * statement of serve's own (xs[]), answered ParseComplete; a Bind of it makes a portal of serve's own (xp[]);
 * Describe/Close of those are answered by serve; Execute of such a portal runs the interception above with ext
 * set (no ReadyForQuery after it; an error makes serve discard messages until Sync, as PostgreSQL does); a Sync
 * of a segment that sent nothing upstream is answered by serve. Everything else is relayed byte for byte.
 * Order: serve answers a message only when the upstream is quiescent — no Query/Sync/FunctionCall without its
 * ReadyForQuery (inflight), and every relayed extended message of the open segment answered (xsent == xdone,
 * counted from the replies' types: ParseComplete, BindComplete, CloseComplete, NoData, RowDescription,
 * CommandComplete, EmptyQueryResponse, PortalSuspended; at a ReadyForQuery that leaves nothing in flight xdone
 * jumps to xmark, what was sent before the last Sync). serve sends a Flush upstream to get those replies, and
 * holds the client's input until then, so replies reach the client in the order of its messages. An upstream
 * ErrorResponse after the last ReadyForQuery (xfailed) means the upstream skips to Sync: serve's own messages of
 * that segment are skipped too.
 *
 * Threads: only the loop thread touches a session; a job gets its inputs, runs, and wakes the loop through the
 * session's done_ev (event_active is thread-safe with evthread_use_pthreads). A session whose client leaves while a
 * job runs is freed when the job comes back.
 */
#include "serve/serve_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include "common/sys.h"

#define HIGH_WATER (1u << 20) /* a peer's output above this stops reading this side */
#define READ_CHUNK 65536      /* what one read of a plain socket asks for */
#define SEND_FLAT 16384       /* output up to this is made contiguous and sent with one send() */
#define DEFAULT_MAX_CLIENTS 1000

typedef struct server {
	const hd_serve_config *cfg;
	struct event_base *base;
	struct evconnlistener *lis;
	struct sockaddr_storage up_addr;
	int up_len;
	PQconninfoOption *loader;  /* parsed --loader (or --upstream) */
	hd_tls *tls;               /* --tls-cert/--tls-key loaded; NULL = SSLRequest answered 'N' */
	int nclients, next_id;
	struct conn *conns;        /* every session (issue 10: a CancelRequest finds its session by key) */
	uint8_t *scratch;          /* READ_CHUNK bytes: what direct_relay() receives (free again when it returns) */
} server;

typedef enum phase { PH_STARTUP = 0, PH_RELAY, PH_CLOSING } phase;
typedef enum icstep { IC_NONE = 0, IC_WHOAMI, IC_LOAD, IC_DECIDE, IC_DECIDE_FAILED, IC_FAILTXN, IC_SETTLE } icstep;

#define HD_XNAME_MAX 64   /* statement and portal names serve keeps (PostgreSQL's NAMEDATALEN); longer: relayed */
#define HD_XSTMTS_MAX 16  /* Redshift COPY statements (and portals) prepared at once in one session */

typedef struct xstmt {     /* a statement or portal of serve's own */
	char name[HD_XNAME_MAX];
	char *sql;              /* the statement (NUL-terminated, len bytes) */
	size_t len;
	bool done;              /* portal: executed once; a second Execute answers tag again */
	char tag[64];
} xstmt;

typedef struct conn {
	server *sv;
	int id;
	struct bufferevent *cli, *up;
	struct event *cli_rd, *up_rd; /* serve's own reading of a plain socket (see sock_read); NULL: libevent reads */
	struct event *done_ev;      /* a job came back (made active by the job's thread) */
	struct event *kick_ev;      /* process buffered input / finish closing, from the top of the loop */
	phase ph;
	uint32_t cli_pass, up_pass; /* body bytes of the current message still to relay as they come */
	char txn;                   /* the upstream's last ReadyForQuery status; 0 before the first */
	int inflight;               /* Query/Sync/FunctionCall relayed whose ReadyForQuery has not come back */
	bool wait_idle;             /* a Redshift COPY waits in the input until inflight is 0 */
	bool hold_cli, hold_up;     /* input not processed (and not read) while set */
	bool cli_throttled, up_throttled;
	bool up_heard;              /* the upstream has sent something (else a failure is a failed connect) */
	hd_pgp_startup su;
	uint32_t be_pid, be_key;    /* the upstream's BackendKeyData, which the client holds */
	struct conn *next_c, *prev_c; /* in sv->conns */
	/* the intercepted COPY */
	icstep step;
	char *stmt;
	size_t stmt_len;
	bool iq;                    /* serve's own query is on the upstream: its replies are ours */
	char iq_val[2][HD_PGP_NAME_MAX];
	int iq_rows;
	bool iq_err;
	char iq_tag[64];
	char iq_msg[256];
	hd_job *job;                /* running; owned by the job thread until done_ev fires */
	hd_job *done;               /* handed back by the job thread */
	hd_session *deciding;       /* IC_DECIDE: the load whose decision is being written */
	hd_pgp_buf reply;           /* notices + CommandComplete waiting for the decision */
	hd_err fail;                /* IC_FAILTXN / IC_DECIDE_FAILED: the error to report */
	/* loads prepared in the client's open transaction */
	hd_session *pending[HD_SERVE_MAX_PENDING];
	int npending;
	bool saw_end;               /* a COMMIT tag since the last ReadyForQuery (end_tag) */
	char held_ready;            /* IC_SETTLE: the ReadyForQuery status held back */
	bool closing;
	/* TLS and the extended protocol (issue 10) */
	bool tls;                   /* the client's side runs through TLS */
	bool ext;                   /* the running interception answers an Execute (xp[xrun]) */
	int xrun;
	xstmt xs[HD_XSTMTS_MAX], xp[HD_XSTMTS_MAX];
	int nxs, nxp;
	uint64_t xsent, xdone;      /* extended messages relayed / answered (or skipped) by the upstream */
	uint64_t xmark;             /* xsent when the last Sync/Query/FunctionCall was relayed */
	bool xfailed;               /* the upstream sent ErrorResponse since its last ReadyForQuery */
	bool seg_relayed, seg_local;/* the open Sync segment sent something upstream / was answered by serve */
	bool xskip;                 /* after an error serve answered: discard client messages until Sync */
	bool xflushed;              /* a Flush went upstream for the current wait */
	uint32_t cli_drop;          /* body bytes of a discarded message still to drop */
	char fail_state[6];         /* SQLSTATE for c->fail when not hd_pgp_sqlstate(c->fail.code) */
} conn;

static void process_client(conn *c);
static void process_upstream(conn *c);
static void conn_close(conn *c);
static void on_read(struct bufferevent *b, void *arg);

/* Work that must not run nested inside a callback that may still use c (processing input, freeing c) goes through
 * kick_ev: it runs from the top of the loop. */
static void
kick(conn *c)
{
	event_active(c->kick_ev, EV_READ, 0);
}

/* ---- logging ----------------------------------------------------------------------------------------------------- */

static void logf_(const server *sv, bool verbose_only, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
logf_(const server *sv, bool verbose_only, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!sv->cfg->log || (verbose_only && !sv->cfg->verbose))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sv->cfg->log(sv->cfg->log_ctx, line);
}

/* ---- plumbing ---------------------------------------------------------------------------------------------------- */

/* Start or stop reading side b: serve's own read event for a plain socket, the bufferevent's otherwise. */
static void
reading(conn *c, struct bufferevent *b, bool on)
{
	struct event *ev;
	if (!b)
		return;
	ev = b == c->cli ? c->cli_rd : b == c->up ? c->up_rd : NULL;
	if (ev)
		(void)(on ? event_add(ev, NULL) : event_del(ev));
	else if (on)
		bufferevent_enable(b, EV_READ);
	else
		bufferevent_disable(b, EV_READ);
}

/* Small messages go out at once, as libpq and the server send them: Nagle's algorithm would hold a reply back while
 * an earlier segment waits for its ACK (pgbouncer sets the same). A unix socket refuses it; nothing to do then. */
static void
no_delay(evutil_socket_t fd)
{
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
drop_reader(struct event **ev)
{
	if (*ev) {
		event_free(*ev);
		*ev = NULL;
	}
}

static void
hold(conn *c, bool client, bool on)
{
	struct bufferevent *b = client ? c->cli : c->up;
	*(client ? &c->hold_cli : &c->hold_up) = on;
	if (!b)
		return;
	if (on)
		reading(c, b, false);
	else if (!(client ? c->cli_throttled : c->up_throttled))
		reading(c, b, true);
}

/* After writing to dst: stop reading src while dst's output is above HIGH_WATER (dst's write callback resumes). */
static void
throttle(conn *c, bool src_is_client)
{
	struct bufferevent *dst = src_is_client ? c->up : c->cli, *src = src_is_client ? c->cli : c->up;
	if (dst && src && evbuffer_get_length(bufferevent_get_output(dst)) > HIGH_WATER) {
		*(src_is_client ? &c->cli_throttled : &c->up_throttled) = true;
		reading(c, src, false);
	}
}

/* The body of a message relayed as it streams: move what has come of its *pass remaining bytes from in to out (then
 * throttle the side it came from). False when none of it has come yet. */
static bool
pass_on(conn *c, struct evbuffer *in, struct evbuffer *out, uint32_t *pass, bool from_client)
{
	size_t avail = evbuffer_get_length(in), n = avail < *pass ? avail : *pass;
	if (!n)
		return false;
	evbuffer_remove_buffer(in, out, n);
	*pass -= (uint32_t)n;
	throttle(c, from_client);
	return true;
}

static void
send_buf(conn *c, struct bufferevent *b, const hd_pgp_buf *m)
{
	(void)c;
	if (b && m->len)
		bufferevent_write(b, m->data, m->len);
}

/* One error (and the ReadyForQuery after it) to the client. */
static void
client_error(conn *c, const char *severity, const char *sqlstate, const char *msg, char ready)
{
	hd_pgp_buf m = { 0 };
	(void)hd_pgp_put_notice(&m, 'E', severity, sqlstate, msg, NULL);
	if (ready)
		(void)hd_pgp_put_ready(&m, ready);
	send_buf(c, c->cli, &m);
	hd_pgp_buf_free(&m);
}

static void
internal_query(conn *c, const char *sql)
{
	hd_pgp_buf m = { 0 };
	c->iq = true;
	c->iq_rows = 0;
	c->iq_err = false;
	c->iq_tag[0] = c->iq_msg[0] = 0;
	c->iq_val[0][0] = c->iq_val[1][0] = 0;
	if (hd_pgp_put_query(&m, sql) != HD_OK) {
		hd_pgp_buf_free(&m);
		conn_close(c);
		return;
	}
	send_buf(c, c->up, &m);
	hd_pgp_buf_free(&m);
}

/* ---- upstream address and the loads' conninfo -------------------------------------------------------------------- */

static const char *
opt_val(const PQconninfoOption *o, const char *kw)
{
	for (; o && o->keyword; o++)
		if (strcmp(o->keyword, kw) == 0 && o->val && o->val[0])
			return o->val;
	return NULL;
}

static hd_code
resolve_upstream(server *sv, const char *uri, hd_err *err)
{
	char *perr = NULL;
	PQconninfoOption *o = PQconninfoParse(uri, &perr);
	const char *host, *port;
	char hostbuf[256];
	hd_code r = HD_OK;

	if (!o) {
		r = hd_err_set_pub(err, HD_ERR_USAGE, "--upstream: %.*s", perr ? (int)strcspn(perr, "\n") : 13,
		                   perr ? perr : "out of memory");
		PQfreemem(perr);
		return r;
	}
	host = opt_val(o, "hostaddr");
	if (!host)
		host = opt_val(o, "host");
	if (!host)
		host = getenv("PGHOST");
	if (!host)
		host = "/var/run/postgresql";
	port = opt_val(o, "port");
	if (!port)
		port = getenv("PGPORT");
	if (!port)
		port = "5432";
	/* A list of hosts: the first one (failover comes later). */
	snprintf(hostbuf, sizeof hostbuf, "%.*s", (int)strcspn(host, ","), host);
	if (hostbuf[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)&sv->up_addr;
		un->sun_family = AF_UNIX;
		if (snprintf(un->sun_path, sizeof un->sun_path, "%s/.s.PGSQL.%.*s", hostbuf, (int)strcspn(port, ","),
		             port) >= (int)sizeof un->sun_path)
			r = hd_err_set_pub(err, HD_ERR_USAGE, "--upstream: socket path too long");
		sv->up_len = (int)sizeof *un;
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
		char portbuf[16];
		int g;
		snprintf(portbuf, sizeof portbuf, "%.*s", (int)strcspn(port, ","), port);
		if ((g = getaddrinfo(hostbuf, portbuf, &hints, &ai)) != 0 || !ai) {
			r = hd_err_set_pub(err, HD_ERR_TARGET, "--upstream: could not resolve %s: %s", hostbuf, gai_strerror(g));
		} else {
			memcpy(&sv->up_addr, ai->ai_addr, ai->ai_addrlen);
			sv->up_len = (int)ai->ai_addrlen;
		}
		if (ai)
			freeaddrinfo(ai);
	}
	PQconninfoFree(o);
	return r;
}

/* Append 'v' to a keyword conninfo, quoted: backslash before ' and \. */
static bool
kw_append(char **s, size_t *n, size_t *cap, const char *kw, const char *v)
{
	size_t need = strlen(kw) + 2 * strlen(v) + 8;
	if (*n + need >= *cap) {
		size_t nc = (*cap + need) * 2;
		char *ns = hd_realloc(*s, nc);
		if (!ns)
			return false;
		*s = ns;
		*cap = nc;
	}
	*n += (size_t)sprintf(*s + *n, "%s%s='", *n ? " " : "", kw);
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			(*s)[(*n)++] = '\\';
		(*s)[(*n)++] = *v;
	}
	(*s)[(*n)++] = '\'';
	(*s)[*n] = 0;
	return true;
}

/*
 * The conninfo a load connects with: every setting of --loader (identity, password, host, …) except dbname and
 * options, then dbname = the client's database and options = the loader's plus "-c role=<the client's current
 * user>", so every connection of the load (each slice's, the error rows') runs with that user's privileges. The
 * role value is escaped for the options syntax (backslash before white space and backslash).
 */
static char *
load_target(const server *sv, const char *db, const char *role)
{
	char *s = NULL, opts[2 * HD_PGP_NAME_MAX + 1024];
	size_t n = 0, cap = 0, k;
	const char *base_opts = opt_val(sv->loader, "options");

	for (const PQconninfoOption *o = sv->loader; o && o->keyword; o++) {
		if (!o->val || !o->val[0] || strcmp(o->keyword, "dbname") == 0 || strcmp(o->keyword, "options") == 0)
			continue;
		if (!kw_append(&s, &n, &cap, o->keyword, o->val))
			goto fail;
	}
	k = (size_t)snprintf(opts, sizeof opts, "%s%s-c role=", base_opts ? base_opts : "", base_opts ? " " : "");
	if (k >= sizeof opts)
		goto fail;
	for (const char *p = role; *p && k + 3 < sizeof opts; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
			opts[k++] = '\\';
		opts[k++] = *p;
	}
	opts[k] = 0;
	if (!kw_append(&s, &n, &cap, "dbname", db) || !kw_append(&s, &n, &cap, "options", opts))
		goto fail;
	return s;
fail:
	free(s);
	return NULL;
}

/* ---- jobs -------------------------------------------------------------------------------------------------------- */

static void
job_done_cb(hd_job *job, void *arg)
{
	conn *c = arg;
	c->done = job;             /* read by the loop thread after the event fires */
	event_active(c->done_ev, EV_READ, 0);
}

static bool
start_job(conn *c, hd_job *job)
{
	job->done = job_done_cb;
	job->arg = c;
	c->job = job;
	if (hd_job_start(job) != HD_OK) {
		c->job = NULL;
		hd_job_free(job);
		return false;
	}
	return true;
}

/* ---- interception ------------------------------------------------------------------------------------------------ */

/* The ReadyForQuery status to end a reply with: none after an Execute (the client's Sync gets it). */
static char
reply_ready(const conn *c)
{
	return c->ext ? 0 : c->txn ? c->txn : 'I';
}

/* An error answered to an Execute: PostgreSQL then discards the client's messages until Sync, and so does serve. */
static void
client_failure(conn *c, const hd_err *e)
{
	client_error(c, "ERROR", c->fail_state[0] ? c->fail_state : hd_pgp_sqlstate(e->code), e->msg, reply_ready(c));
	if (c->ext)
		c->xskip = true;
}

static void
finish_intercept(conn *c)
{
	c->step = IC_NONE;
	c->ext = false;
	c->fail_state[0] = 0;
	free(c->stmt);
	c->stmt = NULL;
	hd_pgp_buf_free(&c->reply);
	hold(c, true, false);
	hold(c, false, false);
	kick(c);
}

/* Make the upstream transaction fail (status 'E'), then tell the client c->fail. */
static void
fail_in_transaction(conn *c)
{
	c->step = IC_FAILTXN;
	internal_query(c, "DO $hdcopy$BEGIN RAISE EXCEPTION 'hdcopy: a Redshift COPY failed in this transaction'"
	                  " USING ERRCODE = 'XX000'; END$hdcopy$");
}

static void
fail_copy(conn *c, const hd_err *e)
{
	logf_(c->sv, true, "session %d: COPY failed: %s", c->id, e->msg);
	c->fail = *e;
	if (c->txn == 'T') {
		fail_in_transaction(c);
		return;
	}
	send_buf(c, c->cli, &c->reply);
	client_failure(c, e);
	finish_intercept(c);
}

/* stmt (NUL-terminated, len bytes) becomes the session's. */
static void
start_intercept(conn *c, hd_sv_verdict v, char *stmt, size_t len, const hd_err *why)
{
	hold(c, true, true);
	c->stmt = stmt;
	c->stmt_len = len;
	if (v == HD_SV_ERROR) {
		fail_copy(c, why);
		return;
	}
	if (c->txn == 'T' && hd_serve_is_assumerole(stmt, len)) {
		/* The grant is written by the loader's session, which cannot join the client's transaction. */
		hd_err e = { HD_ERR_UNSUPPORTED, "GRANT/REVOKE ASSUMEROLE cannot run inside a transaction block" };
		snprintf(c->fail_state, sizeof c->fail_state, "25001"); /* active_sql_transaction */
		fail_copy(c, &e);
		return;
	}
	if (c->txn == 'T' && c->npending >= HD_SERVE_MAX_PENDING) {
		hd_err e = { HD_ERR_LIMIT, "too many Redshift COPYs in one transaction block" };
		fail_copy(c, &e);
		return;
	}
	c->step = IC_WHOAMI;
	internal_query(c, "SELECT pg_catalog.current_user(), pg_catalog.current_database()");
}

/* The reply to serve's own query has ended (its ReadyForQuery came; c->txn is up to date). */
static void
iq_done(conn *c)
{
	switch (c->step) {
	case IC_WHOAMI: {
		hd_job *job;
		if (c->iq_err || c->iq_rows != 1) {
			hd_err e = { HD_ERR_TARGET, "" };
			snprintf(e.msg, sizeof e.msg, "could not read the session's user: %s", c->iq_msg);
			fail_copy(c, &e);
			return;
		}
		if (!(job = hd_job_new(HD_JOB_LOAD)) || !(job->target = load_target(c->sv, c->iq_val[1], c->iq_val[0]))) {
			hd_err e = { HD_ERR_NOMEM, "out of memory" };
			hd_job_free(job);
			fail_copy(c, &e);
			return;
		}
		job->sql = c->stmt;
		job->len = c->stmt_len;
		c->stmt = NULL;
		job->prepare_only = c->txn == 'T';
		job->slices = c->sv->cfg->slices;
		logf_(c->sv, true, "session %d: COPY as %s in %s%s", c->id, c->iq_val[0], c->iq_val[1],
		      job->prepare_only ? " (in a transaction block: prepared, decided by its COMMIT)" : "");
		c->step = IC_LOAD;
		if (!start_job(c, job)) {
			hd_err e = { HD_ERR_NOMEM, "could not start a thread" };
			fail_copy(c, &e);
		}
		return;
	}
	case IC_DECIDE:
		if (!c->iq_err && strcmp(c->iq_tag, "INSERT 0 1") == 0) {
			c->pending[c->npending++] = c->deciding;
			c->deciding = NULL;
			if (reply_ready(c))
				(void)hd_pgp_put_ready(&c->reply, c->txn);
			send_buf(c, c->cli, &c->reply);
			finish_intercept(c);
			return;
		}
		/* No decision: the load must go. Settle it (no row → rolled back), then report. */
		c->fail.code = HD_ERR_TARGET;
		snprintf(c->fail.msg, sizeof c->fail.msg, "could not record the COPY's commit decision: %s", c->iq_msg);
		{
			hd_job *job = hd_job_new(HD_JOB_SETTLE);
			if (job) {
				job->sessions[job->nsessions++] = c->deciding;
				c->deciding = NULL;
				c->step = IC_DECIDE_FAILED;
				if (start_job(c, job))
					return;
			}
			hd_session_close(c->deciding); /* recovery rolls it back: no decision row */
			c->deciding = NULL;
			client_failure(c, &c->fail);
			finish_intercept(c);
		}
		return;
	case IC_FAILTXN:
		send_buf(c, c->cli, &c->reply);
		client_failure(c, &c->fail);
		finish_intercept(c);
		return;
	default:
		return;
	}
}

static void
job_done(conn *c)
{
	hd_job *job = c->done;

	c->done = NULL;
	c->job = NULL;
	if (c->closing) {
		if (job && job->session && c->npending < HD_SERVE_MAX_PENDING) {
			c->pending[c->npending++] = job->session; /* prepared, decision maybe on its way: settle safely */
			job->session = NULL;
		}
		hd_job_free(job);
		kick(c);
		return;
	}
	switch (c->step) {
	case IC_LOAD:
		pthread_mutex_lock(&job->mu);
		c->reply = job->notices;
		memset(&job->notices, 0, sizeof job->notices);
		pthread_mutex_unlock(&job->mu);
		if (job->rc != HD_OK) {
			hd_err e = job->err;
			hd_job_free(job);
			fail_copy(c, &e);
			return;
		}
		logf_(c->sv, true, "session %d: %s (%s)", c->id, job->res.tag, job->res.commit_method);
		(void)hd_pgp_put_complete(&c->reply, job->res.tag);
		if (c->ext && c->xrun >= 0 && c->xrun < c->nxp) {
			c->xp[c->xrun].done = true;
			snprintf(c->xp[c->xrun].tag, sizeof c->xp[c->xrun].tag, "%s", job->res.tag);
		}
		if (job->session) {
			c->deciding = job->session;
			job->session = NULL;
			c->step = IC_DECIDE;
			internal_query(c, job->decision_sql);
			hd_job_free(job);
			return;
		}
		hd_job_free(job);
		if (reply_ready(c))
			(void)hd_pgp_put_ready(&c->reply, reply_ready(c));
		send_buf(c, c->cli, &c->reply);
		finish_intercept(c);
		return;
	case IC_DECIDE_FAILED:
		hd_job_free(job);
		client_failure(c, &c->fail);
		finish_intercept(c);
		return;
	case IC_SETTLE: {
		hd_pgp_buf m = { 0 };
		logf_(c->sv, true, "session %d: transaction ended: %d load(s) committed, %d rolled back", c->id,
		      job->committed, job->rolled_back);
		if (job->rc != HD_OK)
			(void)hd_pgp_put_notice(&m, 'N', "WARNING", "01000", job->err.msg, NULL);
		(void)hd_pgp_put_ready(&m, c->held_ready);
		send_buf(c, c->cli, &m);
		hd_pgp_buf_free(&m);
		hd_job_free(job);
		c->held_ready = 0;
		c->inflight = c->inflight > 0 ? c->inflight - 1 : 0;
		finish_intercept(c);
		return;
	}
	default:
		hd_job_free(job);
		return;
	}
}

static void pump(conn *c);

static void
on_job_done(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	(void)fd;
	(void)what;
	job_done(c);
	if (!c->closing)
		pump(c);
}

/* ---- client side ------------------------------------------------------------------------------------------------- */

static void on_write(struct bufferevent *b, void *arg);
static void on_event(struct bufferevent *b, short what, void *arg);

static void
cancel_written(struct bufferevent *b, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(b)) == 0)
		bufferevent_free(b);
}

static void
cancel_event(struct bufferevent *b, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		bufferevent_free(b);
}

/* A CancelRequest goes to the upstream unchanged on a connection of its own (the key is the upstream's) — unless
 * the session it names is running an intercepted COPY (issue 10): then the load's job is cancelled instead (the
 * upstream backend is idle meanwhile; the client gets 57014 from the job's outcome). */
static void
relay_cancel(conn *c, const uint8_t pkt[16])
{
	uint32_t pid = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
	uint32_t key = (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
	struct bufferevent *b;

	for (conn *t = c->sv->conns; t; t = t->next_c)
		if (t != c && t->be_pid == pid && t->be_key == key && t->be_pid && t->job && t->job->kind == HD_JOB_LOAD) {
			logf_(c->sv, true, "session %d: cancel request: stopping its COPY", t->id);
			hd_job_cancel(t->job);
			return;
		}
	b = bufferevent_socket_new(c->sv->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!b)
		return;
	bufferevent_setcb(b, NULL, cancel_written, cancel_event, NULL);
	bufferevent_write(b, pkt, 16);
	if (bufferevent_socket_connect(b, (struct sockaddr *)&c->sv->up_addr, c->sv->up_len) < 0)
		bufferevent_free(b);
}

static bool
connect_upstream(conn *c)
{
	c->up = bufferevent_socket_new(c->sv->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c->up)
		return false;
	bufferevent_setcb(c->up, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->up, EV_WRITE, HIGH_WATER / 4, 0);
	bufferevent_enable(c->up, EV_READ);
	return bufferevent_socket_connect(c->up, (struct sockaddr *)&c->sv->up_addr, c->sv->up_len) == 0;
}

/* SSLRequest with a certificate configured: 'S', then the client's bufferevent becomes a TLS filter over the socket's
 * (the handshake runs inside it; the StartupMessage comes through TLS). */
static void
start_tls(conn *c)
{
	struct bufferevent *under = c->cli, *b;

	if (evbuffer_get_length(bufferevent_get_input(under)) > 0) {
		/* Bytes after the SSLRequest before the answer would be read as if they came through TLS
		 * (PostgreSQL's CVE-2021-23214): refused. */
		client_error(c, "FATAL", "08P01", "received unencrypted data after SSL request", 0);
		c->ph = PH_CLOSING;
		return;
	}
	drop_reader(&c->cli_rd); /* under TLS, libevent reads and writes (sock_read and pump() leave TLS sides alone) */
	bufferevent_enable(under, EV_READ | EV_WRITE);
	bufferevent_write(under, "S", 1);
	if (!(b = hd_tls_wrap(c->sv->tls, c->sv->base, under))) {
		c->cli = NULL; /* libevent has released it (see hd_tls_wrap) */
		conn_close(c);
		return;
	}
	c->cli = b;
	c->tls = true;
	bufferevent_setcb(b, on_read, on_write, on_event, c);
	bufferevent_setwatermark(b, EV_WRITE, HIGH_WATER / 4, 0);
	bufferevent_enable(b, EV_READ | EV_WRITE);
}

/* The startup phase: encryption requests, cancel requests, the StartupMessage. */
static void
client_startup(conn *c, struct evbuffer *in)
{
	while (c->ph == PH_STARTUP) {
		uint8_t hdr[8], *pkt;
		uint32_t len, code;
		hd_err e;

		if (evbuffer_copyout(in, hdr, 8) < 8)
			return;
		if (hd_pgp_startup_header(hdr, 8, &len, &code, &e) != HD_OK) {
			client_error(c, "FATAL", "08P01", e.msg, 0);
			c->ph = PH_CLOSING;
			return;
		}
		if (evbuffer_get_length(in) < len)
			return;
		if (!(pkt = evbuffer_pullup(in, len)))
			return;
		if (code == HD_PGP_SSLREQ || code == HD_PGP_GSSREQ) {
			evbuffer_drain(in, len);
			if (code == HD_PGP_SSLREQ && c->sv->tls && !c->tls) {
				start_tls(c);
				return;
			}
			bufferevent_write(c->cli, "N", 1); /* no encryption: clients fall back to plain (or give up) */
			continue;
		}
		if (code == HD_PGP_CANCEL) {
			relay_cancel(c, pkt);
			evbuffer_drain(in, len);
			c->ph = PH_CLOSING;
			return;
		}
		if (code >> 16 != 3) {
			client_error(c, "FATAL", "0A000", "unsupported frontend protocol: hdcopy serve speaks version 3", 0);
			c->ph = PH_CLOSING;
			return;
		}
		if (hd_pgp_startup_params(pkt + 8, len - 8, &c->su, &e) != HD_OK) {
			client_error(c, "FATAL", "08P01", e.msg, 0);
			c->ph = PH_CLOSING;
			return;
		}
		logf_(c->sv, true, "session %d: user %s, database %s", c->id, c->su.user,
		      c->su.database[0] ? c->su.database : c->su.user);
		if (!connect_upstream(c)) {
			client_error(c, "FATAL", "08006", "hdcopy serve could not connect to the upstream server", 0);
			c->ph = PH_CLOSING;
			return;
		}
		bufferevent_write(c->up, pkt, len); /* sent once connected: the startup packet, unchanged */
		evbuffer_drain(in, len);
		c->ph = PH_RELAY;
	}
}

/* ---- extended protocol ------------------------------------------------------------------------------------------- */

/* Nothing is on its way from the upstream that must reach the client before an answer of serve's own: no request
 * without its ReadyForQuery, every relayed extended message of the open segment answered (or the segment failed,
 * so the upstream skips the rest until Sync), serve's own query done, and no message half relayed. */
static bool
quiescent(const conn *c)
{
	return c->inflight == 0 && !c->iq && c->up_pass == 0 && (c->xsent == c->xdone || c->xfailed);
}

/* Wait for quiescence (process_upstream kicks), after asking the upstream for the replies it holds back. */
static void
wait_upstream(conn *c)
{
	c->wait_idle = true;
	if (c->inflight == 0 && !c->iq && !c->xflushed && c->xsent != c->xdone && c->up) {
		hd_pgp_buf m = { 0 };
		if (hd_pgp_put_empty(&m, 'H') == HD_OK)
			send_buf(c, c->up, &m);
		hd_pgp_buf_free(&m);
		c->xflushed = true;
	}
}

static xstmt *
x_find(xstmt *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static void
x_drop(xstmt *v, int *n, const char *name)
{
	xstmt *x = x_find(v, *n, name);
	if (!x)
		return;
	free(x->sql);
	*x = v[--*n];
}

static void
x_clear(xstmt *v, int *n)
{
	for (int i = 0; i < *n; i++)
		free(v[i].sql);
	*n = 0;
}

/* A new entry (the unnamed one replaces its predecessor); NULL when the table is full or memory is out. */
static xstmt *
x_add(xstmt *v, int *n, const char *name, const char *sql, size_t len)
{
	xstmt *x;
	char *copy;

	if (!name[0])
		x_drop(v, n, "");
	if (*n >= HD_XSTMTS_MAX || !(copy = hd_malloc(len + 1)))
		return NULL;
	memcpy(copy, sql, len);
	copy[len] = 0;
	x = &v[(*n)++];
	memset(x, 0, sizeof *x);
	snprintf(x->name, sizeof x->name, "%s", name);
	x->sql = copy;
	x->len = len;
	return x;
}

/* serve's own answer to a message: ParseComplete, BindComplete, CloseComplete, NoData, ParameterDescription. */
static void
answer(conn *c, char type)
{
	hd_pgp_buf m = { 0 };
	if (type == 't')
		(void)hd_pgp_put_noparams(&m);
	else
		(void)hd_pgp_put_empty(&m, type);
	send_buf(c, c->cli, &m);
	hd_pgp_buf_free(&m);
	c->seg_local = true;
}

/* An ErrorResponse of serve's own: then, as PostgreSQL, discard messages until Sync. */
static void
answer_error(conn *c, const char *sqlstate, const char *msg)
{
	client_error(c, "ERROR", sqlstate, msg, 0);
	c->seg_local = true;
	c->xskip = true;
}

enum { X_RELAY = 0, X_DONE, X_WAIT, X_GO };

/* Discard the message at the head of in (len: its declared length), streaming what has not arrived yet. */
static int
skip_message(conn *c, struct evbuffer *in, uint32_t len)
{
	size_t have = evbuffer_get_length(in), n = have < (size_t)len + 1 ? have : (size_t)len + 1;
	evbuffer_drain(in, n);
	c->cli_drop = (uint32_t)((size_t)len + 1 - n);
	c->xskip = true;
	return X_DONE;
}

/* Before serve answers a client message itself: X_WAIT until the upstream is quiescent (asked for what it holds
 * back), X_DONE when the open segment failed upstream (the message is skipped, as the upstream skips to Sync), else
 * X_GO. */
static int
own_turn(conn *c, struct evbuffer *in, uint32_t len)
{
	if (!quiescent(c)) {
		wait_upstream(c);
		return X_WAIT;
	}
	if (c->xfailed)
		return skip_message(c, in, len);
	return X_GO;
}

static int
violation_fatal(conn *c, const hd_err *e)
{
	client_error(c, "FATAL", "08P01", e->msg, 0);
	c->ph = PH_CLOSING;
	return X_DONE;
}

static const char aborted_msg[] = "current transaction is aborted, commands ignored until end of transaction block";

/* Bind: serve looks at the names first (a Bind of a relayed statement may be large: it streams). */
static int
ext_bind(conn *c, struct evbuffer *in, uint32_t len)
{
	size_t blen = len - 4, k = blen < 2 * HD_XNAME_MAX ? blen : 2 * HD_XNAME_MAX;
	const uint8_t *msg;
	const char *portal, *stmt;
	char pname[HD_XNAME_MAX], m[HD_XNAME_MAX + 128];
	xstmt *x;
	int np, turn;
	hd_err e;

	if (evbuffer_get_length(in) < 5 + k)
		return X_WAIT;
	if (!(msg = evbuffer_pullup(in, (ssize_t)(5 + k))))
		return X_RELAY;
	if (!hd_pgp_bind_names(msg + 5, k, &portal, &stmt) || !x_find(c->xs, c->nxs, stmt)) {
		/* A relayed Bind: the upstream's portal of that name replaces one of serve's. */
		if (memchr(msg + 5, 0, k))
			x_drop(c->xp, &c->nxp, (const char *)msg + 5);
		return X_RELAY;
	}
	if ((turn = own_turn(c, in, len)) != X_GO)
		return turn;
	if (blen > HD_PGP_INSPECT_MAX) {
		answer_error(c, "08P01", "bind message for a Redshift COPY statement too long (it takes no parameters)");
		return skip_message(c, in, len);
	}
	if (evbuffer_get_length(in) < (size_t)len + 1)
		return X_WAIT;
	if (!(msg = evbuffer_pullup(in, (ssize_t)len + 1)))
		return X_WAIT;
	if (hd_pgp_bind(msg + 5, blen, &portal, &stmt, &np, &e) != HD_OK)
		return violation_fatal(c, &e);
	x = x_find(c->xs, c->nxs, stmt);
	snprintf(pname, sizeof pname, "%s", portal);
	if (!x) { /* cannot happen: found above */
		return X_RELAY;
	} else if (np != 0) {
		snprintf(m, sizeof m, "bind message supplies %d parameters, but prepared statement \"%s\" requires 0", np,
		         x->name);
		answer_error(c, "08P01", m);
	} else if (c->txn == 'E') {
		answer_error(c, "25P02", aborted_msg);
	} else if (strlen(portal) >= HD_XNAME_MAX || (portal[0] && x_find(c->xp, c->nxp, portal))) {
		snprintf(m, sizeof m, "portal \"%.64s\" already exists or its name is too long", portal);
		answer_error(c, "42P03", m);
	} else if (!x_add(c->xp, &c->nxp, pname, x->sql, x->len)) {
		answer_error(c, "54000", "too many portals of Redshift COPY statements in this session");
	} else {
		answer(c, '2');
	}
	evbuffer_drain(in, (size_t)len + 1);
	return X_DONE;
}

/*
 * One extended-protocol message (type t, declared length len) at the head of in, which serve may have to answer.
 * X_RELAY: relay it (nothing consumed); X_DONE: consumed (answered, skipped, or an Execute's load started);
 * X_WAIT: more bytes, or quiescence, needed first (process_client is called again).
 */
static int
ext_message(conn *c, struct evbuffer *in, char t, uint32_t len)
{
	size_t blen = len - 4;
	const uint8_t *msg, *body;
	hd_err e;
	char m[HD_XNAME_MAX + 128];
	int turn;

	if (t == 'B')
		return ext_bind(c, in, len);
	if (t == 'S') {
		hd_pgp_buf z = { 0 };
		if (c->seg_relayed || !c->seg_local)
			return X_RELAY; /* the upstream answers it */
		if (!quiescent(c)) {
			wait_upstream(c);
			return X_WAIT;
		}
		evbuffer_drain(in, (size_t)len + 1);
		if (c->txn != 'T' && c->txn != 'E')
			x_clear(c->xp, &c->nxp); /* portals end with their transaction */
		c->seg_local = c->xskip = false;
		(void)hd_pgp_put_ready(&z, c->txn ? c->txn : 'I');
		send_buf(c, c->cli, &z);
		hd_pgp_buf_free(&z);
		return X_DONE;
	}
	if (blen > (t == 'P' ? HD_PGP_QUERY_MAX : HD_PGP_INSPECT_MAX))
		return X_RELAY; /* never one of serve's */
	if (evbuffer_get_length(in) < (size_t)len + 1)
		return X_WAIT;
	if (!(msg = evbuffer_pullup(in, (ssize_t)len + 1)))
		return X_RELAY;
	body = msg + 5;
	switch (t) {
	case 'P': {
		const char *name, *sql, *stmt = NULL;
		size_t qlen, stmtlen = 0;
		int np;
		hd_sv_verdict v = HD_SV_RELAY;
		hd_err why;
		bool dup;

		if (hd_pgp_parse(body, blen, &name, &sql, &qlen, &np, &e) != HD_OK)
			return violation_fatal(c, &e);
		if (strlen(name) >= HD_XNAME_MAX)
			return X_RELAY;
		dup = name[0] && x_find(c->xs, c->nxs, name);
		if (c->txn && c->txn != 'E')
			v = hd_serve_classify(sql, qlen, &stmt, &stmtlen, &why);
		if (v == HD_SV_RELAY && !dup) {
			if (!name[0])
				x_drop(c->xs, &c->nxs, ""); /* the upstream's unnamed statement replaces serve's */
			return X_RELAY;
		}
		if ((turn = own_turn(c, in, len)) != X_GO)
			return turn;
		if (dup) {
			snprintf(m, sizeof m, "prepared statement \"%s\" already exists", name);
			answer_error(c, "42P05", m);
		} else if (v == HD_SV_ERROR) {
			answer_error(c, hd_pgp_sqlstate(why.code), why.msg);
		} else if (!x_add(c->xs, &c->nxs, name, stmt, stmtlen)) {
			answer_error(c, "54000", "too many Redshift COPY statements prepared in this session");
		} else {
			answer(c, '1');
		}
		break;
	}
	case 'D':
	case 'C': {
		char kind;
		const char *name;
		xstmt *x;
		if (hd_pgp_target(body, blen, &kind, &name, &e) != HD_OK)
			return violation_fatal(c, &e);
		x = kind == 'S' ? x_find(c->xs, c->nxs, name) : x_find(c->xp, c->nxp, name);
		if (!x)
			return X_RELAY;
		if ((turn = own_turn(c, in, len)) != X_GO)
			return turn;
		if (t == 'C') {
			if (kind == 'S')
				x_drop(c->xs, &c->nxs, x->name);
			else
				x_drop(c->xp, &c->nxp, x->name);
			answer(c, '3');
		} else {
			if (kind == 'S')
				answer(c, 't');
			answer(c, 'n');
		}
		break;
	}
	case 'E': {
		const char *portal;
		uint32_t maxrows;
		xstmt *x;
		char *copy;
		if (hd_pgp_execute(body, blen, &portal, &maxrows, &e) != HD_OK)
			return violation_fatal(c, &e);
		if (!(x = x_find(c->xp, c->nxp, portal)))
			return X_RELAY;
		if ((turn = own_turn(c, in, len)) != X_GO)
			return turn;
		if (c->txn == 'E') {
			answer_error(c, "25P02", aborted_msg);
		} else if (x->done) {
			hd_pgp_buf r = { 0 };
			(void)hd_pgp_put_complete(&r, x->tag);
			send_buf(c, c->cli, &r);
			hd_pgp_buf_free(&r);
		} else if (!(copy = hd_malloc(x->len + 1))) {
			answer_error(c, "53200", "out of memory");
		} else {
			memcpy(copy, x->sql, x->len + 1);
			c->ext = true;
			c->xrun = (int)(x - c->xp);
			c->seg_local = true;
			evbuffer_drain(in, (size_t)len + 1);
			start_intercept(c, HD_SV_INTERCEPT, copy, x->len, NULL);
			return X_DONE;
		}
		c->seg_local = true;
		break;
	}
	default:
		return X_RELAY;
	}
	evbuffer_drain(in, (size_t)len + 1);
	return X_DONE;
}

/* Bookkeeping of a client message relayed upstream, for quiescent(): called once per message, when it is relayed. */
static void
count_sent(conn *c, char type)
{
	if (type == 'Q' || type == 'S' || type == 'F') {
		c->inflight++;
		c->xmark = c->xsent;
	}
	if (type == 'S')
		c->seg_relayed = c->seg_local = c->xskip = false;
	if (c->txn && (type == 'P' || type == 'B' || type == 'D' || type == 'E' || type == 'C')) {
		c->xsent++; /* each is answered by one reply (count_reply), or skipped after an error */
		c->seg_relayed = true;
		c->xflushed = false;
	}
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* A client message of this type goes upstream as it is (a Query still waits for classify(); see query_read()):
 * not a Parse, nor an extended message while serve has statements of its own, nor a Sync that serve answers. */
static bool
client_passes(const conn *c, char type)
{
	bool ext = type == 'B' || type == 'D' || type == 'E' || type == 'C';
	return !(c->txn && (type == 'P' || (ext && (c->nxs || c->nxp)) || (type == 'S' && c->seg_local)));
}

/* A Query or FunctionCall behind extended messages relayed since the last Sync. After an error in one of those the
 * upstream skips everything up to Sync, this too, and sends no ReadyForQuery for it: so it waits until they are all
 * answered (own_turn(); xsent/xdone are exact only then), and is then relayed, or skipped as the upstream would. */
static bool
behind_open_segment(const conn *c, char type)
{
	return (type == 'Q' || type == 'F') && c->seg_relayed;
}

/* A Query of this length is read whole and classified before it is relayed (else relayed unread). */
static bool
query_read(const conn *c, uint32_t len)
{
	return len - 4 <= HD_PGP_QUERY_MAX && c->txn && c->txn != 'E';
}

/*
 * The whole client messages at p that process_client() would relay untouched — everything but a Query that
 * classify() does not pass, and what client_passes() keeps back — with their bookkeeping done; the bytes they
 * take. A Query is classified in place; one that is not relayed stops the walk, and process_client() classifies it
 * again (intercepted statements are rare). The caller checks that serve is not skipping messages after an error.
 */
static size_t
client_walk(conn *c, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (n - off >= 5) {
		char type = (char)p[off];
		uint32_t len = be32(p + off + 1);

		if (len < 4 || len > HD_PGP_MSG_MAX || (size_t)len + 1 > n - off || !client_passes(c, type) ||
		    behind_open_segment(c, type))
			break;
		if (type == 'Q' && query_read(c, len)) {
			const char *sql, *stmt = NULL;
			size_t sqllen, stmtlen = 0;
			hd_err e, why;
			if (hd_pgp_query(p + off + 5, len - 4, &sql, &sqllen, &e) != HD_OK ||
			    hd_serve_classify(sql, sqllen, &stmt, &stmtlen, &why) != HD_SV_RELAY)
				break;
		}
		count_sent(c, type);
		off += (size_t)len + 1;
	}
	return off;
}

static size_t relay_run(conn *c, bool from_client, struct evbuffer *in, struct evbuffer *out);

static void
process_client(conn *c)
{
	struct evbuffer *in;

	if (!c->cli || c->closing)
		return;
	in = bufferevent_get_input(c->cli);
	c->wait_idle = false; /* set again below when a message must wait for the upstream */
	if (c->ph == PH_STARTUP) {
		client_startup(c, in);
		if (c->ph == PH_CLOSING) {
			if (evbuffer_get_length(bufferevent_get_output(c->cli)) == 0)
				conn_close(c);
			return;
		}
	}
	while (c->ph == PH_RELAY && !c->hold_cli && !c->cli_throttled && c->up) {
		struct evbuffer *out = bufferevent_get_output(c->up);
		uint8_t hdr[5];
		char type;
		uint32_t len;
		hd_err e;

		if (c->cli_pass) {
			if (!pass_on(c, in, out, &c->cli_pass, true))
				break;
			continue;
		}
		if (c->cli_drop) { /* the rest of a message discarded until Sync */
			size_t avail = evbuffer_get_length(in), n = avail < c->cli_drop ? avail : c->cli_drop;
			if (!n)
				break;
			evbuffer_drain(in, n);
			c->cli_drop -= (uint32_t)n;
			continue;
		}
		if (relay_run(c, true, in, out)) {
			throttle(c, true);
			continue;
		}
		if (evbuffer_copyout(in, hdr, 5) < 5)
			break;
		if (hd_pgp_header(hdr, 5, &type, &len, &e) != HD_OK) {
			client_error(c, "FATAL", "08P01", e.msg, 0);
			c->ph = PH_CLOSING;
			break;
		}
		if (c->xskip && type != 'S' && type != 'X') {
			skip_message(c, in, len);
			continue;
		}
		if (behind_open_segment(c, type)) {
			int turn = own_turn(c, in, len);
			if (turn == X_WAIT)
				break;
			if (turn == X_DONE)
				continue;
		}
		if (!client_passes(c, type)) {
			int xr = ext_message(c, in, type, len);
			if (xr == X_WAIT)
				break;
			if (xr == X_DONE)
				continue;
		}
		if (type == 'Q' && query_read(c, len)) {
			const uint8_t *msg;
			const char *sql, *stmt = NULL;
			size_t sqllen, stmtlen = 0;
			hd_sv_verdict v;
			hd_err why;

			if (evbuffer_get_length(in) < (size_t)len + 1)
				break;
			msg = evbuffer_pullup(in, (ssize_t)len + 1);
			if (!msg || hd_pgp_query(msg + 5, len - 4, &sql, &sqllen, &e) != HD_OK) {
				client_error(c, "FATAL", "08P01", msg ? e.msg : "out of memory", 0);
				c->ph = PH_CLOSING;
				break;
			}
			v = hd_serve_classify(sql, sqllen, &stmt, &stmtlen, &why);
			if (v != HD_SV_RELAY) {
				char *copy;
				if (!quiescent(c)) { /* pipelined: answer in order, after what is in flight */
					wait_upstream(c);
					break;
				}
				c->wait_idle = false;
				/* stmt points into the message: copy it out, then consume the message */
				if (!(copy = hd_malloc(stmtlen + 1))) {
					conn_close(c);
					return;
				}
				memcpy(copy, stmt ? stmt : "", stmtlen);
				copy[stmtlen] = 0;
				evbuffer_drain(in, (size_t)len + 1);
				start_intercept(c, v, copy, stmtlen, &why);
				break;
			}
		}
		/* Relay: the header now, the body as it comes. */
		count_sent(c, type);
		evbuffer_remove_buffer(in, out, 5);
		c->cli_pass = len - 4;
		throttle(c, true);
	}
	if (c->ph == PH_CLOSING && c->cli && evbuffer_get_length(bufferevent_get_output(c->cli)) == 0)
		conn_close(c);
}

/* ---- upstream side ----------------------------------------------------------------------------------------------- */

/* A reply to serve's own query: consumed here (ParameterStatus and notifications still reach the client). */
static bool
iq_message(conn *c, char type, const uint8_t *body, size_t n)
{
	hd_err e;
	switch (type) {
	case 'D':
		if (c->iq_rows++ == 0) {
			bool isnull;
			for (int i = 0; i < 2; i++)
				if (hd_pgp_datarow_col(body, n, i, c->iq_val[i], sizeof c->iq_val[i], &isnull, &e) != HD_OK)
					c->iq_val[i][0] = 0;
		}
		return true;
	case 'C': {
		const char *tag;
		if (hd_pgp_tag(body, n, &tag, &e) != HD_OK)
			return false;
		snprintf(c->iq_tag, sizeof c->iq_tag, "%s", tag);
		return true;
	}
	case 'E': {
		const char *m;
		c->iq_err = true;
		if (hd_pgp_field(body, n, 'M', &m, &e) != HD_OK)
			return false;
		snprintf(c->iq_msg, sizeof c->iq_msg, "%s", m ? m : "");
		return true;
	}
	case 'Z':
		if (hd_pgp_ready(body, n, &c->txn, &e) != HD_OK)
			return false;
		c->iq = false;
		iq_done(c);
		return true;
	default:
		return true;
	}
}

/* A tag after which the decision rows of the transaction that ran them are final although the status may still be
 * 'T' ("COMMIT AND CHAIN", or "COMMIT; BEGIN" in one Query). Not "ROLLBACK": ROLLBACK TO SAVEPOINT has the same tag
 * and leaves the transaction — and a decision row written before the savepoint — alive; a real ROLLBACK (AND
 * CHAIN) is settled at the next COMMIT or at status 'I', where the row is absent either way. */
static bool
end_tag(const char *tag)
{
	return strcmp(tag, "COMMIT") == 0;
}

/* Bookkeeping of the upstream's replies for quiescent(): called once per message, when it is consumed. */
static void
count_reply(conn *c, char type)
{
	if (c->iq)
		return; /* serve's own query: not the client's */
	switch (type) {
	case '1': case '2': case '3': case 'n': case 'T': case 'C': case 'I': case 's':
		c->xdone++; /* the one reply of a Parse, Bind, Close, Describe, Execute (CommandComplete ends a COPY too) */
		break;
	case 'E':
		c->xfailed = true; /* in an extended segment the upstream now skips to Sync */
		break;
	case 'Z':
		c->xfailed = false;
		c->xflushed = false;
		if (c->inflight <= 1)
			c->xdone = c->xmark; /* everything sent before the last Sync/Query is answered or skipped */
		break;
	default:
		break;
	}
}

/* An upstream message of this type goes to the client as it is, as it streams, once count_reply() has seen it: all
 * but a BackendKeyData, a ReadyForQuery, a CommandComplete while decisions are pending, and the replies to serve's
 * own queries. */
static bool
reply_passes(const conn *c, char type)
{
	return !c->iq && type != 'K' && type != 'Z' && !(type == 'C' && c->npending);
}

/*
 * The whole upstream messages at p that need no more than a glance — reply_passes(), and a ReadyForQuery when no
 * decisions are pending (its transaction status is kept) — with their bookkeeping done (count_reply); the bytes
 * they take. *ready: a ReadyForQuery was among them.
 */
static size_t
reply_walk(conn *c, const uint8_t *p, size_t n, bool *ready)
{
	size_t off = 0;

	if (c->iq || c->npending)
		return 0;
	while (n - off >= 5) {
		char type = (char)p[off], st;
		uint32_t len = be32(p + off + 1);

		if (len < 4 || len > HD_PGP_MSG_MAX || (size_t)len + 1 > n - off || type == 'K')
			break; /* a bad header, a message cut short, or one to look at: the message-by-message path */
		if (type == 'Z') {
			hd_err e;
			if (hd_pgp_ready(p + off + 5, len - 4, &st, &e) != HD_OK)
				break;
			count_reply(c, type);
			c->txn = st;
			if (st == 'I')
				x_clear(c->xp, &c->nxp); /* serve's portals end with the transaction, as the upstream's */
			c->saw_end = false;
			if (c->inflight > 0)
				c->inflight--;
			*ready = true;
		} else {
			count_reply(c, type);
		}
		off += (size_t)len + 1;
	}
	return off;
}

/* The whole messages at p (n bytes) that go from one side to the other untouched, their bookkeeping done
 * (client_walk(), reply_walk()); the bytes they take. A ReadyForQuery among them wakes a message of serve's own that
 * waits: it may now send its Flush (wait_upstream()). */
static size_t
relay_walk(conn *c, bool from_client, const uint8_t *p, size_t n)
{
	bool ready = false;
	size_t off;

	if (from_client)
		return c->xskip ? 0 : client_walk(c, p, n);
	off = reply_walk(c, p, n, &ready);
	if (ready && c->wait_idle && c->inflight == 0)
		kick(c);
	return off;
}

/* Relaying in runs: the whole messages of relay_walk() in the input's first extent go to the other side in one
 * move. Returns the bytes moved. */
static size_t
relay_run(conn *c, bool from_client, struct evbuffer *in, struct evbuffer *out)
{
	struct evbuffer_iovec v;
	size_t off;

	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
		return 0;
	if ((off = relay_walk(c, from_client, v.iov_base, v.iov_len)) > 0)
		evbuffer_remove_buffer(in, out, off);
	return off;
}

static void
process_upstream(conn *c)
{
	struct evbuffer *in;

	if (!c->up || c->closing)
		return;
	in = bufferevent_get_input(c->up);
	if (evbuffer_get_length(in))
		c->up_heard = true;
	while (!c->hold_up && !c->up_throttled && c->cli && !c->closing) {
		struct evbuffer *out = bufferevent_get_output(c->cli);
		uint8_t hdr[5];
		const uint8_t *msg;
		char type;
		uint32_t len;
		hd_err e;

		if (c->up_pass) {
			if (!pass_on(c, in, out, &c->up_pass, false))
				break;
			continue;
		}
		if (relay_run(c, false, in, out)) {
			throttle(c, false);
			continue;
		}
		if (evbuffer_copyout(in, hdr, 5) < 5)
			break;
		if (hd_pgp_header(hdr, 5, &type, &len, &e) != HD_OK) {
			logf_(c->sv, false, "session %d: upstream: %s", c->id, e.msg);
			conn_close(c);
			return;
		}
		if (reply_passes(c, type)) {
			count_reply(c, type);
			evbuffer_remove_buffer(in, out, 5);
			c->up_pass = len - 4;
			throttle(c, false);
			continue;
		}
		if (len - 4 > HD_PGP_INSPECT_MAX) {
			logf_(c->sv, false, "session %d: upstream: message too long", c->id);
			conn_close(c);
			return;
		}
		if (evbuffer_get_length(in) < (size_t)len + 1)
			break;
		if (!(msg = evbuffer_pullup(in, (ssize_t)len + 1))) {
			conn_close(c);
			return;
		}
		count_reply(c, type);
		if (c->iq) {
			bool ok;
			if (type == 'S' || type == 'A')
				bufferevent_write(c->cli, msg, (size_t)len + 1);
			ok = iq_message(c, type, msg + 5, len - 4);
			evbuffer_drain(in, (size_t)len + 1);
			if (!ok) {
				conn_close(c);
				return;
			}
			continue;
		}
		if (type == 'K') {
			if (hd_pgp_backend_key(msg + 5, len - 4, &c->be_pid, &c->be_key, &e) != HD_OK) {
				conn_close(c);
				return;
			}
		} else if (type == 'C') {
			const char *tag;
			if (hd_pgp_tag(msg + 5, len - 4, &tag, &e) == HD_OK && end_tag(tag))
				c->saw_end = true;
		} else if (type == 'Z') {
			char st;
			if (hd_pgp_ready(msg + 5, len - 4, &st, &e) != HD_OK) {
				conn_close(c);
				return;
			}
			c->txn = st;
			if (st == 'I')
				x_clear(c->xp, &c->nxp); /* serve's portals end with the transaction, as the upstream's */
			if (c->npending && (st == 'I' || c->saw_end)) {
				/* The transaction that holds the decisions has ended: settle, then let the client go on. */
				hd_job *job = hd_job_new(HD_JOB_SETTLE);
				evbuffer_drain(in, (size_t)len + 1);
				c->saw_end = false;
				if (!job) {
					conn_close(c);
					return;
				}
				for (int i = 0; i < c->npending; i++)
					job->sessions[job->nsessions++] = c->pending[i];
				c->npending = 0;
				c->held_ready = st;
				c->step = IC_SETTLE;
				hold(c, true, true);
				hold(c, false, true);
				if (!start_job(c, job))
					conn_close(c);
				return;
			}
			c->saw_end = false;
			if (c->inflight > 0)
				c->inflight--;
			bufferevent_write(c->cli, msg, (size_t)len + 1);
			evbuffer_drain(in, (size_t)len + 1);
			if (c->wait_idle && c->inflight == 0)
				kick(c);
			continue;
		}
		bufferevent_write(c->cli, msg, (size_t)len + 1);
		evbuffer_drain(in, (size_t)len + 1);
	}
	if (c->wait_idle && !c->closing && quiescent(c))
		kick(c); /* a message of serve's own waits for exactly this */
}

/* ---- direct relay ------------------------------------------------------------------------------------------------ */

/*
 * A session in full flow is relayed past the bufferevents, as pgbouncer relays (its sbuf): when one direction has
 * nothing buffered — no input waiting on its side, no output waiting for its peer — a readable socket is read with
 * one recv() into the server's scratch buffer, the whole messages that pass (relay_walk()) and the
 * start of one that streams (stream_head()) are bookkept in place, and they go to the peer with one send(). What is
 * left (a message serve must read whole, a header cut short) goes into the input buffer and on through
 * process_client()/process_upstream(); what the peer's socket does not take goes into its output buffer, written
 * by libevent. Callgrind, pgbench -S -M prepared: the evbuffer work this skips was ~60 % of serve's instructions
 * per transaction (docs/BENCHMARKS.md, Front door).
 */
static bool
direct_ok(const conn *c, bool from_client)
{
	struct bufferevent *src = from_client ? c->cli : c->up, *dst = from_client ? c->up : c->cli;

	if (c->ph != PH_RELAY || c->closing || !src || !dst || c->tls)
		return false; /* a TLS client: OpenSSL reads and writes that side */
	if (from_client ? (c->hold_cli || c->cli_throttled || c->cli_drop || c->xskip || !c->up_rd)
	                : (c->hold_up || c->up_throttled || c->iq || c->npending || !c->cli_rd))
		return false; /* no up_rd: the upstream is still connecting (libevent writes what waits for it) */
	return evbuffer_get_length(bufferevent_get_input(src)) == 0 &&
	       evbuffer_get_length(bufferevent_get_output(dst)) == 0 && !(bufferevent_get_enabled(dst) & EV_WRITE);
}

/* The start of a message at p (n bytes, less than the whole) that is relayed as it streams: its header is
 * bookkept and *pass set to the body bytes still to come. Returns the bytes taken: n, or 0 to leave it to the
 * message-by-message path (a header cut short, a bad one, a message serve reads whole). */
static size_t
stream_head(conn *c, bool from_client, const uint8_t *p, size_t n)
{
	char type;
	uint32_t len;
	hd_err e;

	if (n < 5 || hd_pgp_header(p, 5, &type, &len, &e) != HD_OK || (size_t)len + 1 <= n)
		return 0;
	if (from_client) {
		if (!client_passes(c, type) || behind_open_segment(c, type) || (type == 'Q' && query_read(c, len)))
			return 0;
		count_sent(c, type);
		c->cli_pass = (uint32_t)(len + 1 - n);
	} else {
		if (!reply_passes(c, type))
			return 0;
		count_reply(c, type);
		c->up_pass = (uint32_t)(len + 1 - n);
	}
	return n;
}

/* n bytes to dst's socket; the rest, when it does not take them all, into dst's output for libevent to write (and
 * to report the error, if that is why). False: out of memory (the session is closed). */
static bool
send_direct(conn *c, struct bufferevent *dst, const uint8_t *p, size_t n)
{
	ssize_t w;

	do
		w = send(event_get_fd(dst == c->cli ? c->cli_rd : c->up_rd), p, n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)n)
		return true;
	if (w < 0)
		w = 0;
	if (evbuffer_add(bufferevent_get_output(dst), p + w, n - (size_t)w) != 0) {
		conn_close(c);
		return false;
	}
	bufferevent_enable(dst, EV_WRITE);
	throttle(c, dst == c->up);
	return true;
}

/* n bytes just received (direct_ok() was true): relay what passes, hand the rest to the message paths. */
static void
direct_relay(conn *c, bool from_client, const uint8_t *p, size_t n)
{
	struct bufferevent *src = from_client ? c->cli : c->up, *dst = from_client ? c->up : c->cli;
	uint32_t *pass = from_client ? &c->cli_pass : &c->up_pass;
	size_t off = *pass < n ? *pass : n;

	*pass -= (uint32_t)off;
	if (!*pass) {
		off += relay_walk(c, from_client, p + off, n - off);
		off += stream_head(c, from_client, p + off, n - off);
	}
	if (off && !send_direct(c, dst, p, off))
		return;
	if (off < n) {
		struct evbuffer *in = bufferevent_get_input(src);
		int r;
		evbuffer_unfreeze(in, 0);
		r = evbuffer_add(in, p + off, n - off);
		evbuffer_freeze(in, 0);
		if (r != 0)
			conn_close(c);
		else
			on_read(src, c);
		return;
	}
	if (from_client)
		c->wait_idle = false; /* as process_client(): nothing waits in the client's input */
	else if (c->wait_idle && quiescent(c))
		kick(c); /* a message of serve's own waits for exactly this */
}

/* ---- events ------------------------------------------------------------------------------------------------------ */

/* b's output is below its low watermark (libevent's write callback) or empty (written by pump()): close after a
 * last message, or resume the side that was throttled on it. True when that processed more input. */
static bool
drained(conn *c, struct bufferevent *b)
{
	if (b == c->cli && c->ph == PH_CLOSING && evbuffer_get_length(bufferevent_get_output(b)) == 0) {
		conn_close(c);
		return false;
	}
	if (b == c->up && c->cli_throttled) {
		c->cli_throttled = false;
		if (!c->hold_cli)
			reading(c, c->cli, true);
		process_client(c);
		return true;
	}
	if (b == c->cli && c->up_throttled) {
		c->up_throttled = false;
		if (!c->hold_up && c->up)
			reading(c, c->up, true);
		process_upstream(c);
		return true;
	}
	return false;
}

/*
 * Writing. libevent's socket bufferevents arm EV_WRITE when data is added and disarm it once the buffer is empty:
 * two epoll_ctl calls per reply in each direction, four per transaction, which made serve's CPU per transaction
 * visibly higher than pgbouncer's (bench/bench_serve.py, docs/BENCHMARKS.md). So plain sockets keep EV_WRITE
 * disabled and pump(), run at the end of every callback, writes their output right away; only what the kernel does
 * not take (a slow peer, an error) arms EV_WRITE, and libevent's own path and on_write() take over until the buffer
 * is empty again. The client's TLS bufferevent keeps libevent's path: OpenSSL does its writing.
 */
static bool
write_now(conn *c, struct bufferevent *b)
{
	struct evbuffer *out;
	size_t len;

	if (!b || (b == c->cli && c->tls) || (bufferevent_get_enabled(b) & EV_WRITE))
		return false;
	out = bufferevent_get_output(b);
	if ((len = evbuffer_get_length(out)) == 0)
		return false;
	evbuffer_unfreeze(out, 1); /* a socket bufferevent keeps its output's start frozen outside its own writes */
	if (len <= SEND_FLAT) {
		/* A reply is usually a few hundred bytes in two or three chains: one send() of them made contiguous
		 * costs less than writev(), whose file path imports an iovec and takes the file position lock. */
		const unsigned char *p = evbuffer_pullup(out, (ssize_t)len);
		ssize_t w;
		do
			w = p ? send(bufferevent_getfd(b), p, len, MSG_NOSIGNAL) : -1;
		while (w < 0 && errno == EINTR);
		if (w > 0)
			evbuffer_drain(out, (size_t)w);
	} else {
		(void)evbuffer_write(out, bufferevent_getfd(b));
	}
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) > 0) {
		bufferevent_enable(b, EV_WRITE); /* the rest (or the error) through libevent */
		return false;
	}
	return true;
}

static void
pump(conn *c)
{
	for (int round = 0; !c->closing; round++) {
		bool up = write_now(c, c->up), cli = write_now(c, c->cli), more = false;
		if (up && c->up)
			more |= drained(c, c->up);
		if (cli && !c->closing && c->cli)
			more |= drained(c, c->cli);
		if (!more)
			return;
		if (round == 16) { /* a long exchange with fast peers: let other sessions run, go on from the loop's top */
			write_now(c, c->up);
			write_now(c, c->cli);
			kick(c);
			return;
		}
	}
}

static void
on_read(struct bufferevent *b, void *arg)
{
	conn *c = arg;
	if (b == c->cli)
		process_client(c);
	else
		process_upstream(c);
	pump(c);
}

/*
 * Reading. A plain socket is read by serve itself, with one recv() per readiness — into the server's scratch buffer
 * when direct_ok() (then direct_relay()), else into the bufferevent's input buffer — not by the bufferevent: libevent
 * 2.1 asks ioctl(FIONREAD) before every read, a system call per relayed message that pgbouncer does not make, and
 * then uses readv(), whose file path costs more than the socket's own recv() (docs/BENCHMARKS.md, Front door). The
 * bufferevent keeps its buffers, its writing and its events; only EV_READ moves to c->cli_rd / c->up_rd (reading()).
 * A TLS side and an upstream that is still connecting keep libevent's reading.
 */
static void on_event(struct bufferevent *b, short what, void *arg);

static void
sock_read(conn *c, struct bufferevent *b, evutil_socket_t fd)
{
	struct evbuffer *in = bufferevent_get_input(b);
	struct evbuffer_iovec v;
	bool from_client = b == c->cli, direct = direct_ok(c, from_client);
	ssize_t got = -1;
	int n = 1;

	if (direct) {
		do
			got = recv(fd, c->sv->scratch, READ_CHUNK, 0);
		while (got < 0 && errno == EINTR);
		if (got > 0) {
			if (!from_client)
				c->up_heard = true;
			direct_relay(c, from_client, c->sv->scratch, (size_t)got);
			return;
		}
	} else {
		evbuffer_unfreeze(in, 0); /* a socket bufferevent keeps its input's end frozen outside its own reads */
		n = evbuffer_reserve_space(in, READ_CHUNK, &v, 1); /* one extent: recv(), the socket's own path */
		if (n > 0) {
			do
				got = recv(fd, v.iov_base, v.iov_len, 0);
			while (got < 0 && errno == EINTR);
			if (got > 0) {
				v.iov_len = (size_t)got;
				evbuffer_commit_space(in, &v, 1);
			}
		}
		evbuffer_freeze(in, 0);
		if (got > 0) {
			on_read(b, c);
			return;
		}
	}
	if (got < 0 && n > 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	reading(c, b, false); /* as libevent does: no more reading after the end or an error */
	on_event(b, BEV_EVENT_READING | (got == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), c);
}

static void
on_cli_readable(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	(void)what;
	sock_read(c, c->cli, fd);
}

static void
on_up_readable(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	(void)what;
	sock_read(c, c->up, fd);
}

static void
on_write(struct bufferevent *b, void *arg)
{
	conn *c = arg;
	if (!(b == c->cli && c->tls) && evbuffer_get_length(bufferevent_get_output(b)) == 0)
		bufferevent_disable(b, EV_WRITE); /* emptied by libevent: back to pump() (its event is already removed) */
	(void)drained(c, b);
	pump(c);
}

static void
on_event(struct bufferevent *b, short what, void *arg)
{
	conn *c = arg;
	if (what & BEV_EVENT_CONNECTED) { /* the upstream's connect, or the end of a client's TLS handshake */
		if (b == c->up) {
			bool want = bufferevent_get_enabled(b) & EV_READ;
			no_delay(bufferevent_getfd(b));
			if (evbuffer_get_length(bufferevent_get_output(b)) == 0)
				bufferevent_disable(b, EV_WRITE); /* connected with nothing to send: pump() writes from now on */
			if (!c->up_rd &&
			    (c->up_rd = event_new(c->sv->base, bufferevent_getfd(b), EV_READ | EV_PERSIST, on_up_readable, c))) {
				bufferevent_disable(b, EV_READ); /* from now on serve reads it (sock_read) */
				reading(c, b, want);
			}
		}
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (b == c->cli && c->tls && (what & BEV_EVENT_ERROR)) {
		char why[256];
		hd_tls_error(b, why, sizeof why);
		if (why[0])
			logf_(c->sv, true, "session %d: TLS: %s", c->id, why);
	}
	if (b == c->up) {
		/* The upstream ended the session (Terminate, a FATAL error, a crash): deliver what it said, then close. */
		process_upstream(c);
		if (!c->up_heard && c->cli && !c->closing) {
			char m[256];
			snprintf(m, sizeof m, "hdcopy serve could not connect to the upstream server: %s",
			         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
			client_error(c, "FATAL", "08006", m, 0);
		}
		drop_reader(&c->up_rd);
		bufferevent_free(c->up);
		c->up = NULL;
		if (c->cli && evbuffer_get_length(bufferevent_get_output(c->cli)) > 0 && !c->closing) {
			c->ph = PH_CLOSING;
			reading(c, c->cli, false);
			pump(c); /* the last words, then drained() closes */
			return;
		}
	}
	conn_close(c);
}

static void
conn_free(conn *c)
{
	server *sv = c->sv;
	logf_(sv, true, "session %d: closed", c->id);
	for (int i = 0; i < c->npending; i++)
		hd_session_close(c->pending[i]);
	hd_session_close(c->deciding);
	hd_pgp_buf_free(&c->reply);
	free(c->stmt);
	x_clear(c->xs, &c->nxs);
	x_clear(c->xp, &c->nxp);
	if (c->done_ev)
		event_free(c->done_ev);
	if (c->kick_ev)
		event_free(c->kick_ev);
	if (c->prev_c)
		c->prev_c->next_c = c->next_c;
	else if (sv->conns == c)
		sv->conns = c->next_c;
	if (c->next_c)
		c->next_c->prev_c = c->prev_c;
	free(c);
	sv->nclients--;
}

/* Close both sockets now; the rest (freeing c) happens in on_kick, once no job runs. */
static void
conn_close(conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->ph = PH_CLOSING;
	drop_reader(&c->cli_rd);
	drop_reader(&c->up_rd);
	if (c->cli) {
		bufferevent_free(c->cli);
		c->cli = NULL;
	}
	if (c->up) {
		bufferevent_free(c->up);
		c->up = NULL;
	}
	kick(c);
}

/* Loads still pending when a session closes are settled only after its upstream backend is gone (a COMMIT might
 * be in flight until then), by a last job; then c is freed. */
static void
close_finish(conn *c)
{
	if (c->job)
		return; /* on_job_done kicks again */
	if (c->deciding && c->npending < HD_SERVE_MAX_PENDING) {
		c->pending[c->npending++] = c->deciding;
		c->deciding = NULL;
	}
	if (c->npending) {
		hd_job *job = hd_job_new(HD_JOB_SETTLE_AFTER);
		if (job) {
			job->backend_pid = c->be_pid;
			for (int i = 0; i < c->npending; i++)
				job->sessions[job->nsessions++] = c->pending[i];
			c->npending = 0;
			if (start_job(c, job))
				return;
			/* start_job freed the job and closed its sessions: recovery decides */
		}
	}
	conn_free(c);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	(void)fd;
	(void)what;
	if (c->closing) {
		close_finish(c);
		return;
	}
	process_client(c);
	if (!c->closing)
		process_upstream(c);
	pump(c);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	server *sv = arg;
	conn *c;
	(void)lis;
	(void)sa;
	(void)salen;

	if (sv->nclients >= (sv->cfg->max_clients > 0 ? sv->cfg->max_clients : DEFAULT_MAX_CLIENTS) ||
	    !(c = hd_calloc(1, sizeof *c))) {
		evutil_closesocket(fd);
		return;
	}
	c->sv = sv;
	c->id = ++sv->next_id;
	no_delay(fd);
	c->cli = bufferevent_socket_new(sv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->cli_rd = event_new(sv->base, fd, EV_READ | EV_PERSIST, on_cli_readable, c);
	c->done_ev = event_new(sv->base, -1, 0, on_job_done, c);
	c->kick_ev = event_new(sv->base, -1, 0, on_kick, c);
	if (!c->cli || !c->cli_rd || !c->done_ev || !c->kick_ev) {
		drop_reader(&c->cli_rd);
		if (c->cli)
			bufferevent_free(c->cli);
		else
			evutil_closesocket(fd);
		if (c->done_ev)
			event_free(c->done_ev);
		if (c->kick_ev)
			event_free(c->kick_ev);
		free(c);
		return;
	}
	sv->nclients++;
	c->next_c = sv->conns;
	if (sv->conns)
		sv->conns->prev_c = c;
	sv->conns = c;
	bufferevent_setcb(c->cli, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->cli, EV_WRITE, HIGH_WATER / 4, 0);
	bufferevent_disable(c->cli, EV_WRITE); /* pump() writes (see write_now) */
	reading(c, c->cli, true);                /* and sock_read() reads */
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	server *sv = arg;
	(void)what;
	logf_(sv, false, "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopexit(sv->base, NULL);
}

hd_code
hd_serve_run(const hd_serve_config *cfg, hd_err *err)
{
	server sv = { .cfg = cfg };
	struct sockaddr_storage la;
	int lalen = (int)sizeof la;
	struct event *sint = NULL, *sterm = NULL;
	char *perr = NULL;
	hd_code r = HD_OK;

	signal(SIGPIPE, SIG_IGN); /* a client that goes away must not take the server with it */
	if (evthread_use_pthreads() != 0)
		return hd_err_set_pub(err, HD_ERR_INTERNAL, "libevent has no thread support");
	if ((r = resolve_upstream(&sv, cfg->upstream, err)) != HD_OK)
		return r;
	if (cfg->tls_cert && (r = hd_tls_new(cfg->tls_cert, cfg->tls_key, &sv.tls, err)) != HD_OK)
		return r;
	if (!(sv.loader = PQconninfoParse(cfg->loader ? cfg->loader : cfg->upstream, &perr))) {
		r = hd_err_set_pub(err, HD_ERR_USAGE, "--loader: %.*s", perr ? (int)strcspn(perr, "\n") : 13,
		                   perr ? perr : "out of memory");
		PQfreemem(perr);
		hd_tls_free(sv.tls);
		return r;
	}
	memset(&la, 0, sizeof la);
	if (evutil_parse_sockaddr_port(cfg->listen, (struct sockaddr *)&la, &lalen) != 0) {
		r = hd_err_set_pub(err, HD_ERR_USAGE, "--listen: expected ADDR:PORT, not '%s'", cfg->listen);
		goto out;
	}
	if (!(sv.scratch = hd_malloc(READ_CHUNK)) || !(sv.base = event_base_new())) {
		r = hd_err_set_pub(err, HD_ERR_NOMEM, "could not start the event loop");
		goto out;
	}
	sv.lis = evconnlistener_new_bind(sv.base, on_accept, &sv, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 128,
	                                 (struct sockaddr *)&la, lalen);
	if (!sv.lis) {
		r = hd_err_set_pub(err, HD_ERR_USAGE, "--listen %s: %s", cfg->listen, strerror(errno));
		goto out;
	}
	sint = evsignal_new(sv.base, SIGINT, on_signal, &sv);
	sterm = evsignal_new(sv.base, SIGTERM, on_signal, &sv);
	if (!sint || !sterm || event_add(sint, NULL) || event_add(sterm, NULL)) {
		r = hd_err_set_pub(err, HD_ERR_INTERNAL, "could not watch signals");
		goto out;
	}
	{
		struct sockaddr_storage bound;
		socklen_t bl = sizeof bound;
		char host[128] = "?", port[16] = "?";
		if (getsockname(evconnlistener_get_fd(sv.lis), (struct sockaddr *)&bound, &bl) == 0)
			getnameinfo((struct sockaddr *)&bound, bl, host, sizeof host, port, sizeof port,
			            NI_NUMERICHOST | NI_NUMERICSERV);
		logf_(&sv, false, "listening on %s%s%s:%s%s", strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
		      port, sv.tls ? " (TLS for clients that ask)" : "");
	}
	event_base_dispatch(sv.base);
out:
	if (sint)
		event_free(sint);
	if (sterm)
		event_free(sterm);
	if (sv.lis)
		evconnlistener_free(sv.lis);
	if (sv.base)
		event_base_free(sv.base);
	PQconninfoFree(sv.loader);
	hd_tls_free(sv.tls);
	free(sv.scratch);
	return r;
}
