/* sigma-stage — the Sigma matcher as a hunt stage (spoor/hunt.h).
 *
 * Per event: match every rule; each matching rule feeds the correlations
 * that name it (sigma-corr.c) and raises its own alert unless a
 * correlation with generate: false silences it.  Correlation alerts come
 * when their windows are decided: during the run when a reorder tolerance
 * is set or a cap forces it, else at finish(). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/buf.h"
#include "detect/alert.h"
#include "detect/sigma/sigma-corr.h"
#include "detect/stage.h"
#include "event/event-int.h"
#include "event/field.h"

typedef struct sigma_stage {
	spoor_stage base;
	const spoor_ruleset *rs;
	spoor_matcher *m;
	corr_state *corr; /* NULL: no correlation runs */
	buf details;
	uint64_t events, alerts;
	char summary[512];
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
		if (rc == 0 && s->corr)
			rc = corr_feed_event(s->corr, (uint32_t)al.rule, ev, fn, payload);
		if (rc < 0)
			return rc;
		if (!ruleset_rule_emits(s->rs, al.rule))
			continue;
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
	return s->corr ? corr_after_event(s->corr, ev, fn, payload) : 0;
}

static int sg_finish(spoor_stage *st, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	sigma_stage *s = (sigma_stage *)st;
	if (!s->corr)
		return 0;
	int rc = corr_finish(s->corr, fn, payload);
	if (rc < 0 && rc != SPOOR_ENOMEM)
		return rc; /* the callback's own code */
	return rc < 0 ? diag_set(diag, rc, "correlations: out of memory") : 0;
}

static const char *sg_summary(spoor_stage *st)
{
	sigma_stage *s = (sigma_stage *)st;
	int n = snprintf(s->summary, sizeof(s->summary), "%" PRIu64 " events matched, %" PRIu64 " alerts", s->events,
			 s->alerts);
	if (s->corr && n > 0 && (size_t)n < sizeof(s->summary)) {
		corr_counters c;
		corr_get_counters(s->corr, &c);
		snprintf(s->summary + n, sizeof(s->summary) - (size_t)n,
			 "; correlations: %" PRIu64 " events fed, %" PRIu64 " windows matched, %" PRIu64
			 " without time, %" PRIu64 " late, caps hit: %" PRIu64 " groups evicted (max groups), %" PRIu64
			 " windows forced (max entries), %" PRIu64 " groups evicted (max total)",
			 c.fed, c.alerts, c.no_time, c.late, c.groups_evicted, c.windows_forced, c.total_evictions);
	}
	return s->summary;
}

static void sg_free(spoor_stage *st)
{
	sigma_stage *s = (sigma_stage *)st;
	spoor_matcher_free(s->m);
	corr_state_free(s->corr);
	buf_done(&s->details);
	free(s);
}

static const stage_ops sigma_ops = {
    .name = "sigma",
    .event = sg_event,
    .finish = sg_finish,
    .summary = sg_summary,
    .free = sg_free,
};

SPOOR_API int spoor_sigma_stage_new(spoor_stage **out, const spoor_ruleset *rs, spoor_diag *diag)
{
	return spoor_sigma_stage_new_opts(out, rs, NULL, diag);
}

SPOOR_API int spoor_sigma_stage_new_opts(spoor_stage **out, const spoor_ruleset *rs,
					 const spoor_sigma_stage_options *opts, spoor_diag *diag)
{
	spoor_sigma_stage_options o = SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	if (opts && opts->version != SPOOR_SIGMA_STAGE_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "spoor_sigma_stage_options version %u not supported",
				opts->version);
	if (opts)
		o = *opts;
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
	const corr_plan *cp = ruleset_corr_plan(rs);
	if (cp) {
		/* a reorder tolerance beyond 100 years is no tolerance at all */
		int64_t maxr = 100LL * 366 * 86400;
		corr_limits lim = {
		    .max_groups = o.corr_max_groups ? o.corr_max_groups : SPOOR_CORR_DEFAULT_MAX_GROUPS,
		    .max_entries = o.corr_max_entries ? o.corr_max_entries : SPOOR_CORR_DEFAULT_MAX_ENTRIES,
		    .max_total = o.corr_max_total ? o.corr_max_total : SPOOR_CORR_DEFAULT_MAX_TOTAL,
		    .reorder_ns =
			o.corr_reorder_s < 0 || o.corr_reorder_s > maxr ? -1 : o.corr_reorder_s * 1000000000LL,
		    .max_related = o.corr_max_related ? o.corr_max_related : SPOOR_CORR_DEFAULT_MAX_RELATED,
		};
		if ((rc = corr_state_new(&s->corr, cp, &lim)) < 0) {
			sg_free(&s->base);
			return diag_set(diag, rc, "out of memory");
		}
	}
	*out = &s->base;
	return 0;
}
