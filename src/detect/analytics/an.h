/* an — the stateful identity analytics, library side.
 *
 * One stage (engine.c) turns each event into an identity record
 * (identity.c: who, from where, with what, success or failure, what was
 * done to which mailbox, how much), hands it to every enabled analytic
 * (one file each: spray.c, bruteforce.c, ...), and at the end of the input
 * lets each analytic evaluate what it collected and raise its findings.
 *
 * Evaluation at the end, on sorted timestamps, makes every window a window
 * of *event* time that does not depend on the order the files were read
 * in: a password spray spread over six files and twelve hours is the same
 * spray.  Nothing is ever kept unbounded: names are interned once in a
 * capped pool (pool.c), maps and lists have explicit caps, and what a cap
 * turns away is counted and reported (spoor hunt -v, and in the alert
 * summary line).  See docs/internals/analytics.md. */
#ifndef SPOOR_AN_H
#define SPOOR_AN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/buf.h"
#include "detect/stage.h"
#include "spoor/hunt.h"
#include "spoor/rules.h"

typedef uint32_t sid; /* interned string id; 0 = none / not kept */

/* ---- string pool (pool.c): capped interning of names ---- */
typedef struct strpool {
	arena ar;
	uint32_t *tab; /* open addressing: id or 0 */
	size_t tcap;
	struct pstr {
		const char *s;
		uint32_t n;
		uint64_t h;
	} * v; /* v[id] */
	size_t n, vcap, max;
	uint64_t dropped; /* names not kept: the pool was full */
} strpool;
int pool_init(strpool *p, size_t max_names, size_t max_bytes);
void pool_done(strpool *p);
/* id of s (interned, case kept), 0 when the pool is full or s is empty */
sid pool_put(strpool *p, const char *s, size_t n);
/* id of s if known, else 0 */
sid pool_find(const strpool *p, const char *s, size_t n);
static inline spoor_sv pool_sv(const strpool *p, sid id)
{
	spoor_sv r = {"", 0};
	if (id && id <= p->n) {
		r.p = p->v[id].s;
		r.n = p->v[id].n;
	}
	return r;
}

/* ---- id map (pool.c): uint64 key -> fixed-size value, capped ---- */
typedef struct idmap {
	uint64_t *keys; /* key + 1; 0 = empty */
	uint32_t *idx;	/* slot -> value index */
	size_t tcap;
	char *vals;   /* n * vsize */
	uint64_t *kv; /* key of value i */
	size_t vsize, n, vcap, max;
	uint64_t dropped;
} idmap;
void idmap_init(idmap *m, size_t vsize, size_t max);
void idmap_done(idmap *m);
/* value for key, created zeroed when absent; NULL when full (counted) or OOM */
void *idmap_get(idmap *m, uint64_t key, bool *created);
void *idmap_find(const idmap *m, uint64_t key);
static inline void *idmap_at(const idmap *m, size_t i)
{
	return m->vals + i * m->vsize;
}
/* key of value index i */
uint64_t idmap_key_at(const idmap *m, size_t i);
static inline uint64_t pair_key(sid a, sid b)
{
	return ((uint64_t)a << 32) | b;
}
/* x appended to the n distinct ids of v unless 0 or already there; the
 * new count (v has room for one more) */
static inline size_t sid_uniq_add(sid *v, size_t n, sid x)
{
	if (!x)
		return n;
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return n;
	v[n] = x;
	return n + 1;
}

/* ---- capped growable arrays ---- */
typedef struct avec {
	void *v;
	uint32_t n, cap;
} avec;
/* append one zeroed element of size sz; NULL when at `max` elements or OOM
 * (the caller counts).  Memory is accounted in *mem against *mem_cap. */
void *avec_push(avec *a, size_t sz, uint32_t max, uint64_t *mem, uint64_t mem_cap);
void avec_free(avec *a);

/* ---- identity records (identity.c) ---- */
enum {
	IK_NONE = 0,
	IK_AUTH,     /* a logon attempt: outcome known */
	IK_MAILREAD, /* mail read: MailItemsAccessed, IMAP/POP session end */
	IK_ADMIN,    /* a mailbox or tenant change: rule, forwarding, permission, consent */
};

typedef struct ident {
	int kind;
	int64_t ts;
	spoor_sv user;	  /* lower-cased account */
	spoor_sv src;	  /* source IP text, may be empty */
	int outcome;	  /* 1 success, 0 failure, -1 unknown */
	spoor_sv reason;  /* failure reason / error code */
	spoor_sv proto;	  /* imap, pop3, smtp, ssh, owa, ews, activesync, windows, entra, m365, ... */
	spoor_sv client;  /* client app / app id / Entra clientAppUsed */
	spoor_sv ua;	  /* user agent */
	spoor_sv action;  /* event.action: the operation */
	spoor_sv session; /* session id that joins a login to its mail session */
	spoor_sv mailbox; /* mailbox owner (lower-cased), or the user */
	uint64_t bytes, items;
	bool has_bytes, has_items;
	bool throttled;
	bool no_account; /* a failure because the account does not exist */
	/* geo */
	bool has_loc;
	double lat, lon;
	spoor_sv country, asorg;
	spoor_sv city; /* empty: country-level geolocation */
	spoor_sv anon; /* the geo database's anonymizer flag: vpn, proxy, tor, relay, hosting */
	uint64_t asn;
	spoor_event *ev;
} ident;

