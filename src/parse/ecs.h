/* ecs — helpers that fill normalized ECS fields from source values.
 *
 * Every setter ignores empty values and placeholders ("-", "N/A", "null"),
 * marks the field SPOOR_FF_ECS, and keeps views zero-copy unless the value
 * has to be rewritten.  related.user / related.ip collect every identity
 * and address seen in the event (the JSON-lines sink prints them as
 * arrays). */
#ifndef SPOOR_ECS_H
#define SPOOR_ECS_H

#include <stdbool.h>

#include "event/event-int.h"

/* EF_JSAFE when v needs no JSON escaping, EF_HI when it has bytes >= 0x80
 * (to validate as UTF-8 on output), else 0. */
unsigned ecs_str_flags(spoor_sv v);

/* True for "", "-", "N/A", "null", "(null)", "unknown" and similar. */
bool ecs_is_placeholder(spoor_sv v);

/* Set ECS field id to a source field's value (type kept). */
int ecs_copy(spoor_event *ev, uint32_t id, const efield *src);
/* Same from a source field id; no-op when absent. */
int ecs_copy_id(spoor_event *ev, uint32_t id, uint32_t src_id);
/* Set from text (a view that lives as long as the event). */
int ecs_set(spoor_event *ev, uint32_t id, spoor_sv v);
int ecs_set_num(spoor_event *ev, uint32_t id, spoor_sv v);
int ecs_set_cstr(spoor_event *ev, uint32_t id, const char *s);
/* An IP (v4 or v6, brackets and "::ffff:" handled); invalid text is not
 * set.  Also adds related.ip. */
int ecs_set_ip(spoor_event *ev, uint32_t id, spoor_sv v);
/* A user: "DOMAIN\\user" -> user.domain + user.name; "user@domain" ->
 * user.name (whole) + user.domain + user.email.  Also related.user. */
int ecs_set_user(spoor_event *ev, spoor_sv v);
int ecs_add_related_user(spoor_event *ev, spoor_sv v);
int ecs_add_related_ip(spoor_event *ev, spoor_sv v);
/* event.outcome: "success" / "failure" / "unknown". */
int ecs_set_outcome(spoor_event *ev, int success);
/* Parse a timestamp (any supported form, ctx zone for zone-less) and make
 * it the event time; false if it does not parse. */
bool ecs_set_time(spoor_event *ev, spoor_sv v);
/* The decoded text of the field with this id (JSON escapes undone). */
bool ecs_text(spoor_event *ev, uint32_t id, spoor_sv *out);
/* Validate an IP literal; on success *norm is the bare address. */
bool ecs_ip_valid(spoor_sv v, spoor_sv *norm);

#endif
