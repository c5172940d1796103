/* inventory — agencies and IT service providers, library side.
 *
 *   inventory-load.c  YAML/JSON files -> the model below, with file:line:col
 *                     for every error; several files merge
 *   inventory.c       validation across files (references, overlapping
 *                     networks), lookup indexes, and inv_classify(): who
 *                     acted (provider, account owner) and where (agency,
 *                     host) in one event
 *   inventory-stage.c the enrichment stage (spoor.agency, spoor.provider,
 *                     spoor.identity.owner)
 *
 * Addresses are kept as 16 bytes; IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d) with its prefix length + 96, so one table serves both
 * families.  Names (hosts, accounts, domains) are compared lower-case. */
#ifndef SPOOR_ENRICH_INVENTORY_H
#define SPOOR_ENRICH_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/timeparse.h"
#include "spoor/hunt.h"
#include "spoor/inventory.h"

#define INV_NONE  UINT32_MAX
/* inv_slot.val2 of a host's first label that several hosts share */
#define INV_AMBIGUOUS 1u
#define INV_ADMIN (UINT32_MAX - 1)

/* Where something was declared, for error messages. */
typedef struct inv_pos {
	const char *file; /* arena copy */
	uint32_t line, col;
} inv_pos;

typedef struct inv_net {
	uint8_t addr[16]; /* masked */
	uint8_t plen;	  /* 0..128 (IPv4: 96..128) */
	bool owner_is_provider;
	uint32_t owner; /* agency or provider index */
	inv_pos pos;
} inv_net;

typedef struct inv_host {
	char *name; /* lower-case */
	char *role; /* lower-case, "" when none */
	uint8_t ip[16];
	bool has_ip;
	uint32_t agency;
	inv_pos pos;
} inv_host;

typedef struct inv_strs {
	char **v;
	inv_pos *pos;
	size_t n, cap;
} inv_strs;

typedef struct inv_agency {
	char *id, *name;
	inv_strs mail_domains, ad_domains, admins, admin_hosts, tenants;
	inv_pos pos;
} inv_agency;

/* A provider's access to one agency: all hosts, or the listed hosts and
 * host groups ("role:NAME"). */
typedef struct inv_serve {
	char *agency_id;
	uint32_t agency;
	bool all_hosts;
	inv_strs hosts;
	inv_pos pos;
} inv_serve;

typedef struct inv_window {
	uint8_t days;		     /* bit d = weekday d (0 = Sunday) */
	uint16_t start_min, end_min; /* minutes of the local day; end < start wraps midnight */
	spoor_tz tz;
	inv_pos pos;
} inv_window;

typedef struct inv_account {
	char *name;   /* lower-case, as written */
	bool service; /* service use only: no interactive logons */
	inv_pos pos;
} inv_account;

typedef struct inv_provider {
	char *id, *name;
	inv_strs jump_hosts, keys;
	inv_account *accounts;
	size_t naccounts, capaccounts;
	inv_serve *serves;
	size_t nserves, capserves;
	inv_window *windows;
	size_t nwindows, capwindows;
	int64_t contract_start, contract_end; /* UTC ns; end is exclusive; 0 = open */
	bool has_start, has_end;
	bool has_sources; /* declares source networks or jump hosts */
	inv_pos pos;
} inv_provider;

/* A string -> value table (open addressing, lower-case keys). */
typedef struct inv_map {
	struct inv_slot {
		const char *key;
		size_t n;
		uint32_t val, val2;
	} * v;
	size_t cap, len;
} inv_map;

/* Prefix tables: one hash per prefix length present. */
typedef struct inv_nettab {
	inv_map byprefix; /* key = 17 bytes (plen, addr) -> net index */
	uint8_t plens[129];
	size_t nplens;
} inv_nettab;

/* One inventory file as loaded (name and text in the inventory's arena). */
typedef struct inv_source {
	const char *name, *text;
	size_t len;
} inv_source;

