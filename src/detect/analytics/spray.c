/* spray — password spraying: one source, many accounts, few tries each.
 *
 * Per source, every account it failed against (first and last failure,
 * count) and whether the account ever succeeded from it.  At the end, the
 * failures' first times are sorted and a window of `window` slides over
 * them: a source whose busiest window holds `min_accounts` distinct
 * accounts, whose accounts saw a median of at most
 * `max_failures_per_account` failures (below lockout thresholds: that is
 * the point of a spray), and that failed for more accounts than it
 * succeeded for (Sentinel SigninPasswordSpray: "failed principals >
 * successful principals"), is a sprayer.  The window is on event time and
 * defaults to a day, so a spray of one try per account every few minutes
 * over hours is found; the published 20-minute form (Sentinel, 5
 * accounts) is a stricter case of the same test. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct spray_cfg {
	int64_t window, min_accounts, max_fail;
	bool more_failed;
} spray_cfg;

static const an_param params[] = {
    {"window", P_DUR, offsetof(spray_cfg, window),
     "event-time window the accounts must fall in (ours: a day, for low-and-slow; Sentinel bins 20m)"},
    {"min_accounts", P_INT, offsetof(spray_cfg, min_accounts),
     "distinct failed accounts from one source in the window (Sentinel >=5 per 20m, Elastic >=15 per 30m)"},
    {"max_failures_per_account", P_INT, offsetof(spray_cfg, max_fail),
     "median failures per account at most this (a spray stays under lockout thresholds)"},
    {"more_failed_than_succeeded", P_BOOL, offsetof(spray_cfg, more_failed),
     "the source failed for more accounts than it succeeded for (Sentinel SigninPasswordSpray)"},
};

static void defaults(void *c)
{
	spray_cfg *s = c;
	s->window = 86400ll * 1000000000;
	s->min_accounts = 10;
	s->max_fail = 5;
	s->more_failed = true;
}

typedef struct ent {
	sid acct;
	uint32_t fails;
	int64_t first, last;
	bool succ;
	an_origin org;
} ent;

typedef struct src_st {
	avec ents;
} src_st;

typedef struct spray {
	spray_cfg c;
	idmap srcs;  /* src -> src_st */
	idmap pairs; /* (src, acct) -> index + 1 */
} spray;

