/* alert — one JSON line per alert, the same shape from every engine. */
#include "detect/alert.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "base/timeparse.h"
#include "event/event-int.h"

/* ATT&CK tactic tags (attack.<name>) -> ECS threat.tactic.name. */
static const struct {
	const char *tag, *name;
} tactics[] = {
    {"reconnaissance", "Reconnaissance"},
    {"resource-development", "Resource Development"},
    {"initial-access", "Initial Access"},
    {"execution", "Execution"},
    {"persistence", "Persistence"},
    {"privilege-escalation", "Privilege Escalation"},
    {"defense-evasion", "Defense Evasion"},
    {"stealth", "Stealth"},			  /* ATT&CK v18 split Defense Evasion into */
    {"defense-impairment", "Defense Impairment"}, /* Stealth and Defense Impairment */
    {"credential-access", "Credential Access"},
    {"discovery", "Discovery"},
    {"lateral-movement", "Lateral Movement"},
    {"collection", "Collection"},
    {"command-and-control", "Command and Control"},
    {"exfiltration", "Exfiltration"},
    {"impact", "Impact"},
};

const char *alert_tactic_name(const char *tag)
{
	for (size_t k = 0; k < ARRAY_SIZE(tactics); k++)
		if (!strcasecmp(tag, tactics[k].tag))
			return tactics[k].name;
	return NULL;
}

static bool is_technique(const char *t)
{
	/* attack.t1234 or attack.t1234.001 */
	if (strncasecmp(t, "attack.t", 8))
		return false;
	const char *p = t + 8;
	size_t d = 0;
	while (p[d] >= '0' && p[d] <= '9')
		d++;
	return d == 4 && (p[4] == 0 || (p[4] == '.' && strlen(p + 5) == 3));
}

void alert_attack_from_tags(alert_attack *a, const char *const *tags, size_t ntags)
{
	a->ntech = a->ntactic = 0;
	for (size_t t = 0; t < ntags; t++) {
		const char *tag = tags[t];
		if (is_technique(tag) && a->ntech < ALERT_MAX_ATTACK) {
			snprintf(a->tech_buf[a->ntech], sizeof(a->tech_buf[0]), "T%s", tag + 8);
			a->tech[a->ntech] = a->tech_buf[a->ntech];
			a->ntech++;
		} else if (!strncasecmp(tag, "attack.", 7) && a->ntactic < ALERT_MAX_ATTACK) {
			const char *n = alert_tactic_name(tag + 7);
			if (n)
				a->tactic[a->ntactic++] = n;
		}
	}
}

int json_str(buf *b, const char *p, size_t n)
{
	int r = buf_addc(b, '"');
	if (r == 0)
		r = buf_add_json_str(b, p, n);
	if (r == 0)
		r = buf_addc(b, '"');
	return r;
}

static int key(buf *b, const char *k)
{
	/* the object is open: "{" was written by alert_begin; members after
	 * the first are preceded by a comma */
	int r = buf_adds(b, b->len && b->p[b->len - 1] == '{' ? "\"" : ",\"");
	if (r == 0)
		r = buf_adds(b, k);
	if (r == 0)
		r = buf_adds(b, "\":");
	return r;
}

int alert_str(buf *b, const char *k, const char *p, size_t n)
{
	int r = key(b, k);
	return r ? r : json_str(b, p, n);
}

int alert_cstr(buf *b, const char *k, const char *s)
{
	return s ? alert_str(b, k, s, MIN(strlen(s), (size_t)ALERT_MAX_RULE_STR)) : 0;
}

int alert_u64(buf *b, const char *k, uint64_t v)
{
	int r = key(b, k);
	return r ? r : buf_add_u64(b, v);
}

int alert_i64(buf *b, const char *k, int64_t v)
{
	int r = key(b, k);
	return r ? r : buf_add_i64(b, v);
}

