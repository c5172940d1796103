/* intel-int — the intel store, library side.
 *
 * Loaders (misp.c, stix.c, attack.c, csv.c) turn intel files into:
 *   - indicator objects (iobj): one STIX indicator, MISP attribute or CSV
 *     row, with its provenance, validity window, confidence and to_ids;
 *   - atoms (ioc): one matchable value of one type (an OR in a STIX
 *     pattern gives several atoms for one iobj; an AND gives atoms that
 *     must all match in the same event: `need` has several bits);
 *   - entities (ent): intrusion sets, malware, tools, attack patterns,
 *     from ATT&CK, STIX bundles, MISP galaxies, or named in a CSV column;
 *   - relationships between STIX ids, and references by name (a CSV
 *     "group" column, a MISP galaxy tag), resolved by intel_finish().
 * The matcher (src/detect/ioc) indexes the atoms. */
#ifndef SPOOR_INTEL_INT_H
#define SPOOR_INTEL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/buf.h"
#include "intel/intel-json.h"
#include "spoor/intel.h"

/* Atom types (spoor_intel_type_name gives "ipv4", "domain", ...). */
typedef enum ioc_type {
	IOC_IPV4,
	IOC_IPV6,
	IOC_DOMAIN,
	IOC_URL,
	IOC_EMAIL,
	IOC_MD5,
	IOC_SHA1,
	IOC_SHA256,
	IOC_SHA512,
	IOC_FILENAME,
	IOC_FILEPATH,
	IOC_USER_AGENT,
	IOC_CMDLINE,
	IOC_X509_SERIAL,
	IOC_X509_HASH,
	_IOC_MAX
} ioc_type;

/* How an atom's value is compared. */
typedef enum ioc_mode {
	IOC_EXACT,  /* normalised equality (hash set, radix tree for IPs) */
	IOC_SUBSTR, /* literal substring, case-insensitive */
	IOC_REGEX,  /* regular expression (PCRE syntax, Vectorscan) */
} ioc_mode;

typedef struct ioc {
	uint8_t type;	  /* ioc_type */
	uint8_t mode;	  /* ioc_mode */
	uint8_t plen;	  /* IP prefix length (IPv4 addresses mapped to ::ffff:0:0/96) */
	uint8_t term;	  /* this atom's bit among its object's atoms (0 = alone) */
	uint32_t need;	  /* bits that must all be seen in one event (STIX AND); 1 = alone */
	uint32_t obj;	  /* iobj index */
	uint32_t next;	  /* next atom with the same key (UINT32_MAX = none) */
	spoor_sv value;	  /* normalised value (IP: 16 bytes) */
} ioc;

enum {
	IOBJ_IDS = 1 << 0,     /* to_ids / meant for detection */
	IOBJ_REVOKED = 1 << 1, /* STIX revoked: loaded, never matched */
};

typedef struct iobj {
	spoor_sv id;	 /* STIX id, MISP uuid, or "file:line" */
	spoor_sv name;	 /* indicator name, MISP category/type, CSV note */
	spoor_sv source; /* provider: MISP Orgc, STIX created_by / file, CSV source */
	spoor_sv pattern; /* STIX pattern as written (empty otherwise) */
	int64_t from, until; /* validity, UTC ns; INT64_MIN / INT64_MAX = open */
	uint32_t src;	     /* file index */
	uint32_t ents, nents; /* after finish: direct entity refs oe[ents .. ents+nents) */
	uint8_t flags;
	uint8_t confidence; /* 0..100; 255 = not given */
} iobj;

typedef enum ent_kind {
	ENT_GROUP,     /* intrusion-set, threat-actor */
	ENT_MALWARE,
	ENT_TOOL,
	ENT_TECHNIQUE, /* attack-pattern */
	ENT_CAMPAIGN,
	_ENT_MAX
} ent_kind;

typedef struct ent {
	uint8_t kind;
	bool deprecated;
	spoor_sv id;	  /* STIX id or galaxy uuid; may be empty */
	spoor_sv name;
	spoor_sv ext_id;  /* ATT&CK "G0098", "S0011", "T1059.003" */
	spoor_sv *aliases;
	uint32_t naliases;
	uint32_t merged;  /* after finish: index of the entity this one is the same as */
	/* after finish: lists into intel.lists */
	uint32_t uses, nuses;	    /* entities this one uses: intel.uses[uses ..] .b */
	uint32_t used_by, nused_by; /* entities that use this one (groups) */
	uint64_t nindicators;	    /* atoms attributed to it (directly or via software) */
} ent;

typedef struct ipair {
	uint32_t a, b;
} ipair;

typedef struct irel {
	spoor_sv src, type, dst; /* STIX ids and relationship_type */
} irel;

/* A reference by name, resolved at finish: iobj `obj` indicates the
 * entity named `name` (kind is a hint: a group or software column). */
typedef struct iname_ref {
	uint32_t obj;
	uint8_t kind;
	spoor_sv name;
} iname_ref;

typedef struct iunsup {
	uint32_t src;
	spoor_sv where; /* indicator id or line */
	spoor_sv what;	/* the pattern or value */
	spoor_sv why;
} iunsup;

typedef struct isrc {
	char *path;
	const char *format; /* "misp", "stix", "attack", "csv", "list", "stix-patterns", "misp-galaxy" */
	uint64_t objs, atoms, unsupported, skipped, bad;
} isrc;

#define VEC(T)                                                                                                       \
	struct {                                                                                                     \
		T *v;                                                                                                \
		size_t n, cap;                                                                                       \
	}

