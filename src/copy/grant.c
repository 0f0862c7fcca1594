/*
 * grant.c — Redshift's GRANT / REVOKE ASSUMEROLE statements (pages r_GRANT, r_REVOKE) into an hd_grant, for access/
 * to execute against the role catalog. PostgreSQL never sees these statements: its parser would reject them.
 *
 *   GRANT  ASSUMEROLE ON { 'role' [, ...] | ALL } TO   { user | ROLE role | PUBLIC } [, ...] FOR { COPY | ALL }
 *   REVOKE ASSUMEROLE ON { 'role' [, ...] | ALL } FROM { user | ROLE role | PUBLIC } [, ...] FOR { COPY | ALL }
 *
 * Tokens come from the COPY lexer (lex.c), so quoting, comments and E'…' strings behave as in COPY. A role string
 * is an ARN ("arn:aws:iam::123456789012:role/NAME", reduced to NAME as IAM_ROLE is) or a bare role name. User names
 * are identifiers: plain ones fold to lower case, "quoted" ones keep their case, as PostgreSQL does. Errors name the
 * byte position, never quote a string constant (a mistyped statement may hold anything).
 */
#include "copy/copy.h"
#include "copy/copy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/sys.h"

#define GRANT_MAX_ITEMS 1000 /* roles or grantees in one statement */

typedef struct gp {
	hd_toklist tl;
	size_t i;
	hd_err *err;
} gp;

static const hd_token *
cur(const gp *p)
{
	return &p->tl.v[p->i];
}

static void
advance(gp *p)
{
	if (p->tl.v[p->i].kind != HD_TK_EOF)
		p->i++;
}

static bool
accept_kw(gp *p, const char *kw)
{
	const hd_token *t = cur(p);
	if (t->kind == HD_TK_IDENT && strcmp(t->text, kw) == 0) {
		advance(p);
		return true;
	}
	return false;
}

static bool
accept_punct(gp *p, char c)
{
	if (cur(p)->kind == HD_TK_PUNCT && cur(p)->punct == c) {
		advance(p);
		return true;
	}
	return false;
}

