/* prov-stage — the provider-scope hunt stage (see prov-int.h).
 *
 * Each event is classified once against the inventory (inv_classify);
 * the analytics then read that classification.  An "access" is a
 * successful logon that starts a session: Windows 4624, sshd "Accepted",
 * a cloud sign-in (event.category authentication, outcome success, not a
 * logoff).  Kerberos and NTLM validations on a domain controller (4768,
 * 4769, 4776) are not accesses to the DC and are left out. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"
#include "detect/analytics/prov-int.h"
#include "event/event-int.h"
#include "event/field.h"

static spoor_sv text(spoor_event *ev, uint32_t id)
{
	spoor_sv t = {NULL, 0};
	const efield *f = event_find(ev, id);
	if (f && f->type != SPOOR_VT_NULL && !event_text(ev, f, &t))
		t.n = 0;
	return sv_trim(t);
}

static bool contains_ci(spoor_sv s, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= s.n; i++)
		if (sv_ieq(sv_make(s.p + i, n), sv_make(needle, n)))
			return true;
	return false;
}

static bool starts_ci(spoor_sv s, const char *pre)
{
	size_t n = strlen(pre);
	return s.n >= n && sv_ieq(sv_make(s.p, n), sv_make(pre, n));
}

static void classify_kind(prov_ev *e)
{
	spoor_event *ev = e->ev;
	spoor_sv cat = text(ev, F_EVENT_CATEGORY), act = text(ev, F_EVENT_ACTION);
	if ((sv_eq_cstr(cat, "authentication") || (cat.n > 14 && contains_ci(cat, "authentication"))) &&
	    sv_eq_cstr(text(ev, F_EVENT_OUTCOME), "success") && !contains_ci(act, "logged-out") &&
	    !contains_ci(act, "logoff") && !contains_ci(act, "logout") && !contains_ci(act, "disconnect")) {
		spoor_sv code = text(ev, F_WIN_EVENT_ID);
		if (!code.n && event_find(ev, F_WIN_CHANNEL))
			code = text(ev, F_EVENT_CODE);
		bool win = code.n != 0;
		e->access = win ? sv_eq_cstr(code, "4624") : true;
		if (e->access && win) {
			spoor_sv lt = e->logon_type = text(ev, F_WIN_LOGON_TYPE);
			e->interactive = sv_eq_cstr(lt, "2") || sv_eq_cstr(lt, "10") || sv_eq_cstr(lt, "11") ||
					 sv_eq_cstr(lt, "12") || sv_eq_cstr(lt, "13");
		} else if (e->access && event_find(ev, F_SSH_METHOD)) {
			spoor_sv m = text(ev, F_SSH_METHOD);
			e->interactive = sv_eq_cstr(m, "password") || sv_eq_cstr(m, "keyboard-interactive");
		} else if (e->access) {
			/* cloud sign-ins are made by a person unless marked otherwise */
			e->interactive = contains_ci(act, "loggedin") || contains_ci(act, "login") ||
					 contains_ci(act, "sign-in") || contains_ci(act, "signin");
		}
		return;
	}
	if (!act.n)
		return;
	if (sv_eq_cstr(act, "added-member-to-group") || starts_ci(act, "add member to role") ||
	    starts_ci(act, "add eligible member to role")) {
		e->privilege = true;
	} else if (sv_eq_cstr(act, "sudo_command") || sv_eq_cstr(act, "su")) {
		spoor_sv tgt = text(ev, F_USER_TARGET_NAME);
		e->privilege = sv_eq_cstr(act, "sudo_command")
				   ? (!tgt.n || sv_eq_cstr(tgt, "root"))
				   : (sv_eq_cstr(tgt, "root") && !sv_eq_cstr(text(ev, F_EVENT_OUTCOME), "failure"));
	}
}

const char *prov_str(prov_stage *s, spoor_sv v)
{
	char *c = arena_alloc(&s->ar, v.n + 1);
	if (!c)
		return "";
	if (v.n)
		memcpy(c, v.p, v.n);
	c[v.n] = 0;
	return c;
}

void prov_origin(const prov_ev *e, char *out, size_t cap)
{
	const spoor_origin *o = spoor_event_origin(e->ev);
	if (o->line)
		snprintf(out, cap, "%s:%" PRIu64, o->path ? o->path : "", o->line);
	else if (o->record_id)
		snprintf(out, cap, "%s#%" PRIu64, o->path ? o->path : "", o->record_id);
	else
		snprintf(out, cap, "%s@%" PRIu64, o->path ? o->path : "", o->offset);
}