typedef struct ident_ids ident_ids; /* field ids looked up once */
ident_ids *ident_ids_new(spoor_ctx *ctx);
void ident_ids_free(ident_ids *ids);
/* Fill id from ev; id->kind == IK_NONE when the event is not about an
 * identity.  Strings live in scratch (reset by the caller per event) or in
 * the event.  Returns 0 or SPOOR_ENOMEM. */
int ident_from_event(const ident_ids *ids, spoor_event *ev, arena *scratch, ident *id);
/* An Exchange cmdlet parameter of an M365 admin record, or empty. */
spoor_sv ident_param(spoor_event *ev, const char *name);
/* The text of a named field of ev (case-sensitive), or empty. */
spoor_sv ident_field(spoor_event *ev, uint32_t fid);

/* ---- the engine and the analytics ---- */
typedef struct an_origin {
	sid path;
	uint32_t pad;
	uint64_t line, offset;
} an_origin;

/* Config parameter of one analytic. */
enum { P_DUR = 1, P_INT, P_NUM, P_BOOL, P_LIST };
typedef struct an_param {
	const char *name;
	int type;
	size_t off; /* offsetof in the analytic's config struct */
	const char *doc;
} an_param;

/* a list parameter: NUL-separated strings */
typedef struct an_list {
	char **v;
	size_t n;
} an_list;
bool an_list_has(const an_list *l, spoor_sv s);	     /* case-insensitive */
bool an_list_suffix(const an_list *l, spoor_sv s);   /* s ends with an item (domains) */
bool an_list_contains(const an_list *l, spoor_sv s); /* s contains an item */
/* set a list from "a\0b\0" (ends with an empty item); 0 or SPOOR_ENOMEM */
int an_list_set(an_list *l, const char *items);

/* CIDR sets (exempt VPN / egress / provider networks) */
typedef struct an_cidr {
	uint8_t fam, bits;
	uint8_t a[16];
} an_cidr;
typedef struct an_cidrs {
	an_cidr *v;
	size_t n;
} an_cidrs;
/* parse every item of l ("10.0.0.0/8", "2001:db8::/32", "192.0.2.1");
 * false with *bad = the item when one is not a network */
bool an_cidrs_parse(an_cidrs *c, const an_list *l, const char **bad);
bool an_cidrs_match(const an_cidrs *c, spoor_sv ip);
void an_cidrs_free(an_cidrs *c);
/* one "ip" address text to bytes; fam 4 or 6, 0 when not an address */
int an_ip_parse(spoor_sv ip, uint8_t out[16]);

typedef struct an_engine an_engine;

typedef struct an_def {
	const char *name; /* config section and short name: "spray" */
	const char *rule_id;
	const char *title;
	spoor_level level;
	const char *technique, *tactic;
	const an_param *params;
	size_t nparams;
	size_t cfg_size;
	void (*defaults)(void *cfg);
	/* per-analytic state */
	void *(*create)(an_engine *e, const void *cfg);
	int (*on_ident)(void *st, an_engine *e, const ident *id);
	int (*finish)(void *st, an_engine *e);
	void (*destroy)(void *st);
	/* --state: write the baselines as records "<name>.<kind>\tfield..."
	 * (an_state_*), and take one back (fields after the tag); may be NULL */
	int (*save)(void *st, an_engine *e, FILE *f);
	int (*load)(void *st, an_engine *e, const char *kind, char **fv, int nf);
} an_def;

/* state file helpers (engine.c): one record per line, tab-separated,
 * strings escaped (\\, \t, \n) */
void an_state_begin(FILE *f, const char *tag);
void an_state_sv(FILE *f, spoor_sv s);
void an_state_i64(FILE *f, int64_t v);
void an_state_end(FILE *f);
bool an_state_num(const char *s, int64_t *v);
/* A set of (name, name) pairs (idmap keyed by pair_key): one "TAG a b"
 * line each; and the loader of one such line (fv = the two names). */
void an_state_pairs(FILE *f, an_engine *e, const char *tag, const idmap *m);
int an_state_pair_load(an_engine *e, idmap *m, char **fv, int nf);

/* Limits of the whole engine (config section "limits"). */
typedef struct an_limits {
	int64_t names;	    /* distinct names kept (accounts, sources, clients, paths) */
	int64_t name_bytes; /* bytes of those names */
	int64_t entries;    /* entries per map (per analytic) */
	int64_t list;	    /* items per list (per account, per source) */
	int64_t memory;	    /* bytes of lists, all analytics together */
	int64_t origins;    /* record origins listed per alert */
	int64_t listed;	    /* accounts / sources listed per alert */
} an_limits;

