/* prov-source — a provider account or SSH key used from an address that
 * is neither in the provider's source networks nor one of its jump hosts
 * (T1133 External Remote Services, T1078): the credential left the
 * provider's controlled path.  Only providers that declare source
 * networks or jump hosts are checked, and only when the event has a
 * source address. */
#include <stdio.h>
#include <string.h>

#include "detect/analytics/prov-int.h"

const prov_rule prov_rule_source = {
    "spoor-provider-foreign-source",
    "Provider identity used from outside its networks",
    SPOOR_LEVEL_HIGH,
    {"T1133", "T1078"},
    {"Initial Access", "Persistence"},
};

int prov_check_source(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	/* an access to an agency, or to the provider's own jump host */
	if (!e->access || !e->p || !e->m.has_src || (e->m.agency == INV_NONE && e->m.host_jump != e->m.provider))
		return 0;
	if (e->m.provider_by != INV_BY_ACCOUNT && e->m.provider_by != INV_BY_KEY)
		return 0;
	if (e->m.src_provider == e->m.provider)
		return 0;
	/* loopback: a local session, not a network source */
	static const uint8_t lo4[13] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127};
	static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	if (!memcmp(e->m.src, lo4, 13) || !memcmp(e->m.src, lo6, 16))
		return 0;
	if (!e->p->has_sources)
		return 0;
	char ip[48], why[512];
	inv_format_ip(e->m.src, ip, sizeof(ip));
	const char *where = e->m.src_provider != INV_NONE ? s->inv->providers[e->m.src_provider].id
			    : e->m.src_agency != INV_NONE ? s->inv->agencies[e->m.src_agency].id
							  : "";
	snprintf(why, sizeof(why), "%s of provider '%s' used from %s, outside its source networks and jump hosts%s%s",
		 e->m.provider_by == INV_BY_KEY ? "SSH key" : "account", e->p->id, ip, where[0] ? " (network of " : "",
		 where[0] ? where : "");
	if (where[0])
		snprintf(why + strlen(why), sizeof(why) - strlen(why), ")");
	return prov_emit_scope(s, e, &prov_rule_source, why, "spoor.source.owner", where, fn, payload);
}
