/* sigma-stage — the Sigma matcher as a hunt stage (spoor/hunt.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/buf.h"
#include "detect/alert.h"
#include "detect/stage.h"
#include "event/event-int.h"
#include "event/field.h"

typedef struct sigma_stage {
	spoor_stage base;
	const spoor_ruleset *rs;
	spoor_matcher *m;
	buf details;
	uint64_t events, alerts;
	char summary[128];
} sigma_stage;

/* "name: value ¦ name: value" of the fields that matched */
static int details(buf *b, spoor_event *ev, const spoor_alert *al)
{
	buf_clear(b);
	int rc = 0;
	for (size_t i = 0; i < al->nfields && rc == 0; i++) {
		spoor_sv nm = spoor_field_name(ev->ctx, al->fields[i]);
		const efield *f = event_find(ev, al->fields[i]);
		spoor_sv t = {NULL, 0};
		if (f)
			event_text(ev, f, &t);
		if (i)
			rc = buf_adds(b, " \xC2\xA6 ");
		if (rc == 0)
			rc = buf_add(b, nm.p, nm.n);
		if (rc == 0)
			rc = buf_adds(b, ": ");
		if (rc == 0 && t.n)
			rc = buf_add(b, t.p, MIN(t.n, (size_t)512));
	}
	return rc;
}

static int sg_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	sigma_stage *s = (sigma_stage *)st;
	s->events++;
	int na = spoor_matcher_match(s->m, ev);
	if (na < 0)
		return na;
	for (int k = 0; k < na; k++) {
		spoor_alert al;
		spoor_sv js;
		spoor_rule_info ri;
		int rc = spoor_matcher_alert(s->m, (size_t)k, &al);
		if (rc == 0)
			rc = spoor_matcher_alert_json(s->m, (size_t)k, ev, &js);
		if (rc == 0)
			rc = spoor_ruleset_rule(s->rs, al.rule, &ri);
		if (rc == 0)
			rc = details(&s->details, ev, &al);
		if (rc < 0)
			return rc;
		alert_attack att;
		alert_attack_from_tags(&att, ri.tags, ri.ntags);
		spoor_finding f = {
		    .rule_id = ri.id,
		    .rule_name = ri.title,
		    .ruleset = "sigma",
		    .level = ri.level,
		    .techniques = att.tech,
		    .ntechniques = att.ntech,
		    .tactics = att.tactic,
		    .ntactics = att.ntactic,
		    .ts = ev->has_ts ? ev->ts : 0,
		    .ev = ev,
		    .details = {s->details.p, s->details.len},
		    .json = js,
		};
		s->alerts++;
		rc = fn(&f, payload);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *sg_summary(spoor_stage *st)
{
	sigma_stage *s = (sigma_stage *)st;
	snprintf(s->summary, sizeof(s->summary), "%" PRIu64 " events matched, %" PRIu64 " alerts", s->events,
		 s->alerts);
	return s->summary;
}

static void sg_free(spoor_stage *st)
{
	sigma_stage *s = (sigma_stage *)st;
	spoor_matcher_free(s->m);
	buf_done(&s->details);
	free(s);
}

static const stage_ops sigma_ops = {
    .name = "sigma",
    .event = sg_event,
    .summary = sg_summary,
    .free = sg_free,
};

SPOOR_API int spoor_sigma_stage_new(spoor_stage **out, const spoor_ruleset *rs, spoor_diag *diag)
{
	sigma_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	s->base.ops = &sigma_ops;
	s->rs = rs;
	buf_init(&s->details, 1u << 16);
	int rc = spoor_matcher_new(&s->m, rs, diag);
	if (rc < 0) {
		sg_free(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
