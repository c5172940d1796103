/* firstseen — a successful logon from a country, network (ASN) or client
 * never seen for this identity before.
 *
 * Every (identity, country / ASN / client) value keeps the time and record
 * it was first seen; every identity the time it was first seen at all.  A
 * value first seen more than `baseline` after the identity itself is new
 * (Elastic new_terms: 14 days of history; Sentinel 7).  At the end, new
 * values are grouped by the logon that brought them: a new country alone
 * raises an alert; otherwise a new ASN and a new client together do (a
 * new phone from the usual network is a new client only, and stays quiet).
 * With `--state` the baseline is the previous runs' too (docs/analytics.md).
 *
 * A new value on its own is a signal, not an incident: at a few thousand
 * identities, trips abroad and new ISPs bring hundreds a month.  So the
 * alert is low, unless the logon came from a network people do not sign
 * in from (`suspicious_anonymizers`: the geo source's hosting flag —
 * intruders rent servers) — medium — or from a source another analytic
 * already called an attacker's (spraying, brute force, stuffing) — high.
 * Logons through VPN exits, relays, proxies and Tor (`exempt_anonymizers`)
 * are not used at all: their country is the exit's, as travel treats them. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct fs_cfg {
	int64_t baseline;
	bool country_alone;
	an_list exempt_networks, exempt_asns, exempt_anonymizers, suspicious_anonymizers;
} fs_cfg;

static const an_param params[] = {
    {"baseline", P_DUR, offsetof(fs_cfg, baseline),
     "history an identity needs before a value counts as new (Elastic 14d new_terms; Sentinel 7d)"},
    {"country_alone", P_BOOL, offsetof(fs_cfg, country_alone),
     "a new country alone raises an alert (else only with a new ASN and client)"},
    {"exempt_networks", P_LIST, offsetof(fs_cfg, exempt_networks), "CIDRs of VPN / egress / provider networks"},
    {"exempt_asns", P_LIST, offsetof(fs_cfg, exempt_asns), "AS numbers to skip"},
    {"exempt_anonymizers", P_LIST, offsetof(fs_cfg, exempt_anonymizers),
     "the geo source's anonymizer flags whose logons are skipped (as travel: vpn, proxy, tor, relay)"},
    {"suspicious_anonymizers", P_LIST, offsetof(fs_cfg, suspicious_anonymizers),
     "anonymizer flags that raise a new value to medium (hosting: people do not sign in from servers)"},
};

static void defaults(void *c)
{
	fs_cfg *s = c;
	s->baseline = 7ll * 86400 * 1000000000;
	s->country_alone = true;
	an_list_set(&s->exempt_anonymizers, "vpn\0proxy\0tor\0relay\0");
	an_list_set(&s->suspicious_anonymizers, "hosting\0");
}

typedef struct val {
	int64_t first;
	sid src, value;
	uint8_t dim;
	bool suspicious; /* the source's anonymizer flag is a suspicious_anonymizers item */
	an_origin org;
} val;

typedef struct firstseen {
	const fs_cfg *c;
	an_cidrs nets;
	idmap ident; /* acct -> int64 first */
	idmap vals;  /* (acct, "c:TW") -> val */
} firstseen;

