/*
 * units.c — freeing a list of units. Each hd_unit owns its name; the list owns the array.
 */
#include "source/source.h"

#include <stdlib.h>

void
hd_units_free(hd_units *u)
{
	if (!u)
		return;
	for (int i = 0; i < u->n; i++) {
		free(u->v[i].name);
		free(u->v[i].priv); /* SSH sources: the unit's manifest entry */
	}
	free(u->v);
	u->v = NULL;
	u->n = 0;
}
