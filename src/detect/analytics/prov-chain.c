/* prov-chain — a hop from one agency into another after entering from a
 * provider: provider network or jump host -> agency A -> agency B, by the
 * same account or from the host entered in A, within the chain window
 * (T1199 Trusted Relationship, T1021 Remote Services).  Agencies' networks
 * are separate; a provider foothold that bridges them is the supply-chain
 * spread the bureau is tracing. */
#include <stdio.h>
#include <string.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_chain = {
    "spoor-provider-chain",
    "Provider foothold used to move from one agency into another",
    SPOOR_LEVEL_CRITICAL,
    {"T1199", "T1021"},
    {"Lateral Movement", "Initial Access"},
};

static void remember(prov_track *t, prov_ev *e, uint32_t provider)
{
	t->ts = e->ts;
	t->provider = provider;
	t->agency = e->m.agency;
	t->host = e->m.host;
	t->from_provider_source = true;
	snprintf(t->host_name, sizeof(t->host_name), "%.*s", (int)MIN(e->m.host_name.n, 90),
		 e->m.host_name.p ? e->m.host_name.p : "");
	t->src[0] = 0;
	if (e->m.has_src)
		inv_format_ip(e->m.src, t->src, sizeof(t->src));
}

int prov_check_chain(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->access || e->m.agency == INV_NONE || !e->ts)
		return 0;
	const spoor_inventory *inv = s->inv;
	char key[300];
	size_t kn = 0;
	bool has_acct = prov_account_key(e, key, sizeof(key), &kn);
	if (e->m.src_provider != INV_NONE) {
		/* entering agency A from a provider network or jump host */
		if (has_acct) {
			prov_track *t = prov_track_get(s, key, kn, true);
			if (t)
				remember(t, e, e->m.src_provider);
		}
		if (e->m.host != INV_NONE && inv->hosts[e->m.host].has_ip) {
			char hk[18] = "h:";
			memcpy(hk + 2, inv->hosts[e->m.host].ip, 16);
			prov_track *t = prov_track_get(s, hk, sizeof(hk), true);
			if (t)
				remember(t, e, e->m.src_provider);
		}
		return 0;
	}
	if (e->m.src_agency == INV_NONE || e->m.src_agency == e->m.agency)
		return 0;
	/* a hop from agency A (the source's network) into agency B */
	prov_track *t = has_acct ? prov_track_get(s, key, kn, false) : NULL;
	if (!t || !t->from_provider_source || t->agency != e->m.src_agency) {
		char hk[18] = "h:";
		memcpy(hk + 2, e->m.src, 16);
		t = prov_track_get(s, hk, sizeof(hk), false);
	}
	if (!t || !t->from_provider_source || t->agency != e->m.src_agency || e->ts < t->ts ||
	    e->ts - t->ts > s->o.chain_window_s * (int64_t)1000000000)
		return 0;
	const inv_provider *p = &inv->providers[t->provider];
	char why[700], path[600];
	snprintf(path, sizeof(path), "%s (%s) -> %s (%s) -> %s (%.*s)", p->id, t->src, inv->agencies[t->agency].id,
		 t->host_name, inv->agencies[e->m.agency].id, (int)MIN(e->m.host_name.n, 90),
		 e->m.host_name.p ? e->m.host_name.p : "");
	snprintf(why, sizeof(why), "entered agency '%s' from provider '%s', then moved into agency '%s'%s",
		 inv->agencies[t->agency].id, p->id, inv->agencies[e->m.agency].id,
		 inv_serve_of(p, e->m.agency) ? "" : ", which the provider does not serve");
	const char *kv[] = {
	    "spoor.chain", path, "spoor.chain.provider", p->id, "spoor.chain.from_agency", inv->agencies[t->agency].id,
	    NULL};
	e->blame = t->provider;
	return prov_emit(s, e, &prov_rule_chain, e->ts, why, kv, fn, payload);
}
