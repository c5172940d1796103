/* sink — internal entry points of the output writers. */
#ifndef SPOOR_SINK_H
#define SPOOR_SINK_H

#include "spoor/output.h"

/* The event's JSON line (spoor cat's form) rendered in o's buffer and not
 * written; borrowed until the next call on o.  o must hold no unflushed
 * output. */
int out_event_text(spoor_out *o, spoor_event *ev, spoor_sv *text);

#endif
