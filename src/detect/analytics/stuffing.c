/* stuffing — credential stuffing: leaked username/password pairs tried
 * from many addresses, each account a few times.
 *
 * Failures are grouped in event-time buckets of `window` (Elastic's Entra
 * brute-force rule uses 15-minute buckets and a 600 s span): a bucket with
 * at least `min_accounts` distinct accounts, `min_failures` failures,
 * `min_sources` distinct sources and more accounts than sources
 * (Elastic: credential_stuffing >= 10 users, >= 30 events, >= 5 source
 * IPs, users > IPs) is stuffing.  Buckets are keyed by their number, so
 * files read out of time order fill the same buckets.
 *
 * Elastic's rule reads one tenant's sign-ins.  A hunt over many agencies
 * pools many tenants, whose everyday failures add up to the thresholds
 * at a few thousand mailboxes; so a bucket is per target domain too
 * (`by_domain`).  Not counted (they are people, not lists of pairs): a
 * failure the same account then got past from the same source within
 * `mistype_window` (a mistyped password), and failures from the
 * inventory's own networks (`skip_known_networks`: the agencies' offices
 * and egress, the providers' networks). */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct st_cfg {
	int64_t window, min_accounts, min_failures, min_sources, mistype_window;
	bool by_domain, skip_known;
} st_cfg;

static const an_param params[] = {
    {"window", P_DUR, offsetof(st_cfg, window), "bucket length (Elastic: 600 s span)"},
    {"min_accounts", P_INT, offsetof(st_cfg, min_accounts), "distinct accounts (Elastic >= 10)"},
    {"min_failures", P_INT, offsetof(st_cfg, min_failures), "failures (Elastic >= 30)"},
    {"min_sources", P_INT, offsetof(st_cfg, min_sources), "distinct sources (Elastic >= 5)"},
    {"by_domain", P_BOOL, offsetof(st_cfg, by_domain),
     "a bucket per target domain (tenant, agency), as Elastic's rule reads one tenant"},
    {"mistype_window", P_DUR, offsetof(st_cfg, mistype_window),
     "a failure followed within this by a success of the same account from the same source is a mistyped "
     "password retyped, not counted (ours: a person retypes in seconds, a list of pairs moves on; 0 = off)"},
    {"skip_known_networks", P_BOOL, offsetof(st_cfg, skip_known),
     "failures from the inventory's networks (agencies, providers) are not counted"},
};

static void defaults(void *c)
{
	st_cfg *s = c;
	s->window = 600ll * 1000000000;
	s->min_accounts = 10;
	s->min_failures = 30;
	s->min_sources = 5;
	s->by_domain = true;
	s->mistype_window = 60ll * 1000000000;
	s->skip_known = true;
}

typedef struct fail {
	int64_t ts;
	sid acct, src;
	an_origin org;
} fail;

typedef struct bin {
	avec fails; /* of fail */
} bin;

typedef struct stuff {
	st_cfg c;
	idmap bins; /* (bin number, domain) -> bin */
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
	return s;
}

static void destroy(void *st)
{
	stuff *s = st;
	for (size_t i = 0; i < s->bins.n; i++)
		avec_free(&((bin *)idmap_at(&s->bins, i))->fails);
	idmap_done(&s->bins);
	free(s);
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	stuff *s = st;
	if (id->kind != IK_AUTH || id->outcome != 0)
		return 0;
	if (s->c.skip_known && an_known_net(e, id->src))
		return 0;
	sid acct = an_name(e, id->user), src = an_name(e, id->src);
	if (!acct || !src)
		return 0;
	int64_t q = id->ts / s->c.window - (id->ts % s->c.window < 0);
	sid dom = s->c.by_domain ? an_domain(e, acct) : 0;
	bin *b = idmap_get(&s->bins, pair_key((uint32_t)q, dom), NULL);
	if (!b) {
		e->entries_dropped++;
		return 0;
	}
	fail *f = avec_push(&b->fails, sizeof(fail), (uint32_t)e->lim.list, &e->mem, (uint64_t)e->lim.memory);
	if (!f) {
		e->list_dropped++;
		return 0;
	}
	f->ts = id->ts;
	f->acct = acct;
	f->src = src;
	f->org = e->cur_origin;
	return 0;
}

