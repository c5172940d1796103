/* stuffing — credential stuffing: leaked username/password pairs tried
 * from many addresses, each account a few times.
 *
 * Failures are grouped in event-time buckets of `window` (Elastic's Entra
 * brute-force rule uses 15-minute buckets and a 600 s span): a bucket with
 * at least `min_accounts` distinct accounts, `min_failures` failures,
 * `min_sources` distinct sources and more accounts than sources
 * (Elastic: credential_stuffing >= 10 users, >= 30 events, >= 5 source
 * IPs, users > IPs) is stuffing.  Buckets are keyed by their number, so
 * files read out of time order fill the same buckets. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct st_cfg {
	int64_t window, min_accounts, min_failures, min_sources;
} st_cfg;

static const an_param params[] = {
    {"window", P_DUR, offsetof(st_cfg, window), "bucket length (Elastic: 600 s span)"},
    {"min_accounts", P_INT, offsetof(st_cfg, min_accounts), "distinct accounts (Elastic >= 10)"},
    {"min_failures", P_INT, offsetof(st_cfg, min_failures), "failures (Elastic >= 30)"},
    {"min_sources", P_INT, offsetof(st_cfg, min_sources), "distinct sources (Elastic >= 5)"},
};

static void defaults(void *c)
{
	st_cfg *s = c;
	s->window = 600ll * 1000000000;
	s->min_accounts = 10;
	s->min_failures = 30;
	s->min_sources = 5;
}

typedef struct bin {
	avec accts, srcs, orgs;
	uint64_t fails;
	int64_t first, last;
} bin;

typedef struct stuff {
	st_cfg c;
	idmap bins;	      /* bin number -> bin */
	idmap seen_a, seen_s; /* (bin, sid) -> 1 */
} stuff;

static void *create(an_engine *e, const void *cfg)
{
	stuff *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *(const st_cfg *)cfg;
	if (s->c.window <= 0)
		s->c.window = 1;
	idmap_init(&s->bins, sizeof(bin), (size_t)e->lim.entries);
	idmap_init(&s->seen_a, 1, (size_t)e->lim.entries);
	idmap_init(&s->seen_s, 1, (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	stuff *s = st;
	for (size_t i = 0; i < s->bins.n; i++) {
		bin *b = idmap_at(&s->bins, i);
		avec_free(&b->accts);
		avec_free(&b->srcs);
		avec_free(&b->orgs);
	}
	idmap_done(&s->bins);
	idmap_done(&s->seen_a);
	idmap_done(&s->seen_s);
	free(s);
}

static void add_uniq(an_engine *e, idmap *seen, avec *a, uint32_t bn, sid x)
{
	bool created;
	char *f = idmap_get(seen, pair_key(bn, x), &created);
	if (!f) {
		e->entries_dropped++;
		return;
	}
	if (!created)
		return;
	sid *p = avec_push(a, sizeof(sid), (uint32_t)e->lim.list, &e->mem, (uint64_t)e->lim.memory);
	if (p)
		*p = x;
	else
		e->list_dropped++;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	stuff *s = st;
	if (id->kind != IK_AUTH || id->outcome != 0)
		return 0;
	sid acct = an_name(e, id->user), src = an_name(e, id->src);
	if (!acct || !src)
		return 0;
	int64_t q = id->ts / s->c.window - (id->ts % s->c.window < 0);
	uint32_t bn = (uint32_t)q;
	bin *b = idmap_get(&s->bins, bn, NULL);
	if (!b) {
		e->entries_dropped++;
		return 0;
	}
	if (!b->fails || id->ts < b->first)
		b->first = id->ts;
	if (id->ts > b->last)
		b->last = id->ts;
	b->fails++;
	add_uniq(e, &s->seen_a, &b->accts, bn, acct);
	add_uniq(e, &s->seen_s, &b->srcs, bn, src);
	if (b->orgs.n < (uint64_t)e->lim.origins) {
		an_origin *o =
		    avec_push(&b->orgs, sizeof(an_origin), (uint32_t)e->lim.origins, &e->mem, (uint64_t)e->lim.memory);
		if (o)
			*o = e->cur_origin;
	}
	return 0;
}

static int finish(void *st, an_engine *e)
{
	stuff *s = st;
	int r = 0;
	unsigned idx = an_index(e, &an_stuffing);
	for (size_t k = 0; k < s->bins.n && r == 0; k++) {
		bin *b = idmap_at(&s->bins, k);
		uint32_t na = b->accts.n, ns = b->srcs.n;
		if (na < (uint64_t)s->c.min_accounts || ns < (uint64_t)s->c.min_sources ||
		    b->fails < (uint64_t)s->c.min_failures || na <= ns)
			continue;
		sid *accts = b->accts.v, *srcs = b->srcs.v;
		sid *comp = xmalloc(na * sizeof(sid));
		if (!comp)
			return SPOOR_ENOMEM;
		size_t nc = 0;
		for (uint32_t i = 0; i < na; i++)
			for (uint32_t j = 0; j < ns; j++) {
				const an_succ *su = an_success(e, accts[i], srcs[j], b->first);
				if (su) {
					comp[nc++] = accts[i];
					an_mark_account(e, accts[i], b->first, su->last, idx);
					break;
				}
			}
		for (uint32_t j = 0; j < ns; j++)
			an_mark_source(e, srcs[j], b->first, b->last, idx);
		spoor_level lv = nc ? SPOOR_LEVEL_CRITICAL : SPOOR_LEVEL_HIGH;
		r = an_alert_begin(e, &an_stuffing, b->first, NULL, lv);
		if (r == 0)
			r = an_attack_members(e, srcs, ns, accts, na, comp, nc);
		if (r == 0)
			r = an_alert_u64(e, "spoor.failures", b->fails);
		if (r == 0)
			r = an_alert_time(e, "spoor.first", b->first);
		if (r == 0)
			r = an_alert_time(e, "spoor.last", b->last);
		if (r == 0)
			r = an_alert_origins(e, b->orgs.v, b->orgs.n, b->fails);
		if (r == 0)
			r = an_alert_end(e, &an_stuffing, b->first, NULL, lv);
		free(comp);
	}
	return r;
}

const an_def an_stuffing = {
    .name = "stuffing",
    .rule_id = "spoor-analytic-credential-stuffing",
    .title = "Credential stuffing: many accounts from many sources in a short time",
    .level = SPOOR_LEVEL_HIGH,
    .technique = "T1110.004",
    .tactic = "Credential Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(st_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .finish = finish,
    .destroy = destroy,
};
