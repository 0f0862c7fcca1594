/*
 * policy.c — a role's policy against a COPY's sources (issue 9): string functions (plus one realpath() for local
 * files), no connection, so they are unit-tested and run before any connection.
 *
 * Two moments:
 *   - before listing (hd_access_policy_source, hd_access_policy_host): the FROM as written. emr:// and hdfs:// need
 *     the cluster in the role's clusters; every source kind (local files and the SSH manifest's own path included)
 *     needs its path matched by one of the role's path globs. The path is taken literally — a '*' the user wrote
 *     is matched only by a wildcard of the policy — so the FROM '/data/sales/part' followed by a '*' passes the
 *     policy glob '/data/sales/' followed by a '*', but '/data/' + '*' does not. SSH manifest endpoints need a --host
 *     pattern.
 *   - after listing, before reading (hd_access_policy_unit): every file the FROM expanded to (prefix rule, globs,
 *     {a,b}) must itself match a path glob. Refused files fail the COPY; they are never silently skipped.
 * A role with no --path reads no path; with no --cluster no cluster; with no --host no SSH host (deny by default).
 *
 * Matching is bounded: patterns and strings are at most PATTERN_MAX bytes and at most STAR_MAX wildcards, so the
 * backtracking matcher costs at most O(len^STAR_MAX) in theory and microseconds in practice.
 */
#include "access/access.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy.h"

#define PATTERN_MAX 4096
#define STAR_MAX 16

