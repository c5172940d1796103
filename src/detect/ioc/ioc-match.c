/* ioc-match — the indicator index and the typed per-event match. */
#include "detect/ioc/ioc-match.h"

#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/hscache.h"
#include "detect/hsrt.h"
#include "detect/ioc/ioc-radix.h"

/* Classes of event fields. */
enum {
	FC_IP = 1 << 0,
	FC_DOMAIN = 1 << 1,
	FC_URL = 1 << 2,
	FC_EMAIL = 1 << 3,
	FC_HASH = 1 << 4,
	FC_FILE = 1 << 5,
	FC_UA = 1 << 6,
	FC_CMD = 1 << 7,
	FC_X509_SERIAL = 1 << 8,
	FC_X509_HASH = 1 << 9,
	FC_UA_PLUS = 1 << 10, /* W3C: '+' stands for a space */
};

/* Event fields by class: ECS names and the raw names of the formats spoor
 * reads (Sysmon/Windows EventData, Zeek, Suricata EVE, M365/Entra, W3C,
 * Okta, ...).  docs/intel.md lists them. */
static const struct {
	const char *name;
	uint16_t cls;
} field_classes[] = {
    /* IP addresses */
    {"source.ip", FC_IP},
    {"destination.ip", FC_IP},
    {"client.ip", FC_IP},
    {"server.ip", FC_IP},
    {"host.ip", FC_IP},
    {"source.nat.ip", FC_IP},
    {"destination.nat.ip", FC_IP},
    {"SourceIp", FC_IP},
    {"DestinationIp", FC_IP},
    {"SourceAddress", FC_IP},
    {"DestAddress", FC_IP},
    {"IpAddress", FC_IP},
    {"IPAddress", FC_IP},
    {"ClientIP", FC_IP},
    {"clientip", FC_IP},
    {"ClientIPAddress", FC_IP},
    {"ActorIpAddress", FC_IP},
    {"callerIpAddress", FC_IP},
    {"ipAddress", FC_IP},
    {"properties.ipAddress", FC_IP},
    {"client.ipAddress", FC_IP},
    {"id.orig_h", FC_IP},
    {"id.resp_h", FC_IP},
    {"id_orig_h", FC_IP},
    {"id_resp_h", FC_IP},
    {"src_ip", FC_IP},
    {"dest_ip", FC_IP},
    {"c-ip", FC_IP},
    {"s-ip", FC_IP},
    {"x-forwarded-for", FC_IP},
    /* domains */
    {"dns.question.name", FC_DOMAIN},
    {"destination.domain", FC_DOMAIN},
    {"source.domain", FC_DOMAIN},
    {"url.domain", FC_DOMAIN},
    {"server.domain", FC_DOMAIN},
    {"tls.client.server_name", FC_DOMAIN},
    {"QueryName", FC_DOMAIN},
    {"DestinationHostname", FC_DOMAIN},
    {"query", FC_DOMAIN},
    {"server_name", FC_DOMAIN},
    {"dns.rrname", FC_DOMAIN},
    {"dns.queries.0.rrname", FC_DOMAIN},
    {"http.hostname", FC_DOMAIN},
    {"tls.sni", FC_DOMAIN},
    {"cs-host", FC_DOMAIN},
    {"cs(Host)", FC_DOMAIN},
    {"postfix.client_hostname", FC_DOMAIN},
    {"postfix.relay_hostname", FC_DOMAIN},
    /* URLs */
    {"url.original", FC_URL},
    {"url.full", FC_URL},
    {"http.url", FC_URL},
    {"uri", FC_URL},
    {"RequestURL", FC_URL},
    /* e-mail addresses */
    {"email.from.address", FC_EMAIL},
    {"email.to.address", FC_EMAIL},
    {"email.cc.address", FC_EMAIL},
    {"email.sender.address", FC_EMAIL},
    {"email.reply_to.address", FC_EMAIL},
    {"user.email", FC_EMAIL},
    {"source.user.email", FC_EMAIL},
    {"destination.user.email", FC_EMAIL},
    {"mailfrom", FC_EMAIL},
    {"rcptto.0", FC_EMAIL},
    {"SenderAddress", FC_EMAIL},
    {"RecipientAddress", FC_EMAIL},
    {"P1Sender", FC_EMAIL},
    {"sender-address", FC_EMAIL},
    {"recipient-address", FC_EMAIL},
    /* file hashes */
    {"file.hash.md5", FC_HASH},
    {"file.hash.sha1", FC_HASH},
    {"file.hash.sha256", FC_HASH},
    {"file.hash.sha512", FC_HASH},
    {"process.hash.md5", FC_HASH},
    {"process.hash.sha1", FC_HASH},
    {"process.hash.sha256", FC_HASH},
    {"process.hash.sha512", FC_HASH},
    {"dll.hash.md5", FC_HASH},
    {"dll.hash.sha1", FC_HASH},
    {"dll.hash.sha256", FC_HASH},
    {"Hashes", FC_HASH},
    {"Hash", FC_HASH},
    {"md5", FC_HASH},
    {"sha1", FC_HASH},
    {"sha256", FC_HASH},
    {"fileinfo.md5", FC_HASH},
    {"fileinfo.sha1", FC_HASH},
    {"fileinfo.sha256", FC_HASH},
    {"SHA1", FC_HASH},
    {"SHA256", FC_HASH},
    {"MD5", FC_HASH},
    /* files */
    {"file.path", FC_FILE},
    {"file.name", FC_FILE},
    {"file.target_path", FC_FILE},
    {"process.executable", FC_FILE},
    {"process.parent.executable", FC_FILE},
    {"dll.path", FC_FILE},
    {"TargetFilename", FC_FILE},
    {"Image", FC_FILE},
    {"ParentImage", FC_FILE},
    {"ImageLoaded", FC_FILE},
    {"NewProcessName", FC_FILE},
    {"ParentProcessName", FC_FILE},
    {"fileinfo.filename", FC_FILE},
    {"filename", FC_FILE},
    /* user agents */
    {"user_agent.original", FC_UA},
    {"http.http_user_agent", FC_UA},
    {"user_agent", FC_UA},
    {"UserAgent", FC_UA},
    {"userAgent", FC_UA},
    {"properties.userAgent", FC_UA},
    {"client.userAgent.rawUserAgent", FC_UA},
    {"cs(User-Agent)", FC_UA | FC_UA_PLUS},
    /* command lines */
    {"process.command_line", FC_CMD},
    {"process.parent.command_line", FC_CMD},
    {"CommandLine", FC_CMD},
    {"ParentCommandLine", FC_CMD},
    /* certificates */
    {"tls.server.x509.serial_number", FC_X509_SERIAL},
    {"x509.serial_number", FC_X509_SERIAL},
    {"certificate.serial", FC_X509_SERIAL},
    {"tls.serial", FC_X509_SERIAL},
    {"tls.server.hash.sha1", FC_X509_HASH},
    {"tls.server.hash.sha256", FC_X509_HASH},
    {"tls.server.hash.md5", FC_X509_HASH},
    {"tls.fingerprint", FC_X509_HASH},
    {"fingerprint", FC_X509_HASH},
};