static void *create(an_engine *e, const void *cfg)
{
	firstseen *s = xcalloc(1, sizeof(*s));
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
	idmap_init(&s->ident, sizeof(int64_t), (size_t)e->lim.entries);
	idmap_init(&s->vals, sizeof(val), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	firstseen *s = st;
	idmap_done(&s->ident);
	idmap_done(&s->vals);
	an_cidrs_free(&s->nets);
	free(s);
}

enum { D_COUNTRY, D_ASN, D_CLIENT };
static const char *const dim_name[] = {"country", "asn", "client"};

static void see(an_engine *e, firstseen *s, sid acct, int dim, spoor_sv v, const ident *id)
{
	if (!v.n)
		return;
	char tmp[300];
	int k = snprintf(tmp, sizeof(tmp), "%c:%.*s", "cak"[dim], (int)MIN(v.n, (size_t)280), v.p);
	sid vs = an_name(e, sv_make(tmp, (size_t)k));
	if (!vs)
		return;
	bool created;
	val *x = idmap_get(&s->vals, pair_key(acct, vs), &created);
	if (!x) {
		e->entries_dropped++;
		return;
	}
	if (created || id->ts < x->first) {
		x->first = id->ts;
		x->src = an_name(e, id->src);
		x->value = vs;
		x->dim = (uint8_t)dim;
		x->suspicious = id->anon.n && an_list_has(&s->c->suspicious_anonymizers, id->anon);
		x->org = e->cur_origin;
	}
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	firstseen *s = st;
	if (id->kind != IK_AUTH || id->outcome != 1)
		return 0;
	sid acct = an_name(e, id->user);
	if (!acct)
		return 0;
	bool created;
	int64_t *f = idmap_get(&s->ident, acct, &created);
	if (!f) {
		e->entries_dropped++;
		return 0;
	}
	if (created || id->ts < *f)
		*f = id->ts;
	if (an_cidrs_match(&s->nets, id->src) || an_known_net(e, id->src))
		return 0;
	if (id->anon.n && an_list_has(&s->c->exempt_anonymizers, id->anon))
		return 0;
	char asn[24] = "";
	if (id->asn) {
		snprintf(asn, sizeof(asn), "%llu", (unsigned long long)id->asn);
		if (an_list_has(&s->c->exempt_asns, sv_cstr(asn)))
			return 0;
	}
	see(e, s, acct, D_COUNTRY, id->country, id);
	see(e, s, acct, D_ASN, sv_cstr(asn), id);
	see(e, s, acct, D_CLIENT, id->client.n ? id->client : id->ua, id);
	return 0;
}

typedef struct nv {
	sid acct;
	uint32_t i;
	int64_t ts;
} nv;

static int cmp_nv(const void *a, const void *b)
{
	const nv *x = a, *y = b;
	if (x->acct != y->acct)
		return (x->acct > y->acct) - (x->acct < y->acct);
	if (x->ts != y->ts)
		return (x->ts > y->ts) - (x->ts < y->ts);
	return (x->i > y->i) - (x->i < y->i);
}

static int finish(void *st, an_engine *e)
{
	firstseen *s = st;
	nv *v = s->vals.n ? xmalloc(s->vals.n * sizeof(*v)) : NULL;
	if (s->vals.n && !v)
		return SPOOR_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < s->vals.n; i++) {
		const val *x = idmap_at(&s->vals, i);
		sid acct = (sid)(idmap_key_at(&s->vals, i) >> 32);
		const int64_t *f = idmap_find(&s->ident, acct);
		if (f && x->first - *f >= s->c->baseline)
			v[n++] = (nv){acct, (uint32_t)i, x->first};
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_nv);
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		size_t j = i;
		bool dim[3] = {false, false, false};
		const val *x0 = idmap_at(&s->vals, v[i].i);
		while (j < n && v[j].acct == v[i].acct && v[j].ts == v[i].ts) {
			const val *x = idmap_at(&s->vals, v[j].i);
			if (x->src == x0->src)
				dim[x->dim] = true;
			j++;
		}
		bool hit = (dim[D_COUNTRY] && s->c->country_alone) || (dim[D_ASN] && dim[D_CLIENT]) ||
			   (dim[D_COUNTRY] && (dim[D_ASN] || dim[D_CLIENT]));
		if (hit) {
			sid acct = v[i].acct;
			sid src = x0->src;
			bool attacker = src && idmap_find(&e->bad_src, src);
			spoor_level lv = attacker	  ? SPOOR_LEVEL_HIGH
					 : x0->suspicious ? SPOOR_LEVEL_MEDIUM
							  : SPOOR_LEVEL_LOW;
			r = an_alert_begin(e, &an_firstseen, v[i].ts, NULL, lv);
			if (r == 0 && attacker)
				r = an_alert_str(e, "spoor.source_flag", SPOOR_SV("attacker-source"));
			else if (r == 0 && x0->suspicious)
				r = an_alert_str(e, "spoor.source_flag", SPOOR_SV("suspicious-network"));
			if (r == 0)
				r = an_attack_members(e, &src, src ? 1 : 0, &acct, 1, NULL, 0);
			for (size_t k = i; k < j && r == 0; k++) {
				const val *x = idmap_at(&s->vals, v[k].i);
				if (x->src != x0->src)
					continue;
				char key[48];
				snprintf(key, sizeof(key), "spoor.new.%s", dim_name[x->dim]);
				spoor_sv t = an_sv(e, x->value);
				t.p += 2, t.n -= 2;
				r = an_alert_str(e, key, t);
				an_detail(e, key + 6, t);
			}
			if (r == 0)
				r = an_alert_origins(e, &x0->org, 1, 1);
			if (r == 0)
				r = an_alert_end(e, &an_firstseen, v[i].ts, NULL, lv);
		}
		i = j;
	}
	free(v);
	return r;
}

static int save(void *st, an_engine *e, FILE *f)
{
	firstseen *s = st;
	for (size_t i = 0; i < s->ident.n; i++) {
		an_state_begin(f, "firstseen.identity");
		an_state_sv(f, an_sv(e, (sid)idmap_key_at(&s->ident, i)));
		an_state_i64(f, *(int64_t *)idmap_at(&s->ident, i));
		an_state_end(f);
	}
	for (size_t i = 0; i < s->vals.n; i++) {
		const val *x = idmap_at(&s->vals, i);
		an_state_begin(f, "firstseen.value");
		an_state_sv(f, an_sv(e, (sid)(idmap_key_at(&s->vals, i) >> 32)));
		an_state_sv(f, an_sv(e, x->value));
		an_state_i64(f, x->first);
		an_state_sv(f, an_sv(e, x->src));
		an_state_end(f);
	}
	return 0;
}

static int load(void *st, an_engine *e, const char *kind, char **fv, int nf)
{
	firstseen *s = st;
	int64_t t;
	if (!strcmp(kind, "identity") && nf == 2 && an_state_num(fv[1], &t)) {
		sid a = an_name(e, sv_cstr(fv[0]));
		int64_t *p = a ? idmap_get(&s->ident, a, NULL) : NULL;
		if (p)
			*p = t;
		return 1;
	}
	if (!strcmp(kind, "value") && nf == 4 && an_state_num(fv[2], &t) && strlen(fv[1]) > 2 && fv[1][1] == ':') {
		const char *d = strchr("cak", fv[1][0]);
		if (!d)
			return 0;
		sid a = an_name(e, sv_cstr(fv[0])), v = an_name(e, sv_cstr(fv[1]));
		val *x = a && v ? idmap_get(&s->vals, pair_key(a, v), NULL) : NULL;
		if (x) {
			x->first = t;
			x->value = v;
			x->dim = (uint8_t)(d - "cak");
			x->src = an_name(e, sv_cstr(fv[3]));
		}
		return 1;
	}
	return 0;
}

const an_def an_firstseen = {
    .name = "firstseen",
    .rule_id = "spoor-analytic-first-seen",
    .title = "Logon from a country, network or client new for the identity",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1078",
    .tactic = "Initial Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(fs_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .finish = finish,
    .destroy = destroy,
    .save = save,
    .load = load,
};
