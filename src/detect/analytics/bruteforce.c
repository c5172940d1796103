/* bruteforce — many failed logons against one account (password
 * guessing), or from one source (the fail2ban / CrowdSec view).
 *
 * Every failure is kept per account and per source (time, the other side,
 * origin; capped per key).  At the end each list is sorted by event time
 * and two windows slide over it: `window` / `min_failures` (Splunk: more
 * than 20 failures per user in 10 minutes; Panther threshold 20) and the
 * low-and-slow `slow_window` / `slow_min_failures` (ours).  One alert per
 * key; it names the sources, the accounts, and which accounts then
 * succeeded from one of those sources. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct bf_cfg {
	int64_t window, min_failures, slow_window, slow_min_failures;
	bool by_source, unknown_accounts;
} bf_cfg;

static const an_param params[] = {
    {"window", P_DUR, offsetof(bf_cfg, window), "event-time window (Splunk 10m)"},
    {"min_failures", P_INT, offsetof(bf_cfg, min_failures),
     "failures in the window (Splunk >20 per user per 10m, Panther threshold 20)"},
    {"slow_window", P_DUR, offsetof(bf_cfg, slow_window), "low-and-slow window (ours)"},
    {"slow_min_failures", P_INT, offsetof(bf_cfg, slow_min_failures), "failures in the slow window (ours)"},
    {"by_source", P_BOOL, offsetof(bf_cfg, by_source),
     "also count per source over any accounts (the fail2ban / CrowdSec bucket)"},
    {"unknown_accounts", P_BOOL, offsetof(bf_cfg, unknown_accounts),
     "group failures for accounts that do not exist (sshd 'invalid user', Windows 0xC0000064, Entra 50034, "
     "Dovecot 'unknown user') per account too; off: they count per source only"},
};

static void defaults(void *c)
{
	bf_cfg *s = c;
	s->window = 600ll * 1000000000;
	s->min_failures = 20;
	s->slow_window = 86400ll * 1000000000;
	s->slow_min_failures = 50;
	s->by_source = true;
	s->unknown_accounts = false;
}

typedef struct rec {
	int64_t ts;
	sid other; /* the source for an account key, the account for a source key */
	uint32_t pad;
	an_origin org;
} rec;

typedef struct bf {
	bf_cfg c;
	idmap acct, src; /* sid -> avec of rec */
	idmap alerted;	 /* account sid -> 1: its own alert was raised */
} bf;

