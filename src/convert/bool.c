/*
 * bool.c — boolean from text.
 *
 * Redshift r_Boolean_type lists the valid input literals: TRUE 't' 'true' 'y' 'yes' '1' and FALSE 'f' 'false' 'n'
 * 'no' '0'; case-insensitive. Surrounding white space is ignored as PostgreSQL's boolin does. Anything else is 1210
 * (r_Load_Error_Reference: BOOLEAN data type format error). PostgreSQL's extra forms ('on', 'off', prefixes such as
 * 'tr') are not accepted: Redshift doesn't list them.
 */
#include "convert/convert_int.h"

#include <string.h>
#include <strings.h>

int
hd_conv_bool_(const char *p, size_t n, hd_value *out, hd_convfail *fail)
{
	static const struct { const char *w; bool v; } words[] = {
		{"t", true}, {"true", true}, {"y", true}, {"yes", true}, {"1", true},
		{"f", false}, {"false", false}, {"n", false}, {"no", false}, {"0", false},
	};
	size_t b = 0, e = n, i;
	char q[48];

	while (b < e && hd_conv_isspace_((unsigned char)p[b]))
		b++;
	while (e > b && hd_conv_isspace_((unsigned char)p[e - 1]))
		e--;
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strlen(words[i].w) == e - b && strncasecmp(p + b, words[i].w, e - b) == 0) {
			out->kind = HD_V_BOOL;
			out->u.b = words[i].v;
			return HD_CONV_OK;
		}
	}
	hd_conv_quote_(q, sizeof q, p, n);
	return hd_conv_fail_(fail, 1210, "Invalid boolean format, Value '%s'", q);
}
