/*
 * krb5_login.c — a role's Kerberos identity for WebHDFS (issue 9): log in as the role's principal from its keytab
 * with MIT krb5 (what Hadoop's UserGroupInformation.loginUserFromKeytab does) into a process-private MEMORY
 * credential cache, and make libcurl's SPNEGO (GSS-API) use that cache on the thread that performs a request.
 *
 * Why log in ourselves instead of pointing GSS-API at the keytab (KRB5_CLIENT_KTNAME): GSS would pick the keytab's
 * first principal, not the one the role names, and failures would surface late as an HTTP 401. Here a wrong
 * principal, a keytab without its key, an unknown realm or an unreachable KDC is one clear error before any request.
 *
 * Why a cache per login and a per-thread default (gss_krb5_ccache_name) instead of setting KRB5CCNAME: `hdcopy
 * serve` runs loads of different roles at once in one process. Each WebHDFS handle carries the name of its role's
 * cache and every thread that performs a request of that handle selects it first, so two loads never see each
 * other's ticket; nothing process-wide is changed. A login is reused while its ticket has more than ten minutes
 * left; a new login gets a new cache, so a load in flight keeps the cache it started with. No key, password or
 * ticket is printed.
 */
#include "source/webhdfs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#define LOGINS 32
#define RENEW_MARGIN 600 /* seconds of ticket life left below which a new login is made */

static pthread_mutex_t login_mu = PTHREAD_MUTEX_INITIALIZER;
static struct login {
	char key[600];       /* "principal\nkeytab" */
	char ccname[160];
	time_t end;          /* the ticket's end time */
} logins[LOGINS];
static unsigned long generation;

static hd_code
krb_fail(krb5_context ctx, krb5_error_code code, const char *principal, const char *what, hd_err *err)
{
	const char *m = krb5_get_error_message(ctx, code);
	hd_code r = hd_err_set(err, HD_ERR_IO, "Kerberos login as '%s' failed (%s): %s", principal, what,
	                       m ? m : "unknown error");
	if (m)
		krb5_free_error_message(ctx, m);
	return r;
}

/* A fresh login into a new MEMORY cache; on success *end is the ticket's end time. Called under login_mu. */
static hd_code
login(const char *principal, const char *keytab, const char *ccname, time_t *end, hd_err *err)
{
	char ktname[4200];
	krb5_context ctx = NULL;
	krb5_principal me = NULL;
	krb5_keytab kt = NULL;
	krb5_ccache cc = NULL;
	krb5_creds creds;
	krb5_get_init_creds_opt *opts = NULL;
	bool have_creds = false;
	krb5_error_code k;
	hd_code r = HD_OK;

	memset(&creds, 0, sizeof creds);
	if ((size_t)snprintf(ktname, sizeof ktname, "FILE:%s", keytab) >= sizeof ktname)
		return hd_err_set(err, HD_ERR_LIMIT, "keytab path too long");
	if ((k = krb5_init_context(&ctx)) != 0)
		return hd_err_set(err, HD_ERR_IO, "Kerberos login as '%s' failed: cannot read the Kerberos configuration "
		                  "(KRB5_CONFIG, /etc/krb5.conf), error %ld", principal, (long)k);
	if ((k = krb5_parse_name(ctx, principal, &me)) != 0)
		r = krb_fail(ctx, k, principal, "principal name", err);
	else if ((k = krb5_kt_resolve(ctx, ktname, &kt)) != 0)
		r = krb_fail(ctx, k, principal, "keytab", err);
	else if ((k = krb5_get_init_creds_opt_alloc(ctx, &opts)) != 0)
		r = krb_fail(ctx, k, principal, "options", err);
	else if ((k = krb5_get_init_creds_keytab(ctx, &creds, me, kt, 0, NULL, opts)) != 0)
		r = krb_fail(ctx, k, principal, "initial ticket from the role's keytab", err);
	else {
		have_creds = true;
		if ((k = krb5_cc_resolve(ctx, ccname, &cc)) != 0 || (k = krb5_cc_initialize(ctx, cc, me)) != 0 ||
		    (k = krb5_cc_store_cred(ctx, cc, &creds)) != 0)
			r = krb_fail(ctx, k, principal, "credential cache", err);
		else
			*end = (time_t)creds.times.endtime;
	}
	/* MIT krb5 keeps a MEMORY cache's contents in the process until krb5_cc_destroy(): closing our handle leaves
	 * the ticket for GSS-API to find by name. */
	if (have_creds)
		krb5_free_cred_contents(ctx, &creds);
	if (opts)
		krb5_get_init_creds_opt_free(ctx, opts);
	if (cc)
		krb5_cc_close(ctx, cc);
	if (kt)
		krb5_kt_close(ctx, kt);
	if (me)
		krb5_free_principal(ctx, me);
	krb5_free_context(ctx);
	return r;
}

hd_code
hd_krb5_login(const char *role, const char *principal, const char *keytab, char *ccname, size_t ccsize,
              hd_err *err)
{
	char key[sizeof logins[0].key];
	time_t now = time(NULL);
	struct login *slot = NULL;
	hd_code r;

	if (!principal || !principal[0])
		return hd_err_set(err, HD_ERR_USAGE, "role '%s' authenticates with Kerberos but names no principal", role);
	if ((size_t)snprintf(key, sizeof key, "%s\n%s", principal, keytab) >= sizeof key)
		return hd_err_set(err, HD_ERR_LIMIT, "role '%s': principal or keytab path too long", role);

	pthread_mutex_lock(&login_mu);
	for (int i = 0; i < LOGINS; i++) {
		if (strcmp(logins[i].key, key) == 0) {
			slot = &logins[i];
			if (slot->end - now > RENEW_MARGIN)
				goto found;
			break;
		}
	}
	if (!slot) { /* a free slot, else the one whose ticket ends first */
		slot = &logins[0];
		for (int i = 0; i < LOGINS; i++) {
			if (!logins[i].key[0]) {
				slot = &logins[i];
				break;
			}
			if (logins[i].end < slot->end)
				slot = &logins[i];
		}
	}
	{
		char cc[sizeof slot->ccname];
		time_t end = 0;
		snprintf(cc, sizeof cc, "MEMORY:hdcopy-%.64s-%lu", role, ++generation);
		if ((r = login(principal, keytab, cc, &end, err)) != HD_OK) {
			pthread_mutex_unlock(&login_mu);
			return r;
		}
		snprintf(slot->key, sizeof slot->key, "%s", key);
		snprintf(slot->ccname, sizeof slot->ccname, "%s", cc);
		slot->end = end;
	}
found:
	if ((size_t)snprintf(ccname, ccsize, "%s", slot->ccname) >= ccsize)
		r = hd_err_set(err, HD_ERR_LIMIT, "credential cache name too long");
	else
		r = HD_OK;
	pthread_mutex_unlock(&login_mu);
	return r;
}

void
hd_krb5_use(const char *ccname)
{
	OM_uint32 minor;
	(void)gss_krb5_ccache_name(&minor, ccname, NULL); /* this thread's default cache for GSS-API */
}
