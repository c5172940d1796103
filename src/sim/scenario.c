/* sim — the world: agencies, providers, people, hosts and address blocks,
 * drawn from the seed; inventory.yaml and geoip.csv are written from it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim-int.h"

const char *const sim_first[] = {"wei",	 "mei", "hui",	"jun",	 "ling", "hao", "yu",	"ting", "chih", "kai",
				 "ming", "yi",	"hsin", "jie",	 "pei",	 "shu", "chun", "yen",	"fang", "lung",
				 "wen",	 "hua", "an",	"ching", "li",	 "tzu", "po",	"yun",	"chia", "sheng"};
const char *const sim_last[] = {"chen", "lin",	 "huang",  "chang", "lee",    "wang",  "wu",   "liu",  "tsai", "yang",
				"hsu",	"cheng", "hsieh",  "kuo",   "hung",   "tseng", "chiu", "liao", "lai",  "chou",
				"yeh",	"su",	 "chuang", "lu",    "chiang", "ho",    "lo",   "kao",  "pan",  "chien"};
const size_t sim_nfirst = ARRAY_SIZE(sim_first), sim_nlast = ARRAY_SIZE(sim_last);

static const struct {
	const char *id, *name;
} agency_names[] = {
    {"moea", "Ministry of Economic Affairs"},
    {"mofa", "Ministry of Foreign Affairs"},
    {"moi", "Ministry of the Interior"},
    {"mof", "Ministry of Finance"},
    {"moj", "Ministry of Justice"},
    {"moe", "Ministry of Education"},
    {"motc", "Ministry of Transportation and Communications"},
    {"mohw", "Ministry of Health and Welfare"},
    {"ndc", "National Development Council"},
    {"nstc", "National Science and Technology Council"},
    {"mac", "Mainland Affairs Council"},
    {"cec", "Central Election Commission"},
    {"ncc", "National Communications Commission"},
    {"ey", "Executive Yuan Secretariat"},
    {"moda", "Ministry of Digital Affairs"},
    {"mol", "Ministry of Labor"},
};

static const struct {
	const char *id, *name;
} provider_names[] = {
    {"fsi", "Formosa Systems Integration"}, {"jmn", "Jade Mountain Networks"}, {"hits", "Harbor IT Services"},
    {"pds", "Pinecone Data Services"},	    {"lms", "Lotus Managed Services"}, {"kes", "Kestrel Consulting"},
    {"tcs", "Typhoon Cloud Solutions"},	    {"ams", "Alishan Mail Systems"},
};

/* Public address plan (docs/simulate.md): 198.18.0.0/15 (RFC 2544
 * benchmarking, never routed) and the RFC 5737 documentation nets, so the
 * simulated world never names a real party's address. */
typedef struct geo_tmpl {
	const char *country, *city;
	double lat, lon;
	uint32_t asn;
	const char *org;
} geo_tmpl;

static const geo_tmpl g_agency[] = {
    {"TW", "Taipei", 25.0330, 121.5654, 64600, "Government Service Network (simulated)"}};