/* [...] at p (p[0] == '['): does c match? *end gets the byte after ']'; false with *end == NULL if unterminated. */
static bool
bracket(const char *p, char c, const char **end)
{
	const char *q = p + 1;
	bool neg = false, hit = false;
	if (*q == '!' || *q == '^') {
		neg = true;
		q++;
	}
	if (*q == ']') { /* a leading ']' is literal */
		hit = c == ']';
		q++;
	}
	for (; *q && *q != ']'; q++) {
		char lo = *q, hi = *q;
		if (lo == '\\' && q[1])
			lo = hi = *++q;
		if (q[1] == '-' && q[2] && q[2] != ']') {
			hi = q[2] == '\\' && q[3] ? q[3] : q[2];
			q += q[2] == '\\' && q[3] ? 3 : 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (*q != ']') {
		*end = NULL;
		return false;
	}
	*end = q + 1;
	return c != '/' && hit != neg;
}

static bool
gmatch(const char *p, const char *s)
{
	for (;;) {
		switch (*p) {
		case '\0':
			return *s == '\0';
		case '*':
			if (p[1] == '*') {
				const char *rest = p + 2;
				/* a double star crosses '/'; followed by '/', it also matches zero components */
				if (*rest == '/' && gmatch(rest + 1, s))
					return true;
				for (const char *t = s;; t++) {
					if (gmatch(rest, t))
						return true;
					if (!*t)
						return false;
				}
			}
			for (const char *t = s;; t++) {
				if (gmatch(p + 1, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		case '?':
			if (!*s || *s == '/')
				return false;
			p++;
			s++;
			continue;
		case '[': {
			const char *end = NULL; /* not set when *s is the end of the string (clang -Wsometimes-uninitialized) */
			bool hit = *s && bracket(p, *s, &end);
			if (!end && !hit) { /* unterminated: a literal '[' */
				if (*s != '[')
					return false;
				p++;
				s++;
				continue;
			}
			if (!hit)
				return false;
			p = end;
			s++;
			continue;
		}
		case '\\':
			if (p[1])
				p++;
			/* fall through */
		default:
			if (*p != *s)
				return false;
			p++;
			s++;
			continue;
		}
	}
}

bool
hd_access_glob(const char *pat, const char *s)
{
	int stars = 0;
	if (!pat || !s || strlen(pat) > PATTERN_MAX || strlen(s) > PATTERN_MAX)
		return false;
	for (const char *q = pat; *q; q++)
		stars += *q == '*';
	if (stars > STAR_MAX)
		return false;
	return gmatch(pat, s);
}

static bool
any_match(char *const *pats, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (hd_access_glob(pats[i], s))
			return true;
	return false;
}

/* The role's list for a message: "a, b, c" (cut), or "none". */
static void
list_text(char *buf, size_t size, char *const *v, int n)
{
	size_t k = 0;
	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, size, "none");
		return;
	}
	for (int i = 0; i < n && k + 1 < size; i++) {
		int w = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", v[i]);
		if (w < 0 || (size_t)w >= size - k) {
			snprintf(buf + (size > 5 ? size - 5 : 0), size > 5 ? 5 : size, "…");
			break;
		}
		k += (size_t)w;
	}
}

/* A ".." component would let "/data/sales/../../etc/passwd" pass "/data/sales/" + "**": refused outright. */
static bool
has_dotdot(const char *p)
{
	for (const char *q = p; (q = strstr(q, "..")) != NULL; q += 2)
		if ((q == p || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
			return true;
	return false;
}

hd_code
hd_access_policy_source(const hd_access_role *r, int source_kind, const char *authority, const char *path,
                        const char *what, hd_err *err)
{
	char list[512];

	if (source_kind == HD_SRC_EMR || source_kind == HD_SRC_HDFS) {
		char id[300];
		if (source_kind == HD_SRC_EMR)
			snprintf(id, sizeof id, "%s", authority ? authority : "");
		else
			snprintf(id, sizeof id, "hdfs://%s", authority ? authority : "");
		if (!any_match(r->clusters, r->nclusters, id)) {
			list_text(list, sizeof list, r->clusters, r->nclusters);
			return hd_err_set(err, HD_ERR_PRIVILEGE,
			                  "role '%s' may not read %s: cluster '%s' is not among the role's clusters (%s); the "
			                  "role's owner can add it: hdcopy role create %s --replace --cluster '%s' …",
			                  r->name, what, id, list, r->name, id);
		}
	}
	if (path && has_dotdot(path))
		return hd_err_set(err, HD_ERR_PRIVILEGE,
		                  "role '%s' may not read %s: a path with a '..' component is refused (write the path out)",
		                  r->name, what);
	if (!any_match(r->paths, r->npaths, path ? path : "")) {
		list_text(list, sizeof list, r->paths, r->npaths);
		return hd_err_set(err, HD_ERR_PRIVILEGE,
		                  "role '%s' may not read %s: path '%s' matches none of the role's path globs (%s)", r->name,
		                  what, path ? path : "", list);
	}
	return HD_OK;
}

hd_code
hd_access_policy_host(const hd_access_role *r, const char *host, const char *what, hd_err *err)
{
	char list[512];
	if (any_match(r->hosts, r->nhosts, host))
		return HD_OK;
	list_text(list, sizeof list, r->hosts, r->nhosts);
	return hd_err_set(err, HD_ERR_PRIVILEGE,
	                  "role '%s' may not connect to %s: host '%s' matches none of the role's host patterns (%s)",
	                  r->name, what, host, list);
}

hd_code
hd_access_policy_unit(const hd_access_role *r, int source_kind, const char *unit_name, hd_err *err)
{
	const char *path = unit_name;
	char list[512];

	if (source_kind == HD_SRC_SSH)
		return HD_OK; /* SSH units are host: command; hosts were checked when the manifest was read */
	if (source_kind == HD_SRC_EMR || source_kind == HD_SRC_HDFS) {
		const char *sep = strstr(unit_name, "://");
		path = sep ? strchr(sep + 3, '/') : NULL;
		if (!path)
			path = "";
	}
	if (!has_dotdot(path) && any_match(r->paths, r->npaths, path)) {
		char real[PATH_MAX];
		/* A local file is also checked where it really is: a symbolic link inside the globs that points outside
		 * them is refused (the one file-system call of this file; HDFS has no symbolic links to follow). */
		if (source_kind != HD_SRC_LOCAL || !realpath(path, real) || any_match(r->paths, r->npaths, real))
			return HD_OK;
		return hd_err_set(err, HD_ERR_PRIVILEGE,
		                  "role '%s' may not read '%s': it resolves to '%s', which matches none of the role's path "
		                  "globs; nothing was read",
		                  r->name, unit_name, real);
	}
	list_text(list, sizeof list, r->paths, r->npaths);
	return hd_err_set(err, HD_ERR_PRIVILEGE,
	                  "role '%s' may not read '%s': it matches none of the role's path globs (%s); nothing was read",
	                  r->name, unit_name, list);
}

void
hd_access_role_free(hd_access_role *r)
{
	if (!r)
		return;
	hd_access_strv_free(r->clusters, r->nclusters);
	hd_access_strv_free(r->paths, r->npaths);
	hd_access_strv_free(r->hosts, r->nhosts);
	free(r);
}
