/* sim — internals of the scenario simulator (spoor/sim.h).
 *
 * The world (agencies, providers, people, address blocks) is built once from
 * the seed (scenario.c).  The campaign (campaign.c) plans every malicious
 * record up front as a `plant`: its time, its output stream and what it is;
 * the plan's size depends on agencies, mailboxes and days, never on --scale.
 * Then the driver (sim.c) walks day by day; each stream's writer (one file per
 * log format, w-*.c) draws benign records from a Poisson process whose rate
 * follows working hours, and slips the stream's plants in at their times.
 * Nothing is kept per record, so memory does not grow with the output. */
#ifndef SPOOR_SIM_INT_H
#define SPOOR_SIM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "spoor/sim.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---------------------- */
typedef struct rng {
	uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed, uint64_t stream);
static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}
static inline uint64_t rng_u64(rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return res;
}
/* Uniform in [0, n) (n > 0; Lemire's multiply, bias < 2^-32 for our n). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}
static inline double rng_unit(rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}
static inline bool rng_chance(rng *r, double p)
{
	return rng_unit(r) < p;
}
/* Uniform integer in [lo, hi]. */
static inline int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_unit(r) * (double)(hi - lo + 1));
}
/* Exponential gap with mean `mean` (> 0). */
double rng_exp(rng *r, double mean);
/* Log-normal-ish size around `median` (factor spread ~ x4). */
uint64_t rng_size(rng *r, uint64_t median);
/* n random characters of the alphabet into out (not terminated). */
void rng_chars(rng *r, char *out, size_t n, const char *alphabet);
extern const char sim_b64[];
extern const char sim_hex[];

/* ---- output file: buffered, counts lines and bytes --------------------- */
typedef struct simf {
	FILE *fp;
	char *buf;
	size_t len, cap;
	uint64_t off;  /* bytes written before buf[0] + len: offset of the next byte */
	uint64_t line; /* lines completed */
	int err;
	char rel[160]; /* path relative to the output folder */
} simf;

