/* sim — Zeek TSV logs of each agency's border sensor: conn, dns, http, ssl,
 * with the headers and field lists of Zeek 6 (zeek-btest baselines). */
#include <inttypes.h>

#include "sim-int.h"

static const char *const FIELDS[] = {
    [S_CONN] = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\t"
	       "conn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_"
	       "ip_bytes\ttunnel_parents",
    [S_DNS] =
	"ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\t"
	"qtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected",
    [S_HTTP] =
	"ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\t"
	"user_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\t"
	"username\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_"
	"mime_types",
    [S_SSL] = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_"
	      "alert\t"
	      "next_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert",
};
static const char *const TYPES[] = {
    [S_CONN] = "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\t"
	       "string\tcount\tcount\tcount\tcount\tset[string]",
    [S_DNS] =
	"time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\t"
	"string\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool",
    [S_HTTP] =
	"time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\t"
	"count\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\t"
	"vector[string]\tvector[string]\tvector[string]\tvector[string]",
    [S_SSL] =
	"time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\t"
	"vector[string]\tvector[string]\tbool",
};
static const char *const PATHS[] = {[S_CONN] = "conn", [S_DNS] = "dns", [S_HTTP] = "http", [S_SSL] = "ssl"};

void w_zeek_header(sim_world *w, sim_stream *s)
{
	simf *f = &s->f;
	civil c;
	civil_of(w->t0, &c);
	O_LIT(f, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t");
	o_str(f, PATHS[s->kind]);
	o_fmt(f, "\n#open\t%04d-%02d-%02d-%02d-%02d-%02d\n#fields\t", c.y, c.mo, c.d, c.h, c.mi, c.s);
	o_str(f, FIELDS[s->kind]);
	O_LIT(f, "\n#types\t");
	o_str(f, TYPES[s->kind]);
	o_ch(f, '\n');
	f->line += 8;
}

static void uid(simf *f, uint64_t key)
{
	static const char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char u[18];
	u[0] = 'C';
	for (int i = 1; i < 18; i++, key = key * 6364136223846793005ULL + 1442695040888963407ULL)
		u[i] = a[(key >> 33) % 62];
	o_mem(f, u, 18);
}

static void head(simf *f, int64_t t, uint64_t key, uint32_t oh, unsigned op, uint32_t rh, unsigned rp)
{
	o_epoch(f, t);
	o_ch(f, '\t');
	uid(f, key);
	o_ch(f, '\t');
	o_ip(f, oh);
	o_ch(f, '\t');
	o_u64(f, op);
	o_ch(f, '\t');
	o_ip(f, rh);
	o_ch(f, '\t');
	o_u64(f, rp);
	o_ch(f, '\t');
}

/* services people use, with a stable address each */
static const char *const SITES[] = {"outlook.office365.com",
				    "login.microsoftonline.com",
				    "www.bing.com",
				    "update.microsoft.com",
				    "ocsp.digicert.com",
				    "www.google.com",
				    "teams.microsoft.com",
				    "github.com",
				    "news.gov-portal.example",
				    "cdn.jsdelivr.net",
				    "fonts.gstatic.com",
				    "weather.example"};
static uint32_t site_ip(sim_world *w, uint32_t i)
{
	return pool_ip_n(w, POOL_SERVICE, i * 37 + 5);
}

static uint32_t inside(sim_world *w, sim_stream *s)
{
	sim_agency *a = S_AG(w, s);
	if (rng_chance(&s->r, 0.85))
		return a->users[rng_below(&s->r, a->nusers)].pc_ip;
	return a->hosts[rng_below(&s->r, H_NHOSTS)].ip;
}

static void conn(sim_world *w, sim_stream *s, int64_t t, uint64_t key, uint32_t oh, uint32_t rh, unsigned rp,
		 const char *svc, double dur, uint64_t ob, uint64_t rb, const char *state, const char *hist)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	head(f, t, key, oh, 49152 + (unsigned)(key % 16000), rh, rp);
	o_str(f, rp == 53 ? "udp" : "tcp");
	o_ch(f, '\t');
	o_str(f, svc);
	o_fmt(f, "\t%.6f\t", dur);
	o_u64(f, ob);
	o_ch(f, '\t');
	o_u64(f, rb);
	o_ch(f, '\t');
	o_str(f, state);
	o_ch(f, '\t');
	o_ch(f, (oh & 0xffff0000u) == a->net ? 'T' : 'F');
	o_ch(f, '\t');
	o_ch(f, (rh & 0xffff0000u) == a->net ? 'T' : 'F');
	O_LIT(f, "\t0\t");
	o_str(f, hist);
	uint64_t op = ob / 1400 + 3, rpk = rb / 1400 + 2;
	o_fmt(f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t-", op, ob + op * 52, rpk, rb + rpk * 52);
	o_end(f);
}

static void conn_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	uint32_t k = rng_below(&s->r, 1000);
	uint64_t key = rng_u64(&s->r);
	if (k < 760) {
		uint32_t i = rng_below(&s->r, ARRAY_SIZE(SITES));
		bool big = rng_chance(&s->r, 0.002); /* backups and OneDrive sync: large uploads */
		conn(w, s, t, key, inside(w, s), site_ip(w, i), 443, "ssl", rng_exp(&s->r, 20.0),
		     big ? 50000000 + rng_below(&s->r, 300000000) : rng_size(&s->r, 2500), rng_size(&s->r, 30000), "SF",
		     "ShADadfFr");
	} else if (k < 900) {
		conn(w, s, t, key, a->hosts[H_DC1].ip, pool_ip_n(w, POOL_SERVICE, 3), 53, "dns", 0.02, 40, 120, "SF",
		     "Dd");
	} else if (k < 950) {
		conn(w, s, t, key, pool_ip(w, &s->r, POOL_MAILPEER), a->hosts[H_MAIL].ip, 25, "smtp",
		     rng_exp(&s->r, 3.0), rng_size(&s->r, 40000), 2000, "SF", "ShAdDafF");
	} else if (k < 990) {
		uint32_t ip = rng_chance(&s->r, 0.5) ? pool_ip(w, &s->r, POOL_SCANNER)
						     : IP4(192, 0, 2, 2 + rng_below(&s->r, 250));
		static const unsigned ports[] = {22, 23, 445, 3389, 8080, 443, 1433, 5900};
		conn(w, s, t, key, ip, a->hosts[rng_below(&s->r, H_NHOSTS)].ip, ports[rng_below(&s->r, 8)], "-", 0, 0,
		     0, "S0", "S");
	} else {
		/* provider maintenance over RDP, inside the window */
		for (uint32_t p = 0; p < w->npv; p++) {
			sim_provider *pv = &w->pv[p];
			if ((pv->serves >> s->ag & 1) && in_window(pv, t)) {
				conn(w, s, t, key, pv->jump_ip, a->hosts[H_APP].ip, 3389, "ssl",
				     600 + rng_exp(&s->r, 1800), rng_size(&s->r, 3000000), rng_size(&s->r, 40000000),
				     "SF", "ShADadfFr");
				return;
			}
		}
		conn(w, s, t, key, inside(w, s), site_ip(w, 0), 443, "ssl", 1.0, 900, 5000, "SF", "ShADadfFr");
	}
}