int alert_time(buf *b, const char *k, int64_t ns)
{
	char ts[40];
	size_t tl = time_format(ns, ts);
	return alert_str(b, k, ts, tl);
}

int alert_raw(buf *b, const char *k, const char *json, size_t n)
{
	int r = key(b, k);
	return r ? r : buf_add(b, json, n);
}

int alert_event_field(buf *b, spoor_event *ev, const char *k, uint32_t id)
{
	const efield *f = event_find(ev, id);
	spoor_sv t;
	if (!f || f->type == SPOOR_VT_NULL || !event_text(ev, f, &t))
		return 0;
	return alert_str(b, k, t.p, MIN(t.n, (size_t)ALERT_MAX_VALUE));
}

static int str_array(buf *b, const char *k, const char *const *v, size_t n)
{
	if (!n)
		return 0;
	int r = key(b, k);
	for (size_t i = 0; i < n && r == 0; i++) {
		r = buf_addc(b, i ? ',' : '[');
		if (r == 0)
			r = json_str(b, v[i], strlen(v[i]));
	}
	return r ? r : buf_addc(b, ']');
}

int alert_begin(buf *b, const spoor_finding *f, const char *path)
{
	buf_clear(b);
	int rc = buf_addc(b, '{');
	spoor_event *ev = f->ev;
	if (rc == 0 && f->ts)
		rc = alert_time(b, "@timestamp", f->ts);
	if (rc == 0)
		rc = alert_cstr(b, "rule.id", f->rule_id);
	if (rc == 0)
		rc = alert_cstr(b, "rule.name", f->rule_name);
	if (rc == 0)
		rc = alert_cstr(b, "rule.ruleset", f->ruleset);
	if (rc == 0 && f->level)
		rc = alert_cstr(b, "rule.level", spoor_level_name(f->level));
	if (rc == 0)
		rc = alert_cstr(b, "rule.path", path);
	if (rc == 0)
		rc = str_array(b, "threat.technique.id", f->techniques, f->ntechniques);
	if (rc == 0)
		rc = str_array(b, "threat.tactic.name", f->tactics, f->ntactics);
	if (!ev || rc)
		return rc;
	rc = alert_event_field(b, ev, "host.name", F_HOST_NAME);
	if (rc == 0)
		rc = alert_event_field(b, ev, "user.name", F_USER_NAME);
	if (rc == 0)
		rc = alert_event_field(b, ev, "source.ip", F_SOURCE_IP);
	if (rc == 0)
		rc = alert_event_field(b, ev, "destination.ip", F_DESTINATION_IP);
	if (rc == 0 && ev->ls.channel.n)
		rc = alert_str(b, "winlog.channel", ev->ls.channel.p, MIN(ev->ls.channel.n, (size_t)ALERT_MAX_VALUE));
	if (rc == 0)
		rc = alert_event_field(b, ev, "event.code", F_WIN_EVENT_ID);
	if (rc == 0)
		rc = alert_event_field(b, ev, "spoor.agency", F_SPOOR_AGENCY);
	if (rc == 0)
		rc = alert_event_field(b, ev, "spoor.provider", F_SPOOR_PROVIDER);
	if (rc == 0)
		rc = alert_cstr(b, "log.file.path", ev->origin.path);
	if (rc == 0)
		rc = alert_u64(b, "log.offset", ev->origin.offset);
	if (rc == 0 && ev->origin.line)
		rc = alert_u64(b, "spoor.line", ev->origin.line);
	if (rc == 0 && ev->origin.record_id)
		rc = alert_u64(b, "spoor.record_id", ev->origin.record_id);
	if (rc == 0) {
		const efield *lf = event_find(ev, F_SPOOR_EVIDENCE_LEAF);
		if (lf)
			rc = alert_raw(b, "spoor.evidence.leaf", lf->val.p, lf->val.n);
	}
	return rc;
}

int alert_end(buf *b)
{
	return buf_adds(b, "}\n");
}