struct spoor_inventory {
	arena ar;
	spoor_inventory_limits lim;
	inv_agency *agencies;
	size_t nagencies, capagencies;
	inv_provider *providers;
	size_t nproviders, capproviders;
	inv_host *hosts;
	size_t nhosts, caphosts;
	inv_net *nets;
	size_t nnets, capnets;
	size_t nfiles;
	/* the text of every file loaded, in order: a case database keeps it so
	 * that `spoor providers --case` rebuilds the same inventory */
	inv_source *sources;
	bool finished;
	/* indexes, built by spoor_inventory_finish */
	inv_map ids;	  /* id -> agency (val2 = 0) or provider (val2 = 1) */
	inv_map hostname; /* host name and its first label -> host */
	inv_map hostip;	  /* 16-byte address -> host */
	inv_map account;  /* provider account -> provider (val2 = account index) */
	inv_map admin;	  /* agency admin account -> agency */
	inv_map key;	  /* key fingerprint -> provider */
	inv_map jump;	  /* jump host name or address -> provider */
	inv_map domain;	  /* mail or AD domain, or tenant id -> agency */
	inv_map ident;	  /* account and admin together: one probe per spelling;
			   * val2 = account index, or INV_ADMIN for an agency admin */
	inv_nettab agency_nets, provider_nets;
	/* skip lookups that cannot hit */
	bool ident_with_domain; /* some account or admin is written DOMAIN\\name */
	size_t jump_names;	/* jump hosts given by name */
};

/* ---- what one event is about (inventory.c) ---- */

enum {
	INV_BY_NONE = 0,
	INV_BY_ACCOUNT,
	INV_BY_KEY,
	INV_BY_NETWORK,
	INV_BY_JUMP,
	INV_BY_HOST,
	INV_BY_DOMAIN,
	INV_BY_ADMIN,
	INV_BY_SESSION, /* a mail session's later line: its login's (inventory-stage.c) */
};

typedef struct inv_match {
	uint32_t provider; /* acting provider or INV_NONE */
	uint8_t provider_by;
	uint32_t account; /* index in the provider's accounts, or INV_NONE */
	uint32_t agency;  /* target agency or INV_NONE */
	uint8_t agency_by;
	uint32_t host;	       /* target host or INV_NONE */
	uint32_t owner_agency; /* agency owning the identity (admin, domain) */
	uint32_t src_agency;   /* agency whose network holds source.ip */
	uint32_t src_provider; /* provider whose network holds source.ip */
	bool src_is_jump;      /* source.ip or source name is a jump host */
	uint32_t host_jump;    /* provider whose jump host the event is on, or INV_NONE */
	uint32_t key_provider; /* provider of the SSH key fingerprint */
	bool has_src;
	uint8_t src[16];
	spoor_sv user, host_name, key; /* event texts (borrowed) */
} inv_match;

void inv_classify(const spoor_inventory *inv, spoor_event *ev, inv_match *m);
/* The inventory stage's classification of ev when ev is the event it saw
 * last (same event, same generation); false otherwise. */
bool inv_stage_cached(const spoor_stage *st, const spoor_event *ev, inv_match *m);

/* helpers shared by the loader, the index and the stages */
bool inv_parse_ip(const char *s, size_t n, uint8_t out[16]);
/* "10.0.0.0/8", "2001:db8::/32" or a bare address (/32, /128) */
bool inv_parse_cidr(const char *s, size_t n, uint8_t out[16], uint8_t *plen);
/* Format an address (IPv4-mapped as dotted quad); out >= 48 bytes. */
void inv_format_ip(const uint8_t a[16], char *out, size_t cap);
int inv_map_put(inv_map *m, const char *key, size_t n, uint32_t val, uint32_t val2);
const struct inv_slot *inv_map_get(const inv_map *m, const char *key, size_t n);
void inv_map_done(inv_map *m);
/* lower-case copy in the arena */
char *inv_lower(arena *ar, const char *s, size_t n);
/* is the provider's contract running at t (UTC ns)? */
bool inv_in_contract(const inv_provider *p, int64_t t);
/* does any window of p hold t?  true when p has no windows */
bool inv_in_window(const inv_provider *p, int64_t t);
/* does p serve agency a, and host h there (INV_NONE = no host known)? */
const inv_serve *inv_serve_of(const inv_provider *p, uint32_t agency);
bool inv_host_allowed(const spoor_inventory *inv, const inv_serve *s, uint32_t host);
/* the provider-owned network holding addr, or INV_NONE */
uint32_t inv_net_lookup(const spoor_inventory *inv, const inv_nettab *t, const uint8_t addr[16]);

/* loader (inventory-load.c) */
int inv_load_text(spoor_inventory *inv, const char *name, const char *text, size_t len, spoor_diag *diag);

#endif