static void conn_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	char c[320], ip[16];
	ip_str(ip, p->ip);
	if (p->kind == P_ZEEK_RDP) {
		snprintf(c, sizeof(c), "%s\t", ip);
		truth_mark(w, s, p, w->pv[p->pv].svc, c);
		conn(w, s, p->t, p->key, p->ip, a->hosts[p->host].ip, 3389, "ssl", 1800 + (double)(p->key % 5000),
		     p->n1, p->n2, "SF", "ShADadfFr");
	} else if (p->kind == P_C2_CONN) {
		snprintf(c, sizeof(c), "%s\t%u\ttcp\t%s", ip, (unsigned)p->n1, p->n1 == 80 ? "http" : "ssl");
		truth_mark(w, s, p, NULL, c);
		conn(w, s, p->t, p->key, a->hosts[p->host].ip, p->ip, (unsigned)p->n1, p->n1 == 80 ? "http" : "ssl",
		     0.4 + (double)(p->key % 1000) / 1000.0, 300 + p->n2 % 1200, p->n2, "SF", "ShADadfF");
	} else if (p->kind == P_EXFIL_CONN) {
		snprintf(c, sizeof(c), "%s\t443\ttcp\tssl", ip);
		plant q = *p;
		truth_mark(w, s, &q, NULL, c);
		conn(w, s, p->t, p->key, a->hosts[p->host].ip, p->ip, 443, "ssl", 300 + (double)(p->key % 900), p->n1,
		     p->n2, "SF", "ShADadfFr");
	}
}

void w_conn_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 4.0 * S_AG(w, s)->nusers, true, conn_benign, conn_plant);
}

/* ---- dns ------------------------------------------------------------------------ */
static void dns(sim_world *w, sim_stream *s, int64_t t, uint64_t key, uint32_t from, const char *q, uint32_t ans,
		unsigned ttl)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	head(f, t, key, from, 49152 + (unsigned)(key % 16000), a->hosts[H_DC1].ip, 53);
	o_fmt(f, "udp\t%u\t0.%06u\t%s\t1\tC_INTERNET\t1\tA\t%u\t%s\tF\tF\tT\tT\t0\t", (unsigned)(key >> 48),
	      200 + (unsigned)(key % 90000), q, ans ? 0u : 3u, ans ? "NOERROR" : "NXDOMAIN");
	if (ans) {
		o_ip(f, ans);
		o_fmt(f, "\t%u.000000\tF", ttl);
	} else {
		O_LIT(f, "-\t-\tF");
	}
	o_end(f);
}