bool prov_account_key(const prov_ev *e, char *out, size_t cap, size_t *n)
{
	spoor_sv u = e->m.user;
	if (!u.n || sv_eq_cstr(u, "-") || u.n + 3 > cap)
		return false;
	out[0] = 'u';
	out[1] = ':';
	for (size_t i = 0; i < u.n; i++)
		out[2 + i] = (u.p[i] >= 'A' && u.p[i] <= 'Z') ? (char)(u.p[i] + 32) : u.p[i];
	*n = u.n + 2;
	return true;
}

prov_track *prov_track_get(prov_stage *s, const char *key, size_t n, bool create)
{
	const struct inv_slot *sl = inv_map_get(&s->trackmap, key, n);
	if (sl)
		return &s->tracks[sl->val];
	if (!create)
		return NULL;
	if (s->ntracks >= s->o.max_tracked) {
		s->track_dropped++;
		return NULL;
	}
	if (s->ntracks == s->captracks) {
		size_t nc = s->captracks ? 2 * s->captracks : 256;
		prov_track *nv = xreallocarray(s->tracks, nc, sizeof(*nv));
		if (!nv)
			return NULL;
		s->tracks = nv;
		s->captracks = nc;
	}
	char *k = arena_memdup(&s->ar, key, n);
	if (!k || inv_map_put(&s->trackmap, k, n, (uint32_t)s->ntracks, 0) < 0)
		return NULL;
	prov_track *t = &s->tracks[s->ntracks++];
	memset(t, 0, sizeof(*t));
	t->provider = t->agency = t->host = t->logon_provider = INV_NONE;
	return t;
}

int prov_emit(prov_stage *s, prov_ev *e, const prov_rule *r, int64_t ts, const char *why, const char *const *kv,
	      spoor_finding_fn fn, void *payload)
{
	size_t nt = 0, nc = 0;
	while (nt < 3 && r->techniques[nt])
		nt++;
	while (nc < 3 && r->tactics[nc])
		nc++;
	spoor_finding f = {
	    .rule_id = r->id,
	    .rule_name = r->name,
	    .ruleset = "providers",
	    .level = r->level,
	    .techniques = r->techniques,
	    .ntechniques = nt,
	    .tactics = r->tactics,
	    .ntactics = nc,
	    .ts = ts,
	    .ev = e ? e->ev : NULL,
	};
	buf_clear(&s->details);
	int rc = buf_adds(&s->details, why);
	for (size_t i = 0; kv && kv[i] && rc == 0; i += 2) {
		if (!kv[i + 1] || !kv[i + 1][0])
			continue;
		rc = buf_printf(&s->details, " \xC2\xA6 %s: %s", kv[i], kv[i + 1]);
	}
	if (rc == 0)
		rc = alert_begin(&s->js, &f, NULL);
	if (rc == 0)
		rc = alert_cstr(&s->js, "spoor.violation", r->id + strlen("spoor-provider-"));
	if (rc == 0)
		rc = alert_cstr(&s->js, "message", why);
	for (size_t i = 0; kv && kv[i] && rc == 0; i += 2)
		if (kv[i + 1] && kv[i + 1][0])
			rc = alert_cstr(&s->js, kv[i], kv[i + 1]);
	if (rc == 0)
		rc = alert_end(&s->js);
	if (rc < 0)
		return rc;
	f.details = sv_make(s->details.p, s->details.len);
	f.json = sv_make(s->js.p, s->js.len);
	s->findings++;
	for (size_t i = 0; i < ARRAY_SIZE(s->by_rule); i++) {
		static const prov_rule *const all[] = {&prov_rule_unserved, &prov_rule_host,   &prov_rule_window,
						       &prov_rule_contract, &prov_rule_source, &prov_rule_interactive,
						       &prov_rule_stale,    &prov_rule_chain,  &prov_rule_privilege};
		if (all[i] == r)
			s->by_rule[i]++;
	}
	/* keep out-of-scope accesses for the report */
	uint32_t blame = e ? (e->m.provider != INV_NONE ? e->m.provider : e->blame) : INV_NONE;
	if (blame != INV_NONE) {
		if (s->nviols >= s->o.max_violations) {
			s->viols_dropped++;
		} else {
			if (s->nviols == s->capviols) {
				size_t ncap = s->capviols ? 2 * s->capviols : 64;
				prov_viol *nv = xreallocarray(s->viols, ncap, sizeof(*nv));
				if (!nv)
					return SPOOR_ENOMEM;
				s->viols = nv;
				s->capviols = ncap;
			}
			char org[600];
			prov_origin(e, org, sizeof(org));
			char src[48] = "";
			if (e->m.has_src)
				inv_format_ip(e->m.src, src, sizeof(src));
			prov_viol *v = &s->viols[s->nviols++];
			v->provider = blame;
			v->agency = e->m.agency;
			v->rule = r;
			v->ts = ts;
			v->host = prov_str(s, e->m.host_name);
			v->account = prov_str(s, e->m.user);
			v->src = prov_str(s, sv_cstr(src));
			v->origin = prov_str(s, sv_cstr(org));
			v->why = prov_str(s, sv_cstr(why));
		}
	}
	return fn(&f, payload);
}

