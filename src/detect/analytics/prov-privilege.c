/* prov-privilege — privilege gained soon after a provider logon by the
 * same account: a group or role membership added (Windows 4728/4732/4756,
 * Entra "Add member to role"), sudo or su to root, within the privilege
 * window of the logon (T1078 Valid Accounts, T1098 Account Manipulation).
 * Only logons into an agency count, or logons that were themselves out of
 * scope: a provider's staff using sudo on the provider's own jump host
 * after an ordinary logon is their daily work. */
#include <stdio.h>
#include <string.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_privilege = {
    "spoor-provider-privilege-after-logon",
    "Privilege gained soon after a provider logon",
    SPOOR_LEVEL_HIGH,
    {"T1078", "T1098"},
    {"Privilege Escalation", "Persistence"},
};

int prov_check_privilege(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->ts)
		return 0;
	char key[300];
	size_t kn = 0;
	if (!prov_account_key(e, key, sizeof(key), &kn))
		return 0;
	if (e->access && e->p) {
		bool counts = e->m.agency != INV_NONE || e->violated;
		prov_track *t = prov_track_get(s, key, kn, counts);
		if (t) {
			t->logon_ts = counts ? e->ts : 0;
			t->logon_provider = e->m.provider;
			t->logon_violated = e->violated;
		}
		return 0;
	}
	if (!e->privilege)
		return 0;
	prov_track *t = prov_track_get(s, key, kn, false);
	if (!t || !t->logon_ts || (e->m.agency == INV_NONE && !t->logon_violated) || e->ts < t->logon_ts ||
	    e->ts - t->logon_ts > s->o.privilege_window_s * (int64_t)1000000000)
		return 0;
	const inv_provider *p = &s->inv->providers[t->logon_provider];
	char why[600], mins[32];
	snprintf(mins, sizeof(mins), "%lld", (long long)((e->ts - t->logon_ts) / 1000000000 / 60));
	snprintf(why, sizeof(why), "account '%.*s' gained privilege %s min after a logon attributed to provider '%s'",
		 (int)MIN(e->m.user.n, 200), e->m.user.p, mins, p->id);
	const char *kv[] = {"spoor.logon.provider", p->id, "spoor.minutes_after_logon", mins, NULL};
	e->blame = t->logon_provider;
	return prov_emit(s, e, &prov_rule_privilege, e->ts, why, kv, fn, payload);
}
