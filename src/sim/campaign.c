/* sim — the planted campaign, after the public BlackTech and Taidoor reports
 * (CISA AR20-216A, JPCERT/CC on PLEAD and TSCookie, the 2020 reports on
 * Taiwanese agencies reached through their IT service providers):
 *
 *   BlackTech: a provider's jump host is logged into with a stolen staff
 *   password at night, from there RDP into the agencies the provider serves,
 *   a PLEAD-like service from a user-writable folder, C2 beacons over TLS,
 *   HTTP and DNS, a password-protected RAR of the file share, the archive
 *   leaves in a few large connections, the logs are cleared.
 *
 *   Taidoor: low-and-slow password spraying against each agency's mail
 *   (IMAP, OWA or Entra ID depending on the platform) - at most two tries per
 *   account per day, below lockout - then the accounts that fall are used:
 *   bulk IMAP / EWS download, M365 forwarding rule, folder delegation, OAuth
 *   consent, forwarded copies leaving through the mail gateway.
 *
 * Every record is planned here as a plant; nothing depends on --scale. */
#include <inttypes.h>
#include <stdlib.h>

#include "sim-int.h"

const plant_info plant_infos[_P_MAX] = {
#define P(k, stage, tech, beh) {#k, stage, tech, beh},
#include "plants.def"
#undef P
};

#define MIN_MS		  60000LL
#define HOUR_MS		  3600000LL
#define DAY_MS		  86400000LL
#define SPRAY_TARGETS_MAX 60   /* accounts tried per round (a spray list) */
#define BEACONS_MAX	  1500 /* per infected host */

static plant *add(sim_world *w, int64_t t, uint32_t stream, int kind, int actor)
{
	if (t < w->t0 || t >= w->t1)
		return NULL;
	if (w->nplants == w->cplants) {
		size_t n = w->cplants ? w->cplants * 2 : 1024;
		plant *p = xreallocarray(w->plants, n, sizeof(*p));
		if (!p)
			return NULL;
		w->plants = p;
		w->cplants = n;
	}
	plant *p = &w->plants[w->nplants];
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->stream = stream;
	p->kind = (uint16_t)kind;
	p->actor = (uint8_t)actor;
	p->ag = p->user = p->host = p->pv = NONE;
	p->seq = (uint32_t)w->nplants++;
	return p;
}

/* A local time (UTC+8) on day `day` at hour h (fractional hours allowed). */
static int64_t at(const sim_world *w, int64_t day, double h)
{
	int64_t t = w->t0 + day * DAY_MS + (int64_t)(h * HOUR_MS) - (int64_t)SIM_TZ_MIN * MIN_MS;
	return t < w->t0 ? t + DAY_MS : t; /* early hours of the first local day: the next night */
}