static const geo_tmpl g_home[] = {
    {"TW", "Taipei", 25.0478, 121.5319, 64801, "Formosa Broadband (simulated)"},
    {"TW", "New Taipei", 25.0120, 121.4650, 64801, "Formosa Broadband (simulated)"},
    {"TW", "Taichung", 24.1477, 120.6736, 64802, "Island Mobile (simulated)"},
    {"TW", "Kaohsiung", 22.6273, 120.3014, 64802, "Island Mobile (simulated)"},
    {"TW", "Taoyuan", 24.9936, 121.3010, 64803, "Strait Cable (simulated)"},
};
static const geo_tmpl g_travel[] = {
    {"JP", "Tokyo", 35.6762, 139.6503, 65010, "Sakura Hotel Networks (simulated)"},
    {"US", "Washington", 38.9072, -77.0369, 65011, "Capitol Guest WiFi (simulated)"},
    {"DE", "Frankfurt", 50.1109, 8.6821, 65012, "Main Roaming GmbH (simulated)"},
    {"SG", "Singapore", 1.3521, 103.8198, 65013, "Lion City Hospitality (simulated)"},
    {"GB", "London", 51.5072, -0.1276, 65014, "Thames Conference Net (simulated)"},
    {"FR", "Paris", 48.8566, 2.3522, 65015, "Seine Hotels (simulated)"},
    {"US", "San Francisco", 37.7749, -122.4194, 65011, "Capitol Guest WiFi (simulated)"},
    {"KR", "Seoul", 37.5665, 126.9780, 65016, "Han River Roaming (simulated)"},
};
static const geo_tmpl g_vpn[] = {
    {"NL", "Amsterdam", 52.3676, 4.9041, 65100, "SwiftTunnel VPN (simulated)"},
    {"SE", "Stockholm", 59.3293, 18.0686, 65100, "SwiftTunnel VPN (simulated)"},
    {"JP", "Tokyo", 35.6762, 139.6503, 65100, "SwiftTunnel VPN (simulated)"},
    {"US", "New York", 40.7128, -74.0060, 65101, "Privado Exit (simulated)"},
};
static const geo_tmpl g_hosting[] = {
    {"HK", "Hong Kong", 22.3193, 114.1694, 65200, "Harbour VPS (simulated)"},
    {"US", "Los Angeles", 34.0522, -118.2437, 65201, "Pacific Cloud Hosting (simulated)"},
    {"JP", "Osaka", 34.6937, 135.5023, 65202, "Kansai Rack (simulated)"},
    {"KR", "Seoul", 37.5665, 126.9780, 65203, "Hanbit Hosting (simulated)"},
    {"SG", "Singapore", 1.3521, 103.8198, 65201, "Pacific Cloud Hosting (simulated)"},
    {"NL", "Amsterdam", 52.3676, 4.9041, 65204, "Polder Servers (simulated)"},
    {"HK", "Hong Kong", 22.3193, 114.1694, 65205, "Kowloon Datacenter (simulated)"},
    {"US", "Dallas", 32.7767, -96.7970, 65206, "Lone Star VPS (simulated)"},
};
static const geo_tmpl g_mailpeer[] = {
    {"TW", "Taipei", 25.0330, 121.5654, 64810, "Formosa Business Mail (simulated)"},
    {"US", "Mountain View", 37.3861, -122.0839, 65300, "Big Mail Provider (simulated)"},
    {"US", "Redmond", 47.6740, -122.1215, 65301, "Microsoft (simulated)"},
    {"JP", "Tokyo", 35.6762, 139.6503, 65302, "Nihon Mail (simulated)"},
    {"DE", "Berlin", 52.5200, 13.4050, 65303, "Spree Mail (simulated)"},
};
static const geo_tmpl g_service[] = {
    {"US", "Redmond", 47.6740, -122.1215, 65301, "Microsoft (simulated)"},
    {"US", "Mountain View", 37.3861, -122.0839, 65300, "Big Mail Provider (simulated)"},
    {"SG", "Singapore", 1.3521, 103.8198, 65310, "Edge CDN (simulated)"},
    {"TW", "Taipei", 25.0330, 121.5654, 65310, "Edge CDN (simulated)"},
};
static const geo_tmpl g_scanner[] = {
    {"US", "Ann Arbor", 42.2808, -83.7430, 65400, "Census Scanning (simulated)"},
    {"NL", "Amsterdam", 52.3676, 4.9041, 65401, "Bulletproof Ltd (simulated)"},
    {"CN", "Beijing", 39.9042, 116.4074, 65402, "North Backbone (simulated)"},
    {"RU", "Moscow", 55.7558, 37.6173, 65403, "Taiga Hosting (simulated)"},
    {"BR", "Sao Paulo", -23.5505, -46.6333, 65404, "Paulista Net (simulated)"},
};