static int cmp_fail(const void *a, const void *b)
{
	const fail *x = a, *y = b;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

static int cmp_sid(const void *a, const void *b)
{
	sid x = *(const sid *)a, y = *(const sid *)b;
	return (x > y) - (x < y);
}

/* distinct values of v[0..n) in place (sorted), their number */
static uint32_t distinct(sid *v, uint32_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_sid);
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static int finish(void *st, an_engine *e)
{
	stuff *s = st;
	int r = 0;
	unsigned idx = an_index(e, &an_stuffing);
	for (size_t k = 0; k < s->bins.n && r == 0; k++) {
		bin *b = idmap_at(&s->bins, k);
		fail *v = b->fails.v;
		uint32_t n = b->fails.n, m = 0;
		if (n < (uint64_t)s->c.min_failures)
			continue;
		if (n > 1)
			qsort(v, n, sizeof(*v), cmp_fail);
		/* keep what is not a mistype: no success of the account from
		 * the source within mistype_window after the failure */
		for (uint32_t i = 0; i < n; i++) {
			const an_succ *su =
			    s->c.mistype_window > 0 ? an_success(e, v[i].acct, v[i].src, v[i].ts) : NULL;
			if (su && su->first - v[i].ts <= s->c.mistype_window)
				continue;
			v[m++] = v[i];
		}
		if (m < (uint64_t)s->c.min_failures)
			continue;
		sid *accts = xmalloc(m * sizeof(sid)), *srcs = xmalloc(m * sizeof(sid)),
		    *comp = xmalloc(m * sizeof(sid));
		an_origin *org = xmalloc(m * sizeof(*org));
		if (!accts || !srcs || !comp || !org) {
			free(accts), free(srcs), free(comp), free(org);
			return SPOOR_ENOMEM;
		}
		for (uint32_t i = 0; i < m; i++) {
			accts[i] = v[i].acct;
			srcs[i] = v[i].src;
			org[i] = v[i].org;
		}
		uint32_t na = distinct(accts, m), ns = distinct(srcs, m);
		if (na < (uint64_t)s->c.min_accounts || ns < (uint64_t)s->c.min_sources || na <= ns) {
			free(accts), free(srcs), free(comp), free(org);
			continue;
		}
		int64_t first = v[0].ts, last = v[m - 1].ts;
		/* then succeeded: an account that failed from a source got in
		 * from that source later */
		size_t nc = 0;
		for (uint32_t i = 0; i < m; i++) {
			const an_succ *su = an_success(e, v[i].acct, v[i].src, v[i].ts);
			size_t nc0 = nc;
			if (su && (nc = sid_uniq_add(comp, nc, v[i].acct)) > nc0)
				an_mark_account(e, v[i].acct, first, su->last, idx);
		}
		for (uint32_t j = 0; j < ns; j++)
			an_mark_source(e, srcs[j], first, last, idx);
		spoor_level lv = nc ? SPOOR_LEVEL_CRITICAL : SPOOR_LEVEL_HIGH;
		r = an_alert_begin(e, &an_stuffing, first, NULL, lv);
		if (r == 0)
			r = an_attack_members(e, srcs, ns, accts, na, comp, nc);
		if (r == 0)
			r = an_alert_u64(e, "spoor.failures", m);
		if (r == 0)
			r = an_alert_time(e, "spoor.first", first);
		if (r == 0)
			r = an_alert_time(e, "spoor.last", last);
		if (r == 0)
			r = an_alert_origins(e, org, m, m);
		if (r == 0)
			r = an_alert_end(e, &an_stuffing, first, NULL, lv);
		free(accts), free(srcs), free(comp), free(org);
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