/* hash-set key class of an atom type */
static uint8_t key_class(uint8_t t)
{
	switch (t) {
	case IOC_MD5:
	case IOC_SHA1:
	case IOC_SHA256:
	case IOC_SHA512:
		return IOC_SHA256; /* one space: the length tells them apart */
	default:
		return t;
	}
}

/* 8 bytes a slot: the table of a million values is 16 MiB, not 32 (the
 * slot's position gives the low bits of the hash, fp 32 high ones) */
typedef struct hslot {
	uint32_t fp;   /* (hash >> 32) | 1; 0 = empty */
	uint32_t head; /* first atom; chain through next[] */
} hslot;

typedef struct pdb {
	hs_database_t *db;
	dbc_map *map;	/* db is in this cache file's bytes (hscache.h) */
	uint32_t *atom; /* pattern id -> atom */
	size_t n;
} pdb;

/* One step of an event's match.  The steps are planned first (values
 * normalised, keys hashed, the filter word of each key prefetched at
 * once), then the steps run in their planned order: the
 * filter of a million values is larger than the cache, and its loads now
 * overlap instead of following one another.  Same steps, same order: the
 * same hits in the same order as looking up one value at a time. */
enum { ACT_LOOKUP, ACT_RADIX, ACT_SCAN };
typedef struct act {
	uint8_t kind, cls;
	uint32_t field;	  /* the event field and value hits report */
	spoor_sv value;
	uint64_t h;	  /* LOOKUP: the key's hash, the key at pbuf[off .. off+n) */
	size_t off, n;
	const pdb *d;	  /* SCAN: database and text */
	spoor_sv text;
	uint8_t ip[16];	  /* RADIX: the address */
} act;

struct ioc_index {
	spoor_intel *in;
	uint32_t *next; /* per atom: next atom with the same key */
	hslot *tab;
	size_t cap, nkeys;
	/* a one-bit-per-hash filter in front of the table, sized to stay in
	 * cache (16 bits per key): most event values are not indicators, and
	 * they are turned away without touching the big table */
	uint64_t *bloom;
	uint64_t bmask;
	radix ip;
	pdb cmd, path, cmd_lit, path_lit;
	hs_scratch_t *scratch;
	hsrt_scan_fn scan; /* hs_scan or its AVX2 copy (detect/hsrt.h) */
	uint16_t *fcls; /* per field id */
	size_t nfcls;
	uint32_t f_dest_domain, f_url_domain, f_http_host, f_cs_host;
	uint64_t n_exact, n_nets, n_patterns, n_rejected;
	/* what the index holds, so that an event value is not normalised and
	 * probed for a type no indicator has: exact atoms per type, and the
	 * label counts of domain atoms (bit min(labels, 63)) so that only the
	 * parents of a sighted name with a label count some indicator has are
	 * probed ("example" alone is not, unless an indicator is a TLD) */
	uint32_t ntype[_IOC_MAX];
	uint64_t dom_labels;
	/* the last domain probed in this event (a URL's host is usually the
	 * event's Host or query field, probed already) */
	uint32_t dom_gen;
	size_t dom_n;
	char dom_last[256];
	/* per event */
	uint32_t *seen_gen; /* per atom: generation it was hit in */
	uint32_t gen;
	uint32_t *terms; /* per obj: bitmask of AND terms seen (valid when seen_obj == gen) */
	uint32_t *seen_obj;
	bool *fired;
	ioc_hit *hits, *raw;
	size_t nhits, hcap, nraw, rcap;
	char *nbuf; /* normalisation buffer, NORM_MAX(NORM_MAX_IN) */
	spoor_event *ev;
	uint32_t cur_field;
	spoor_sv cur_value;
	const pdb *cur_pdb;
	int err;
	/* the event's planned steps and their keys (at most 128 values of at
	 * most NORM_MAX(NORM_MAX_IN) bytes each: bounded) */
	act *acts;
	size_t nacts, acap;
	char *pbuf;
	size_t plen, pcap;
};