static void *create(an_engine *e, const void *cfg)
{
	bf *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *(const bf_cfg *)cfg;
	idmap_init(&s->acct, sizeof(avec), (size_t)e->lim.entries);
	idmap_init(&s->src, sizeof(avec), (size_t)e->lim.entries);
	idmap_init(&s->alerted, 1, (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	bf *s = st;
	for (size_t i = 0; i < s->acct.n; i++)
		avec_free(idmap_at(&s->acct, i));
	for (size_t i = 0; i < s->src.n; i++)
		avec_free(idmap_at(&s->src, i));
	idmap_done(&s->acct);
	idmap_done(&s->src);
	idmap_done(&s->alerted);
	free(s);
}

static void add(an_engine *e, idmap *m, sid key, sid other, int64_t ts)
{
	avec *a = idmap_get(m, key, NULL);
	if (!a) {
		e->entries_dropped++;
		return;
	}
	rec *r = avec_push(a, sizeof(rec), (uint32_t)e->lim.list, &e->mem, (uint64_t)e->lim.memory);
	if (!r) {
		e->list_dropped++;
		return;
	}
	r->ts = ts;
	r->other = other;
	r->org = e->cur_origin;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	bf *s = st;
	if (id->kind != IK_AUTH || id->outcome != 0)
		return 0;
	sid acct = an_name(e, id->user), src = an_name(e, id->src);
	/* a name the system says is no account cannot be taken over: the
	 * internet's background of "admin", "test", "pi" against every SSH
	 * server is a source's business (fail2ban), not an account's */
	if (acct && (!id->no_account || s->c.unknown_accounts))
		add(e, &s->acct, acct, src, id->ts);
	if (src && s->c.by_source)
		add(e, &s->src, src, acct, id->ts);
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* first index where `min` failures fit in `win`, or -1 */
static int64_t window_hit(const rec *v, uint32_t n, int64_t win, int64_t min, uint32_t *count)
{
	if (min <= 0)
		return -1;
	for (uint32_t i = 0, j = 0; j < n; j++) {
		while (v[j].ts - v[i].ts > win)
			i++;
		if (j - i + 1 >= (uint64_t)min) {
			uint32_t k = j;
			while (k + 1 < n && v[k + 1].ts - v[i].ts <= win)
				k++;
			*count = k - i + 1;
			return i;
		}
	}
	return -1;
}

static int eval(bf *s, an_engine *e, idmap *m, bool by_acct)
{
	int r = 0;
	unsigned idx = an_index(e, &an_bruteforce);
	for (size_t k = 0; k < m->n && r == 0; k++) {
		avec *a = idmap_at(m, k);
		sid key = (sid)idmap_key_at(m, k);
		rec *v = a->v;
		uint32_t n = a->n, cnt = 0;
		if (n < MIN((uint64_t)s->c.min_failures, (uint64_t)s->c.slow_min_failures))
			continue;
		if (n > 1)
			qsort(v, n, sizeof(*v), cmp_rec);
		bool slow = false;
		int64_t at = window_hit(v, n, s->c.window, s->c.min_failures, &cnt);
		if (at < 0) {
			at = window_hit(v, n, s->c.slow_window, s->c.slow_min_failures, &cnt);
			slow = at >= 0;
		}
		if (at < 0)
			continue;
		sid *others = xmalloc(n * sizeof(sid)), *comp = xmalloc((n + 1) * sizeof(sid));
		an_origin *org = xmalloc(n * sizeof(*org));
		if (!others || !comp || !org) {
			free(others), free(comp), free(org);
			return SPOOR_ENOMEM;
		}
		size_t no = 0, nc = 0;
		for (uint32_t i = (uint32_t)at; i < n; i++) {
			no = sid_uniq_add(others, no, v[i].other);
			org[i - at] = v[i].org;
		}
		int64_t first = v[at].ts, last = v[n - 1].ts;
		if (!by_acct && no == 1 && idmap_find(&s->alerted, others[0])) {
			/* one account: its own alert says it all */
			free(others), free(comp), free(org);
			continue;
		}
		if (!by_acct && no > 1) {
			/* an office NAT where people mistype: most accounts that failed
			 * from it also succeeded from it (Sentinel's "failed principals >
			 * successful principals", per source) */
			size_t ok = 0;
			for (size_t i = 0; i < no; i++)
				ok += an_success(e, others[i], key, first - s->c.slow_window) != NULL;
			if (ok * 2 >= no) {
				free(others), free(comp), free(org);
				continue;
			}
		}
		/* then succeeded: the account (or one of the source's accounts) from
		 * one of the sources after the first failure counted */
		for (size_t i = 0; i < no; i++) {
			sid acct = by_acct ? key : others[i], src = by_acct ? others[i] : key;
			const an_succ *su = an_success(e, acct, src, first);
			if (su) {
				nc = sid_uniq_add(comp, nc, acct);
				an_mark_account(e, acct, first, su->last, idx);
			}
		}
		if (by_acct)
			for (size_t i = 0; i < no; i++)
				an_mark_source(e, others[i], first, last, idx);
		else
			an_mark_source(e, key, first, last, idx);
		if (by_acct)
			idmap_get(&s->alerted, key, NULL);
		spoor_level lv = nc ? SPOOR_LEVEL_CRITICAL : SPOOR_LEVEL_MEDIUM;
		r = an_alert_begin(e, &an_bruteforce, first, NULL, lv);
		if (r == 0)
			r = an_alert_str(e, "spoor.group_by", by_acct ? SPOOR_SV("account") : SPOOR_SV("source"));
		if (r == 0)
			r = by_acct ? an_attack_members(e, others, no, &key, 1, comp, nc)
				    : an_attack_members(e, &key, 1, others, no, comp, nc);
		if (r == 0)
			r = an_alert_u64(e, "spoor.failures", n - (uint32_t)at);
		if (r == 0)
			r = an_alert_u64(e, "spoor.failures_in_window", cnt);
		if (r == 0)
			r = an_alert_str(e, "spoor.window", slow ? SPOOR_SV("slow") : SPOOR_SV("fast"));
		if (r == 0)
			r = an_alert_time(e, "spoor.first", first);
		if (r == 0)
			r = an_alert_time(e, "spoor.last", last);
		if (r == 0)
			r = an_alert_origins(e, org, n - (uint32_t)at, n - (uint32_t)at);
		if (r == 0)
			r = an_alert_end(e, &an_bruteforce, first, NULL, lv);
		free(others), free(comp), free(org);
	}
	return r;
}

static int finish(void *st, an_engine *e)
{
	bf *s = st;
	int r = eval(s, e, &s->acct, true);
	return r ? r : eval(s, e, &s->src, false);
}

const an_def an_bruteforce = {
    .name = "bruteforce",
    .rule_id = "spoor-analytic-brute-force",
    .title = "Brute force: many failed logons for one account or from one source",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1110.001",
    .tactic = "Credential Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(bf_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .finish = finish,
    .destroy = destroy,
};