/* A string -> uint32 map (STIX id -> index), open addressing. */
typedef struct smap {
	struct smap_slot {
		uint64_t h;
		spoor_sv k;
		uint32_t v;
	} *s;
	size_t cap, n;
} smap;
int smap_put(smap *m, spoor_sv k, uint32_t v); /* replaces */
bool smap_get(const smap *m, spoor_sv k, uint32_t *v);
void smap_free(smap *m);

struct spoor_intel {
	spoor_intel_options opt;
	arena ar; /* every string of the store */
	VEC(ioc) atoms;
	VEC(iobj) objs;
	VEC(ipair) oe;	 /* (iobj, ent): indicator indicates entity; sorted by finish */
	VEC(ipair) uses; /* (ent, ent): a uses b; sorted by finish */
	size_t rels_done, names_done;
	VEC(ent) ents;
	VEC(irel) rels;
	VEC(iname_ref) names;
	VEC(iunsup) unsup;
	VEC(isrc) srcs;
	VEC(uint32_t) lists; /* used_by lists after finish */
	smap ent_by_id; /* STIX id / uuid -> ent */
	/* after finish: lower-cased "0" ext_id, "1" name, "2" alias -> the first
	 * entity with it (names and aliases: not techniques); find_any() */
	smap ent_by_key;
	smap obj_by_id; /* STIX indicator id -> iobj */
	uint64_t skipped_files, not_ids, context_attrs;
	bool finished;
	int64_t now_ns;
	buf tmp; /* spoor_intel_attribute output */
	/* recent short strings (sources, group and family names), shared
	 * instead of copied once per indicator: intel_intern() */
	struct intel_istr {
		uint64_t h;
		spoor_sv s;
	} interned[256];
	char errbuf[256];
};

/* Loader interface: each returns 0 or SPOOR_E* (fatal: out of memory, a
 * limit); bad objects inside a good file are counted and reported. */
int misp_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag);
int misp_galaxy_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag);
int misp_feed_load(spoor_intel *in, const char *dir, spoor_diag *diag);
bool misp_is_event(const jnode *root);
bool misp_is_galaxy(const jnode *root);
int stix_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag);
/* one STIX indicator (pattern text) -> atoms of iobj `obj`; unsupported
 * parts are recorded against `where` */
int stix_pattern_atoms(spoor_intel *in, uint32_t obj, spoor_sv pattern, spoor_sv where);
int attack_object(spoor_intel *in, const jnode *o, spoor_sv type);
int csv_load(spoor_intel *in, uint32_t src, const char *p, size_t n, spoor_diag *diag);
/* what a text file is: 1 CSV with a header, 2 plain list, 3 STIX pattern lines, 0 none */
int csv_detect(const char *p, size_t n);

/* The built-in pack (pack-data.c, generated). */
extern const char intel_pack_json[];
extern const size_t intel_pack_len;

/* Store helpers (intel.c). */
char *intel_strdup(spoor_intel *in, spoor_sv s, spoor_sv *out);
int intel_obj_new(spoor_intel *in, uint32_t src, uint32_t *out);
/* intel_strdup for strings that repeat (a source, a group name): a copy
 * made for an equal string recently is shared (a 256-slot cache). */
const char *intel_intern(spoor_intel *in, spoor_sv s, spoor_sv *out);
/* Add one atom of raw value v (normalised here); returns 0, 1 if the value
 * is not valid for the type (not added), or SPOOR_E*. */
int intel_atom_add(spoor_intel *in, uint32_t obj, ioc_type t, ioc_mode mode, spoor_sv v, uint8_t term,
		   uint32_t need);
int intel_unsupported(spoor_intel *in, uint32_t src, spoor_sv where, spoor_sv what, const char *why);
int intel_ent_add(spoor_intel *in, ent_kind kind, spoor_sv id, spoor_sv name, uint32_t *out);
int intel_rel_add(spoor_intel *in, spoor_sv src, spoor_sv type, spoor_sv dst);
int intel_name_ref(spoor_intel *in, uint32_t obj, ent_kind kind, spoor_sv name);
int intel_obj_ent(spoor_intel *in, uint32_t obj, uint32_t ent);
/* Resolve relationships and names (idempotent; load calls reset it). */
int intel_finish(spoor_intel *in);
/* "2020-01-01T00:00:00Z", epoch seconds, "2020-01-01" -> ns; false if not a time. */
bool intel_time(spoor_sv s, int64_t *ns);
/* Type from a MISP / CSV type name ("ip-dst", "sha256", "domain", ...);
 * -1 = not an indicator type spoor matches. *mode set for regex types. */
int intel_type_from_name(spoor_sv name, ioc_mode *mode);
/* Guess the type of a bare value (plain lists): -1 if unknown. */
int intel_type_guess(spoor_sv v);

/* Normalisation (intel-norm.c), shared with the matcher.  Each writes at
 * most NORM_MAX(v.n) bytes into out and returns the length, or -1 if v is
 * not a valid value of that type.  Values longer than NORM_MAX_IN are
 * never indicators (and never compared). */
#define NORM_MAX_IN 8192
#define NORM_MAX(n) (4 * (n) + 64)
int norm_ip(spoor_sv v, uint8_t out[16], uint8_t *plen, bool allow_prefix);
long norm_domain(spoor_sv v, char *out);
long norm_url(spoor_sv v, char *out);
long norm_email(spoor_sv v, char *out);
long norm_hex(spoor_sv v, char *out); /* hashes, serials: lower-case hex, no ':' / spaces */
long norm_lower(spoor_sv v, char *out); /* file names, user agents: trimmed, ASCII lower-case */
long norm_value(ioc_type t, spoor_sv v, char *out);
/* ioc_type of a hash by hex length, or -1. */
int hash_type_by_len(size_t n);

#endif