int simf_open(simf *f, const char *root, const char *rel, spoor_diag *d);
int simf_close(simf *f, int64_t mtime, spoor_diag *d);
void simf_flush(simf *f);
static inline void o_mem(simf *f, const void *p, size_t n)
{
	if (UNLIKELY(f->len + n > f->cap)) {
		simf_flush(f);
		if (n > f->cap) {
			if (fwrite(p, 1, n, f->fp) != n)
				f->err = 1;
			f->off += n;
			return;
		}
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	f->off += n;
}
static inline void o_ch(simf *f, char c)
{
	if (UNLIKELY(f->len + 1 > f->cap))
		simf_flush(f);
	f->buf[f->len++] = c;
	f->off++;
}
static inline void o_str(simf *f, const char *s)
{
	o_mem(f, s, strlen(s));
}
#define O_LIT(f, s) o_mem((f), (s), sizeof(s) - 1)
void o_u64(simf *f, uint64_t v);
void o_i64(simf *f, int64_t v);
void o_u64w(simf *f, uint64_t v, int width); /* zero-padded */
void o_ip(simf *f, uint32_t ip);
void o_json(simf *f, const char *s); /* JSON string body (no quotes), escaped */
void o_fmt(simf *f, const char *fmt, ...) PRINTF(2, 3);
static inline void o_end(simf *f)
{
	o_ch(f, '\n');
	f->line++;
}

/* ---- time (UTC, milliseconds since the epoch) -------------------------- */
typedef struct civil {
	int y, mo, d, h, mi, s, ms, wday; /* wday: 0 = Sunday */
} civil;
void civil_of(int64_t ms, civil *c);
int64_t sim_days_from_civil(int y, int m, int d);
/* 2024-03-04T09:30:00.123Z (frac digits 0, 3 or 7), "Z" or "+08:00" */
void o_iso(simf *f, int64_t ms, int frac, int tzmin);
void o_bsd(simf *f, int64_t ms, int tzmin);    /* "Mar  4 09:30:00" */
void o_w3c(simf *f, int64_t ms);	       /* "2024-03-04 09:30:00" */
void o_epoch(simf *f, int64_t ms);	       /* "1709544600.123456" */
void iso_str(char *out, size_t n, int64_t ms); /* 2024-03-04T09:30:00Z */

/* ---- addresses ---------------------------------------------------------- */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
void ip_str(char *out, uint32_t ip); /* out >= 16 */
bool ip_public(uint32_t ip);

/* A /24 of public space with its place in the world (geoip.csv). */
typedef struct geo_block {
	uint32_t net; /* a.b.c.0 */
	const char *country, *city;
	double lat, lon;
	uint32_t asn;
	const char *asn_org;
	const char *anon; /* geoip.csv's anonymizer column: what a privacy
			   * database says of the network ("vpn", "hosting") */
} geo_block;

/* Public address pools (index into world.geo). */
enum pool {
	POOL_AGENCY,   /* agency egress/mail: one /24 each */
	POOL_PROVIDER, /* provider source networks: one /24 each */
	POOL_HOME,     /* domestic broadband and mobile */
	POOL_TRAVEL,   /* hotels, roaming abroad */
	POOL_VPN,      /* commercial VPN exits (hard negatives) */
	POOL_HOSTING,  /* VPS / hosting: scanners, attacker infrastructure */
	POOL_MAILPEER, /* other organisations' mail servers */
	POOL_SERVICE,  /* internet services (Microsoft, CDNs, updates) */
	POOL_SCANNER,  /* internet scanners */
	_POOL_MAX
};

/* ---- the world ---------------------------------------------------------- */
enum mail_kind { MK_DOVECOT, MK_EXCHANGE, MK_M365 };

typedef struct sim_user {
	char name[32];	  /* chen.wei */
	char display[40]; /* Chen Wei */
	uint32_t pc_ip;	  /* workstation */
	uint32_t home_ip, phone_ip;
	uint16_t pc; /* workstation number */
	uint8_t admin, traveller, vpn;
	/* a traveller is abroad for one trip [trip0, trip1) ms, every logon of
	 * theirs from the hotel's network then, none from it otherwise */
	int64_t trip0, trip1;
	uint32_t trip_ip;
	char sid_tail[24];
	/* ground truth, filled as plants are written */
	int64_t compromised; /* ms of first use by the attacker, 0 = never */
	uint64_t taken_bytes, taken_items;
} sim_user;

typedef struct sim_host {
	char name[32]; /* MAIL01 */
	uint32_t ip;
	const char *role; /* dc, mail, file, web, app, workstation */
} sim_host;

#define SIM_MAX_HOSTS 8
enum { H_DC1, H_DC2, H_MAIL, H_FILE, H_WEB, H_APP, H_NHOSTS };

typedef struct sim_agency {
	char id[16];	 /* moea */
	char name[80];	 /* Ministry of Economic Affairs */
	char domain[48]; /* moea.gov.example */
	char ad[16];	 /* MOEA (NetBIOS) */
	char addns[64];	 /* corp.moea.gov.example */
	char tenant[40]; /* GUID */
	char sid[48];	 /* S-1-5-21-a-b-c */
	int kind;	 /* enum mail_kind */
	uint32_t net;	 /* 10.x.0.0/16 */
	uint32_t pub;	 /* public /24 */
	sim_host hosts[H_NHOSTS];
	sim_user *users;
	uint32_t nusers;
	int64_t first_compromise; /* ms, 0 = none (truth) */
} sim_agency;

typedef struct sim_provider {
	char id[16]; /* acme */
	char name[80];
	char domain[48];
	uint32_t net; /* public /24 */
	uint32_t jump_ip;
	char jump_name[48];
	char staff[4][32];			      /* ssh accounts on the jump host */
	char staff_fp[4][52];			      /* their key fingerprints ("SHA256:" + 43 base64 + NUL) */
	char svc[32];				      /* its account in served agencies' domains */
	uint64_t serves;			      /* bitmask of agencies */
	uint8_t hosts_served[SPOOR_SIM_MAX_AGENCIES]; /* bitmask of H_* per agency */
	uint8_t win_days;			      /* bitmask, bit 0 = Sunday */
	uint8_t win_start, win_end;		      /* local hours [start, end) */
	bool abused;				      /* truth */
} sim_provider;

#define SIM_TZ_MIN 480 /* agencies and providers: UTC+08:00 */

/* Streams: one output file each. */
enum stream_kind {
	S_MAIL,		    /* Postfix + Dovecot, RFC 3164 (dovecot agencies) */
	S_MAILGW,	    /* Postfix mail gateway, RFC 5424 (exchange / m365 agencies) */
	S_IIS,		    /* Exchange front end IIS W3C (exchange agencies) */
	S_UAL,		    /* M365 unified audit log (m365 agencies) */
	S_SIGNIN,	    /* Entra sign-ins (exchange hybrid and m365 agencies) */
	S_SEC,		    /* Windows Security (evtx_dump JSON) */
	S_SYS,		    /* Windows System */
	S_SYSMON,	    /* Sysmon */
	S_DEF,		    /* Defender operational */
	S_CONN,		    /* Zeek conn */
	S_DNS,		    /* Zeek dns */
	S_HTTP,		    /* Zeek http */
	S_SSL,		    /* Zeek ssl */
	S_NAGENCY,	    /* per-agency streams above */
	S_AUTH = S_NAGENCY, /* provider jump host auth.log */
	_S_KINDS
};

typedef struct sim_stream {
	int kind;
	uint32_t ag, pv; /* owner */
	bool on;
	simf f;
	rng r;
	uint64_t seq;		/* per-stream counter (record ids, pids, queue ids) */
	uint64_t rid[H_NHOSTS]; /* Windows: EventRecordID per host */
	size_t pcur, pend;	/* this stream's plants: [pcur, pend) of world.plants */
	/* writer scratch: pending session ends (min-heap by time) */
	struct pend *heap;
	size_t nheap;
} sim_stream;

typedef struct pend {
	int64_t t;
	uint32_t user, ip;
	uint64_t a, b, c;
	char sess[20];
} pend;
#define SIM_PEND_MAX 4096

/* What a planted record is (plants.def). */
enum plant_kind {
#define P(k, stage, tech, beh) k,
#include "plants.def"
#undef P
	_P_MAX
};
typedef struct plant_info {
	const char *name, *stage, *technique, *behaviour;
} plant_info;
extern const plant_info plant_infos[_P_MAX];

enum { ACT_BLACKTECH, ACT_TAIDOOR };

typedef struct plant {
	int64_t t;
	uint32_t stream;
	uint16_t kind;
	uint8_t actor;
	uint32_t ag, user, host, pv; /* UINT32_MAX: none */
	uint32_t ip, ip2;
	uint64_t n1, n2;
	uint64_t key; /* links records of one session */
	uint32_t seq;
} plant;
#define NONE UINT32_MAX

typedef struct sim_actor {
	const char *name;
	uint32_t ips[8];
	uint32_t nips;
	uint32_t c2_ip[3];
	char c2_domain[3][48];
	uint32_t exfil_ip;
	char svc_name[32], svc_path[96], loader_sha256[65];
	char fwd_addr[64];
	char app_name[48], app_id[40];
	char ua[128];
} sim_actor;

typedef struct sim_world {
	spoor_sim_options o;
	char root[512];
	geo_block *geo;
	uint32_t ngeo;
	uint32_t pool_first[_POOL_MAX], pool_n[_POOL_MAX];
	sim_agency *ag;
	uint32_t nag;
	sim_provider *pv;
	uint32_t npv;
	sim_actor actor[2];
	plant *plants;
	size_t nplants, cplants;
	sim_stream *streams;
	uint32_t nstreams;
	simf truth;
	uint64_t planted;
	int64_t t0, t1; /* ms: start of first day, end of last day */
	rng r;		/* world-level draws */
} sim_world;

/* The address of a traveller's logon at t while abroad, else 0. */
static inline uint32_t sim_trip_ip(const sim_user *u, int64_t t)
{
	return u->traveller && t >= u->trip0 && t < u->trip1 ? u->trip_ip : 0;
}

static inline uint32_t stream_id(const sim_world *w, uint32_t ag, int kind)
{
	(void)w;
	return ag * S_NAGENCY + (uint32_t)kind;
}
static inline uint32_t stream_auth(const sim_world *w, uint32_t pv)
{
	return w->nag * S_NAGENCY + pv;
}

/* scenario.c */
int scenario_build(sim_world *w, spoor_diag *d);
void scenario_free(sim_world *w);
uint32_t pool_ip(sim_world *w, rng *r, int pool);	      /* random host in the pool */
/* A random user of the agency who is not on a flight at t (a traveller is
 * in the air SIM_FLIGHT_MS before and after the trip: no logons). */
#define SIM_FLIGHT_MS (16 * 3600000LL)
sim_user *sim_pick_user(sim_agency *a, rng *r, int64_t t);
uint32_t pool_ip_n(const sim_world *w, int pool, uint32_t n); /* n-th address, stable */
int scenario_write_inventory(sim_world *w, spoor_diag *d);
int scenario_write_geoip(sim_world *w, spoor_diag *d);
const char *user_upn(const sim_agency *a, const sim_user *u, char *out, size_t n);
extern const char *const sim_first[], *const sim_last[];
extern const size_t sim_nfirst, sim_nlast;
double activity(int64_t ms, bool server);

/* campaign.c */
int campaign_plan(sim_world *w, spoor_diag *d);
int campaign_write_indicators(sim_world *w, spoor_diag *d);
int campaign_write_summary(sim_world *w, spoor_diag *d);

/* sim.c: the writers call these */
/* Write the truth line for plant p, whose record starts at the stream's next
 * line; `contains` is a string the record carries. */
void truth_mark(sim_world *w, sim_stream *s, const plant *p, const char *account, const char *contains);
/* Run one day: benign records at `rate` per hour of full activity, plants
 * in between. */
typedef void (*benign_fn)(sim_world *w, sim_stream *s, int64_t t);
typedef void (*plant_fn)(sim_world *w, sim_stream *s, const plant *p);
void stream_day(sim_world *w, sim_stream *s, int64_t day0, double rate, bool server, benign_fn b, plant_fn pl);
/* pending session ends */
bool pend_push(sim_stream *s, const pend *p);
bool pend_top(sim_stream *s, int64_t upto, pend *out);

/* writers: header (may be NULL) and one day */
typedef struct sim_writer {
	const char *path; /* relative; %s = agency or provider id */
	void (*header)(sim_world *w, sim_stream *s);
	void (*day)(sim_world *w, sim_stream *s, int64_t day0);
} sim_writer;
extern const sim_writer sim_writers[_S_KINDS];
void w_mail_day(sim_world *w, sim_stream *s, int64_t day0);
void w_mailgw_day(sim_world *w, sim_stream *s, int64_t day0);
void w_iis_header(sim_world *w, sim_stream *s);
void w_iis_day(sim_world *w, sim_stream *s, int64_t day0);
void w_ual_day(sim_world *w, sim_stream *s, int64_t day0);
void w_signin_day(sim_world *w, sim_stream *s, int64_t day0);
void w_sec_day(sim_world *w, sim_stream *s, int64_t day0);
void w_sys_day(sim_world *w, sim_stream *s, int64_t day0);
void w_sysmon_day(sim_world *w, sim_stream *s, int64_t day0);
void w_def_day(sim_world *w, sim_stream *s, int64_t day0);
void w_zeek_header(sim_world *w, sim_stream *s);
void w_conn_day(sim_world *w, sim_stream *s, int64_t day0);
void w_dns_day(sim_world *w, sim_stream *s, int64_t day0);
void w_http_day(sim_world *w, sim_stream *s, int64_t day0);
void w_ssl_day(sim_world *w, sim_stream *s, int64_t day0);
void w_auth_day(sim_world *w, sim_stream *s, int64_t day0);

/* helpers shared by writers */
static inline sim_agency *S_AG(sim_world *w, sim_stream *s)
{
	return &w->ag[s->ag];
}
void rand_guid(rng *r, char *out); /* 36 chars + NUL */
bool in_window(const sim_provider *p, int64_t ms);

#endif
