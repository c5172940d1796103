/* travel — impossible travel: two successful logons of one identity from
 * places too far apart for the time between them.
 *
 * Successful logons with a location (GeoIP enricher, or the sign-in log's
 * own location) are kept per identity.  At the end they are sorted by
 * event time and each logon is compared with the previous one from a
 * different address (Panther: the previous login, cached 1 day; same IP
 * skipped): distance by haversine (R = 6372.795 km, Panther), speed =
 * km / hours with hours floored at 0.0001; an alert when the distance is
 * at least `min_km` (Elastic 500) and the speed above `max_kmh` (Panther
 * 900, "Boeing 747 cruising speed"; Elastic 800).  Logons from VPN /
 * egress / provider networks are skipped and not compared (Panther: the
 * last *non-VPN* login is cached; an alert needs both logons off VPNs),
 * or, with `label_exempt`, compared and labelled at low level.  Known
 * are: configured networks and ASNs (Panther: AS22351 satellite), the
 * inventory's agency and provider networks and jump hosts (--inventory),
 * networks the geo database flags as VPN / proxy / Tor / relay (MaxMind
 * Anonymous IP, IPinfo privacy, the CSV's anonymizer column; a hosting
 * flag is not an exemption: intruders rent servers), and AS organisations
 * that name themselves so ("VPN", "iCloud Private Relay").
 *
 * Two more hops are not travel: one between two addresses of the same
 * autonomous system (`same_asn`: a VPN provider's exits, a mobile carrier's
 * anycast or regional gateways, a cloud proxy — one operator's geolocation
 * says where its equipment is, not where the person is), and one to a
 * location familiar to the identity (`familiar_logons`: that AS — or that
 * country when the AS is unknown — was already where at least that many of
 * its earlier logons came from: a VPN the user turns on and off, the hotel
 * of a trip; Defender for Cloud Apps likewise ignores VPNs and locations a
 * user regularly uses).  Rows without a city (`need_city`: country-level geolocation, the
 * country's centroid) are too coarse to measure a distance from. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct tr_cfg {
	int64_t max_gap, min_km_i;
	double max_kmh, min_km;
	an_list exempt_networks, exempt_asns, exempt_orgs, exempt_anonymizers;
	bool label_exempt, same_asn, need_city, inventory_networks;
	int64_t familiar_logons;
} tr_cfg;

static const an_param params[] = {
    {"max_gap", P_DUR, offsetof(tr_cfg, max_gap), "compare with the previous logon at most this old (Panther 1d)"},
    {"min_km", P_NUM, offsetof(tr_cfg, min_km), "distance at least (Elastic 500 km)"},
    {"max_kmh", P_NUM, offsetof(tr_cfg, max_kmh), "speed above this (Panther 900 km/h; Elastic 800)"},
    {"exempt_networks", P_LIST, offsetof(tr_cfg, exempt_networks), "CIDRs of VPN / egress / provider networks"},
    {"exempt_asns", P_LIST, offsetof(tr_cfg, exempt_asns), "AS numbers to skip (Panther: 22351)"},
    {"exempt_orgs", P_LIST, offsetof(tr_cfg, exempt_orgs),
     "AS organisation substrings to skip (consumer VPNs and relays that say so)"},
    {"exempt_anonymizers", P_LIST, offsetof(tr_cfg, exempt_anonymizers),
     "anonymizer flags of the geo database to skip (Panther: IPinfo privacy vpn, relay)"},
    {"inventory_networks", P_BOOL, offsetof(tr_cfg, inventory_networks),
     "skip logons from the inventory's agency and provider networks (--inventory); default true"},
    {"label_exempt", P_BOOL, offsetof(tr_cfg, label_exempt),
     "compare exempt logons too and label the alert (low) instead of skipping them"},
    {"same_asn", P_BOOL, offsetof(tr_cfg, same_asn),
     "skip hops between two addresses of one AS (VPN exits, carrier gateways); default true"},
    {"familiar_logons", P_INT, offsetof(tr_cfg, familiar_logons),
     "skip a hop to an AS (else country) that many earlier logons of the identity came from (0 = off); default 3"},
    {"need_city", P_BOOL, offsetof(tr_cfg, need_city),
     "skip logons whose geolocation has no city (country-level, too coarse); default true"},
};

static void defaults(void *c)
{
	tr_cfg *s = c;
	s->max_gap = 86400ll * 1000000000;
	s->min_km = 500;
	s->max_kmh = 900;
	an_list_set(&s->exempt_asns, "22351\0");
	an_list_set(&s->exempt_orgs, "iCloud Private Relay\0VPN\0");
	an_list_set(&s->exempt_anonymizers, "vpn\0proxy\0tor\0relay\0");
	s->inventory_networks = true;
	s->same_asn = true;
	s->need_city = true;
	s->familiar_logons = 3;
}

typedef struct lg {
	int64_t ts;
	double lat, lon;
	sid src, country;
	uint64_t asn;
	bool exempt;
	an_origin org;
} lg;

typedef struct travel {
	const tr_cfg *c;
	an_cidrs nets;
	idmap accts; /* acct -> avec of lg */
} travel;