static uint64_t key_hash(uint8_t cls, const char *p, size_t n)
{
	return hash_bytes(p, n, 0x10c0000u + cls) | 1;
}

static uint32_t fp_of(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

static void bloom_set(ioc_index *x, uint64_t h)
{
	uint64_t bit = (h >> 20) & x->bmask;
	x->bloom[bit >> 6] |= 1ull << (bit & 63);
}

/* Add atom a with key hash h; the table is sized for every exact atom
 * before (ioc_index_build), so it never grows. */
static void tab_add(ioc_index *x, uint32_t a, uint64_t h)
{
	const ioc *at = &x->in->atoms.v[a];
	uint8_t cls = key_class(at->type);
	uint32_t fp = fp_of(h);
	size_t j = h & (x->cap - 1);
	while (x->tab[j].fp) {
		if (x->tab[j].fp == fp) {
			const ioc *o = &x->in->atoms.v[x->tab[j].head];
			if (key_class(o->type) == cls && sv_eq(o->value, at->value)) {
				x->next[a] = x->tab[j].head;
				x->tab[j].head = a;
				return;
			}
		}
		j = (j + 1) & (x->cap - 1);
	}
	x->tab[j].fp = fp;
	x->tab[j].head = a;
	x->next[a] = UINT32_MAX;
	x->nkeys++;
	bloom_set(x, h);
}

static uint32_t tab_find(const ioc_index *x, uint8_t cls, const char *p, size_t n, uint64_t h)
{
	if (!x->cap)
		return UINT32_MAX;
	uint64_t bit = (h >> 20) & x->bmask;
	if (!(x->bloom[bit >> 6] & (1ull << (bit & 63))))
		return UINT32_MAX;
	uint32_t fp = fp_of(h);
	size_t j = h & (x->cap - 1);
	while (x->tab[j].fp) {
		if (x->tab[j].fp == fp) {
			const ioc *o = &x->in->atoms.v[x->tab[j].head];
			if (key_class(o->type) == cls && o->value.n == n && !memcmp(o->value.p, p, n))
				return x->tab[j].head;
		}
		j = (j + 1) & (x->cap - 1);
	}
	return UINT32_MAX;
}

/* Compile the patterns of one class and mode into one Vectorscan database;
 * a pattern Vectorscan rejects is reported as unsupported and left out.
 * Literal substrings (lit = true) go to the literal API (no escaping, and
 * cheaper to compile by the ten thousand), regular expressions to the
 * expression API. */
static int pdb_build(ioc_index *x, pdb *d, uint8_t type, bool lit, spoor_diag *diag)
{
	spoor_intel *in = x->in;
	uint8_t mode = lit ? IOC_SUBSTR : IOC_REGEX;
	size_t n = 0;
	for (size_t i = 0; i < in->atoms.n; i++)
		if (in->atoms.v[i].type == type && in->atoms.v[i].mode == mode)
			n++;
	if (!n)
		return 0;
	char **ex = xcalloc(n, sizeof(*ex));
	unsigned *fl = xcalloc(n, sizeof(*fl));
	unsigned *ids = xcalloc(n, sizeof(*ids));
	size_t *lens = xcalloc(n, sizeof(*lens));
	d->atom = xcalloc(n, sizeof(*d->atom));
	int rc = (ex && fl && ids && lens && d->atom) ? 0 : SPOOR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < in->atoms.n && rc == 0; i++) {
		const ioc *a = &in->atoms.v[i];
		if (a->type != type || a->mode != mode)
			continue;
		ex[k] = xstrndup(a->value.p, a->value.n);
		if (!ex[k]) {
			rc = SPOOR_ENOMEM;
			break;
		}
		lens[k] = a->value.n;
		fl[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | (lit ? 0 : HS_FLAG_DOTALL);
		ids[k] = (unsigned)k;
		d->atom[k] = (uint32_t)i;
		k++;
	}
	/* compiled before with the same patterns: read back (only sets that
	 * compiled whole are cached, so nothing rejected is left unreported) */
	hs_platform_info_t pl;
	const hs_platform_info_t *plat = hsrt_platform(x->scan, &pl);
	dbc_key *key = rc == 0 && k && in->opt.cache_dir && *in->opt.cache_dir ? dbc_key_new(1, plat) : NULL;
	char cpath[4096] = "";
	if (key) {
		uint64_t meta[2] = {k, lit};
		dbc_key_add(key, meta, sizeof(meta));
		for (size_t q = 0; q < k; q++)
			dbc_key_lit(key, ex[q], lens[q], fl[q]);
		if (dbc_load(key, in->opt.cache_dir, &d->db, 1, cpath, sizeof(cpath), &d->map))
			d->n = k;
		dbc_key_free(key);
	}
	bool whole = true;
	while (rc == 0 && k && !d->db) {
		hs_compile_error_t *err = NULL;
		hs_error_t he = lit ? hs_compile_lit_multi((const char *const *)ex, fl, ids, lens, (unsigned)k,
							   HS_MODE_BLOCK, plat, &d->db, &err)
				    : hs_compile_multi((const char *const *)ex, fl, ids, (unsigned)k, HS_MODE_BLOCK,
						       plat, &d->db, &err);
		if (he == HS_SUCCESS) {
			d->n = k;
			if (whole && cpath[0])
				dbc_store(in->opt.cache_dir, cpath, &d->db, 1);
			break;
		}
		whole = false;
		d->db = NULL;
		int bad = err ? err->expression : -1;
		if (bad < 0 || (size_t)bad >= k) {
			rc = diag_set(diag, SPOOR_ERR, "Vectorscan: %s", err && err->message ? err->message : "?");
			hs_free_compile_error(err);
			break;
		}
		const ioc *a = &in->atoms.v[d->atom[bad]];
		const iobj *o = &in->objs.v[a->obj];
		char why[200];
		snprintf(why, sizeof(why), "pattern not accepted by Vectorscan: %s", err->message);
		hs_free_compile_error(err);
		rc = intel_unsupported(in, o->src, o->id, a->value, why);
		x->n_rejected++;
		free(ex[bad]);
		/* drop it: the last one takes its place */
		k--;
		ex[bad] = ex[k];
		lens[bad] = lens[k];
		d->atom[bad] = d->atom[k];
		ex[k] = NULL;
	}
	for (size_t i = 0; i < n && ex; i++)
		free(ex[i]);
	free(ex);
	free(fl);
	free(ids);
	free(lens);
	if (rc == 0 && d->db && hs_alloc_scratch(d->db, &x->scratch) != HS_SUCCESS)
		rc = SPOOR_ENOMEM;
	x->n_patterns += d->n;
	return rc;
}

int ioc_index_build(ioc_index **out, spoor_intel *in, spoor_ctx *ctx, spoor_diag *diag)
{
	int rc = intel_finish(in);
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	ioc_index *x = xcalloc(1, sizeof(*x));
	if (!x)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	x->in = in;
	x->scan = hsrt_scanner();
	size_t na = in->atoms.n + 1, no = in->objs.n + 1;
	x->next = xcalloc(na, sizeof(*x->next));
	x->seen_gen = xcalloc(na, sizeof(*x->seen_gen));
	x->terms = xcalloc(no, sizeof(*x->terms));
	x->seen_obj = xcalloc(no, sizeof(*x->seen_obj));
	x->fired = xcalloc(no, sizeof(*x->fired));
	x->nbuf = xmalloc(NORM_MAX(NORM_MAX_IN) + 16);
	if (!x->next || !x->seen_gen || !x->terms || !x->seen_obj || !x->fired || !x->nbuf)
		rc = SPOOR_ENOMEM;
	/* the hash table at its final size at once: no rehash of a million keys */
	size_t nex = 0;
	for (size_t i = 0; i < in->atoms.n; i++)
		nex += in->atoms.v[i].mode == IOC_EXACT && in->atoms.v[i].type != IOC_IPV4 &&
		       in->atoms.v[i].type != IOC_IPV6;
	if (rc == 0 && nex) {
		size_t cap = 1024;
		while (cap < 2 * nex)
			cap *= 2;
		/* the filter: 16 bits per value (at most 2^31), built with the
		 * table */
		size_t bits = 1024;
		while (bits < 16 * nex && bits < ((size_t)1 << 31))
			bits *= 2;
		x->tab = xcalloc(cap, sizeof(*x->tab));
		x->bloom = xcalloc(bits / 64, sizeof(uint64_t));
		if (!x->tab || !x->bloom) {
			rc = SPOOR_ENOMEM;
		} else {
			x->cap = cap;
			x->bmask = bits - 1;
		}
	}
	/* exact values in batches: the hashes of a batch first, their slots
	 * prefetched, then the inserts (a table of a million values is far
	 * bigger than the cache; one miss after another otherwise) */
	enum { BATCH = 16 };
	uint64_t bh[BATCH];
	uint32_t ba[BATCH];
	size_t nb = 0;
	for (size_t i = 0; i < in->atoms.n && rc == 0; i++) {
		if (nb == BATCH) {
			for (size_t k = 0; k < nb; k++)
				tab_add(x, ba[k], bh[k]);
			nb = 0;
		}
		const ioc *a = &in->atoms.v[i];
		if (a->mode != IOC_EXACT)
			continue;
		if (a->type == IOC_IPV4 || a->type == IOC_IPV6) {
			uint32_t *slot;
			rc = radix_insert(&x->ip, (const uint8_t *)a->value.p, a->plen, &slot);
			if (rc == 0) {
				x->next[i] = *slot;
				*slot = (uint32_t)i;
				x->n_nets++;
			}
		} else {
			uint64_t h = key_hash(key_class(a->type), a->value.p, a->value.n);
			__builtin_prefetch(&x->tab[h & (x->cap - 1)], 1);
			__builtin_prefetch(&x->bloom[((h >> 20) & x->bmask) >> 6], 1);
			bh[nb] = h;
			ba[nb++] = (uint32_t)i;
			x->n_exact++;
			x->ntype[a->type]++;
			if (a->type == IOC_DOMAIN) {
				unsigned labels = 1;
				for (size_t k = 0; k < a->value.n; k++)
					labels += a->value.p[k] == '.';
				x->dom_labels |= 1ull << MIN(labels, 63u);
			}
		}
	}
	for (size_t k = 0; k < nb && rc == 0; k++)
		tab_add(x, ba[k], bh[k]);
	if (rc == 0)
		rc = pdb_build(x, &x->cmd, IOC_CMDLINE, false, diag);
	if (rc == 0)
		rc = pdb_build(x, &x->cmd_lit, IOC_CMDLINE, true, diag);
	if (rc == 0)
		rc = pdb_build(x, &x->path, IOC_FILEPATH, false, diag);
	if (rc == 0)
		rc = pdb_build(x, &x->path_lit, IOC_FILEPATH, true, diag);
	/* field ids: intern every name once */
	uint32_t maxid = 0;
	uint32_t ids[ARRAY_SIZE(field_classes)];
	for (size_t i = 0; i < ARRAY_SIZE(field_classes) && rc == 0; i++) {
		ids[i] = field_intern(&ctx->ft, field_classes[i].name, strlen(field_classes[i].name));
		maxid = MAX(maxid, ids[i]);
	}
	if (rc == 0) {
		x->nfcls = maxid + 1;
		x->fcls = xcalloc(x->nfcls, sizeof(*x->fcls));
		if (!x->fcls)
			rc = SPOOR_ENOMEM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(field_classes) && rc == 0; i++)
		if (ids[i])
			x->fcls[ids[i]] |= field_classes[i].cls;
	if (rc == 0) {
		x->f_dest_domain = F_DESTINATION_DOMAIN;
		x->f_url_domain = field_intern(&ctx->ft, "url.domain", 10);
		x->f_http_host = field_intern(&ctx->ft, "http.hostname", 13);
		x->f_cs_host = field_intern(&ctx->ft, "cs-host", 7);
	}
	if (rc < 0) {
		if (!diag || !diag->msg[0])
			diag_set(diag, rc, "out of memory");
		ioc_index_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

static void pdb_free(pdb *d)
{
	if (d->db && !d->map)
		hs_free_database(d->db);
	dbc_unmap(d->map);
	free(d->atom);
}

void ioc_index_free(ioc_index *x)
{
	if (!x)
		return;
	pdb_free(&x->cmd);
	pdb_free(&x->path);
	pdb_free(&x->cmd_lit);
	pdb_free(&x->path_lit);
	if (x->scratch)
		hs_free_scratch(x->scratch);
	radix_free(&x->ip);
	free(x->next);
	free(x->tab);
	free(x->bloom);
	free(x->fcls);
	free(x->seen_gen);
	free(x->terms);
	free(x->seen_obj);
	free(x->fired);
	free(x->hits);
	free(x->raw);
	free(x->nbuf);
	free(x->acts);
	free(x->pbuf);
	free(x);
}

void ioc_index_counts(const ioc_index *x, uint64_t *exact, uint64_t *nets, uint64_t *patterns, uint64_t *rejected)
{
	*exact = x->n_exact;
	*nets = x->n_nets;
	*patterns = x->n_patterns;
	*rejected = x->n_rejected;
}

/* ---- matching ---- */

static void hit(ioc_index *x, uint32_t a)
{
	if (x->seen_gen[a] == x->gen)
		return;
	x->seen_gen[a] = x->gen;
	if (x->nraw == x->rcap) {
		size_t nc = x->rcap ? x->rcap * 2 : 16;
		ioc_hit *nv = xreallocarray(x->raw, nc, sizeof(*nv));
		if (!nv) {
			x->err = SPOOR_ENOMEM;
			return;
		}
		x->raw = nv;
		x->rcap = nc;
	}
	ioc_hit *h = &x->raw[x->nraw++];
	h->atom = a;
	h->obj = x->in->atoms.v[a].obj;
	h->field = x->cur_field;
	h->value = x->cur_value;
}

static void hit_chain(ioc_index *x, uint32_t a)
{
	for (; a != UINT32_MAX; a = x->next[a])
		hit(x, a);
}

static void on_ip(uint32_t val, void *u)
{
	hit_chain(u, val);
}

static act *act_new(ioc_index *x, uint8_t kind)
{
	if (x->nacts == x->acap) {
		size_t nc = x->acap ? x->acap * 2 : 64;
		act *nv = xreallocarray(x->acts, nc, sizeof(*nv));
		if (!nv) {
			x->err = SPOOR_ENOMEM;
			return NULL;
		}
		x->acts = nv;
		x->acap = nc;
	}
	act *a = &x->acts[x->nacts++];
	a->kind = kind;
	a->field = x->cur_field;
	a->value = x->cur_value;
	return a;
}

/* a copy of key p[0..n) in pbuf: its offset, or SIZE_MAX */
static size_t key_copy(ioc_index *x, const char *p, size_t n)
{
	if (x->pcap - x->plen < n) {
		size_t nc = MAX(x->pcap * 2, MAX(x->plen + n, (size_t)4096));
		char *nb = xrealloc(x->pbuf, nc);
		if (!nb) {
			x->err = SPOOR_ENOMEM;
			return SIZE_MAX;
		}
		x->pbuf = nb;
		x->pcap = nc;
	}
	size_t off = x->plen;
	memcpy(x->pbuf + off, p, n);
	x->plen += n;
	return off;
}

/* plan a lookup of the key at pbuf[off .. off+n) */
static void lookup_at(ioc_index *x, uint8_t cls, size_t off, size_t n)
{
	act *a = act_new(x, ACT_LOOKUP);
	if (!a)
		return;
	a->cls = cls;
	a->off = off;
	a->n = n;
	a->h = key_hash(cls, x->pbuf + off, n);
	/* its filter word: on its way while the rest is planned */
	uint64_t bit = (a->h >> 20) & x->bmask;
	__builtin_prefetch(&x->bloom[bit >> 6]);
}

static void lookup(ioc_index *x, uint8_t cls, const char *p, size_t n)
{
	if (!x->cap)
		return;
	size_t off = key_copy(x, p, n);
	if (off != SIZE_MAX)
		lookup_at(x, cls, off, n);
}

static void plan_radix(ioc_index *x, const uint8_t ip[16])
{
	if (!x->ip.root)
		return;
	act *a = act_new(x, ACT_RADIX);
	if (a)
		memcpy(a->ip, ip, 16);
}

/* the domain and each parent: a.b.evil.example, b.evil.example, evil.example,
 * example; only those with a label count some domain indicator has */
static void lookup_domain(ioc_index *x, const char *p, size_t n)
{
	if (!x->ntype[IOC_DOMAIN])
		return;
	if (n < sizeof(x->dom_last)) {
		if (x->dom_gen == x->gen && x->dom_n == n && !memcmp(x->dom_last, p, n))
			return; /* probed already in this event */
		x->dom_gen = x->gen;
		x->dom_n = n;
		memcpy(x->dom_last, p, n);
	}
	if (!x->cap)
		return;
	unsigned labels = 1;
	for (size_t k = 0; k < n; k++)
		labels += p[k] == '.';
	/* one copy of the name: its parents are its suffixes */
	size_t off = key_copy(x, p, n);
	if (off == SIZE_MAX)
		return;
	for (size_t i = 0; i < n; labels--) {
		if (x->dom_labels >> MIN(labels, 63u) & 1)
			lookup_at(x, IOC_DOMAIN, off + i, n - i);
		const char *dot = memchr(p + i, '.', n - i);
		if (!dot)
			break;
		i = (size_t)(dot - p) + 1;
	}
}

static int on_pattern(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *u)
{
	(void)from;
	(void)to;
	(void)flags;
	ioc_index *x = u;
	hit(x, x->cur_pdb->atom[id]);
	return 0;
}

static void scan(ioc_index *x, const pdb *d, spoor_sv v)
{
	if (!d->db || v.n > UINT32_MAX)
		return;
	act *a = act_new(x, ACT_SCAN);
	if (a) {
		a->d = d;
		a->text = v;
	}
}

static void run_scan(ioc_index *x, const pdb *d, spoor_sv v)
{
	x->cur_pdb = d;
	hs_error_t e = x->scan(d->db, v.p ? v.p : "", (unsigned)v.n, 0, x->scratch, on_pattern, x);
	if (e != HS_SUCCESS)
		x->err = SPOOR_ERR;
}

/* hex runs of hash length in a value ("SHA1=..,MD5=..,IMPHASH=..") */
/* character classes for lookup_hashes: 1 hex digit, 2 other letter */
static const uint8_t hexcls[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2, ['l'] = 2, ['m'] = 2, ['n'] = 2,
    ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2, ['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2,
    ['y'] = 2, ['z'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2,
    ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2, ['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2,
    ['Y'] = 2, ['Z'] = 2,
};

static void lookup_hashes(ioc_index *x, spoor_sv v)
{
	const uint8_t *p = (const uint8_t *)v.p;
	size_t i = 0;
	while (i < v.n) {
		size_t s = i;
		while (i < v.n && hexcls[p[i]] == 1)
			i++;
		size_t l = i - s;
		if (hash_type_by_len(l) >= 0 && (i == v.n || hexcls[p[i]] != 2) &&
		    !(s >= 8 && !strncasecmp(v.p + s - 8, "IMPHASH=", 8))) {
			char *b = x->nbuf;
			for (size_t k = 0; k < l; k++)
				b[k] = (char)(p[s + k] >= 'A' && p[s + k] <= 'F' ? p[s + k] + 32 : p[s + k]);
			lookup(x, IOC_SHA256, b, l);
		}
		if (i == s)
			i++;
		else
			while (i < v.n && hexcls[p[i]] != 0)
				i++;
	}
}

static void match_value(ioc_index *x, uint16_t cls, spoor_sv v)
{
	if (!v.n || v.n > NORM_MAX_IN)
		return;
	long l;
	char *b = x->nbuf;
	if (cls & FC_IP) {
		uint8_t ip[16], pl;
		if (norm_ip(v, ip, &pl, false) > 0) {
			plan_radix(x, ip);
		} else {
			/* "192.0.2.1:443", "[2001:db8::1]:443": the address before the port */
			const char *c = NULL;
			for (size_t k = v.n; k > 0 && !c; k--)
				if (v.p[k - 1] == ':')
					c = v.p + k - 1;
			spoor_sv a = c ? sv_make(v.p, (size_t)(c - v.p)) : v;
			bool colon = false;
			for (size_t k = 0; k < a.n && !colon; k++)
				colon = a.p[k] == ':';
			if (c && (!colon || (a.n && a.p[a.n - 1] == ']')) &&
			    norm_ip(a, ip, &pl, false) > 0)
				plan_radix(x, ip);
		}
	}
	if ((cls & FC_DOMAIN) && x->ntype[IOC_DOMAIN] && (l = norm_domain(v, b)) > 0)
		lookup_domain(x, b, (size_t)l);
	/* a URL is looked up whole and by its host (a domain or an address) */
	if ((cls & FC_URL) && (x->ntype[IOC_URL] || x->ntype[IOC_DOMAIN] || x->n_nets)) {
		spoor_sv u = v;
		/* a path alone (Zeek uri, W3C cs-uri-stem): the host is elsewhere */
		if (v.p[0] == '/' && !(v.n > 1 && v.p[1] == '/')) {
			spoor_sv host = {NULL, 0};
			uint32_t hf[] = {x->f_url_domain, x->f_dest_domain, x->f_http_host, x->f_cs_host};
			for (size_t i = 0; i < ARRAY_SIZE(hf) && !host.n; i++)
				if (hf[i])
					event_get_text(x->ev, hf[i], &host);
			if (host.n && host.n + v.n < NORM_MAX_IN) {
				char *tmp = b + NORM_MAX(NORM_MAX_IN) / 2;
				memcpy(tmp, host.p, host.n);
				memcpy(tmp + host.n, v.p, v.n);
				u = sv_make(tmp, host.n + v.n);
			} else {
				u.n = 0;
			}
		}
		if (u.n && (l = norm_url(u, b)) > 0) {
			if (x->ntype[IOC_URL])
				lookup(x, IOC_URL, b, (size_t)l);
			/* the host of a URL is a domain sighting (ECS url.domain) */
			const char *sl = memchr(b, '/', (size_t)l);
			size_t hl = sl ? (size_t)(sl - b) : (size_t)l;
			const char *colon = memchr(b, ':', hl);
			if (colon)
				hl = (size_t)(colon - b);
			uint8_t ip[16], pl;
			if (hl && norm_ip(sv_make(b, hl), ip, &pl, false) > 0)
				plan_radix(x, ip);
			else if (hl)
				lookup_domain(x, b, hl);
		}
	}
	if ((cls & FC_EMAIL) && x->ntype[IOC_EMAIL] && (l = norm_email(v, b)) > 0)
		lookup(x, IOC_EMAIL, b, (size_t)l);
	if ((cls & FC_HASH) && (x->ntype[IOC_MD5] || x->ntype[IOC_SHA1] || x->ntype[IOC_SHA256] || x->ntype[IOC_SHA512]))
		lookup_hashes(x, v);
	if (cls & FC_FILE) {
		if (x->ntype[IOC_FILENAME] && (l = norm_value(IOC_FILENAME, v, b)) > 0)
			lookup(x, IOC_FILENAME, b, (size_t)l);
		if (x->ntype[IOC_FILEPATH] && (l = norm_lower(v, b)) > 0)
			lookup(x, IOC_FILEPATH, b, (size_t)l);
		scan(x, &x->path, v);
		scan(x, &x->path_lit, v);
	}
	if (cls & FC_UA) {
		spoor_sv u = v;
		if (cls & FC_UA_PLUS) {
			char *tmp = b + NORM_MAX(NORM_MAX_IN) / 2;
			for (size_t i = 0; i < v.n; i++)
				tmp[i] = v.p[i] == '+' ? ' ' : v.p[i];
			u = sv_make(tmp, v.n);
		}
		if (x->ntype[IOC_USER_AGENT] && (l = norm_lower(u, b)) > 0)
			lookup(x, IOC_USER_AGENT, b, (size_t)l);
	}
	if (cls & FC_CMD) {
		if (x->ntype[IOC_CMDLINE] && (l = norm_lower(v, b)) > 0)
			lookup(x, IOC_CMDLINE, b, (size_t)l);
		scan(x, &x->cmd, v);
		scan(x, &x->cmd_lit, v);
	}
	if ((cls & FC_X509_SERIAL) && x->ntype[IOC_X509_SERIAL] && (l = norm_value(IOC_X509_SERIAL, v, b)) > 0)
		lookup(x, IOC_X509_SERIAL, b, (size_t)l);
	if ((cls & FC_X509_HASH) && x->ntype[IOC_X509_HASH] && (l = norm_value(IOC_X509_HASH, v, b)) > 0)
		lookup(x, IOC_X509_HASH, b, (size_t)l);
}

int ioc_index_match(ioc_index *x, spoor_event *ev, const ioc_hit **hits)
{
	x->nraw = 0;
	x->nhits = 0;
	x->err = 0;
	x->ev = ev;
	if (++x->gen == 0) {
		memset(x->seen_gen, 0, (x->in->atoms.n + 1) * sizeof(*x->seen_gen));
		memset(x->seen_obj, 0, (x->in->objs.n + 1) * sizeof(*x->seen_obj));
		x->gen = 1;
	}
	/* the typed fields of the event; a value an ECS field shares with its
	 * raw field (the same bytes) is matched once, under the raw name */
	uint32_t cand[128];
	const char *seenp[128];
	size_t ncand = 0;
	for (size_t i = 0; i < ev->n && ncand < ARRAY_SIZE(cand); i++) {
		const efield *f = &ev->f[i];
		if (!f->id || f->id >= x->nfcls || !x->fcls[f->id] || (f->flags & EF_DEAD) || f->type == SPOOR_VT_NULL)
			continue;
		bool dup = false;
		for (size_t k = 0; k < ncand && !dup; k++)
			dup = seenp[k] == f->val.p && ev->f[cand[k]].val.n == f->val.n &&
			      x->fcls[ev->f[cand[k]].id] == x->fcls[f->id];
		if (dup)
			continue;
		seenp[ncand] = f->val.p;
		cand[ncand++] = (uint32_t)i;
	}
	/* URL fields last: a domain seen in its own field (dns.question.name,
	 * destination.domain) is reported there rather than as a URL's host */
	x->nacts = 0;
	x->plen = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < ncand && !x->err; k++) {
			const efield *f = &ev->f[cand[k]];
			if (((x->fcls[f->id] & FC_URL) != 0) != (pass == 1))
				continue;
			spoor_sv t;
			if (!event_text(ev, f, &t))
				return SPOOR_ENOMEM;
			x->cur_field = f->id;
			x->cur_value = t;
			match_value(x, x->fcls[f->id], t);
		}
	}
	/* the planned steps, in order (their filter words were prefetched
	 * when they were planned) */
	for (size_t k = 0; k < x->nacts && !x->err; k++) {
		const act *a = &x->acts[k];
		x->cur_field = a->field;
		x->cur_value = a->value;
		if (a->kind == ACT_LOOKUP) {
			uint32_t at = tab_find(x, a->cls, x->pbuf + a->off, a->n, a->h);
			if (at != UINT32_MAX)
				hit_chain(x, at);
		} else if (a->kind == ACT_RADIX) {
			radix_lookup(&x->ip, a->ip, on_ip, x);
		} else {
			run_scan(x, a->d, a->text);
		}
	}
	if (x->err)
		return x->err;
	/* indicator-level checks: validity, to_ids, AND terms; one hit per object */
	int64_t ts = ev->has_ts ? ev->ts : 0;
	for (size_t i = 0; i < x->nraw; i++) {
		const ioc_hit *h = &x->raw[i];
		const ioc *a = &x->in->atoms.v[h->atom];
		const iobj *o = &x->in->objs.v[h->obj];
		if (o->flags & IOBJ_REVOKED)
			continue;
		if (!(o->flags & IOBJ_IDS) && !x->in->opt.ignore_to_ids)
			continue;
		if (ev->has_ts && (ts < o->from || ts > o->until))
			continue;
		if (x->seen_obj[h->obj] != x->gen) {
			x->seen_obj[h->obj] = x->gen;
			x->terms[h->obj] = 0;
			x->fired[h->obj] = false;
		} else if (x->fired[h->obj]) {
			continue; /* already reported */
		}
		x->terms[h->obj] |= 1u << a->term;
		/* an AND fires when its last term comes: check every atom seen so
		 * far of this object with the current bits */
		bool done = (x->terms[h->obj] & a->need) == a->need;
		for (size_t j = 0; j < i && !done; j++)
			if (x->raw[j].obj == h->obj) {
				uint32_t nd = x->in->atoms.v[x->raw[j].atom].need;
				done = (x->terms[h->obj] & nd) == nd;
			}
		if (!done)
			continue;
		x->fired[h->obj] = true;
		if (x->nhits == x->hcap) {
			size_t nc = x->hcap ? x->hcap * 2 : 16;
			ioc_hit *nv = xreallocarray(x->hits, nc, sizeof(*nv));
			if (!nv)
				return SPOOR_ENOMEM;
			x->hits = nv;
			x->hcap = nc;
		}
		x->hits[x->nhits++] = *h;
	}
	*hits = x->hits;
	return (int)x->nhits;
}
