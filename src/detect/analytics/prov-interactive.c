/* prov-interactive — a provider account declared service-only
 * (`service: true`) used for an interactive logon: RDP or console on
 * Windows (logon types 2, 10, 11, 12, 13), password or
 * keyboard-interactive ssh, a cloud sign-in (T1078 Valid Accounts: a
 * person holding an automation credential). */
#include <stdio.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_interactive = {
    "spoor-provider-service-interactive",
    "Service-only provider account used interactively",
    SPOOR_LEVEL_HIGH,
    {"T1078", NULL},
    {"Initial Access", "Persistence"},
};

int prov_check_interactive(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || !e->interactive || !e->p || e->m.provider_by != INV_BY_ACCOUNT || e->m.account == INV_NONE)
		return 0;
	const inv_account *a = &e->p->accounts[e->m.account];
	if (!a->service)
		return 0;
	char why[512], lt[32] = "";
	snprintf(why, sizeof(why), "service account '%s' of provider '%s' used for an interactive logon", a->name,
		 e->p->id);
	if (e->logon_type.n && e->logon_type.n < sizeof(lt))
		snprintf(lt, sizeof(lt), "%.*s", (int)e->logon_type.n, e->logon_type.p);
	(void)s;
	return prov_emit_scope(s, e, &prov_rule_interactive, why, "winlog.event_data.LogonType", lt, fn, payload);
}