static int cmp_plant(const void *a, const void *b)
{
	const plant *x = a, *y = b;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void c2_name(rng *r, char *out, size_t n)
{
	static const char *const a[] = {"update", "cdn", "mail", "secure", "cloud", "office", "sync", "api", "news"};
	static const char *const b[] = {"center", "link", "online", "portal", "zone", "hub", "check", "service"};
	static const char *const t[] = {"dynserv.example", "freeddns.example", "net-host.example"};
	snprintf(out, n, "%s%s.%s", a[rng_below(r, ARRAY_SIZE(a))], b[rng_below(r, ARRAY_SIZE(b))],
		 t[rng_below(r, ARRAY_SIZE(t))]);
}

static void actors(sim_world *w)
{
	rng *r = &w->r;
	sim_actor *a = &w->actor[ACT_BLACKTECH];
	a->name = "BlackTech";
	a->ips[0] = IP4(203, 0, 113, 10 + rng_below(r, 200));
	a->ips[1] = pool_ip(w, r, POOL_HOSTING);
	a->ips[2] = pool_ip(w, r, POOL_HOSTING);
	a->nips = 3;
	for (int i = 0; i < 3; i++) {
		a->c2_ip[i] = i == 0 ? IP4(203, 0, 113, 10 + rng_below(r, 200)) : pool_ip(w, r, POOL_HOSTING);
		c2_name(r, a->c2_domain[i], sizeof(a->c2_domain[i]));
	}
	a->exfil_ip = pool_ip(w, r, POOL_HOSTING);
	static const char *const svc[] = {"WinDefendUpd", "NetSvcHelper", "IPSecAgent", "WmiApSrvEx"};
	snprintf(a->svc_name, sizeof(a->svc_name), "%s", svc[rng_below(r, ARRAY_SIZE(svc))]);
	static const char *const dir[] = {"C:\\Users\\Public\\Libraries\\", "C:\\Users\\Public\\Documents\\",
					  "C:\\Windows\\Temp\\"};
	snprintf(a->svc_path, sizeof(a->svc_path), "%s%s.exe", dir[rng_below(r, 2)], a->svc_name);
	rng_chars(r, a->loader_sha256, 64, "0123456789ABCDEF");
	a->loader_sha256[64] = 0;
	snprintf(a->ua, sizeof(a->ua),
		 "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; .NET CLR 2.0.50727)");

	sim_actor *t = &w->actor[ACT_TAIDOOR];
	t->name = "Taidoor";
	for (int i = 0; i < 4; i++)
		t->ips[i] = pool_ip(w, r, POOL_HOSTING);
	t->ips[4] = pool_ip(w, r, POOL_VPN); /* shares exits with benign VPN users */
	t->ips[5] = IP4(203, 0, 113, 10 + rng_below(r, 200));
	t->nips = 6;
	c2_name(r, t->c2_domain[0], sizeof(t->c2_domain[0]));
	snprintf(t->fwd_addr, sizeof(t->fwd_addr), "%s.%s@%s", sim_first[rng_below(r, (uint32_t)sim_nfirst)],
		 sim_last[rng_below(r, (uint32_t)sim_nlast)], t->c2_domain[0]);
	static const char *const app[] = {"Mail Sync Pro", "Outlook Backup Assistant", "Secure PDF Viewer"};
	snprintf(t->app_name, sizeof(t->app_name), "%s", app[rng_below(r, ARRAY_SIZE(app))]);
	rand_guid(r, t->app_id);
}

/* BlackTech through the most connected provider. */
static void plan_blacktech(sim_world *w)
{
	rng *r = &w->r;
	sim_actor *A = &w->actor[ACT_BLACKTECH];
	int64_t D = w->o.days;
	uint32_t P = 0;
	for (uint32_t i = 1; i < w->npv; i++) {
		if (__builtin_popcountll(w->pv[i].serves) > __builtin_popcountll(w->pv[P].serves))
			P = i;
	}
	sim_provider *pv = &w->pv[P];
	int staff = (int)rng_below(r, 4);
	int64_t dj = D > 2 ? MAX(1, D / 5) : 0;
	int64_t t = at(w, dj, 1.0 + rng_unit(r) * 2.5); /* 01:00-03:30 local, outside every window */
	plant *p = add(w, t, stream_auth(w, P), P_JUMP_LOGIN, ACT_BLACKTECH);
	if (p) {
		p->pv = P;
		p->ip = A->ips[0];
		p->host = (uint32_t)staff;
		p->key = 40000 + rng_below(r, 20000);
	}
	p = add(w, t + rng_range(r, 60, 300) * 1000, stream_auth(w, P), P_JUMP_SUDO, ACT_BLACKTECH);
	if (p) {
		p->pv = P;
		p->host = (uint32_t)staff;
	}
	uint32_t nhit = 0;
	for (uint32_t a = 0; a < w->nag; a++) {
		if (!(pv->serves >> a & 1))
			continue;
		int64_t tl = t + (int64_t)(nhit + 1) * rng_range(r, 8, 40) * MIN_MS + (int64_t)nhit * DAY_MS;
		uint32_t host = H_FILE;
		nhit++;
		if ((p = add(w, tl, stream_id(w, a, S_CONN), P_ZEEK_RDP, ACT_BLACKTECH))) {
			p->ag = a, p->pv = P, p->host = host, p->ip = pv->jump_ip;
			p->n1 = rng_size(r, 4000000);
			p->n2 = rng_size(r, 60000000);
			p->key = rng_u64(r);
		}
		if ((p = add(w, tl + 2000, stream_id(w, a, S_SEC), P_RDP_LOGON, ACT_BLACKTECH))) {
			p->ag = a, p->pv = P, p->host = host, p->ip = pv->jump_ip;
			p->key = rng_u64(r) & 0xfffffff;
		}
		int64_t ti = tl + rng_range(r, 4, 15) * MIN_MS;
		if ((p = add(w, ti, stream_id(w, a, S_SYS), P_SERVICE_INSTALL, ACT_BLACKTECH)))
			p->ag = a, p->pv = P, p->host = host;
		if ((p = add(w, ti + 3000, stream_id(w, a, S_SYSMON), P_PROC_LOADER, ACT_BLACKTECH)))
			p->ag = a, p->host = host, p->key = 2000 + rng_below(r, 60000);
		if (nhit == 1 && (p = add(w, ti + rng_range(r, 30, 600) * 1000, stream_id(w, a, S_DEF),
					  P_DEFENDER_PLEAD, ACT_BLACKTECH)))
			p->ag = a, p->host = H_APP;
		/* C2 until the end */
		int64_t span = w->t1 - ti;
		int64_t gap = MAX(span / BEACONS_MAX, 45 * MIN_MS);
		int64_t lastdns = 0;
		uint32_t c2 = rng_below(r, 3), n = 0;
		for (int64_t tb = ti + rng_range(r, 1, 10) * MIN_MS; tb < w->t1; n++) {
			uint32_t ip = A->c2_ip[c2];
			if (tb - lastdns > 4 * HOUR_MS) {
				if ((p = add(w, tb - 150, stream_id(w, a, S_DNS), P_C2_DNS, ACT_BLACKTECH)))
					p->ag = a, p->host = host, p->ip = ip, p->n1 = c2;
				lastdns = tb;
			}
			int kind = n % 8 == 7 ? P_C2_HTTP : P_C2_SSL;
			if ((p = add(w, tb, stream_id(w, a, kind == P_C2_HTTP ? S_HTTP : S_SSL), kind,
				     ACT_BLACKTECH))) {
				p->ag = a, p->host = host, p->ip = ip, p->n1 = c2;
				p->n2 = rng_size(r, 900);
				p->key = rng_u64(r);
				/* the same connection in conn.log (same uid) */
				plant c = *p;
				plant *q = add(w, tb, stream_id(w, a, S_CONN), P_C2_CONN, ACT_BLACKTECH);
				if (q) {
					uint32_t seq = q->seq;
					*q = c;
					q->seq = seq;
					q->stream = stream_id(w, a, S_CONN);
					q->kind = P_C2_CONN;
					q->n1 = kind == P_C2_HTTP ? 80 : 443;
				}
			}
			tb += (int64_t)((double)gap * (0.6 + 0.8 * rng_unit(r)));
			if (n % 200 == 199)
				c2 = (c2 + 1) % 3;
		}
		/* collection, exfiltration and cleanup two days later, at night */
		int64_t dx = (tl - w->t0) / DAY_MS + 2;
		if (dx >= D)
			dx = D - 1;
		int64_t tx = at(w, dx, 2.0 + rng_unit(r) * 2.0);
		if (tx <= ti)
			tx = ti + 2 * HOUR_MS;
		if ((p = add(w, tx, stream_id(w, a, S_SYSMON), P_ARCHIVE, ACT_BLACKTECH)))
			p->ag = a, p->host = host, p->key = 2000 + rng_below(r, 60000);
		int64_t te = tx + rng_range(r, 10, 30) * MIN_MS;
		uint32_t chunks = 2 + rng_below(r, 4);
		for (uint32_t c = 0; c < chunks; c++) {
			if ((p = add(w, te, stream_id(w, a, S_CONN), P_EXFIL_CONN, ACT_BLACKTECH))) {
				p->ag = a, p->host = host, p->ip = A->exfil_ip;
				p->n1 = 100000000 + rng_below(r, 400000000);
				p->n2 = rng_size(r, 300000);
				p->key = rng_u64(r);
			}
			te += rng_range(r, 20, 50) * MIN_MS;
		}
		if ((p = add(w, te + rng_range(r, 5, 20) * MIN_MS, stream_id(w, a, S_SEC), P_LOG_CLEAR_SEC,
			     ACT_BLACKTECH)))
			p->ag = a, p->host = host, p->pv = P;
		if ((p = add(w, te + rng_range(r, 21, 25) * MIN_MS, stream_id(w, a, S_SYS), P_LOG_CLEAR_SYS,
			     ACT_BLACKTECH)))
			p->ag = a, p->host = host, p->pv = P;
	}
}

static int spray_kind(int mk)
{
	return mk == MK_DOVECOT ? P_SPRAY_DOVECOT : mk == MK_EXCHANGE ? P_SPRAY_OWA : P_SPRAY_ENTRA;
}
static int spray_stream(int mk)
{
	return mk == MK_DOVECOT ? S_MAIL : mk == MK_EXCHANGE ? S_IIS : S_SIGNIN;
}

/* What the attacker does with a mailbox that fell. */
static void use_mailbox(sim_world *w, uint32_t a, uint32_t u, uint32_t other, int64_t t, uint32_t ip)
{
	rng *r = &w->r;
	sim_agency *ag = &w->ag[a];
	sim_actor *T = &w->actor[ACT_TAIDOOR];
	plant *p;
	uint32_t sessions = 1 + rng_below(r, 3);
	if (ag->kind == MK_DOVECOT) {
		for (uint32_t s = 0; s < sessions; s++) {
			int64_t ts = t + rng_range(r, 20, 600) * MIN_MS + (int64_t)s * rng_range(r, 6, 30) * HOUR_MS;
			uint64_t key = rng_u64(r);
			if ((p = add(w, ts, stream_id(w, a, S_MAIL), P_VALID_DOVECOT, ACT_TAIDOOR)))
				p->ag = a, p->user = u, p->ip = ip, p->key = key;
			if ((p = add(w, ts + rng_range(r, 10, 90) * MIN_MS, stream_id(w, a, S_MAIL), P_IMAP_DOWNLOAD,
				     ACT_TAIDOOR))) {
				p->ag = a, p->user = u, p->ip = ip, p->key = key;
				p->n2 = 300 + rng_below(r, 4000);
				p->n1 = p->n2 * (20000 + rng_below(r, 80000));
			}
		}
	} else if (ag->kind == MK_EXCHANGE) {
		for (uint32_t s = 0; s < sessions; s++) {
			int64_t ts = t + rng_range(r, 20, 600) * MIN_MS + (int64_t)s * rng_range(r, 6, 30) * HOUR_MS;
			uint32_t reqs = 20 + rng_below(r, 60);
			for (uint32_t q = 0; q < reqs; q++) {
				if ((p = add(w, ts, stream_id(w, a, S_IIS), P_EWS_DOWNLOAD, ACT_TAIDOOR))) {
					p->ag = a, p->user = u, p->ip = ip;
					p->n2 = 50 + rng_below(r, 150);
					p->n1 = p->n2 * (15000 + rng_below(r, 60000));
				}
				ts += rng_range(r, 2, 12) * 1000;
			}
		}
	} else {
		int64_t ts = t + rng_range(r, 5, 40) * MIN_MS;
		if ((p = add(w, ts, stream_id(w, a, S_UAL), P_UAL_CONSENT, ACT_TAIDOOR)))
			p->ag = a, p->user = u, p->ip = ip;
		if ((p = add(w, ts + rng_range(r, 2, 20) * MIN_MS, stream_id(w, a, S_UAL), P_UAL_FORWARD, ACT_TAIDOOR)))
			p->ag = a, p->user = u, p->ip = ip, p->key = rng_u64(r);
		if (other == NONE) /* no second account yet: a colleague's, to read along */
			other = (u + 1 + rng_below(r, ag->nusers - 1)) % ag->nusers;
		if ((p = add(w, ts + rng_range(r, 21, 40) * MIN_MS, stream_id(w, a, S_UAL), P_UAL_DELEGATE,
			     ACT_TAIDOOR)))
			p->ag = a, p->user = u, p->host = other, p->ip = ip;
		for (uint32_t s = 0; s < sessions; s++) {
			int64_t tm = ts + rng_range(r, 1, 3) * HOUR_MS + (int64_t)s * rng_range(r, 6, 30) * HOUR_MS;
			if ((p = add(w, tm, stream_id(w, a, S_UAL), P_UAL_MAILITEMS, ACT_TAIDOOR))) {
				p->ag = a, p->user = u, p->ip = ip;
				p->n2 = 200 + rng_below(r, 3000);
			}
		}
		/* forwarded copies leave through the gateway: a few a day */
		for (int64_t tf = ts + rng_range(r, 30, 240) * MIN_MS; tf < w->t1; tf += rng_range(r, 2, 9) * HOUR_MS) {
			if ((p = add(w, tf, stream_id(w, a, S_MAILGW), P_GW_FORWARDED, ACT_TAIDOOR))) {
				p->ag = a, p->user = u;
				p->n1 = rng_size(r, 60000);
				p->n2 = 1;
				p->key = rng_u64(r);
				p->ip = pool_ip(w, r, POOL_HOSTING);
			}
		}
	}
	(void)T;
}

static void plan_taidoor(sim_world *w)
{
	rng *r = &w->r;
	sim_actor *T = &w->actor[ACT_TAIDOOR];
	int64_t D = w->o.days;
	uint32_t targeted = 0;
	uint32_t *order = xcalloc(w->o.mailboxes, sizeof(*order));
	if (!order)
		goto out;
	for (uint32_t a = 0; a < w->nag; a++) {
		sim_agency *ag = &w->ag[a];
		/* most agencies are sprayed; beyond the first four, one in four is spared */
		if (a >= 4 && rng_chance(r, 0.25))
			continue;
		targeted++;
		int64_t ds = rng_below(r, (uint32_t)MAX(1, D / 3));
		int64_t dend = MIN(D, ds + 6);
		uint32_t nround = 0, succ_round = 2 + rng_below(r, 3);
		uint32_t fallen = 0, want = 1 + rng_below(r, 2);
		uint32_t first_victim = NONE;
		/* rounds 14 h apart, each account at most once a round: never more
		 * than two tries of one account in any 24 hours */
		int64_t t0r = at(w, ds, rng_unit(r) * 6.0);
		uint32_t rounds = (uint32_t)((dend - ds) * 24 / 14);
		if (succ_round >= rounds)
			succ_round = rounds ? rounds - 1 : 0;
		for (uint32_t rd = 0; rd < rounds; rd++, nround++) {
			int64_t t = t0r + (int64_t)rd * 14 * HOUR_MS + (int64_t)(rng_unit(r) * HOUR_MS);
			/* this round's list: a shuffled subset */
			uint32_t n = w->o.mailboxes;
			for (uint32_t i = 0; i < n; i++)
				order[i] = i;
			for (uint32_t i = n - 1; i > 0; i--) {
				uint32_t j = rng_below(r, i + 1), x = order[i];
				order[i] = order[j];
				order[j] = x;
			}
			uint32_t k = MIN(SPRAY_TARGETS_MAX, (uint32_t)(n * (0.4 + 0.3 * rng_unit(r))));
			for (uint32_t i = 0; i < k; i++) {
				uint32_t u = order[i];
				if (ag->users[u].compromised)
					continue;
				uint32_t ip = T->ips[rng_below(r, T->nips)];
				bool ok = nround >= succ_round && fallen < want && !ag->users[u].admin &&
					  (rng_chance(r, 0.15) || (rd + 1 == rounds && !fallen));
				int kind = spray_kind(ag->kind);
				int st = spray_stream(ag->kind);
				if (ag->kind == MK_DOVECOT && rng_chance(r, 0.3))
					kind = P_SPRAY_POSTFIX;
				if (ok)
					kind = ag->kind == MK_DOVECOT	 ? P_VALID_DOVECOT
					       : ag->kind == MK_EXCHANGE ? P_VALID_OWA
									 : P_VALID_ENTRA;
				plant *p = add(w, t, stream_id(w, a, st), kind, ACT_TAIDOOR);
				if (p) {
					p->ag = a, p->user = u, p->ip = ip, p->key = rng_u64(r);
					if (ok) {
						fallen++;
						/* mark now so later rounds skip it; truth is set when written */
						ag->users[u].compromised = -1;
						use_mailbox(w, a, u, first_victim, t, ip);
						if (first_victim == NONE)
							first_victim = u;
					}
				}
				t += rng_range(r, 20, 150) * 1000;
			}
		}
	}
	for (uint32_t a = 0; a < w->nag; a++)
		for (uint32_t u = 0; u < w->ag[a].nusers; u++)
			w->ag[a].users[u].compromised = 0;
out:
	free(order);
	(void)targeted;
}

int campaign_plan(sim_world *w, spoor_diag *d)
{
	actors(w);
	plan_blacktech(w);
	plan_taidoor(w);
	qsort(w->plants, w->nplants, sizeof(*w->plants), cmp_plant);
	size_t i = 0;
	for (uint32_t s = 0; s < w->nstreams; s++) {
		w->streams[s].pcur = i;
		while (i < w->nplants && w->plants[i].stream == s)
			i++;
		w->streams[s].pend = i;
	}
	(void)d;
	return 0;
}

int campaign_write_indicators(sim_world *w, spoor_diag *d)
{
	simf f;
	char ip[16], a[32], b[32];
	int rc = simf_open(&f, w->root, "indicators.csv", d);
	if (rc)
		return rc;
	const sim_actor *B = &w->actor[ACT_BLACKTECH], *T = &w->actor[ACT_TAIDOOR];
	/* What partner CERTs share during the investigation: part of the
	 * infrastructure, observed from before the intrusion until after the
	 * logs end (first_seen/last_seen bound matching, docs/intel.md).  An
	 * indicator whose last sighting predates the logs would be expired and
	 * rightly never match. */
	iso_str(a, sizeof(a), w->t0 - 200 * DAY_MS);
	iso_str(b, sizeof(b), w->t1 + 30 * DAY_MS);
	O_LIT(&f, "type,value,source,group,first_seen,last_seen,confidence\n");
	ip_str(ip, B->c2_ip[0]);
	o_fmt(&f, "ipv4,%s,jpcert-sim,BlackTech,%s,%s,80\n", ip, a, b);
	o_fmt(&f, "domain,%s,jpcert-sim,BlackTech,%s,%s,70\n", B->c2_domain[0], a, b);
	o_fmt(&f, "sha256,%s,cisa-sim,BlackTech,%s,%s,90\n", B->loader_sha256, a, b);
	ip_str(ip, B->ips[0]);
	o_fmt(&f, "ipv4,%s,partner-sim,BlackTech,%s,%s,50\n", ip, a, b);
	ip_str(ip, T->ips[0]);
	o_fmt(&f, "ipv4,%s,cisa-sim,Taidoor,%s,%s,60\n", ip, a, b);
	o_fmt(&f, "domain,%s,cisa-sim,Taidoor,%s,%s,60\n", T->c2_domain[0], a, b);
	/* stale indicators, expired before these logs and never seen in them */
	rng r;
	rng_seed(&r, w->o.seed, 0x1d1c);
	iso_str(b, sizeof(b), w->t0 - 20 * DAY_MS);
	for (int i = 0; i < 4; i++) {
		ip_str(ip, IP4(198, 51, 100, 200 + i));
		o_fmt(&f, "ipv4,%s,osint-sim,%s,%s,%s,30\n", ip, i % 2 ? "Taidoor" : "BlackTech", a, b);
	}
	return simf_close(&f, 0, d);
}

static void o_ipq(simf *f, uint32_t ip)
{
	o_ch(f, '"');
	o_ip(f, ip);
	o_ch(f, '"');
}

int campaign_write_summary(sim_world *w, spoor_diag *d)
{
	simf f;
	char ts[32], upn[96];
	int rc = simf_open(&f, w->root, "truth/summary.json", d);
	if (rc)
		return rc;
	o_fmt(&f, "{\"seed\":%" PRIu64 ",\"planted_records\":%" PRIu64 ",\n\"agencies_compromised\":[", w->o.seed,
	      w->planted);
	bool first = true;
	for (uint32_t a = 0; a < w->nag; a++) {
		if (!w->ag[a].first_compromise)
			continue;
		iso_str(ts, sizeof(ts), w->ag[a].first_compromise);
		o_fmt(&f, "%s\n {\"agency\":\"%s\",\"first_compromise\":\"%s\"}", first ? "" : ",", w->ag[a].id, ts);
		first = false;
	}
	O_LIT(&f, "],\n\"accounts_compromised\":[");
	first = true;
	for (uint32_t a = 0; a < w->nag; a++) {
		for (uint32_t u = 0; u < w->ag[a].nusers; u++) {
			sim_user *x = &w->ag[a].users[u];
			if (!x->compromised)
				continue;
			iso_str(ts, sizeof(ts), x->compromised);
			o_fmt(&f,
			      "%s\n {\"agency\":\"%s\",\"account\":\"%s\",\"actor\":\"Taidoor\",\"first_use\":\"%s\"}",
			      first ? "" : ",", w->ag[a].id, user_upn(&w->ag[a], x, upn, sizeof(upn)), ts);
			first = false;
		}
	}
	for (uint32_t p = 0; p < w->npv; p++) {
		if (!w->pv[p].abused)
			continue;
		o_fmt(&f, "%s\n {\"provider\":\"%s\",\"account\":\"%s\",\"actor\":\"BlackTech\"}", first ? "" : ",",
		      w->pv[p].id, w->pv[p].svc);
		first = false;
	}
	O_LIT(&f, "],\n\"mailboxes_taken\":[");
	first = true;
	for (uint32_t a = 0; a < w->nag; a++) {
		for (uint32_t u = 0; u < w->ag[a].nusers; u++) {
			sim_user *x = &w->ag[a].users[u];
			if (!x->taken_bytes && !x->taken_items)
				continue;
			o_fmt(&f,
			      "%s\n {\"agency\":\"%s\",\"mailbox\":\"%s\",\"bytes\":%" PRIu64 ",\"items\":%" PRIu64 "}",
			      first ? "" : ",", w->ag[a].id, user_upn(&w->ag[a], x, upn, sizeof(upn)), x->taken_bytes,
			      x->taken_items);
			first = false;
		}
	}
	O_LIT(&f, "],\n\"providers_abused\":[");
	first = true;
	for (uint32_t p = 0; p < w->npv; p++) {
		if (w->pv[p].abused) {
			o_fmt(&f, "%s\"%s\"", first ? "" : ",", w->pv[p].id);
			first = false;
		}
	}
	O_LIT(&f, "],\n\"actors\":[");
	for (int i = 0; i < 2; i++) {
		const sim_actor *A = &w->actor[i];
		o_fmt(&f, "%s\n {\"name\":\"%s\",\"ips\":[", i ? "," : "", A->name);
		for (uint32_t k = 0; k < A->nips; k++) {
			if (k)
				o_ch(&f, ',');
			o_ipq(&f, A->ips[k]);
		}
		O_LIT(&f, "]");
		if (i == ACT_BLACKTECH) {
			O_LIT(&f, ",\"c2_ips\":[");
			for (int k = 0; k < 3; k++) {
				if (k)
					o_ch(&f, ',');
				o_ipq(&f, A->c2_ip[k]);
			}
			o_fmt(&f, "],\"c2_domains\":[\"%s\",\"%s\",\"%s\"],\"exfil_ip\":", A->c2_domain[0],
			      A->c2_domain[1], A->c2_domain[2]);
			o_ipq(&f, A->exfil_ip);
			O_LIT(&f, ",\"service\":\"");
			o_json(&f, A->svc_name);
			O_LIT(&f, "\",\"service_path\":\"");
			o_json(&f, A->svc_path);
			o_fmt(&f, "\",\"loader_sha256\":\"%s\"}", A->loader_sha256);
		} else {
			o_fmt(&f, ",\"forward_to\":\"%s\",\"oauth_app\":\"%s\",\"oauth_app_id\":\"%s\"}", A->fwd_addr,
			      A->app_name, A->app_id);
		}
	}
	O_LIT(&f, "]}\n");
	return simf_close(&f, 0, d);
}
