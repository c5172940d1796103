/* prov-stale — a provider account still present in an agency after the
 * provider's contract ended: any event naming it there (a logon, a
 * failed logon, a mailbox access, a scheduled task) shows the account was
 * never removed (T1078 Valid Accounts; the access that outlives the
 * contract is what an intruder reuses).  One finding per (provider,
 * account, agency) at the end of the input, with first and last sighting
 * and the count. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeparse.h"
#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_stale = {
    "spoor-provider-stale-account",
    "Provider account still present after the contract ended",
    SPOOR_LEVEL_MEDIUM,
    {"T1078", NULL},
    {"Persistence", "Initial Access"},
};

int prov_check_stale(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	if (!e->p || e->m.provider_by != INV_BY_ACCOUNT || e->m.account == INV_NONE || e->m.agency == INV_NONE ||
	    !e->ts || !e->p->has_end || e->ts < e->p->contract_end)
		return 0;
	uint32_t key[3] = {e->m.provider, e->m.account, e->m.agency};
	const struct inv_slot *sl = inv_map_get(&s->stalemap, (const char *)key, sizeof(key));
	prov_stale *st;
	if (sl) {
		st = &s->stales[sl->val];
	} else {
		if (s->nstales >= s->o.max_tracked)
			return 0;
		if (s->nstales == s->capstales) {
			size_t nc = s->capstales ? 2 * s->capstales : 16;
			prov_stale *nv = xreallocarray(s->stales, nc, sizeof(*nv));
			if (!nv)
				return SPOOR_ENOMEM;
			s->stales = nv;
			s->capstales = nc;
		}
		char *k = arena_memdup(&s->ar, key, sizeof(key));
		if (!k || inv_map_put(&s->stalemap, k, sizeof(key), (uint32_t)s->nstales, 0) < 0)
			return SPOOR_ENOMEM;
		st = &s->stales[s->nstales++];
		memset(st, 0, sizeof(*st));
		st->provider = e->m.provider;
		st->account = e->m.account;
		st->agency = e->m.agency;
		st->first = e->ts;
		prov_origin(e, st->origin, sizeof(st->origin));
	}
	st->count++;
	if (e->ts < st->first) {
		st->first = e->ts;
		prov_origin(e, st->origin, sizeof(st->origin));
	}
	if (e->ts > st->last)
		st->last = e->ts;
	return 0;
}

int prov_stale_finish(prov_stage *s, spoor_finding_fn fn, void *payload)
{
	int rc = 0;
	for (size_t i = 0; i < s->nstales && rc == 0; i++) {
		const prov_stale *st = &s->stales[i];
		const inv_provider *p = &s->inv->providers[st->provider];
		const char *acct = p->accounts[st->account].name, *ag = s->inv->agencies[st->agency].id;
		char end[48], first[48], last[48], n[32], why[600];
		time_format(p->contract_end, end);
		time_format(st->first, first);
		time_format(st->last, last);
		snprintf(n, sizeof(n), "%" PRIu64, st->count);
		snprintf(
		    why, sizeof(why),
		    "account '%s' of provider '%s' still seen in agency '%s' after the contract ended (seen %s times)",
		    acct, p->id, ag, n);
		const char *kv[] = {"spoor.provider",	  p->id, "spoor.agency", ag,	     "user.name",  acct,
				    "spoor.contract.end", end,	 "spoor.first",	 first,	     "spoor.last", last,
				    "spoor.count",	  n,	 "spoor.origin", st->origin, NULL};
		rc = prov_emit(s, NULL, &prov_rule_stale, st->first, why, kv, fn, payload);
	}
	return rc;
}