static hd_code fail(gp *p, hd_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static hd_code
fail(gp *p, hd_code code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hd_err_set(p->err, code, "%s at position %zu", msg, cur(p)->pos + 1);
}

static hd_code
push(void **v, int *n, size_t size, hd_err *err)
{
	void *nv;
	if (*n >= GRANT_MAX_ITEMS)
		return hd_err_set(err, HD_ERR_LIMIT, "more than %d roles or grantees in one statement", GRANT_MAX_ITEMS);
	if (!(nv = hd_realloc(*v, (size_t)(*n + 1) * size)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	*v = nv;
	memset((char *)nv + (size_t)*n * size, 0, size);
	(*n)++;
	return HD_OK;
}

static hd_code
parse_roles(gp *p, hd_grant *g)
{
	hd_code r;
	if (accept_kw(p, "all")) {
		g->all_roles = true;
		return HD_OK;
	}
	do {
		const hd_token *t = cur(p);
		char *name;
		if (t->kind != HD_TK_STRING)
			return fail(p, HD_ERR_SYNTAX, "expected a role ('arn:aws:iam::…:role/NAME' or 'NAME') or ALL");
		if (t->len == 0 || memchr(t->text, '\0', t->len))
			return fail(p, HD_ERR_SYNTAX, "a role must be a non-empty string");
		if ((r = push((void **)&g->roles, &g->nroles, sizeof *g->roles, p->err)) != HD_OK)
			return r;
		if (!(name = hd_copy_role_name_of(t->text)))
			return hd_err_set(p->err, HD_ERR_NOMEM, "out of memory");
		g->roles[g->nroles - 1] = name;
		if (!name[0])
			return fail(p, HD_ERR_SYNTAX, "the role ARN has an empty role name");
		advance(p);
	} while (accept_punct(p, ','));
	return HD_OK;
}

static hd_code
parse_grantees(gp *p, hd_grant *g)
{
	hd_code r;
	do {
		const hd_token *t = cur(p), *next = &p->tl.v[p->i + (cur(p)->kind != HD_TK_EOF)];
		char type = 'u';
		if (t->kind == HD_TK_IDENT && strcmp(t->text, "public") == 0) {
			type = 'p';
		} else if (t->kind == HD_TK_IDENT && strcmp(t->text, "role") == 0 &&
		           ((next->kind == HD_TK_IDENT && strcmp(next->text, "for") != 0) || next->kind == HD_TK_QIDENT)) {
			type = 'g';
			advance(p);
			t = cur(p);
		} else if (t->kind == HD_TK_IDENT && strcmp(t->text, "group") == 0 &&
		           (next->kind == HD_TK_IDENT || next->kind == HD_TK_QIDENT)) {
			return fail(p, HD_ERR_SYNTAX, "ASSUMEROLE is granted to a user, ROLE name or PUBLIC, not to a GROUP");
		} else if ((t->kind != HD_TK_IDENT && t->kind != HD_TK_QIDENT) ||
		           (t->kind == HD_TK_IDENT && strcmp(t->text, "for") == 0)) { /* FOR is reserved */
			return fail(p, HD_ERR_SYNTAX, "expected a user name, ROLE name or PUBLIC");
		}
		if ((r = push((void **)&g->grantees, &g->ngrantees, sizeof *g->grantees, p->err)) != HD_OK)
			return r;
		g->grantees[g->ngrantees - 1].type = type;
		if (type != 'p') {
			if (t->len == 0 || t->len > 63 || memchr(t->text, '\0', t->len))
				return fail(p, HD_ERR_SYNTAX, "a user or role name must have 1 to 63 bytes");
			if (!(g->grantees[g->ngrantees - 1].name = hd_strdup(t->text)))
				return hd_err_set(p->err, HD_ERR_NOMEM, "out of memory");
		}
		advance(p);
	} while (accept_punct(p, ','));
	return HD_OK;
}

hd_code
hd_grant_parse(const char *sql, size_t len, hd_grant **out, hd_err *err)
{
	gp p = { .i = 0, .err = err };
	hd_grant *g;
	hd_code r;

	*out = NULL;
	if (!(g = hd_calloc(1, sizeof *g)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if ((r = hd_copy_lex(sql ? sql : "", len, &p.tl, err)) != HD_OK) {
		free(g);
		return r;
	}
	if (accept_kw(&p, "grant")) {
		g->revoke = false;
	} else if (accept_kw(&p, "revoke")) {
		g->revoke = true;
	} else {
		r = fail(&p, HD_ERR_SYNTAX, "expected GRANT or REVOKE");
		goto out;
	}
	if (!accept_kw(&p, "assumerole")) {
		r = fail(&p, HD_ERR_SYNTAX, "expected ASSUMEROLE");
		goto out;
	}
	if (!accept_kw(&p, "on")) {
		r = fail(&p, HD_ERR_SYNTAX, "expected ON");
		goto out;
	}
	if ((r = parse_roles(&p, g)) != HD_OK)
		goto out;
	if (!accept_kw(&p, g->revoke ? "from" : "to")) {
		r = fail(&p, HD_ERR_SYNTAX, "expected %s", g->revoke ? "FROM" : "TO");
		goto out;
	}
	if ((r = parse_grantees(&p, g)) != HD_OK)
		goto out;
	if (!accept_kw(&p, "for")) {
		r = fail(&p, HD_ERR_SYNTAX, "expected FOR COPY or FOR ALL");
		goto out;
	}
	if (accept_kw(&p, "copy")) {
		g->for_all = false;
	} else if (accept_kw(&p, "all")) {
		g->for_all = true;
	} else if (cur(&p)->kind == HD_TK_IDENT &&
	           (strcmp(cur(&p)->text, "unload") == 0 || strcmp(cur(&p)->text, "external") == 0 ||
	            strcmp(cur(&p)->text, "create") == 0)) {
		r = fail(&p, HD_ERR_UNSUPPORTED, "hdcopy runs only COPY: grant ASSUMEROLE FOR COPY or FOR ALL");
		goto out;
	} else {
		r = fail(&p, HD_ERR_SYNTAX, "expected COPY or ALL after FOR");
		goto out;
	}
	if (cur(&p)->kind != HD_TK_EOF) {
		r = fail(&p, HD_ERR_SYNTAX, "unexpected text after FOR %s", g->for_all ? "ALL" : "COPY");
		goto out;
	}
	r = HD_OK;
out:
	hd_copy_toklist_free(&p.tl);
	if (r != HD_OK) {
		hd_grant_free(g);
		return r;
	}
	*out = g;
	return HD_OK;
}

void
hd_grant_free(hd_grant *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nroles; i++)
		free(g->roles[i]);
	free(g->roles);
	for (int i = 0; i < g->ngrantees; i++)
		free(g->grantees[i].name);
	free(g->grantees);
	free(g);
}

/* A keyword at s[i..len): returns the position after it, or 0 when s[i..] does not start with it. */
static size_t
keyword_at(const char *s, size_t len, size_t i, const char *kw)
{
	size_t n = strlen(kw);
	if (len - i < n || strncasecmp(s + i, kw, n) != 0)
		return 0;
	if (len - i > n && hd_copy_is_ident_char((unsigned char)s[i + n]))
		return 0;
	return i + n;
}

bool
hd_stmt_is_assumerole(const hd_stmt *st)
{
	size_t i, e;

	if (!st || !st->text)
		return false;
	i = hd_copy_skip_blank(st->text, st->len, 0, NULL, NULL);
	if (!(e = keyword_at(st->text, st->len, i, "grant")) && !(e = keyword_at(st->text, st->len, i, "revoke")))
		return false;
	i = hd_copy_skip_blank(st->text, st->len, e, NULL, NULL);
	return keyword_at(st->text, st->len, i, "assumerole") != 0;
}