static int add_pool(sim_world *w, int pool, uint32_t first_net, uint32_t n, const geo_tmpl *t, size_t nt)
{
	geo_block *g = xreallocarray(w->geo, w->ngeo + n, sizeof(*g));
	if (!g)
		return SPOOR_ENOMEM;
	w->geo = g;
	w->pool_first[pool] = w->ngeo;
	w->pool_n[pool] = n;
	for (uint32_t i = 0; i < n; i++) {
		const geo_tmpl *x = &t[i % nt];
		geo_block *b = &w->geo[w->ngeo++];
		b->net = first_net + (i << 8);
		b->country = x->country;
		b->city = x->city;
		b->lat = x->lat;
		b->lon = x->lon;
		b->asn = x->asn;
		b->asn_org = x->org;
		/* a privacy database (IPinfo, MaxMind Anonymous IP, IP2Proxy)
		 * knows the commercial VPN exits and the hosting ranges */
		b->anon = pool == POOL_VPN ? "vpn" : pool == POOL_HOSTING || pool == POOL_SCANNER ? "hosting" : "";
	}
	return 0;
}

uint32_t pool_ip(sim_world *w, rng *r, int pool)
{
	uint32_t b = w->pool_first[pool] + rng_below(r, w->pool_n[pool]);
	return w->geo[b].net + 2 + rng_below(r, 250);
}

uint32_t pool_ip_n(const sim_world *w, int pool, uint32_t n)
{
	uint32_t b = w->pool_first[pool] + (n / 250) % w->pool_n[pool];
	return w->geo[b].net + 2 + n % 250;
}

const char *user_upn(const sim_agency *a, const sim_user *u, char *out, size_t n)
{
	snprintf(out, n, "%s@%s", u->name, a->domain);
	return out;
}

double activity(int64_t ms, bool server)
{
	civil c;
	civil_of(ms + (int64_t)SIM_TZ_MIN * 60000, &c);
	static const double hour[24] = {0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.08, 0.25, 0.7, 1.0,  1.0,	 0.95,
					0.55, 0.85, 1.0,  1.0,	0.95, 0.8,  0.45, 0.25, 0.2, 0.15, 0.08, 0.05};
	double a = hour[c.h];
	if (c.wday == 0 || c.wday == 6)
		a *= 0.12;
	if (server)
		a = 0.3 + 0.7 * a;
	return a;
}

bool in_window(const sim_provider *p, int64_t ms)
{
	civil c;
	civil_of(ms + (int64_t)SIM_TZ_MIN * 60000, &c);
	return (p->win_days >> c.wday & 1) && c.h >= p->win_start && c.h < p->win_end;
}

/* Insert name into an open-addressing set of hashes (n slots, at most a
 * quarter used); false if it was there already. */
static bool name_unique(uint64_t *set, size_t n, const char *name)
{
	uint64_t h = hash_bytes(name, strlen(name), 0x5eed) | 1;
	for (size_t i = h % n;; i = (i + 1) % n) {
		if (set[i] == h)
			return false;
		if (!set[i]) {
			set[i] = h;
			return true;
		}
	}
}

static void fingerprint(rng *r, char *out)
{
	memcpy(out, "SHA256:", 7);
	rng_chars(r, out + 7, 43, sim_b64);
	out[50] = 0;
}

