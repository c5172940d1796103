/* stage — the library side of spoor_stage (spoor/hunt.h).
 *
 * A concrete stage embeds `spoor_stage` as its first member and points it
 * at a const table of operations; the public calls dispatch through it
 * (the vtable-by-table pattern of libgit2's backends and Suricata's
 * output modules).  A new engine is one file with one table. */
#ifndef SPOOR_STAGE_H
#define SPOOR_STAGE_H

#include "spoor/hunt.h"

typedef struct stage_ops {
	const char *name;
	int (*event)(spoor_stage *s, spoor_event *ev, spoor_finding_fn fn, void *payload);
	/* may be NULL: nothing to do at the end */
	int (*finish)(spoor_stage *s, spoor_finding_fn fn, void *payload, spoor_diag *diag);
	/* may be NULL: no summary */
	const char *(*summary)(spoor_stage *s);
	void (*free)(spoor_stage *s);
} stage_ops;

struct spoor_stage {
	const stage_ops *ops;
};

#endif