static void *create(an_engine *e, const void *cfg)
{
	spray *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *(const spray_cfg *)cfg;
	idmap_init(&s->srcs, sizeof(src_st), (size_t)e->lim.entries);
	idmap_init(&s->pairs, sizeof(uint32_t), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	spray *s = st;
	for (size_t i = 0; i < s->srcs.n; i++)
		avec_free(&((src_st *)idmap_at(&s->srcs, i))->ents);
	idmap_done(&s->srcs);
	idmap_done(&s->pairs);
	free(s);
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	spray *s = st;
	if (id->kind != IK_AUTH || !id->src.n || !id->user.n)
		return 0;
	sid src = an_name(e, id->src), acct = an_name(e, id->user);
	if (!src || !acct)
		return 0;
	/* successes are kept too, whatever the order: a password that worked
	 * at the first try is the spray's catch, and a source that mostly
	 * succeeds is an office, not a sprayer */
	src_st *ss = idmap_get(&s->srcs, src, NULL);
	uint32_t *ix = ss ? idmap_get(&s->pairs, pair_key(src, acct), NULL) : NULL;
	if (!ix) {
		e->entries_dropped++;
		return 0;
	}
	ent *en;
	if (!*ix) {
		en = avec_push(&ss->ents, sizeof(ent), (uint32_t)e->lim.list, &e->mem, (uint64_t)e->lim.memory);
		if (!en) {
			e->list_dropped++;
			return 0;
		}
		*ix = ss->ents.n;
		en->acct = acct;
	} else {
		en = (ent *)ss->ents.v + (*ix - 1);
	}
	if (id->outcome == 1) {
		en->succ = true;
	} else {
		if (!en->fails || id->ts < en->first) {
			en->first = id->ts;
			en->org = e->cur_origin;
		}
		if (id->ts > en->last)
			en->last = id->ts;
		en->fails++;
	}
	return 0;
}

typedef struct tix {
	int64_t t;
	uint32_t i;
} tix;

static int cmp_tix(const void *a, const void *b)
{
	const tix *x = a, *y = b;
	return x->t != y->t ? (x->t > y->t) - (x->t < y->t) : (x->i > y->i) - (x->i < y->i);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The distinct domains of the first m failed accounts (acct[j] failed at
 * org[j], in time order) into doms; org reordered in place so that the
 * first failure of each domain comes first, the rest after in time
 * order.  Returns the number of domains (accounts without one: none). */
static uint32_t spray_domains(an_engine *e, const sid *acct, uint32_t m, sid *doms, an_origin *org)
{
	size_t nd = 0;
	uint32_t lead = 0;
	for (uint32_t j = 0; j < m; j++) {
		size_t nd0 = nd;
		if ((nd = sid_uniq_add(doms, nd, an_domain(e, acct[j]))) == nd0)
			continue;
		/* move org[j] to position lead, shifting the others up */
		an_origin o = org[j];
		memmove(org + lead + 1, org + lead, (j - lead) * sizeof(*org));
		org[lead++] = o;
	}
	return (uint32_t)nd;
}

static int finish(void *st, an_engine *e)
{
	spray *s = st;
	int r = 0;
	for (size_t k = 0; k < s->srcs.n && r == 0; k++) {
		src_st *ss = idmap_at(&s->srcs, k);
		sid src = (sid)idmap_key_at(&s->srcs, k);
		ent *v = ss->ents.v;
		uint32_t n = ss->ents.n, nf = 0, nsucc = 0;
		for (uint32_t i = 0; i < n; i++) {
			nf += v[i].fails > 0;
			nsucc += v[i].succ;
		}
		if (nf < (uint64_t)s->c.min_accounts)
			continue;
		tix *t = xmalloc(nf * sizeof(*t));
		uint32_t *fc = xmalloc(nf * sizeof(*fc));
		sid *accts = xmalloc(n * sizeof(sid)), *comp = xmalloc(n * sizeof(sid));
		an_origin *org = xmalloc(nf * sizeof(*org));
		sid *doms = xmalloc(nf * sizeof(sid));
		if (!t || !fc || !accts || !comp || !org || !doms) {
			free(t), free(fc), free(accts), free(comp), free(org), free(doms);
			return SPOOR_ENOMEM;
		}
		uint32_t m = 0;
		uint64_t fails = 0;
		for (uint32_t i = 0; i < n; i++)
			if (v[i].fails) {
				t[m].t = v[i].first;
				t[m].i = i;
				fc[m++] = v[i].fails;
				fails += v[i].fails;
			}
		if (m > 1)
			qsort(t, m, sizeof(*t), cmp_tix);
		if (m > 1)
			qsort(fc, m, sizeof(*fc), cmp_u32);
		uint32_t best = 0, bi = 0;
		for (uint32_t i = 0, j = 0; j < m; j++) {
			while (t[j].t - t[i].t > s->c.window)
				i++;
			if (j - i + 1 > best) {
				best = j - i + 1;
				bi = i;
			}
		}
		uint32_t median = fc[m / 2];
		bool hit = best >= (uint64_t)s->c.min_accounts && median <= (uint64_t)s->c.max_fail &&
			   (!s->c.more_failed || nf > nsucc);
		if (hit) {
			uint32_t nc = 0, na = 0;
			int64_t last = 0;
			for (uint32_t j = 0; j < m; j++) {
				const ent *en = &v[t[j].i];
				accts[na++] = en->acct;
				org[j] = en->org;
				if (en->last > last)
					last = en->last;
				const an_succ *su = an_success(e, en->acct, src, en->first);
				if (su) {
					comp[nc++] = en->acct;
					an_mark_account(e, en->acct, en->first, su->last, an_index(e, &an_spray));
				}
			}
			/* accounts whose password worked at the first try, during the
			 * spray (from its first failure to a window after its last) */
			for (uint32_t i = 0; i < n && na < nf + nsucc; i++) {
				const ent *en = &v[i];
				if (en->fails || !en->succ)
					continue;
				const an_succ *su = an_success(e, en->acct, src, t[0].t - s->c.window);
				if (su && su->first <= last + s->c.window) {
					accts[na++] = en->acct;
					comp[nc++] = en->acct;
					an_mark_account(e, en->acct, su->first, su->last, an_index(e, &an_spray));
				}
			}
			/* the targeted domains (agencies, tenants), and the origins
			 * ordered so that each domain's first failure comes first:
			 * one source sprays several agencies at once, and the
			 * capped origin list must show every one of them, not the
			 * first ten failures of whichever came first */
			uint32_t nd = spray_domains(e, accts, m, doms, org);
			an_mark_source(e, src, t[0].t, last, an_index(e, &an_spray));
			spoor_level lv = nc ? SPOOR_LEVEL_CRITICAL : SPOOR_LEVEL_HIGH;
			r = an_alert_begin(e, &an_spray, t[bi].t, NULL, lv);
			if (r == 0)
				r = an_attack_members(e, &src, 1, accts, na, comp, nc);
			if (r == 0 && nd)
				r = an_alert_sids(e, "spoor.domains", doms, nd);
			if (r == 0)
				r = an_alert_u64(e, "spoor.failures", fails);
			if (r == 0)
				r = an_alert_u64(e, "spoor.accounts_in_window", best);
			if (r == 0)
				r = an_alert_u64(e, "spoor.median_failures_per_account", median);
			if (r == 0)
				r = an_alert_time(e, "spoor.first", t[0].t);
			if (r == 0)
				r = an_alert_time(e, "spoor.last", last);
			if (r == 0)
				r = an_alert_origins(e, org, m, fails);
			if (r == 0)
				r = an_alert_end(e, &an_spray, t[bi].t, NULL, lv);
		}
		free(t), free(fc), free(accts), free(comp), free(org), free(doms);
	}
	return r;
}

const an_def an_spray = {
    .name = "spray",
    .rule_id = "spoor-analytic-password-spray",
    .title = "Password spraying from one source against many accounts",
    .level = SPOOR_LEVEL_HIGH,
    .technique = "T1110.003",
    .tactic = "Credential Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(spray_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .finish = finish,
    .destroy = destroy,
};
