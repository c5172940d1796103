/* prov-contract — a provider access before its contract started or after
 * it ended (T1078 Valid Accounts: access that should have been revoked). */
#include <stdio.h>

#include "base/timeparse.h"
#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_contract = {
    "spoor-provider-outside-contract",
    "Provider access outside its contract period",
    SPOOR_LEVEL_HIGH,
    {"T1078", "T1199"},
    {"Initial Access", "Persistence"},
};

int prov_check_contract(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || !e->p || !e->ts || e->m.agency == INV_NONE || inv_in_contract(e->p, e->ts))
		return 0;
	bool after = e->p->has_end && e->ts >= e->p->contract_end;
	char t[48], why[512];
	time_format(after ? e->p->contract_end : e->p->contract_start, t);
	snprintf(why, sizeof(why), "provider '%s' reached agency '%s' %s its contract %s", e->p->id,
		 s->inv->agencies[e->m.agency].id, after ? "after" : "before", after ? "ended" : "started");
	return prov_emit_scope(s, e, &prov_rule_contract, why, after ? "spoor.contract.end" : "spoor.contract.start", t,
			       fn, payload);
}