int scenario_build(sim_world *w, spoor_diag *d)
{
	const spoor_sim_options *o = &w->o;
	rng *r = &w->r;
	int rc = 0;
	w->nag = o->agencies;
	w->npv = o->providers;
	/* address plan */
	rc |= add_pool(w, POOL_AGENCY, IP4(198, 18, 0, 0), w->nag, g_agency, ARRAY_SIZE(g_agency));
	rc |= add_pool(w, POOL_PROVIDER, IP4(198, 18, 64, 0), w->npv, g_agency, 1);
	rc |= add_pool(w, POOL_HOME, IP4(198, 18, 128, 0), 40, g_home, ARRAY_SIZE(g_home));
	rc |= add_pool(w, POOL_TRAVEL, IP4(198, 19, 0, 0), 16, g_travel, ARRAY_SIZE(g_travel));
	rc |= add_pool(w, POOL_VPN, IP4(198, 19, 64, 0), 8, g_vpn, ARRAY_SIZE(g_vpn));
	rc |= add_pool(w, POOL_HOSTING, IP4(198, 19, 80, 0), 32, g_hosting, ARRAY_SIZE(g_hosting));
	rc |= add_pool(w, POOL_MAILPEER, IP4(198, 19, 128, 0), 30, g_mailpeer, ARRAY_SIZE(g_mailpeer));
	rc |= add_pool(w, POOL_SERVICE, IP4(198, 19, 192, 0), 16, g_service, ARRAY_SIZE(g_service));
	rc |= add_pool(w, POOL_SCANNER, IP4(198, 19, 112, 0), 10, g_scanner, ARRAY_SIZE(g_scanner));
	if (rc)
		return diag_set(d, SPOOR_ENOMEM, "simulate: out of memory");
	/* provider source networks: name the provider's ASN after it */
	w->ag = xcalloc(w->nag, sizeof(*w->ag));
	w->pv = xcalloc(w->npv, sizeof(*w->pv));
	if (!w->ag || !w->pv)
		return diag_set(d, SPOOR_ENOMEM, "simulate: out of memory");
	for (uint32_t i = 0; i < w->nag; i++) {
		sim_agency *a = &w->ag[i];
		if (i < ARRAY_SIZE(agency_names)) {
			snprintf(a->id, sizeof(a->id), "%s", agency_names[i].id);
			snprintf(a->name, sizeof(a->name), "%s", agency_names[i].name);
		} else {
			snprintf(a->id, sizeof(a->id), "ag%02u", i);
			snprintf(a->name, sizeof(a->name), "Government Agency %u", i);
		}
		snprintf(a->domain, sizeof(a->domain), "%s.gov.example", a->id);
		snprintf(a->addns, sizeof(a->addns), "corp.%s", a->domain);
		for (size_t k = 0; k < sizeof(a->ad) - 1 && a->id[k]; k++)
			a->ad[k] = (char)(a->id[k] >= 'a' && a->id[k] <= 'z' ? a->id[k] - 32 : a->id[k]);
		rand_guid(r, a->tenant);
		snprintf(a->sid, sizeof(a->sid), "S-1-5-21-%u-%u-%u", 1000000000u + rng_below(r, 1000000000u),
			 1000000000u + rng_below(r, 1000000000u), 100000000u + rng_below(r, 900000000u));
		a->kind = (int)(i % 3);
		a->net = IP4(10, 10 + i, 0, 0);
		a->pub = w->geo[w->pool_first[POOL_AGENCY] + i].net;
		static const char *const hn[H_NHOSTS] = {"DC01", "DC02", "MAIL01", "FS01", "WEB01", "APP01"};
		static const char *const hr[H_NHOSTS] = {"dc", "dc", "mail", "file", "web", "app"};
		for (int h = 0; h < H_NHOSTS; h++) {
			snprintf(a->hosts[h].name, sizeof(a->hosts[h].name), "%s", hn[h]);
			a->hosts[h].ip = a->net + IP4(0, 0, 1, 10 + h);
			a->hosts[h].role = hr[h];
		}
		a->nusers = o->mailboxes;
		a->users = xcalloc(a->nusers, sizeof(*a->users));
		size_t nseen = 4 * (size_t)a->nusers;
		uint64_t *seen = xcalloc(nseen, sizeof(*seen));
		if (!a->users || !seen) {
			free(seen);
			return diag_set(d, SPOOR_ENOMEM, "simulate: out of memory");
		}
		for (uint32_t u = 0; u < a->nusers; u++) {
			sim_user *x = &a->users[u];
			uint32_t fi = rng_below(r, (uint32_t)sim_nfirst), la = rng_below(r, (uint32_t)sim_nlast);
			uint32_t fi2 = rng_below(r, (uint32_t)sim_nfirst);
			/* unique: chen.weiming, then a number */
			snprintf(x->name, sizeof(x->name), "%s.%s%s", sim_last[la], sim_first[fi], sim_first[fi2]);
			if (!name_unique(seen, nseen, x->name)) {
				snprintf(x->name, sizeof(x->name), "%s.%s%s%u", sim_last[la], sim_first[fi],
					 sim_first[fi2], u);
				name_unique(seen, nseen, x->name); /* the number makes it unique */
			}
			snprintf(x->display, sizeof(x->display), "%c%s %c%s%s", sim_last[la][0] - 32, sim_last[la] + 1,
				 sim_first[fi][0] - 32, sim_first[fi] + 1, sim_first[fi2]);
			x->pc = (uint16_t)(u + 1);
			x->pc_ip = a->net + IP4(0, 0, 20 + u / 250, 2 + u % 250);
			x->home_ip = pool_ip(w, r, POOL_HOME);
			x->phone_ip = pool_ip(w, r, POOL_HOME);
			x->admin = u < 2 || rng_chance(r, 0.03);
			x->traveller = rng_chance(r, 0.12);
			x->vpn = rng_chance(r, 0.06);
			if (x->traveller) {
				/* one trip of 2-4 days: one hotel network, the first
				 * logon abroad a flight after the last one at home
				 * (the gap is the night before the trip starts) */
				int64_t span = w->t1 - w->t0, len = (2 + rng_below(r, 3)) * 86400000LL;
				x->trip0 = w->t0 + (span > len ? (int64_t)rng_below(r, (uint32_t)((span - len) /
												   3600000 + 1)) *
								     3600000LL
								 : 0);
				x->trip1 = x->trip0 + len;
				x->trip_ip = pool_ip(w, r, POOL_TRAVEL);
			}
			snprintf(x->sid_tail, sizeof(x->sid_tail), "%u", 1100 + u);
		}
		free(seen);
	}
	for (uint32_t i = 0; i < w->npv; i++) {
		sim_provider *p = &w->pv[i];
		if (i < ARRAY_SIZE(provider_names)) {
			snprintf(p->id, sizeof(p->id), "%s", provider_names[i].id);
			snprintf(p->name, sizeof(p->name), "%s", provider_names[i].name);
		} else {
			snprintf(p->id, sizeof(p->id), "pv%02u", i);
			snprintf(p->name, sizeof(p->name), "IT Provider %u", i);
		}
		snprintf(p->domain, sizeof(p->domain), "%s.example", p->id);
		geo_block *gb = &w->geo[w->pool_first[POOL_PROVIDER] + i];
		static const char *const pcity[] = {"Hsinchu", "Taichung", "Taipei", "Kaohsiung"};
		static const double plat[] = {24.8138, 24.1477, 25.0330, 22.6273},
				    plon[] = {120.9675, 120.6736, 121.5654, 120.3014};
		gb->city = pcity[i % 4];
		gb->lat = plat[i % 4];
		gb->lon = plon[i % 4];
		gb->asn = 64700 + i;
		gb->asn_org = p->name;
		p->net = gb->net;
		p->jump_ip = p->net + 10;
		snprintf(p->jump_name, sizeof(p->jump_name), "jump01");
		for (int k = 0; k < 4; k++) {
			snprintf(p->staff[k], sizeof(p->staff[k]), "%s.%s",
				 sim_first[rng_below(r, (uint32_t)sim_nfirst)],
				 sim_last[rng_below(r, (uint32_t)sim_nlast)]);
			fingerprint(r, p->staff_fp[k]);
		}
		snprintf(p->svc, sizeof(p->svc), "svc-%s", p->id);
		switch (rng_below(r, 3)) {
		case 0:
			p->win_days = 0x3e, p->win_start = 9, p->win_end = 18;
			break;
		case 1:
			p->win_days = 0x14, p->win_start = 19, p->win_end = 23;
			break;
		default:
			p->win_days = 0x40, p->win_start = 8, p->win_end = 14;
			break;
		}
	}
	/* every agency has one or two providers; each provider serves some */
	for (uint32_t i = 0; i < w->nag; i++) {
		uint32_t n = 1 + rng_below(r, 2);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t pi = (i + k * (1 + rng_below(r, w->npv))) % w->npv;
			sim_provider *p = &w->pv[pi];
			p->serves |= 1ULL << i;
			p->hosts_served[i] |= (uint8_t)((1u << H_MAIL) | (1u << H_FILE) | (1u << H_APP) |
							(rng_chance(r, 0.5) ? 1u << H_DC1 : 0) | (1u << H_WEB));
		}
	}
	/* the first provider serves at least two agencies: the supply-chain path */
	if (w->nag > 1) {
		w->pv[0].serves |= 3;
		w->pv[0].hosts_served[0] |= (1u << H_MAIL) | (1u << H_FILE) | (1u << H_APP) | (1u << H_WEB);
		w->pv[0].hosts_served[1] |= (1u << H_MAIL) | (1u << H_FILE) | (1u << H_APP) | (1u << H_WEB);
	}
	return 0;
}

