/*
 * webhdfs_role.c — a role's HDFS identity on an hd_webhdfs (issue 9): called right after hd_webhdfs_init(), before
 * the handle is shared by slices, so the handle stays immutable afterwards.
 *
 *   hdfs_auth simple    user.name = the role's hdfs_user (when it has one; else the environment's, as before)
 *   hdfs_auth token     delegation= the token in $HDCOPY_HOME/secrets/<role>.token (0600; never quoted anywhere)
 *   hdfs_auth kerberos  SPNEGO as the role's principal: a login from $HDCOPY_HOME/secrets/<role>.keytab into a
 *                       private in-memory credential cache that only this handle's requests use (krb5_login.c), so
 *                       the loader's own ticket cache is never used and concurrent loads of `hdcopy serve` with
 *                       different roles never share a ticket. tests/integration/test_kerberos.py: a real MIT KDC.
 * The role's settings replace the environment's (HADOOP_USER_NAME, HDCOPY_HDFS_TOKEN_FILE, HDCOPY_HDFS_AUTH).
 */
#include "source/webhdfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "common/limits.h"
#include "common/sys.h"

static bool
url_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.' || *s == '~' || *s == '%'))
			return false;
	return true;
}

static hd_code
read_token(const hd_access_role *role, char **out, hd_err *err)
{
	char buf[HD_MAX_CLUSTER_FILE + 1];
	FILE *f;
	size_t n;
	char *b, *e;
	hd_code r;

	if ((r = hd_access_check_private(role->token_file, err)) != HD_OK)
		return hd_err_set(err, r, "role '%s' authenticates to HDFS with a delegation token, but %s is missing or not "
		                  "private (hdcopy role create %s --replace --token-file FILE …)",
		                  role->name, role->token_file, role->name);
	if (!(f = fopen(role->token_file, "re")))
		return hd_err_set(err, HD_ERR_IO, "cannot read the delegation token file of role '%s'", role->name);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (b = buf; *b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'; b++)
		;
	for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	*e = '\0';
	if (!*b || !url_safe(b)) {
		explicit_bzero(buf, sizeof buf);
		return hd_err_set(err, HD_ERR_IO, "the delegation token file of role '%s' does not hold a URL-safe token",
		                  role->name);
	}
	*out = hd_strdup(b);
	explicit_bzero(buf, sizeof buf);
	return *out ? HD_OK : hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}

hd_code
hd_webhdfs_use_role(hd_webhdfs *w, const hd_access_role *role, hd_err *err)
{
	hd_code r;

	if (!role)
		return HD_OK;
	if (strcmp(role->hdfs_auth, "token") == 0) {
		char *tok = NULL;
		if ((r = read_token(role, &tok, err)) != HD_OK)
			return r;
		free(w->user);
		w->user = NULL;
		w->negotiate = false;
		if (w->token) {
			explicit_bzero(w->token, strlen(w->token));
			free(w->token);
		}
		w->token = tok;
		return HD_OK;
	}
	if (strcmp(role->hdfs_auth, "kerberos") == 0) {
		if ((r = hd_access_check_private(role->keytab, err)) != HD_OK)
			return hd_err_set(err, r, "role '%s' authenticates to HDFS with Kerberos, but its keytab is missing or "
			                  "not private (hdcopy role create %s --replace --keytab FILE --principal P …)",
			                  role->name, role->name);
		if ((r = hd_krb5_login(role->name, role->principal, role->keytab, w->ccache, sizeof w->ccache, err)) !=
		    HD_OK)
			return r;
		free(w->user);
		w->user = NULL;
		if (w->token) {
			explicit_bzero(w->token, strlen(w->token));
			free(w->token);
			w->token = NULL;
		}
		w->negotiate = true;
		return HD_OK;
	}
	if (role->hdfs_user[0]) {
		char *u = hd_strdup(role->hdfs_user);
		if (!u)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		free(w->user);
		w->user = u;
		if (w->token) {
			explicit_bzero(w->token, strlen(w->token));
			free(w->token);
			w->token = NULL;
		}
		w->negotiate = false;
	}
	return HD_OK;
}