static void *create(an_engine *e, const void *cfg)
{
	travel *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	const char *bad = NULL;
	if (!an_cidrs_parse(&s->nets, &s->c->exempt_networks, &bad)) {
		snprintf(e->err, sizeof(e->err), "exempt_networks: '%s' is not a network", bad);
		an_cidrs_free(&s->nets);
		free(s);
		return NULL;
	}
	idmap_init(&s->accts, sizeof(avec), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	travel *s = st;
	for (size_t i = 0; i < s->accts.n; i++)
		avec_free(idmap_at(&s->accts, i));
	idmap_done(&s->accts);
	an_cidrs_free(&s->nets);
	free(s);
}

/* shared with firstseen.c through the same parameters' meaning */
static bool exempt(const travel *s, const an_engine *e, const ident *id)
{
	if (an_cidrs_match(&s->nets, id->src))
		return true;
	if (s->c->inventory_networks && an_known_net(e, id->src))
		return true;
	if (id->anon.n && an_list_has(&s->c->exempt_anonymizers, id->anon))
		return true;
	if (id->asn) {
		char tmp[24];
		int k = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)id->asn);
		if (an_list_has(&s->c->exempt_asns, sv_make(tmp, (size_t)k)))
			return true;
	}
	return id->asorg.n && an_list_contains(&s->c->exempt_orgs, id->asorg);
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	travel *s = st;
	if (id->kind != IK_AUTH || id->outcome != 1 || !id->has_loc || !id->src.n)
		return 0;
	if (s->c->need_city && !id->city.n)
		return 0;
	bool ex = exempt(s, e, id);
	if (ex && !s->c->label_exempt)
		return 0;
	sid acct = an_name(e, id->user);
	avec *a = acct ? idmap_get(&s->accts, acct, NULL) : NULL;
	if (!a) {
		e->entries_dropped++;
		return 0;
	}
	lg *l = avec_push(a, sizeof(lg), (uint32_t)e->lim.list, &e->mem, (uint64_t)e->lim.memory);
	if (!l) {
		e->list_dropped++;
		return 0;
	}
	l->ts = id->ts;
	l->lat = id->lat;
	l->lon = id->lon;
	l->src = an_name(e, id->src);
	l->country = an_name(e, id->country);
	l->asn = id->asn;
	l->exempt = ex;
	l->org = e->cur_origin;
	return 0;
}

static int cmp_lg(const void *a, const void *b)
{
	const lg *x = a, *y = b;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

static int finish(void *st, an_engine *e)
{
	travel *s = st;
	int r = 0;
	unsigned idx = an_index(e, &an_travel);
	for (size_t k = 0; k < s->accts.n && r == 0; k++) {
		avec *a = idmap_at(&s->accts, k);
		sid acct = (sid)idmap_key_at(&s->accts, k);
		lg *v = a->v;
		if (a->n > 1)
			qsort(v, a->n, sizeof(*v), cmp_lg);
		for (uint32_t i = 1; i < a->n && r == 0; i++) {
			const lg *p = &v[i - 1], *q = &v[i];
			if (p->src == q->src || q->ts - p->ts > s->c->max_gap)
				continue;
			double km = an_haversine_km(p->lat, p->lon, q->lat, q->lon);
			double h = (double)(q->ts - p->ts) / 3.6e12;
			if (h < 0.0001)
				h = 0.0001;
			double kmh = km / h;
			if (km < s->c->min_km || kmh <= s->c->max_kmh)
				continue;
			if (s->c->same_asn && p->asn && p->asn == q->asn)
				continue;
			if (s->c->familiar_logons > 0) {
				int64_t seen = 0;
				for (uint32_t j = 0; j + 1 < i && seen < s->c->familiar_logons; j++)
					seen += q->asn ? v[j].asn == q->asn : v[j].country == q->country;
				if (seen >= s->c->familiar_logons)
					continue;
			}
			bool lab = p->exempt || q->exempt;
			spoor_level lv = lab ? SPOOR_LEVEL_LOW : SPOOR_LEVEL_HIGH;
			/* which of the two logons is the intruder's is not known: the
			 * account is marked, neither source */
			if (!lab)
				an_mark_account(e, acct, p->ts, q->ts, idx);
			sid srcs[2] = {p->src, q->src};
			an_origin org[2] = {p->org, q->org};
			r = an_alert_begin(e, &an_travel, q->ts, NULL, lv);
			if (r == 0)
				r = an_attack_members(e, srcs, 2, &acct, 1, NULL, 0);
			if (r == 0)
				r = an_alert_str(e, "spoor.from.country", an_sv(e, p->country));
			if (r == 0)
				r = an_alert_str(e, "spoor.to.country", an_sv(e, q->country));
			if (r == 0)
				r = an_alert_time(e, "spoor.from.time", p->ts);
			if (r == 0)
				r = an_alert_time(e, "spoor.to.time", q->ts);
			if (r == 0)
				r = an_alert_num(e, "spoor.distance_km", km);
			if (r == 0)
				r = an_alert_num(e, "spoor.speed_kmh", kmh);
			if (r == 0 && lab)
				r = an_alert_str(e, "spoor.label", SPOOR_SV("exempt-network"));
			if (r == 0)
				r = an_alert_origins(e, org, 2, 2);
			char km_s[32];
			snprintf(km_s, sizeof(km_s), "%.0f km at %.0f km/h", km, kmh);
			an_detail(e, "travel", sv_cstr(km_s));
			if (r == 0)
				r = an_alert_end(e, &an_travel, q->ts, NULL, lv);
		}
	}
	return r;
}

const an_def an_travel = {
    .name = "travel",
    .rule_id = "spoor-analytic-impossible-travel",
    .title = "Impossible travel between two successful logons",
    .level = SPOOR_LEVEL_HIGH,
    .technique = "T1078",
    .tactic = "Initial Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(tr_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .finish = finish,
    .destroy = destroy,
};