/* What the mailbox summary needs from every analytic: who attacked, whom. */
typedef struct an_mark {
	int64_t first, last; /* attacker activity on the account */
	uint32_t reasons;    /* bit per analytic index */
} an_mark;

struct an_engine {
	spoor_stage base;
	spoor_ctx *ctx;
	ident_ids *ids;
	strpool pool;
	an_limits lim;
	uint64_t mem;
	uint64_t list_dropped, entries_dropped;
	arena scratch;
	buf out, det;
	spoor_finding_fn fn;
	void *payload;
	an_origin cur_origin; /* of the event being processed */
	uint64_t events, idents, alerts;
	uint64_t by_kind[4];
	/* attacker sources (sid) and compromised accounts, for `spoor mailboxes` */
	idmap bad_src; /* src sid -> an_mark */
	idmap comp;    /* account sid -> an_mark */
	/* successes per (account, source): first/last time, for "then succeeded" */
	idmap succ; /* pair(acct, src) -> an_succ */
	/* mail read per (mailbox, source): sessions, bytes, items */
	idmap reads; /* pair(mailbox, src) -> an_read */
	idmap sess;  /* session sid -> src sid (login joined to its session end) */
	size_t n;
	const an_def *defs[24];
	void *cfgs[24];
	void *states[24];
	bool enabled[24];
	char summary[512];
	char err[256];	  /* set by an analytic's create() when its config is wrong */
	char *state_path; /* --state: loaded at start, written at finish */
	uint64_t state_loaded;
	/* the inventory's known networks (spoor_analytics_use_inventory):
	 * agencies' networks and egress, providers' source networks and
	 * jump hosts — whose geolocation says where the network is, not
	 * where the person is */
	an_cidrs known_nets;
};

/* Is ip in one of the inventory's known networks? */
static inline bool an_known_net(const an_engine *e, spoor_sv ip)
{
	return an_cidrs_match(&e->known_nets, ip);
}

typedef struct an_succ {
	int64_t first, last;
	uint32_t n;
	an_origin org;
} an_succ;

typedef struct an_read {
	int64_t first, last;
	uint64_t sessions, bytes, items;
} an_read;

/* interning helpers */
static inline sid an_name(an_engine *e, spoor_sv s)
{
	return s.n ? pool_put(&e->pool, s.p, s.n) : 0;
}
static inline spoor_sv an_sv(an_engine *e, sid id)
{
	return pool_sv(&e->pool, id);
}

/* The domain of an account name ("b.gov.example" of "a@b.gov.example"),
 * interned; 0 when the name has none. */
sid an_domain(an_engine *e, sid acct);

/* Mark a source as an attacker's and an account as compromised from it.
 * idx = the analytic's index (an_def order), for the mailbox summary. */
void an_mark_source(an_engine *e, sid src, int64_t first, int64_t last, unsigned idx);
void an_mark_account(an_engine *e, sid acct, int64_t first, int64_t last, unsigned idx);
unsigned an_index(const an_engine *e, const an_def *d);

/* First success of acct from src at or after `since`, or NULL. */
const an_succ *an_success(an_engine *e, sid acct, sid src, int64_t since);

/* ---- alert building (engine.c) ---- */
/* Start an analytic alert at time ts (event time), with ev or NULL. */
int an_alert_begin(an_engine *e, const an_def *d, int64_t ts, spoor_event *ev, spoor_level level);
/* JSON helpers over e->out */
int an_alert_str(an_engine *e, const char *key, spoor_sv v);
int an_alert_u64(an_engine *e, const char *key, uint64_t v);
int an_alert_num(an_engine *e, const char *key, double v);
int an_alert_time(an_engine *e, const char *key, int64_t ns);
/* "key": ["a","b",...] of sids, at most lim.listed; adds "key_count" when cut */
int an_alert_sids(an_engine *e, const char *key, const sid *v, size_t n);
int an_alert_origins(an_engine *e, const an_origin *o, size_t n, uint64_t total);
/* source.ip / user.name when single, spoor.sources, spoor.accounts,
 * spoor.compromised (+ _count each), and the matching details */
int an_attack_members(an_engine *e, const sid *srcs, size_t ns, const sid *accts, size_t na, const sid *comp,
		      size_t nc);
/* details for the CSV timeline: "k: v ¦ k: v" */
void an_detail(an_engine *e, const char *k, spoor_sv v);
int an_alert_end(an_engine *e, const an_def *d, int64_t ts, spoor_event *ev, spoor_level level);

/* helpers */
int cmp_i64(const void *a, const void *b);
double an_haversine_km(double lat1, double lon1, double lat2, double lon2);

/* all analytics, in pipeline order */
extern const an_def an_spray, an_bruteforce, an_stuffing, an_travel, an_firstseen, an_legacyauth, an_inboxrule,
    an_forwarding, an_delegation, an_bulkaccess, an_consent;

#endif
