/* prov-unserved — a provider's account, key, network or jump host reaches
 * an agency the provider does not serve (ATT&CK T1199 Trusted
 * Relationship): the intruder pivoting through a compromised provider
 * into agencies the provider never had business with. */
#include <stdio.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_unserved = {
    "spoor-provider-unserved-agency",
    "Provider reached an agency it does not serve",
    SPOOR_LEVEL_HIGH,
    {"T1199", "T1078"},
    {"Initial Access", "Lateral Movement"},
};

int prov_check_unserved(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || !e->p || e->m.agency == INV_NONE || inv_serve_of(e->p, e->m.agency))
		return 0;
	char why[512];
	snprintf(why, sizeof(why), "provider '%s' reached agency '%s', which it does not serve", e->p->id,
		 s->inv->agencies[e->m.agency].id);
	return prov_emit_scope(s, e, &prov_rule_unserved, why, NULL, NULL, fn, payload);
}
