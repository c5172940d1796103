/* shape — recognizers for known JSON record shapes.
 *
 * After the JSON scanner flattened a record, each shape in shapes.def is
 * asked how well the record matches (0..100); the best one above 0
 * normalizes it: renames/aliases fields to the names Sigma rules use, sets
 * the logsource, the event time and ECS fields.  "generic" always matches
 * weakly and is the fallback.  One file per shape (shape-<name>.c). */
#ifndef SPOOR_SHAPE_H
#define SPOOR_SHAPE_H

#include "event/event-int.h"
#include "parse/ecs.h"
#include "parse/parser.h"

typedef struct shape_vt {
	const char *name;    /* shown as the event's shape: "windows", "m365-ual" ... */
	const char *summary; /* for `spoor formats` */
	int (*match)(const spoor_event *ev);
	int (*normalize)(spoor_event *ev, const parse_env *env);
} shape_vt;

size_t shape_count(void);
const shape_vt *shape_at(size_t i);
const shape_vt *shape_find(const char *name);
/* Best match for ev; never NULL (generic). hint = last shape used in this
 * file, tried first. */
const shape_vt *shape_detect(const spoor_event *ev, const shape_vt *hint);

/* Windows events from any JSON shape: fill ECS fields from the Sigma names
 * (EventID, Channel, Provider_Name, Computer, EventData names).  Also used
 * by the EVTX parser. */
int shape_windows_normalize(spoor_event *ev);

#endif