static void dns_benign(sim_world *w, sim_stream *s, int64_t t)
{
	uint32_t i = rng_below(&s->r, ARRAY_SIZE(SITES));
	if (rng_chance(&s->r, 0.03)) {
		/* typos and dead names */
		dns(w, s, t, rng_u64(&s->r), inside(w, s), "outlok.office365.com", 0, 0);
		return;
	}
	dns(w, s, t, rng_u64(&s->r), inside(w, s), SITES[i], site_ip(w, i), 300);
}

static void dns_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	const char *dom = w->actor[ACT_BLACKTECH].c2_domain[p->n1];
	truth_mark(w, s, p, NULL, dom);
	dns(w, s, p->t, rng_u64(&s->r), a->hosts[p->host].ip, dom, p->ip, 600);
}

void w_dns_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 2.0 * S_AG(w, s)->nusers, true, dns_benign, dns_plant);
}

/* ---- http ----------------------------------------------------------------------- */
static void http(sim_world *w, sim_stream *s, int64_t t, uint64_t key, uint32_t from, uint32_t to, const char *method,
		 const char *host, const char *uri, const char *ua, uint64_t req, uint64_t resp, unsigned status)
{
	simf *f = &s->f;
	(void)w;
	head(f, t, key, from, 49152 + (unsigned)(key % 16000), to, 80);
	o_fmt(f,
	      "1\t%s\t%s\t%s\t-\t1.1\t%s\t-\t%" PRIu64 "\t%" PRIu64
	      "\t%u\t%s\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-",
	      method, host, uri, ua, req, resp, status, status == 200 ? "OK" : "Not Modified");
	o_end(f);
}

static void http_benign(sim_world *w, sim_stream *s, int64_t t)
{
	static const char *const u[][3] = {
	    {"update.microsoft.com", "/msdownload/update/v3/static/trustedr/en/authrootstl.cab",
	     "Microsoft-CryptoAPI/10.0"},
	    {"ocsp.digicert.com", "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ", "Microsoft-CryptoAPI/10.0"},
	    {"ctldl.windowsupdate.com", "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab",
	     "Microsoft-CryptoAPI/10.0"},
	    {"weather.example", "/api/v1/taipei", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
	};
	uint32_t i = rng_below(&s->r, ARRAY_SIZE(u));
	http(w, s, t, rng_u64(&s->r), inside(w, s), site_ip(w, 3 + i), "GET", u[i][0], u[i][1], u[i][2], 0,
	     rng_size(&s->r, 6000), rng_chance(&s->r, 0.7) ? 200 : 304);
}

static void http_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	const sim_actor *A = &w->actor[ACT_BLACKTECH];
	char uri[64];
	snprintf(uri, sizeof(uri), "/index.php?id=%08" PRIx64, p->key & 0xffffffff);
	truth_mark(w, s, p, NULL, uri);
	http(w, s, p->t, p->key, a->hosts[p->host].ip, p->ip, "POST", A->c2_domain[p->n1], uri, A->ua,
	     120 + p->n2 % 300, p->n2, 200);
}

void w_http_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 0.5 * S_AG(w, s)->nusers, true, http_benign, http_plant);
}

/* ---- ssl ------------------------------------------------------------------------ */
static void ssl(sim_world *w, sim_stream *s, int64_t t, uint64_t key, uint32_t from, uint32_t to, const char *sni,
		bool resumed)
{
	simf *f = &s->f;
	(void)w;
	head(f, t, key, from, 49152 + (unsigned)(key % 16000), to, 443);
	o_fmt(f, "TLSv12\tTLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\tx25519\t%s\t%c\t-\th2\tT\tCsxknGIti\t-\t-\tT", sni,
	      resumed ? 'T' : 'F');
	o_end(f);
}

static void ssl_benign(sim_world *w, sim_stream *s, int64_t t)
{
	uint32_t i = rng_below(&s->r, ARRAY_SIZE(SITES));
	ssl(w, s, t, rng_u64(&s->r), inside(w, s), site_ip(w, i), SITES[i], rng_chance(&s->r, 0.3));
}

static void ssl_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	const char *dom = w->actor[ACT_BLACKTECH].c2_domain[p->n1];
	char c[320];
	snprintf(c, sizeof(c), "\t%s\t", dom);
	truth_mark(w, s, p, NULL, c);
	ssl(w, s, p->t, p->key, a->hosts[p->host].ip, p->ip, dom, false);
}

void w_ssl_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 1.5 * S_AG(w, s)->nusers, true, ssl_benign, ssl_plant);
}
