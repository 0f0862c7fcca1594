/*
 * fuzz_hjson.c — the strict JSON parser of WebHDFS and JMX answers (source/hjson.c), and the navigation webhdfs.c
 * and cluster.c do with it: FileStatuses / RemoteException members, and JMX's beans[0].LiveNodes, a string that
 * holds a JSON object parsed a second time. (webhdfs.c's own answer handlers are static and tied to curl; the
 * parsing they do is this.)
 *
 * Input: the document.
 * Invariants: the text sits in an exactly-sized heap block (ASan); parse succeeds or fails with a message and an
 * empty result; on success the token array is a well-formed pre-order tree: token 0's next == n, every token's
 * [start, end) lies inside the text, next > i and within the parent's subtree, a container's count equals its
 * children walked through next, an object has an even count; every string decodes (strdup) to the length
 * hd_hjson_str reports and compares equal to itself (str_eq, when it holds no NUL); hd_hjson_get finds each key;
 * parsing twice gives the same tokens; a token limit makes a parse fail with HD_ERR_LIMIT, never overrun.
 */
#include "fuzz_common.h"

#include "source/hjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_tree(const hd_hjson *j, size_t len)
{
	FUZZ_CHECK(j->n >= 1 && j->t[0].next == j->n);
	for (uint32_t i = 0; i < j->n; i++) {
		const hd_hj_tok *t = &j->t[i];
		FUZZ_CHECK(t->type >= HD_HJ_OBJECT && t->type <= HD_HJ_NULL);
		FUZZ_CHECK(t->start <= t->end && t->end <= len);
		FUZZ_CHECK(t->next > i && t->next <= j->n);
		if (t->type == HD_HJ_OBJECT || t->type == HD_HJ_ARRAY) {
			uint32_t c = 0, k = i + 1;
			while (k < t->next) {
				FUZZ_CHECK(j->t[k].next <= t->next);
				if (t->type == HD_HJ_OBJECT && c % 2 == 0) {
					/* a key: a string; hd_hjson_get must find some member with it */
					size_t kl;
					char *key;
					FUZZ_CHECK(j->t[k].type == HD_HJ_STRING);
					key = hd_hjson_strdup(j, (int)k, &kl);
					FUZZ_CHECK(key != NULL);
					if (strlen(key) == kl)
						FUZZ_CHECK(hd_hjson_get(j, (int)i, key) >= 0);
					free(key);
				}
				k = j->t[k].next;
				c++;
			}
			FUZZ_CHECK(k == t->next && c == t->count);
			if (t->type == HD_HJ_OBJECT)
				FUZZ_CHECK(c % 2 == 0);
		} else {
			FUZZ_CHECK(t->next == i + 1 && t->count == 0);
		}
		if (t->type == HD_HJ_STRING) {
			size_t sl;
			char *s = hd_hjson_strdup(j, (int)i, &sl);
			char small[16];
			long r;
			FUZZ_CHECK(s != NULL);
			FUZZ_CHECK(sl <= (size_t)(t->end - t->start));
			r = hd_hjson_str(j, (int)i, small, sizeof small);
			FUZZ_CHECK(r == -1 ? sl >= sizeof small : (size_t)r == sl && memcmp(small, s, sl) == 0);
			if (strlen(s) == sl)
				FUZZ_CHECK(hd_hjson_str_eq(j, (int)i, s));
			free(s);
		}
		if (t->type == HD_HJ_NUMBER) {
			uint64_t u;
			(void)hd_hjson_u64(j, (int)i, &u);
		}
	}
}

/* What cluster.c / webhdfs.c read: beans[0].LiveNodes (a JSON string holding an object of nodes). */
static void
jmx_walk(const hd_hjson *j)
{
	int beans = hd_hjson_get(j, 0, "beans"), b0, ln;
	char *inner;
	size_t ilen;
	hd_hjson in;
	hd_err err;

	(void)hd_hjson_get(j, hd_hjson_get(j, 0, "RemoteException"), "exception");
	(void)hd_hjson_get(j, hd_hjson_get(j, 0, "FileStatuses"), "FileStatus");
	if (!hd_hjson_is(j, beans, HD_HJ_ARRAY) || j->t[beans].count == 0)
		return;
	b0 = beans + 1;
	ln = hd_hjson_get(j, b0, "LiveNodes");
	if (!hd_hjson_is(j, ln, HD_HJ_STRING))
		return;
	inner = hd_hjson_strdup(j, ln, &ilen);
	FUZZ_CHECK(inner != NULL);
	if (hd_hjson_parse(inner, ilen, 4096, &in, &err) == HD_OK) {
		check_tree(&in, ilen);
		hd_hjson_free(&in);
	}
	free(inner);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_dup(data, size, false);
	hd_hjson j, j2, small;
	hd_err err;
	hd_code r;

	memset(&j, 0, sizeof j);
	r = hd_hjson_parse(text, size, 1u << 16, &j, &err);
	if (r != HD_OK) {
		FUZZ_CHECK(j.n == 0 && err.msg[0] != '\0');
		FUZZ_CHECK(r == HD_ERR_IO || r == HD_ERR_LIMIT);
	} else {
		check_tree(&j, size);
		jmx_walk(&j);
		FUZZ_CHECK(hd_hjson_parse(text, size, 1u << 16, &j2, &err) == HD_OK);
		FUZZ_CHECK(j2.n == j.n);
		for (uint32_t i = 0; i < j.n; i++) /* field by field: the struct has padding */
			FUZZ_CHECK(j.t[i].type == j2.t[i].type && j.t[i].start == j2.t[i].start && j.t[i].end == j2.t[i].end &&
			    j.t[i].count == j2.t[i].count && j.t[i].next == j2.t[i].next);
		hd_hjson_free(&j2);
		if (j.n > 1) {
			FUZZ_CHECK(hd_hjson_parse(text, size, j.n - 1, &small, &err) == HD_ERR_LIMIT);
			hd_hjson_free(&small);
		}
		hd_hjson_free(&j);
	}
	free(text);
	return 0;
}
