/* alert — one JSON line per alert, the same shape from every engine.
 *
 *   {"@timestamp", "rule.id", "rule.name", "rule.ruleset", "rule.level",
 *    ["rule.path"], "threat.technique.id": [...], "threat.tactic.name": [...],
 *    then, when the alert has an event: host.name, user.name, source.ip,
 *    destination.ip, winlog.channel, event.code, log.file.path, log.offset,
 *    spoor.line / spoor.record_id, spoor.evidence.leaf,
 *    then the engine's own members (alert_str, alert_u64, ...),
 *    and "}\n" from alert_end}.
 *
 * Keys are ECS names where ECS has one; spoor's own go under "spoor.".
 * Values taken from events are capped at ALERT_MAX_VALUE bytes: an alert
 * is a pointer to evidence, not a copy of it. */
#ifndef SPOOR_ALERT_H
#define SPOOR_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "spoor/hunt.h"

#define ALERT_MAX_VALUE	   1024 /* bytes of one event value in an alert */
#define ALERT_MAX_RULE_STR 4096 /* bytes of a rule's title, id, path */
#define ALERT_MAX_ATTACK   16	/* techniques and tactics kept per alert */

/* ATT&CK ids from Sigma-style tags ("attack.t1110.003" -> "T1110.003",
 * "attack.credential-access" -> "Credential Access"). */
typedef struct alert_attack {
	char tech_buf[ALERT_MAX_ATTACK][16];
	const char *tech[ALERT_MAX_ATTACK];
	const char *tactic[ALERT_MAX_ATTACK];
	size_t ntech, ntactic;
} alert_attack;
void alert_attack_from_tags(alert_attack *a, const char *const *tags, size_t ntags);
/* "Credential Access" for "credential-access" (case-insensitive), or NULL. */
const char *alert_tactic_name(const char *tag);

/* Start the alert: meta members of f (rule_*, level, techniques, tactics,
 * ts) and, when f->ev is set, the event's key fields and origin.  `path`
 * (the rule file) may be NULL.  The alert is an open JSON object: add
 * members, then alert_end.  All return 0 or SPOOR_ENOMEM. */
int alert_begin(buf *b, const spoor_finding *f, const char *path);
int alert_str(buf *b, const char *key, const char *p, size_t n);
int alert_cstr(buf *b, const char *key, const char *s);
int alert_u64(buf *b, const char *key, uint64_t v);
int alert_i64(buf *b, const char *key, int64_t v);
int alert_time(buf *b, const char *key, int64_t ns);
/* a member whose value is JSON text the caller built (an array, an object) */
int alert_raw(buf *b, const char *key, const char *json, size_t n);
/* the value of event field `id` under `key`, if the event has it */
int alert_event_field(buf *b, spoor_event *ev, const char *key, uint32_t id);
int alert_end(buf *b);

/* A JSON string (quoted, escaped) appended to b. */
int json_str(buf *b, const char *p, size_t n);

#endif