/* What the provider reached, aggregated by (provider, agency, host,
 * account, source). */
static int record_reach(prov_stage *s, prov_ev *e)
{
	char src[48] = "";
	if (e->m.has_src)
		inv_format_ip(e->m.src, src, sizeof(src));
	char key[600];
	int kn = snprintf(key, sizeof(key), "%u|%u|%.*s|%.*s|%s", e->m.provider, e->m.agency,
			  (int)MIN(e->m.host_name.n, 200), e->m.host_name.p ? e->m.host_name.p : "",
			  (int)MIN(e->m.user.n, 200), e->m.user.p ? e->m.user.p : "", src);
	if (kn < 0 || (size_t)kn >= sizeof(key))
		return 0;
	for (int i = 0; i < kn; i++)
		key[i] = (key[i] >= 'A' && key[i] <= 'Z') ? (char)(key[i] + 32) : key[i];
	const struct inv_slot *sl = inv_map_get(&s->reachmap, key, (size_t)kn);
	prov_reach *r;
	if (sl) {
		r = &s->reach[sl->val];
	} else {
		if (s->nreach >= s->o.max_tracked * 4)
			return 0;
		if (s->nreach == s->capreach) {
			size_t nc = s->capreach ? 2 * s->capreach : 64;
			prov_reach *nv = xreallocarray(s->reach, nc, sizeof(*nv));
			if (!nv)
				return SPOOR_ENOMEM;
			s->reach = nv;
			s->capreach = nc;
		}
		char *k = arena_memdup(&s->ar, key, (size_t)kn);
		if (!k || inv_map_put(&s->reachmap, k, (size_t)kn, (uint32_t)s->nreach, 0) < 0)
			return SPOOR_ENOMEM;
		r = &s->reach[s->nreach++];
		memset(r, 0, sizeof(*r));
		r->provider = e->m.provider;
		r->agency = e->m.agency;
		r->host = prov_str(s, e->m.host_name);
		r->account = prov_str(s, e->m.user);
		r->src = prov_str(s, sv_cstr(src));
		r->first = e->ts;
	}
	r->count++;
	if (e->ts && (!r->first || e->ts < r->first))
		r->first = e->ts;
	if (e->ts > r->last)
		r->last = e->ts;
	return 0;
}

static int pv_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	prov_stage *s = (prov_stage *)st;
	const spoor_inventory *inv = s->inv;
	prov_ev e;
	memset(&e, 0, sizeof(e));
	e.ev = ev;
	e.blame = INV_NONE;
	s->events++;
	if (!inv_stage_cached(s->o.enricher, ev, &e.m))
		inv_classify(inv, ev, &e.m);
	if (ev->has_ts)
		e.ts = ev->ts;
	classify_kind(&e);
	e.p = e.m.provider != INV_NONE ? &inv->providers[e.m.provider] : NULL;
	int rc = 0;
	/* alerts carry spoor.agency / spoor.provider even without the
	 * enrichment stage in front */
	if (e.m.agency != INV_NONE && !event_find(ev, F_SPOOR_AGENCY))
		rc = event_set(ev, F_SPOOR_AGENCY, SPOOR_VT_STR, sv_cstr(inv->agencies[e.m.agency].id), SPOOR_FF_ECS);
	if (rc == 0 && e.p && !event_find(ev, F_SPOOR_PROVIDER))
		rc = event_set(ev, F_SPOOR_PROVIDER, SPOOR_VT_STR, sv_cstr(e.p->id), SPOOR_FF_ECS);
	if (rc < 0)
		return rc;
	if (e.access) {
		s->accesses++;
		/* the graph keeps logons that touch the inventory: a provider
		 * identity, or a target in an agency */
		if ((e.m.provider != INV_NONE || e.m.agency != INV_NONE || e.m.src_agency != INV_NONE) &&
		    (rc = prov_graph_event(&s->g, inv, &e)) < 0)
			return rc;
	}
	if (e.access && e.p) {
		s->provider_accesses++;
		if (e.m.agency != INV_NONE && (rc = record_reach(s, &e)) < 0)
			return rc;
	}
	static int (*const checks[])(prov_stage *, prov_ev *, spoor_finding_fn, void *) = {
	    prov_check_unserved,    prov_check_host,  prov_check_window, prov_check_contract,  prov_check_source,
	    prov_check_interactive, prov_check_stale, prov_check_chain,	 prov_check_privilege,
	};
	uint64_t before = s->findings;
	for (size_t i = 0; i < ARRAY_SIZE(checks) && rc == 0; i++) {
		e.violated = s->findings > before;
		rc = checks[i](s, &e, fn, payload);
	}
	return rc;
}

