/* prov-window — a provider access outside every agreed maintenance window
 * (days, start-end, in the window's IANA time zone; daylight saving
 * follows the zone's TZif rules).  T1078 Valid Accounts: stolen provider
 * credentials are used when the provider's own staff are not working. */
#include <stdio.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_window = {
    "spoor-provider-outside-window",
    "Provider access outside its agreed time windows",
    SPOOR_LEVEL_MEDIUM,
    {"T1078", "T1199"},
    {"Initial Access", "Persistence"},
};

int prov_check_window(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || !e->p || !e->ts || !e->p->nwindows || e->m.agency == INV_NONE)
		return 0;
	if (inv_in_window(e->p, e->ts))
		return 0;
	const inv_window *w = &e->p->windows[0];
	char win[160], why[512];
	snprintf(win, sizeof(win), "%02u:%02u-%02u:%02u %s%s", w->start_min / 60, w->start_min % 60, w->end_min / 60,
		 w->end_min % 60, w->tz.name[0] ? w->tz.name : "UTC", e->p->nwindows > 1 ? " (and others)" : "");
	snprintf(why, sizeof(why), "provider '%s' reached agency '%s' outside its agreed windows", e->p->id,
		 s->inv->agencies[e->m.agency].id);
	return prov_emit_scope(s, e, &prov_rule_window, why, "spoor.window", win, fn, payload);
}
