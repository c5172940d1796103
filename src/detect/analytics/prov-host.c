/* prov-host — a provider reaches a host of a served agency that is not in
 * its allowed hosts or host groups ("role:NAME") for that agency (T1199,
 * T1021 lateral movement from the allowed hosts). */
#include <stdio.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_host = {
    "spoor-provider-host-not-allowed",
    "Provider reached a host it is not allowed on",
    SPOOR_LEVEL_HIGH,
    {"T1199", "T1021"},
    {"Initial Access", "Lateral Movement"},
};

int prov_check_host(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || !e->p || e->m.agency == INV_NONE || e->m.host == INV_NONE)
		return 0;
	const inv_serve *sv = inv_serve_of(e->p, e->m.agency);
	if (!sv || inv_host_allowed(s->inv, sv, e->m.host))
		return 0;
	const inv_host *h = &s->inv->hosts[e->m.host];
	char why[512];
	snprintf(why, sizeof(why),
		 "provider '%s' logged on to host '%s' (role '%s') of agency '%s', outside its allowed hosts", e->p->id,
		 h->name, h->role, s->inv->agencies[e->m.agency].id);
	return prov_emit_scope(s, e, &prov_rule_host, why, "spoor.host.role", h->role, fn, payload);
}