static int pv_finish(spoor_stage *st, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	(void)diag;
	prov_stage *s = (prov_stage *)st;
	if (s->finished)
		return 0;
	s->finished = true;
	return prov_stale_finish(s, fn, payload);
}

static const char *pv_summary(spoor_stage *st)
{
	prov_stage *s = (prov_stage *)st;
	snprintf(s->summary, sizeof(s->summary),
		 "%" PRIu64 " events, %" PRIu64 " accesses, %" PRIu64 " by providers, %" PRIu64 " findings%s",
		 s->events, s->accesses, s->provider_accesses, s->findings,
		 s->track_dropped || s->viols_dropped || s->g.dropped ? " (some state dropped at limits)" : "");
	return s->summary;
}

static void pv_free(spoor_stage *st)
{
	prov_stage *s = (prov_stage *)st;
	prov_graph_done(&s->g);
	inv_map_done(&s->trackmap);
	inv_map_done(&s->stalemap);
	inv_map_done(&s->reachmap);
	free(s->tracks);
	free(s->stales);
	free(s->reach);
	free(s->viols);
	buf_done(&s->js);
	buf_done(&s->details);
	arena_done(&s->ar);
	free(s);
}

const stage_ops prov_stage_ops = {
    .name = "providers",
    .event = pv_event,
    .finish = pv_finish,
    .summary = pv_summary,
    .free = pv_free,
};

SPOOR_API int spoor_providers_stage_new(spoor_stage **out, const spoor_inventory *inv, const spoor_providers_options *o,
					spoor_diag *diag)
{
	if (!inv->finished)
		return diag_set(diag, SPOOR_EINVAL, "inventory not finished (spoor_inventory_finish)");
	prov_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	spoor_providers_options d = SPOOR_PROVIDERS_OPTIONS_INIT;
	s->o = o ? *o : d;
	s->base.ops = &prov_stage_ops;
	s->inv = inv;
	arena_init(&s->ar, 1u << 16, 0);
	buf_init(&s->js, 1u << 20);
	buf_init(&s->details, 1u << 16);
	prov_graph_init(&s->g, &s->ar, s->o.max_edges);
	int rc = prov_graph_inventory(&s->g, inv);
	if (rc < 0) {
		pv_free(&s->base);
		return diag_set(diag, rc, "out of memory");
	}
	*out = &s->base;
	return 0;
}

const char *prov_by_name(uint8_t by)
{
	switch (by) {
	case INV_BY_ACCOUNT:
		return "account";
	case INV_BY_KEY:
		return "key";
	case INV_BY_NETWORK:
		return "network";
	case INV_BY_JUMP:
		return "jump-host";
	case INV_BY_HOST:
		return "host";
	case INV_BY_DOMAIN:
		return "domain";
	case INV_BY_ADMIN:
		return "admin";
	case INV_BY_SESSION:
		return "session";
	default:
		return "";
	}
}

int prov_emit_scope(prov_stage *s, prov_ev *e, const prov_rule *r, const char *why, const char *k, const char *v,
		    spoor_finding_fn fn, void *payload)
{
	const char *kv[] = {"spoor.identified_by", prov_by_name(e->m.provider_by), k, v, NULL};
	if (!k)
		kv[2] = NULL;
	return prov_emit(s, e, r, e->ts, why, kv, fn, payload);
}