void scenario_free(sim_world *w)
{
	for (uint32_t i = 0; w->ag && i < w->nag; i++)
		free(w->ag[i].users);
	free(w->ag);
	free(w->pv);
	free(w->geo);
	w->ag = NULL;
	w->pv = NULL;
	w->geo = NULL;
}

int scenario_write_inventory(sim_world *w, spoor_diag *d)
{
	simf f;
	char ip[16], ts0[32], ts1[32];
	int rc = simf_open(&f, w->root, "inventory.yaml", d);
	if (rc)
		return rc;
	o_fmt(&f, "# spoor simulate inventory (seed %" PRIu64 "); schema in docs/simulate.md\n", w->o.seed);
	O_LIT(&f, "agencies:\n");
	for (uint32_t i = 0; i < w->nag; i++) {
		sim_agency *a = &w->ag[i];
		static const char *const mk[] = {"dovecot-postfix", "exchange", "m365"};
		o_fmt(&f, "  - id: %s\n    name: \"%s\"\n    mail_domains: [%s]\n    ad_domains: [%s, %s]\n", a->id,
		      a->name, a->domain, a->ad, a->addns);
		o_fmt(&f, "    mail_platform: %s\n    tenant_id: %s\n    tz: \"+08:00\"\n", mk[a->kind], a->tenant);
		ip_str(ip, a->net);
		o_fmt(&f, "    networks: [\"%s/16\", ", ip);
		ip_str(ip, a->pub);
		o_fmt(&f, "\"%s/24\"]\n    hosts:\n", ip);
		for (int h = 0; h < H_NHOSTS; h++) {
			ip_str(ip, a->hosts[h].ip);
			o_fmt(&f, "      - {name: %s.%s, ip: %s, role: %s}\n", a->hosts[h].name, a->addns, ip,
			      a->hosts[h].role);
		}
		ip_str(ip, a->pub + 25);
		o_fmt(&f, "      - {name: mail.%s, ip: %s, role: mail-public}\n", a->domain, ip);
		o_fmt(&f, "    workstations: {count: %u, network: \"", a->nusers);
		ip_str(ip, a->net + IP4(0, 0, 20, 0));
		o_fmt(&f, "%s/22\"}\n    admins: [", ip);
		bool first = true;
		for (uint32_t u = 0; u < a->nusers; u++) {
			if (!a->users[u].admin)
				continue;
			o_fmt(&f, "%s%s@%s", first ? "" : ", ", a->users[u].name, a->domain);
			first = false;
		}
		O_LIT(&f, "]\n");
	}
	O_LIT(&f, "providers:\n");
	iso_str(ts0, sizeof(ts0), w->t0 - 400LL * 86400000);
	iso_str(ts1, sizeof(ts1), w->t1 + 365LL * 86400000);
	for (uint32_t i = 0; i < w->npv; i++) {
		sim_provider *p = &w->pv[i];
		ip_str(ip, p->net);
		o_fmt(&f, "  - id: %s\n    name: \"%s\"\n    source_networks: [\"%s/24\"]\n", p->id, p->name, ip);
		ip_str(ip, p->jump_ip);
		o_fmt(&f, "    jump_hosts: [{name: %s.%s, ip: %s}]\n    accounts: [%s", p->jump_name, p->domain, ip,
		      p->svc);
		for (int k = 0; k < 4; k++)
			o_fmt(&f, ", %s", p->staff[k]);
		O_LIT(&f, "]\n    key_fingerprints:\n");
		for (int k = 0; k < 4; k++)
			o_fmt(&f, "      - {account: %s, fingerprint: \"%s\"}\n", p->staff[k], p->staff_fp[k]);
		O_LIT(&f, "    serves:\n");
		for (uint32_t a = 0; a < w->nag; a++) {
			if (!(p->serves >> a & 1))
				continue;
			o_fmt(&f, "      - agency: %s\n        hosts: [", w->ag[a].id);
			bool first = true;
			for (int h = 0; h < H_NHOSTS; h++) {
				if (p->hosts_served[a] >> h & 1) {
					o_fmt(&f, "%s%s.%s", first ? "" : ", ", w->ag[a].hosts[h].name, w->ag[a].addns);
					first = false;
				}
			}
			O_LIT(&f, "]\n");
		}
		static const char *const dn[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
		O_LIT(&f, "    windows:\n      - days: [");
		bool first = true;
		for (int k = 0; k < 7; k++) {
			if (p->win_days >> k & 1) {
				o_fmt(&f, "%s%s", first ? "" : ", ", dn[k]);
				first = false;
			}
		}
		o_fmt(&f, "]\n        start: \"%02u:00\"\n        end: \"%02u:00\"\n        tz: \"+08:00\"\n",
		      p->win_start, p->win_end);
		o_fmt(&f, "    contract: {start: \"%.10s\", end: \"%.10s\"}\n", ts0, ts1);
	}
	return simf_close(&f, 0, d);
}

int scenario_write_geoip(sim_world *w, spoor_diag *d)
{
	simf f;
	char ip[16];
	int rc = simf_open(&f, w->root, "geoip.csv", d);
	if (rc)
		return rc;
	O_LIT(&f, "cidr,country,city,lat,lon,asn,asn_org,anonymizer\n");
	for (uint32_t i = 0; i < w->ngeo; i++) {
		geo_block *g = &w->geo[i];
		ip_str(ip, g->net);
		o_fmt(&f, "%s/24,%s,%s,%.4f,%.4f,%u,\"%s\",%s\n", ip, g->country, g->city, g->lat, g->lon, g->asn,
		      g->asn_org, g->anon ? g->anon : "");
	}
	/* the documentation nets the attacker and scanners use */
	O_LIT(&f, "203.0.113.0/24,HK,Hong Kong,22.3193,114.1694,65205,\"Kowloon Datacenter (simulated)\",hosting\n");
	O_LIT(&f, "192.0.2.0/24,US,Ann Arbor,42.2808,-83.7430,65400,\"Census Scanning (simulated)\",hosting\n");
	O_LIT(&f, "198.51.100.0/24,NL,Amsterdam,52.3676,4.9041,65401,\"Bulletproof Ltd (simulated)\",hosting\n");
	return simf_close(&f, 0, d);
}
