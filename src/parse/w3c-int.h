/* w3c-int — the W3C field-name -> ECS mapping of parse-w3c.c, shared with
 * formats that carry the same names (IIS logging to the Windows event log,
 * parse-winxml.c).  Per record: w3c_apply() for each (role, value), then
 * w3c_finish() once. */
#ifndef SPOOR_W3C_INT_H
#define SPOOR_W3C_INT_H

#include <stdbool.h>

#include "event/event-int.h"
#include "parse/parser.h"

struct w3c_acc;

/* The role of a W3C field name (cs-username, c-ip, ...); 0 = none.  A
 * linear search: call it once per name, not per record. */
int w3c_role(spoor_sv name);
/* Values of this role are numbers (sc-status, sc-bytes, s-port, ...). */
bool w3c_role_numeric(int role);
/* ECS fields for one value (a view that lives as long as the event). */
int w3c_apply(const parse_env *env, spoor_event *ev, int role, spoor_sv v, struct w3c_acc *acc);
/* Record-wide ECS fields; line is searched for OWA's "reason=2". */
int w3c_finish(spoor_event *ev, spoor_sv line, const struct w3c_acc *acc);

/* Accumulator (opaque to callers; sized here so it can live on the stack). */
struct w3c_acc {
	spoor_sv date, tim, stem, query, method, status, data, context;
};

#endif
