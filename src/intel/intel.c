/* intel — the intel store: loading by content, entities, attribution. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "base/timeparse.h"
#include "input/input.h"
#include "intel/intel-int.h"

#define VEC_PUSH(in, vec, out)                                                                                       \
	(((vec).n < (vec).cap || vec_grow((void **)&(vec).v, &(vec).cap, sizeof(*(vec).v)) == 0)                      \
		 ? ((out) = &(vec).v[(vec).n++], 0)                                                                   \
		 : SPOOR_ENOMEM)

static int vec_grow(void **v, size_t *cap, size_t sz)
{
	size_t nc = *cap ? *cap * 2 : 64;
	void *nv = xreallocarray(*v, nc, sz);
	if (!nv)
		return SPOOR_ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static const char *const type_names[_IOC_MAX] = {
    "ipv4",	"ipv6",	    "domain",	  "url",	  "email",	 "md5",		"sha1",	      "sha256",
    "sha512",	"filename", "filepath",	  "user-agent",	  "command-line", "x509-serial", "x509-hash",
};

static const char *const kind_names[_ENT_MAX] = {"group", "malware", "tool", "technique", "campaign"};

SPOOR_API const char *spoor_intel_type_name(unsigned type)
{
	return type < _IOC_MAX ? type_names[type] : NULL;
}

/* ---- string map ---- */

static uint64_t sv_hash(spoor_sv k)
{
	return hash_bytes(k.p, k.n, 0x5eedf00d) | 1;
}

int smap_put(smap *m, spoor_sv k, uint32_t v)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 256;
		struct smap_slot *ns = xcalloc(nc, sizeof(*ns));
		if (!ns)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->s[i].h)
				continue;
			size_t j = m->s[i].h & (nc - 1);
			while (ns[j].h)
				j = (j + 1) & (nc - 1);
			ns[j] = m->s[i];
		}
		free(m->s);
		m->s = ns;
		m->cap = nc;
	}
	uint64_t h = sv_hash(k);
	size_t j = h & (m->cap - 1);
	while (m->s[j].h && !(m->s[j].h == h && sv_eq(m->s[j].k, k)))
		j = (j + 1) & (m->cap - 1);
	if (!m->s[j].h) {
		m->s[j].h = h;
		m->s[j].k = k;
		m->n++;
	}
	m->s[j].v = v;
	return 0;
}

bool smap_get(const smap *m, spoor_sv k, uint32_t *v)
{
	if (!m->cap)
		return false;
	uint64_t h = sv_hash(k);
	size_t j = h & (m->cap - 1);
	while (m->s[j].h) {
		if (m->s[j].h == h && sv_eq(m->s[j].k, k)) {
			*v = m->s[j].v;
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	return false;
}

void smap_free(smap *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ---- store ---- */

SPOOR_API int spoor_intel_new(spoor_intel **out, const spoor_intel_options *opt, spoor_diag *diag)
{
	spoor_intel_options def = SPOOR_INTEL_OPTIONS_INIT;
	if (opt && opt->version != 1 && opt->version != SPOOR_INTEL_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "intel options version %u, expected %u", opt->version,
				SPOOR_INTEL_OPTIONS_VERSION);
	spoor_intel *in = xcalloc(1, sizeof(*in));
	if (!in)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	in->opt = def;
	if (opt && opt->version == 1) /* without the members of version 2 */
		memcpy(&in->opt, opt, offsetof(spoor_intel_options, cache_dir));
	else if (opt)
		in->opt = *opt;
	in->opt.version = SPOOR_INTEL_OPTIONS_VERSION;
	if (!in->opt.max_file_bytes)
		in->opt.max_file_bytes = def.max_file_bytes;
	if (!in->opt.max_indicators)
		in->opt.max_indicators = def.max_indicators;
	if (!in->opt.max_json_values)
		in->opt.max_json_values = def.max_json_values;
	if (!in->opt.max_depth)
		in->opt.max_depth = def.max_depth;
	arena_init(&in->ar, 1u << 20, 0);
	buf_init(&in->tmp, 1u << 20);
	*out = in;
	return 0;
}

SPOOR_API spoor_intel *spoor_intel_free(spoor_intel *in)
{
	if (!in)
		return NULL;
	for (size_t i = 0; i < in->ents.n; i++)
		free(in->ents.v[i].aliases);
	for (size_t i = 0; i < in->srcs.n; i++)
		free(in->srcs.v[i].path);
	free(in->atoms.v);
	free(in->objs.v);
	free(in->oe.v);
	free(in->uses.v);
	free(in->ents.v);
	free(in->rels.v);
	free(in->names.v);
	free(in->unsup.v);
	free(in->srcs.v);
	free(in->lists.v);
	smap_free(&in->ent_by_id);
	smap_free(&in->obj_by_id);
	smap_free(&in->ent_by_key);
	buf_done(&in->tmp);
	arena_done(&in->ar);
	free(in);
	return NULL;
}

char *intel_strdup(spoor_intel *in, spoor_sv s, spoor_sv *out)
{
	char *p = arena_alloc_bytes(&in->ar, s.n + 1);
	if (!p)
		return NULL;
	if (s.n)
		memcpy(p, s.p, s.n);
	p[s.n] = 0;
	*out = sv_make(p, s.n);
	return p;
}

const char *intel_intern(spoor_intel *in, spoor_sv s, spoor_sv *out)
{
	if (!s.n || s.n > 64)
		return intel_strdup(in, s, out);
	uint64_t h = hash_bytes(s.p, s.n, 0x1e7e);
	struct intel_istr *e = &in->interned[h & (ARRAY_SIZE(in->interned) - 1)];
	if (e->h == h && sv_eq(e->s, s)) {
		*out = e->s;
		return e->s.p;
	}
	if (!intel_strdup(in, s, out))
		return NULL;
	e->h = h;
	e->s = *out;
	return out->p;
}

int intel_obj_new(spoor_intel *in, uint32_t src, uint32_t *out)
{
	if (in->objs.n >= UINT32_MAX - 1)
		return SPOOR_ELIMIT;
	iobj *o;
	if (VEC_PUSH(in, in->objs, o) < 0)
		return SPOOR_ENOMEM;
	memset(o, 0, sizeof(*o));
	o->src = src;
	o->from = INT64_MIN;
	o->until = INT64_MAX;
	o->confidence = 255;
	o->flags = IOBJ_IDS;
	*out = (uint32_t)(in->objs.n - 1);
	in->srcs.v[src].objs++;
	in->finished = false;
	return 0;
}

int intel_atom_add(spoor_intel *in, uint32_t obj, ioc_type t, ioc_mode mode, spoor_sv v, uint8_t term, uint32_t need)
{
	if (in->atoms.n >= in->opt.max_indicators)
		return SPOOR_ELIMIT;
	if (v.n > NORM_MAX_IN)
		return 1;
	char stackbuf[512];
	char *tmp = NORM_MAX(v.n) <= sizeof(stackbuf) ? stackbuf : xmalloc(NORM_MAX(v.n));
	if (!tmp)
		return SPOOR_ENOMEM;
	long l;
	uint8_t plen = 0;
	if (mode != IOC_EXACT) {
		/* patterns are kept as written (Vectorscan compiles them caseless) */
		spoor_sv tv = sv_trim(v);
		l = tv.n ? (long)tv.n : -1;
		if (l > 0)
			memcpy(tmp, tv.p, tv.n);
	} else if (t == IOC_IPV4 || t == IOC_IPV6) {
		l = norm_ip(v, (uint8_t *)tmp, &plen, true);
		/* the family is what the value is, whatever the label said */
		if (l > 0)
			t = (!memcmp(tmp, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && plen >= 96) ? IOC_IPV4 : IOC_IPV6;
	} else {
		l = norm_value(t, v, tmp);
	}
	int rc = 1;
	if (l > 0) {
		ioc *a;
		spoor_sv val;
		rc = 0;
		if (!intel_strdup(in, sv_make(tmp, (size_t)l), &val) || VEC_PUSH(in, in->atoms, a) < 0) {
			rc = SPOOR_ENOMEM;
		} else {
			memset(a, 0, sizeof(*a));
			a->type = (uint8_t)t;
			a->mode = (uint8_t)mode;
			a->plen = plen;
			a->term = term < 32 ? term : 0;
			a->need = need ? need : 1u << a->term;
			a->obj = obj;
			a->next = UINT32_MAX;
			a->value = val;
			in->srcs.v[in->objs.v[obj].src].atoms++;
			in->finished = false;
		}
	}
	if (tmp != stackbuf)
		free(tmp);
	return rc;
}

int intel_unsupported(spoor_intel *in, uint32_t src, spoor_sv where, spoor_sv what, const char *why)
{
	iunsup *u;
	if (VEC_PUSH(in, in->unsup, u) < 0)
		return SPOOR_ENOMEM;
	u->src = src;
	if (!intel_strdup(in, where, &u->where) || !intel_strdup(in, sv_make(what.p, MIN(what.n, 4096)), &u->what) ||
	    !intel_strdup(in, sv_cstr(why), &u->why)) {
		in->unsup.n--;
		return SPOOR_ENOMEM;
	}
	in->srcs.v[src].unsupported++;
	return 0;
}

int intel_ent_add(spoor_intel *in, ent_kind kind, spoor_sv id, spoor_sv name, uint32_t *out)
{
	uint32_t k;
	if (id.n && smap_get(&in->ent_by_id, id, &k)) {
		*out = k;
		return 1; /* known: the caller may add what it knows */
	}
	ent *e;
	if (VEC_PUSH(in, in->ents, e) < 0)
		return SPOOR_ENOMEM;
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	uint32_t idx = (uint32_t)(in->ents.n - 1);
	if (!intel_strdup(in, id, &e->id) || !intel_strdup(in, name, &e->name))
		return SPOOR_ENOMEM;
	if (e->id.n && smap_put(&in->ent_by_id, e->id, idx) < 0)
		return SPOOR_ENOMEM;
	e->merged = idx;
	in->finished = false;
	*out = idx;
	return 0;
}

int intel_rel_add(spoor_intel *in, spoor_sv src, spoor_sv type, spoor_sv dst)
{
	irel *r;
	if (VEC_PUSH(in, in->rels, r) < 0)
		return SPOOR_ENOMEM;
	if (!intel_strdup(in, src, &r->src) || !intel_strdup(in, type, &r->type) || !intel_strdup(in, dst, &r->dst)) {
		in->rels.n--;
		return SPOOR_ENOMEM;
	}
	in->finished = false;
	return 0;
}

int intel_name_ref(spoor_intel *in, uint32_t obj, ent_kind kind, spoor_sv name)
{
	name = sv_trim(name);
	if (!name.n)
		return 0;
	iname_ref *r;
	if (VEC_PUSH(in, in->names, r) < 0)
		return SPOOR_ENOMEM;
	r->obj = obj;
	r->kind = (uint8_t)kind;
	if (!intel_intern(in, name, &r->name)) {
		in->names.n--;
		return SPOOR_ENOMEM;
	}
	in->finished = false;
	return 0;
}

int intel_obj_ent(spoor_intel *in, uint32_t obj, uint32_t e)
{
	ipair *p;
	if (VEC_PUSH(in, in->oe, p) < 0)
		return SPOOR_ENOMEM;
	p->a = obj;
	p->b = e;
	in->finished = false;
	return 0;
}

bool intel_time(spoor_sv s, int64_t *ns)
{
	s = sv_trim(s);
	if (!s.n)
		return false;
	if (s.n == 10 && s.p[4] == '-') {
		char b[32];
		memcpy(b, s.p, 10);
		memcpy(b + 10, "T00:00:00Z", 10);
		return time_parse_iso(sv_make(b, 20), NULL, ns);
	}
	return time_parse_any(s, NULL, ns);
}

/* ---- types by name (MISP types, CSV type columns) ---- */

static const struct {
	const char *name;
	uint8_t len;
	int8_t type;
	uint8_t mode;
} type_table[] = {
    {"ip", 2, IOC_IPV4, IOC_EXACT},
    {"ip-src", 6, IOC_IPV4, IOC_EXACT},
    {"ip-dst", 6, IOC_IPV4, IOC_EXACT},
    {"ipv4", 4, IOC_IPV4, IOC_EXACT},
    {"ipv4-addr", 9, IOC_IPV4, IOC_EXACT},
    {"ipv6", 4, IOC_IPV6, IOC_EXACT},
    {"ipv6-addr", 9, IOC_IPV6, IOC_EXACT},
    {"cidr", 4, IOC_IPV4, IOC_EXACT},
    {"domain", 6, IOC_DOMAIN, IOC_EXACT},
    {"domain-name", 11, IOC_DOMAIN, IOC_EXACT},
    {"hostname", 8, IOC_DOMAIN, IOC_EXACT},
    {"fqdn", 4, IOC_DOMAIN, IOC_EXACT},
    {"url", 3, IOC_URL, IOC_EXACT},
    {"uri", 3, IOC_URL, IOC_EXACT},
    {"link-ioc", 8, IOC_URL, IOC_EXACT},
    {"email", 5, IOC_EMAIL, IOC_EXACT},
    {"email-addr", 10, IOC_EMAIL, IOC_EXACT},
    {"email-src", 9, IOC_EMAIL, IOC_EXACT},
    {"email-dst", 9, IOC_EMAIL, IOC_EXACT},
    {"md5", 3, IOC_MD5, IOC_EXACT},
    {"sha1", 4, IOC_SHA1, IOC_EXACT},
    {"sha-1", 5, IOC_SHA1, IOC_EXACT},
    {"sha256", 6, IOC_SHA256, IOC_EXACT},
    {"sha-256", 7, IOC_SHA256, IOC_EXACT},
    {"sha512", 6, IOC_SHA512, IOC_EXACT},
    {"sha-512", 7, IOC_SHA512, IOC_EXACT},
    {"hash", 4, -2, IOC_EXACT},
    {"filename", 8, IOC_FILENAME, IOC_EXACT},
    {"file-name", 9, IOC_FILENAME, IOC_EXACT},
    {"filepath", 8, IOC_FILEPATH, IOC_EXACT},
    {"filepath-regex", 14, IOC_FILEPATH, IOC_REGEX},
    {"filename-regex", 14, IOC_FILEPATH, IOC_REGEX},
    {"user-agent", 10, IOC_USER_AGENT, IOC_EXACT},
    {"http-user-agent", 15, IOC_USER_AGENT, IOC_EXACT},
    {"useragent", 9, IOC_USER_AGENT, IOC_EXACT},
    {"command-line", 12, IOC_CMDLINE, IOC_EXACT},
    {"cmdline", 7, IOC_CMDLINE, IOC_EXACT},
    {"cmdline-substring", 17, IOC_CMDLINE, IOC_SUBSTR},
    {"cmdline-regex", 13, IOC_CMDLINE, IOC_REGEX},
    {"x509-serial", 11, IOC_X509_SERIAL, IOC_EXACT},
    {"x509-serial-number", 18, IOC_X509_SERIAL, IOC_EXACT},
    {"x509-fingerprint-sha1", 21, IOC_X509_HASH, IOC_EXACT},
    {"x509-fingerprint-sha256", 23, IOC_X509_HASH, IOC_EXACT},
    {"x509-fingerprint-md5", 20, IOC_X509_HASH, IOC_EXACT},
};

int intel_type_from_name(spoor_sv name, ioc_mode *mode)
{
	name = sv_trim(name);
	*mode = IOC_EXACT;
	if (!name.n)
		return -1;
	/* the first letter before the whole name (a million rows ask) */
	char c0 = (char)(name.p[0] >= 'A' && name.p[0] <= 'Z' ? name.p[0] + 32 : name.p[0]);
	for (size_t i = 0; i < ARRAY_SIZE(type_table); i++) {
		if (name.n == type_table[i].len && c0 == type_table[i].name[0] && sv_ieq(name, sv_make(type_table[i].name, type_table[i].len))) {
			*mode = (ioc_mode)type_table[i].mode;
			return type_table[i].type;
		}
	}
	return -1;
}

static bool has_char(spoor_sv v, char c)
{
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] == c)
			return true;
	return false;
}

int intel_type_guess(spoor_sv v)
{
	v = sv_trim(v);
	if (!v.p || !v.n || v.n > NORM_MAX_IN)
		return -1;
	uint8_t ip[16], pl;
	if (norm_ip(v, ip, &pl, true) > 0)
		return has_char(v, ':') ? IOC_IPV6 : IOC_IPV4;
	char tmp[NORM_MAX(256)];
	if (v.n <= 256) {
		long l = norm_hex(v, tmp);
		if (l == (long)v.n && hash_type_by_len((size_t)l) >= 0)
			return hash_type_by_len((size_t)l);
	}
	if ((v.n >= 3 && memmem(v.p, v.n, "://", 3)))
		return IOC_URL;
	if (has_char(v, '@') && !has_char(v, ' '))
		return IOC_EMAIL;
	if (has_char(v, '.') && !has_char(v, ' ') && !has_char(v, '/') && v.n <= 256 &&
	    norm_domain(v, tmp) > 0)
		return IOC_DOMAIN;
	if (has_char(v, '/') && !has_char(v, ' ') && has_char(v, '.'))
		return IOC_URL;
	return -1;
}

/* ---- loading ---- */

static int src_new(spoor_intel *in, const char *path, const char *format, uint32_t *out)
{
	isrc *s;
	if (VEC_PUSH(in, in->srcs, s) < 0)
		return SPOOR_ENOMEM;
	memset(s, 0, sizeof(*s));
	s->path = xstrndup(path, strlen(path));
	if (!s->path) {
		in->srcs.n--;
		return SPOOR_ENOMEM;
	}
	s->format = format;
	*out = (uint32_t)(in->srcs.n - 1);
	return 0;
}

static int read_file(spoor_intel *in, const char *path, char **out, size_t *n, spoor_diag *diag)
{
	instream s;
	int rc = instream_open(&s, path, diag);
	if (rc < 0)
		return rc;
	size_t cap = 1u << 16, len = 0;
	char *b = xmalloc(cap + 1);
	if (!b) {
		instream_close(&s);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	for (;;) {
		if (len == cap) {
			if (cap >= in->opt.max_file_bytes) {
				free(b);
				instream_close(&s);
				return diag_set(diag, SPOOR_ELIMIT, "%s: larger than the intel file limit (%zu bytes)",
						path, in->opt.max_file_bytes);
			}
			size_t nc = MIN(cap * 2, in->opt.max_file_bytes);
			char *nb = xrealloc(b, nc + 1);
			if (!nb) {
				free(b);
				instream_close(&s);
				return diag_set(diag, SPOOR_ENOMEM, "out of memory");
			}
			b = nb;
			cap = nc;
		}
		ssize_t r = instream_read(&s, b + len, cap - len, diag);
		if (r < 0) {
			free(b);
			instream_close(&s);
			return (int)r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	instream_close(&s);
	b[len] = 0;
	*out = b;
	*n = len;
	return 0;
}

/* A MISP feed manifest: an object of uuid -> event summary. */
static bool is_manifest(const jnode *r)
{
	if (!r || r->type != J_OBJ || !r->n)
		return false;
	for (const jnode *c = r->child; c; c = c->next)
		if (c->type != J_OBJ || !jget(c, "info") || jget(c, "Attribute"))
			return false;
	return true;
}

static bool is_stix(const jnode *r)
{
	if (!r || r->type != J_OBJ)
		return false;
	spoor_sv t = jstr(r, "type");
	if (sv_eq_cstr(t, "bundle"))
		return true;
	if (t.n && jstr(r, "id").n && (jstr(r, "spec_version").n || jstr(r, "pattern").n))
		return true;
	return false;
}

/* Load one document.  quiet_skip: a file of no intel format is counted,
 * not an error (directory walks). */
static int load_buffer(spoor_intel *in, const char *name, const char *dir, const char *p, size_t n, bool quiet_skip,
		       spoor_diag *diag)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	int rc = 0;
	uint32_t src;
	if (i < n && (p[i] == '{' || p[i] == '[')) {
		jdoc d;
		rc = jdoc_parse(&d, p, n, in->opt.max_depth, in->opt.max_json_values);
		if (rc < 0) {
			jdoc_done(&d);
			if (rc == SPOOR_EPARSE && p[i] == '[' && csv_detect(p, n) == 3) {
				/* "[file:hashes..." lines: a STIX pattern list */
			} else {
				diag_set(diag, rc, "%s: JSON: %s at byte %zu", name, d.err ? d.err : "error", d.err_pos);
				diag_where(diag, name, d.err_pos, 0);
				return rc;
			}
		} else {
			const jnode *r = d.root;
			const char *fmt = NULL;
			if (is_stix(r) || (r && r->type == J_ARR && r->child && is_stix(r->child)))
				fmt = "stix";
			else if (misp_is_event(r))
				fmt = "misp";
			else if (misp_is_galaxy(r))
				fmt = "misp-galaxy";
			if (fmt) {
				rc = src_new(in, name, fmt, &src);
				if (rc == 0) {
					if (fmt[0] == 's')
						rc = stix_load(in, src, r, diag);
					else if (!strcmp(fmt, "misp"))
						rc = misp_load(in, src, r, diag);
					else
						rc = misp_galaxy_load(in, src, r, diag);
				}
				jdoc_done(&d);
				return rc;
			}
			bool manifest = is_manifest(r);
			jdoc_done(&d);
			if (manifest && !quiet_skip && dir)
				return misp_feed_load(in, dir, diag);
			if (manifest) {
				in->skipped_files++;
				return 0;
			}
			if (quiet_skip) {
				in->skipped_files++;
				return 0;
			}
			return diag_set(diag, SPOOR_EPARSE,
					"%s: JSON of no intel format (STIX bundle, MISP event or feed, MISP galaxy)",
					name);
		}
	}
	int kind = csv_detect(p, n);
	if (!kind) {
		if (quiet_skip) {
			in->skipped_files++;
			return 0;
		}
		return diag_set(diag, SPOOR_EPARSE,
				"%s: not an intel file (STIX, MISP, CSV with a type and a value column, a list of "
				"indicators or of STIX patterns)",
				name);
	}
	rc = src_new(in, name, kind == 1 ? "csv" : kind == 2 ? "list" : "stix-patterns", &src);
	if (rc == 0)
		rc = csv_load(in, src, p, n, diag);
	return rc;
}

static int load_file(spoor_intel *in, const char *path, bool quiet_skip, spoor_diag *diag)
{
	char *b = NULL;
	size_t n = 0;
	int rc = read_file(in, path, &b, &n, diag);
	if (rc < 0)
		return rc;
	char *dir = xstrndup(path, strlen(path));
	if (!dir) {
		free(b);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	char *sl = strrchr(dir, '/');
	if (sl)
		*sl = 0;
	else
		strcpy(dir, ".");
	rc = load_buffer(in, path, dir, b, n, quiet_skip, diag);
	free(dir);
	free(b);
	return rc;
}

int intel_load_file(spoor_intel *in, const char *path, bool quiet_skip, spoor_diag *diag);
int intel_load_file(spoor_intel *in, const char *path, bool quiet_skip, spoor_diag *diag)
{
	return load_file(in, path, quiet_skip, diag);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(spoor_intel *in, const char *dir, unsigned depth, spoor_diag *diag)
{
	if (depth > 16)
		return 0;
	char mpath[4096];
	snprintf(mpath, sizeof(mpath), "%s/manifest.json", dir);
	struct stat st;
	if (stat(mpath, &st) == 0 && S_ISREG(st.st_mode))
		return misp_feed_load(in, dir, diag);
	DIR *d = opendir(dir);
	if (!d)
		return diag_set(diag, SPOOR_EIO, "%s: cannot open directory: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap && vec_grow((void **)&names, &cap, sizeof(*names)) < 0) {
			rc = SPOOR_ENOMEM;
			break;
		}
		names[n] = xstrndup(e->d_name, strlen(e->d_name));
		if (!names[n]) {
			rc = SPOOR_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_cstr);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (lstat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = load_dir(in, full, depth + 1, diag);
		} else if (S_ISREG(st.st_mode)) {
			rc = load_file(in, full, true, diag);
			/* a broken file in a folder is reported and skipped */
			if (rc == SPOOR_EPARSE) {
				in->skipped_files++;
				rc = 0;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

SPOOR_API int spoor_intel_load(spoor_intel *in, const char *path, spoor_diag *diag)
{
	if (!strcmp(path, "@builtin"))
		return spoor_intel_load_builtin(in, diag);
	struct stat st;
	if (stat(path, &st) != 0)
		return diag_set(diag, SPOOR_ENOTFOUND, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return load_dir(in, path, 0, diag);
	return load_file(in, path, false, diag);
}

SPOOR_API int spoor_intel_load_builtin(spoor_intel *in, spoor_diag *diag)
{
	return load_buffer(in, "@builtin", NULL, intel_pack_json, intel_pack_len, false, diag);
}

SPOOR_API int spoor_intel_load_mem(spoor_intel *in, const char *name, const char *p, size_t n, spoor_diag *diag)
{
	if (n > in->opt.max_file_bytes)
		return diag_set(diag, SPOOR_ELIMIT, "%s: larger than the intel file limit (%zu bytes)", name,
				in->opt.max_file_bytes);
	return load_buffer(in, name ? name : "<memory>", NULL, p, n, false, diag);
}

/* ---- finish: entities merged by name, relationships, names ---- */

static uint32_t canon(const spoor_intel *in, uint32_t e)
{
	while (in->ents.v[e].merged != e)
		e = in->ents.v[e].merged;
	return e;
}

static bool is_software(uint8_t k)
{
	return k == ENT_MALWARE || k == ENT_TOOL;
}

/* entity class for name merges: groups, software, techniques, campaigns */
static int ent_class(uint8_t k)
{
	return is_software(k) ? ENT_MALWARE : k;
}

static int name_key(spoor_intel *in, int cls, spoor_sv name, spoor_sv *out)
{
	char *b = arena_alloc(&in->ar, name.n + 2);
	if (!b)
		return SPOOR_ENOMEM;
	b[0] = (char)('0' + cls);
	for (size_t i = 0; i < name.n; i++)
		b[i + 1] = (char)(name.p[i] >= 'A' && name.p[i] <= 'Z' ? name.p[i] + 32 : name.p[i]);
	*out = sv_make(b, name.n + 1);
	return 0;
}

static int find_by_name(spoor_intel *in, const smap *m, int cls, spoor_sv name, uint32_t *out)
{
	char stack[256];
	if (name.n + 1 > sizeof(stack))
		return 0;
	stack[0] = (char)('0' + cls);
	for (size_t i = 0; i < name.n; i++)
		stack[i + 1] = (char)(name.p[i] >= 'A' && name.p[i] <= 'Z' ? name.p[i] + 32 : name.p[i]);
	uint32_t v;
	(void)in;
	if (smap_get(m, sv_make(stack, name.n + 1), &v)) {
		*out = v;
		return 1;
	}
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const ipair *x = a, *y = b;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static bool pairs_sorted(const ipair *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_pair(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

/* "BlackTech - G0098" (MISP's mitre-* galaxies) -> "BlackTech" */
static spoor_sv strip_attack_suffix(spoor_sv n)
{
	for (size_t i = n.n; i >= 4; i--) {
		if (n.p[i - 1] == ' ' && i >= 3 && n.p[i - 2] == '-' && n.p[i - 3] == ' ')
			return sv_make(n.p, i - 3);
	}
	return n;
}

/* "<pass digit><lower-cased s>" in b (cap bytes); 0 when it does not fit */
static size_t find_key(char *b, size_t cap, int pass, spoor_sv s)
{
	if (s.n + 1 > cap)
		return 0;
	b[0] = (char)('0' + pass);
	for (size_t i = 0; i < s.n; i++)
		b[i + 1] = (char)(s.p[i] >= 'A' && s.p[i] <= 'Z' ? s.p[i] + 32 : s.p[i]);
	return s.n + 1;
}

/* ent_by_key: what find_any looks up, the first entity of each key (the
 * order of a linear search) */
static int key_map(spoor_intel *in)
{
	smap_free(&in->ent_by_key);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < in->ents.n; i++) {
			const ent *e = &in->ents.v[i];
			if (pass > 0 && e->kind == ENT_TECHNIQUE)
				continue;
			for (uint32_t a = 0; a < (pass == 2 ? e->naliases : 1); a++) {
				spoor_sv v = pass == 0 ? e->ext_id : pass == 1 ? e->name : e->aliases[a];
				if (!v.n)
					continue;
				char *k = arena_alloc_bytes(&in->ar, v.n + 1);
				if (!k)
					return SPOOR_ENOMEM;
				size_t kn = find_key(k, v.n + 1, pass, v);
				uint32_t dummy;
				if (!smap_get(&in->ent_by_key, sv_make(k, kn), &dummy) &&
				    smap_put(&in->ent_by_key, sv_make(k, kn), (uint32_t)i) < 0)
					return SPOOR_ENOMEM;
			}
		}
	}
	return 0;
}

int intel_finish(spoor_intel *in)
{
	if (in->finished)
		return 0;
	/* 1. merge entities with the same name or alias within a class; the
	 * first one with an ATT&CK id (else the first seen) is canonical */
	smap names = {0};
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < in->ents.n && rc == 0; i++) {
			ent *e = &in->ents.v[i];
			if ((pass == 0) != (e->ext_id.n > 0))
				continue;
			e->merged = (uint32_t)i;
			uint32_t c;
			int cls = ent_class(e->kind);
			if (find_by_name(in, &names, cls, e->name, &c)) {
				e->merged = c;
			} else {
				for (uint32_t a = 0; a < e->naliases; a++)
					if (find_by_name(in, &names, cls, e->aliases[a], &c)) {
						e->merged = c;
						break;
					}
			}
			spoor_sv k;
			if (e->merged != i) {
				/* the other names of a merged entity lead to the canonical one */
				uint32_t dummy;
				for (uint32_t a = 0; a <= e->naliases && rc == 0; a++) {
					spoor_sv v = a == e->naliases ? e->name : e->aliases[a];
					if (!v.n || find_by_name(in, &names, cls, v, &dummy))
						continue;
					rc = name_key(in, cls, v, &k);
					if (rc == 0)
						rc = smap_put(&names, k, e->merged);
				}
				continue;
			}
			rc = name_key(in, cls, e->name, &k);
			if (rc == 0 && e->name.n)
				rc = smap_put(&names, k, (uint32_t)i);
			for (uint32_t a = 0; a < e->naliases && rc == 0; a++) {
				uint32_t dummy;
				if (find_by_name(in, &names, cls, e->aliases[a], &dummy))
					continue;
				rc = name_key(in, cls, e->aliases[a], &k);
				if (rc == 0)
					rc = smap_put(&names, k, (uint32_t)i);
			}
			if (rc == 0 && e->ext_id.n) {
				rc = name_key(in, cls, e->ext_id, &k);
				if (rc == 0)
					rc = smap_put(&names, k, (uint32_t)i);
			}
		}
	}
	/* 2. relationships (new ones only) */
	for (; in->rels_done < in->rels.n && rc == 0; in->rels_done++) {
		const irel *r = &in->rels.v[in->rels_done];
		uint32_t s, t;
		bool se = smap_get(&in->ent_by_id, r->src, &s);
		bool te = smap_get(&in->ent_by_id, r->dst, &t);
		if (!te)
			continue;
		if (se && (sv_eq_cstr(r->type, "uses") || sv_eq_cstr(r->type, "attributed-to"))) {
			ipair *p;
			/* "campaign attributed-to group": the group uses what the campaign used */
			if (sv_eq_cstr(r->type, "attributed-to")) {
				uint32_t x = s;
				s = t;
				t = x;
			}
			if (VEC_PUSH(in, in->uses, p) < 0) {
				rc = SPOOR_ENOMEM;
				break;
			}
			p->a = s;
			p->b = t;
		} else if (!se && (sv_eq_cstr(r->type, "indicates") || sv_eq_cstr(r->type, "related-to") ||
				   sv_eq_cstr(r->type, "attributed-to"))) {
			uint32_t o;
			if (smap_get(&in->obj_by_id, r->src, &o))
				rc = intel_obj_ent(in, o, t);
		}
	}
	/* 3. references by name; a name shared by intel_intern() (a CSV group
	 * column repeats the same few names a million times) is resolved once:
	 * a direct-mapped memo by the name's address and kind */
	struct {
		const char *p;
		size_t n;
		uint8_t kind;
		uint32_t e;
	} memo[256];
	memset(memo, 0, sizeof(memo));
	for (; in->names_done < in->names.n && rc == 0; in->names_done++) {
		const iname_ref *r = &in->names.v[in->names_done];
		/* the address mixed (a multiplicative hash): nearby addresses of
		 * a few dozen names spread over the slots */
		size_t ms = (size_t)((((uint64_t)(uintptr_t)r->name.p ^ r->kind) * 0x9E3779B97F4A7C15ull) >> 56);
		if (memo[ms].p == r->name.p && memo[ms].n == r->name.n && memo[ms].kind == r->kind) {
			rc = intel_obj_ent(in, r->obj, memo[ms].e);
			continue;
		}
		spoor_sv nm = strip_attack_suffix(r->name);
		uint32_t e;
		int cls = ent_class(r->kind);
		if (!find_by_name(in, &names, cls, nm, &e) &&
		    !find_by_name(in, &names, cls == ENT_GROUP ? ENT_MALWARE : ENT_GROUP, nm, &e)) {
			rc = intel_ent_add(in, (ent_kind)r->kind, SPOOR_SV_NULL, nm, &e);
			if (rc < 0)
				break;
			rc = 0;
			spoor_sv k;
			rc = name_key(in, cls, nm, &k);
			if (rc == 0)
				rc = smap_put(&names, k, e);
		}
		if (rc == 0)
			rc = intel_obj_ent(in, r->obj, e);
		if (rc == 0) {
			memo[ms].p = r->name.p;
			memo[ms].n = r->name.n;
			memo[ms].kind = r->kind;
			memo[ms].e = e;
		}
	}
	smap_free(&names);
	if (rc < 0)
		return rc;
	/* 4. canonical ids everywhere, sorted, deduplicated */
	for (size_t i = 0; i < in->oe.n; i++)
		in->oe.v[i].b = canon(in, in->oe.v[i].b);
	for (size_t i = 0; i < in->uses.n; i++) {
		in->uses.v[i].a = canon(in, in->uses.v[i].a);
		in->uses.v[i].b = canon(in, in->uses.v[i].b);
	}
	/* pairs come in indicator order from a large feed: sort only when not */
	if (in->oe.n && !pairs_sorted(in->oe.v, in->oe.n))
		qsort(in->oe.v, in->oe.n, sizeof(ipair), cmp_pair);
	if (in->uses.n && !pairs_sorted(in->uses.v, in->uses.n))
		qsort(in->uses.v, in->uses.n, sizeof(ipair), cmp_pair);
	size_t w = 0;
	for (size_t i = 0; i < in->oe.n; i++)
		if (!w || cmp_pair(&in->oe.v[i], &in->oe.v[w - 1]))
			in->oe.v[w++] = in->oe.v[i];
	in->oe.n = w;
	w = 0;
	for (size_t i = 0; i < in->uses.n; i++)
		if (!w || cmp_pair(&in->uses.v[i], &in->uses.v[w - 1]))
			in->uses.v[w++] = in->uses.v[i];
	in->uses.n = w;
	for (size_t i = 0; i < in->objs.n; i++)
		in->objs.v[i].nents = 0;
	for (size_t i = 0; i < in->oe.n; i++) {
		iobj *o = &in->objs.v[in->oe.v[i].a];
		if (!o->nents)
			o->ents = (uint32_t)i;
		o->nents++;
	}
	for (size_t i = 0; i < in->ents.n; i++) {
		in->ents.v[i].nuses = 0;
		in->ents.v[i].nused_by = 0;
		in->ents.v[i].nindicators = 0;
	}
	for (size_t i = 0; i < in->uses.n; i++) {
		ent *e = &in->ents.v[in->uses.v[i].a];
		if (!e->nuses)
			e->uses = (uint32_t)i;
		e->nuses++;
	}
	/* used_by: the reversed pairs, grouped by b */
	in->lists.n = 0;
	ipair *rev = xmalloc((in->uses.n + 1) * sizeof(*rev));
	if (!rev)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < in->uses.n; i++) {
		rev[i].a = in->uses.v[i].b;
		rev[i].b = in->uses.v[i].a;
	}
	if (in->uses.n)
		qsort(rev, in->uses.n, sizeof(*rev), cmp_pair);
	for (size_t i = 0; i < in->uses.n && rc == 0; i++) {
		uint32_t *slot;
		if (VEC_PUSH(in, in->lists, slot) < 0) {
			rc = SPOOR_ENOMEM;
			break;
		}
		*slot = rev[i].b;
		ent *e = &in->ents.v[rev[i].a];
		if (!e->nused_by)
			e->used_by = (uint32_t)(in->lists.n - 1);
		e->nused_by++;
	}
	free(rev);
	if (rc < 0)
		return rc;
	/* 5. indicator counts per entity: atoms of objects that point to it,
	 * directly or through software a group uses */
	uint32_t *natoms = xcalloc(in->objs.n + 1, sizeof(*natoms));
	if (!natoms)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < in->atoms.n; i++)
		natoms[in->atoms.v[i].obj]++;
	for (size_t i = 0; i < in->objs.n; i++) {
		const iobj *o = &in->objs.v[i];
		for (uint32_t k = 0; k < o->nents; k++) {
			ent *e = &in->ents.v[in->oe.v[o->ents + k].b];
			e->nindicators += natoms[i];
			if (!is_software(e->kind))
				continue;
			for (uint32_t g = 0; g < e->nused_by; g++) {
				ent *ge = &in->ents.v[in->lists.v[e->used_by + g]];
				/* not twice when the indicator also names the group */
				bool direct = false;
				for (uint32_t k2 = 0; k2 < o->nents; k2++)
					direct |= in->oe.v[o->ents + k2].b == in->lists.v[e->used_by + g];
				if (ge->kind == ENT_GROUP && !direct)
					ge->nindicators += natoms[i];
			}
		}
	}
	free(natoms);
	rc = key_map(in);
	if (rc < 0)
		return rc;
	in->finished = true;
	return 0;
}

/* ---- stats ---- */

SPOOR_API int spoor_intel_stats_get(spoor_intel *in, spoor_intel_stats *out)
{
	int rc = intel_finish(in);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->files = in->srcs.n;
	out->skipped_files = in->skipped_files;
	out->objects = in->objs.n;
	out->atoms = in->atoms.n;
	for (size_t i = 0; i < in->atoms.n; i++)
		out->by_type[in->atoms.v[i].type]++;
	out->unsupported = in->unsup.n;
	out->not_ids = in->not_ids;
	out->context = in->context_attrs;
	for (size_t i = 0; i < in->ents.n; i++) {
		const ent *e = &in->ents.v[i];
		if (e->merged != i)
			continue;
		if (e->kind == ENT_GROUP)
			out->groups++;
		else if (is_software(e->kind))
			out->software++;
		else if (e->kind == ENT_TECHNIQUE)
			out->techniques++;
	}
	out->relationships = in->rels.n;
	return 0;
}

SPOOR_API size_t spoor_intel_source_count(const spoor_intel *in)
{
	return in->srcs.n;
}

SPOOR_API int spoor_intel_source_at(const spoor_intel *in, size_t i, spoor_intel_source *out)
{
	if (i >= in->srcs.n)
		return SPOOR_ENOTFOUND;
	const isrc *s = &in->srcs.v[i];
	out->path = s->path;
	out->format = s->format;
	out->objects = s->objs;
	out->atoms = s->atoms;
	out->unsupported = s->unsupported;
	out->skipped = s->skipped;
	out->bad = s->bad;
	return 0;
}

SPOOR_API size_t spoor_intel_unsupported_count(const spoor_intel *in)
{
	return in->unsup.n;
}

SPOOR_API int spoor_intel_unsupported_at(const spoor_intel *in, size_t i, spoor_intel_issue *out)
{
	if (i >= in->unsup.n)
		return SPOOR_ENOTFOUND;
	const iunsup *u = &in->unsup.v[i];
	out->path = in->srcs.v[u->src].path;
	out->where = u->where;
	out->what = u->what;
	out->why = u->why;
	return 0;
}

SPOOR_API size_t spoor_intel_entity_count(spoor_intel *in)
{
	return in->ents.n;
}

SPOOR_API int spoor_intel_entity_at(spoor_intel *in, size_t i, spoor_intel_entity *out)
{
	int rc = intel_finish(in);
	if (rc < 0)
		return rc;
	if (i >= in->ents.n)
		return SPOOR_ENOTFOUND;
	const ent *e = &in->ents.v[i];
	if (e->merged != i)
		return SPOOR_ENOTFOUND; /* an alias of another entity */
	out->kind = kind_names[e->kind];
	out->name = e->name;
	out->ext_id = e->ext_id;
	out->indicators = e->nindicators;
	out->deprecated = e->deprecated;
	return 0;
}

/* ---- show ---- */

/* An entity by ATT&CK id, else name, else alias (case-insensitive): every
 * Sigma alert asks for its tags and techniques, so a map, built by finish */
static uint32_t find_any(spoor_intel *in, spoor_sv q)
{
	char k[1024];
	for (int pass = 0; pass < 3; pass++) {
		size_t kn = find_key(k, sizeof(k), pass, q);
		uint32_t i;
		if (kn && smap_get(&in->ent_by_key, sv_make(k, kn), &i))
			return canon(in, i);
	}
	return UINT32_MAX;
}

static int show_ent(buf *b, const spoor_intel *in, uint32_t id)
{
	const ent *e = &in->ents.v[id];
	int rc = buf_add(b, e->name.p, e->name.n);
	if (rc == 0 && e->ext_id.n)
		rc = buf_printf(b, " (%.*s)", (int)e->ext_id.n, e->ext_id.p);
	return rc;
}

SPOOR_API int spoor_intel_show(spoor_intel *in, const char *name, spoor_sv *out)
{
	int rc = intel_finish(in);
	if (rc < 0)
		return rc;
	uint32_t id = find_any(in, sv_cstr(name));
	if (id == UINT32_MAX)
		return SPOOR_ENOTFOUND;
	const ent *e = &in->ents.v[id];
	buf *b = &in->tmp;
	buf_clear(b);
	rc = buf_printf(b, "%s: ", kind_names[e->kind]);
	if (rc == 0)
		rc = show_ent(b, in, id);
	if (rc == 0 && e->deprecated)
		rc = buf_adds(b, " [deprecated in ATT&CK]");
	if (rc == 0)
		rc = buf_adds(b, "\naliases:");
	/* aliases of this entity and of those merged into it, once each */
	spoor_sv al[64];
	size_t nal = 0;
	for (size_t i = 0; i < in->ents.n; i++) {
		const ent *x = &in->ents.v[i];
		if (canon(in, (uint32_t)i) != id)
			continue;
		for (uint32_t a = 0; a <= x->naliases; a++) {
			spoor_sv v = a == x->naliases ? x->name : x->aliases[a];
			bool dup = sv_ieq(v, e->name) || sv_ieq(v, e->ext_id) || !v.n;
			for (size_t k = 0; k < nal && !dup; k++)
				dup = sv_ieq(al[k], v);
			if (!dup && nal < ARRAY_SIZE(al))
				al[nal++] = v;
		}
	}
	for (size_t k = 0; k < nal && rc == 0; k++)
		rc = buf_printf(b, "%s %.*s", k ? "," : "", (int)al[k].n, al[k].p);
	if (rc == 0 && !nal)
		rc = buf_adds(b, " -");
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		rc = buf_adds(b, pass == 0 ? "\nsoftware:" : "\ntechniques:");
		size_t k = 0;
		for (uint32_t u = 0; u < e->nuses && rc == 0; u++) {
			uint32_t t = in->uses.v[e->uses + u].b;
			if ((in->ents.v[t].kind == ENT_TECHNIQUE) != (pass == 1))
				continue;
			rc = buf_adds(b, k++ ? ", " : " ");
			if (rc == 0)
				rc = show_ent(b, in, t);
		}
		if (rc == 0 && !k)
			rc = buf_adds(b, " -");
	}
	if (rc == 0 && e->nused_by) {
		rc = buf_adds(b, "\nused by:");
		for (uint32_t u = 0; u < e->nused_by && rc == 0; u++) {
			rc = buf_adds(b, u ? ", " : " ");
			if (rc == 0)
				rc = show_ent(b, in, in->lists.v[e->used_by + u]);
		}
	}
	/* indicator counts by type */
	uint64_t by[_IOC_MAX] = {0};
	for (size_t i = 0; i < in->atoms.n; i++) {
		const iobj *o = &in->objs.v[in->atoms.v[i].obj];
		bool hit = false;
		for (uint32_t k = 0; k < o->nents && !hit; k++) {
			uint32_t x = in->oe.v[o->ents + k].b;
			hit = x == id;
			const ent *xe = &in->ents.v[x];
			for (uint32_t g = 0; g < xe->nused_by && !hit && is_software(xe->kind); g++)
				hit = in->lists.v[xe->used_by + g] == id;
		}
		if (hit)
			by[in->atoms.v[i].type]++;
	}
	if (rc == 0)
		rc = buf_printf(b, "\nindicators: %" PRIu64, e->nindicators);
	for (int t = 0; t < _IOC_MAX && rc == 0; t++)
		if (by[t])
			rc = buf_printf(b, ", %s %" PRIu64, type_names[t], by[t]);
	if (rc == 0)
		rc = buf_addc(b, '\n');
	if (rc < 0)
		return rc;
	*out = sv_make(b->p, b->len);
	return 0;
}

/* ---- attribution of other engines' alerts ---- */

typedef struct attrib {
	uint32_t g[16], s[16];
	size_t ng, ns;
	bool by_tag, by_tech;
} attrib;

static void add_u(uint32_t *v, size_t *n, uint32_t x)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == x)
			return;
	if (*n < 16)
		v[(*n)++] = x;
}

int intel_attrib_json(const spoor_intel *in, buf *b, const uint32_t *g, size_t ng, const uint32_t *s, size_t ns);
int intel_attrib_json(const spoor_intel *in, buf *b, const uint32_t *g, size_t ng, const uint32_t *s, size_t ns)
{
	int rc = 0;
	static const char *const keys[4] = {"threat.group.name", "threat.group.id", "threat.software.name",
					    "threat.software.id"};
	for (int k = 0; k < 4 && rc == 0; k++) {
		const uint32_t *v = k < 2 ? g : s;
		size_t n = k < 2 ? ng : ns;
		if (!n)
			continue;
		bool any = false;
		for (size_t i = 0; i < n; i++)
			any |= (k & 1) ? in->ents.v[v[i]].ext_id.n > 0 : true;
		if (!any)
			continue;
		rc = buf_printf(b, ",\"%s\":[", keys[k]);
		bool first = true;
		for (size_t i = 0; i < n && rc == 0; i++) {
			spoor_sv t = (k & 1) ? in->ents.v[v[i]].ext_id : in->ents.v[v[i]].name;
			if (!t.n)
				continue;
			if (!first)
				rc = buf_addc(b, ',');
			first = false;
			if (rc == 0)
				rc = buf_addc(b, '"');
			if (rc == 0)
				rc = buf_add_json_str(b, t.p, t.n);
			if (rc == 0)
				rc = buf_addc(b, '"');
		}
		if (rc == 0)
			rc = buf_addc(b, ']');
	}
	return rc;
}

SPOOR_API int spoor_intel_attribute(spoor_intel *in, const spoor_finding *f, const char *const *tags, size_t ntags,
				    spoor_sv *json)
{
	*json = f->json;
	int rc = intel_finish(in);
	if (rc < 0)
		return rc;
	attrib a = {0};
	/* tags naming a group or software: attack.g0098, attack.s0011 */
	for (size_t i = 0; i < ntags; i++) {
		spoor_sv t = sv_cstr(tags[i]);
		if (t.n < 9 || strncasecmp(t.p, "attack.", 7) || (t.p[7] != 'g' && t.p[7] != 'G' && t.p[7] != 's' &&
								   t.p[7] != 'S'))
			continue;
		uint32_t e = find_any(in, sv_make(t.p + 7, t.n - 7));
		if (e == UINT32_MAX)
			continue;
		a.by_tag = true;
		if (in->ents.v[e].kind == ENT_GROUP) {
			add_u(a.g, &a.ng, e);
		} else if (is_software(in->ents.v[e].kind)) {
			add_u(a.s, &a.ns, e);
			for (uint32_t u = 0; u < in->ents.v[e].nused_by; u++)
				add_u(a.g, &a.ng, in->lists.v[in->ents.v[e].used_by + u]);
		}
	}
	/* techniques: the groups (and their software) known to use one of
	 * the alert's techniques */
	if (!a.by_tag) {
		for (size_t i = 0; i < f->ntechniques; i++) {
			uint32_t t = find_any(in, sv_cstr(f->techniques[i]));
			if (t == UINT32_MAX || in->ents.v[t].kind != ENT_TECHNIQUE)
				continue;
			const ent *te = &in->ents.v[t];
			for (uint32_t u = 0; u < te->nused_by; u++) {
				uint32_t x = in->lists.v[te->used_by + u];
				if (in->ents.v[x].kind == ENT_GROUP) {
					add_u(a.g, &a.ng, x);
				} else if (is_software(in->ents.v[x].kind)) {
					add_u(a.s, &a.ns, x);
					for (uint32_t k = 0; k < in->ents.v[x].nused_by; k++)
						add_u(a.g, &a.ng, in->lists.v[in->ents.v[x].used_by + k]);
				}
				a.by_tech = true;
			}
		}
	}
	if (!a.ng && !a.ns)
		return 0;
	if (f->json.n < 2 || f->json.p[f->json.n - 2] != '}' || f->json.p[f->json.n - 1] != '\n')
		return 0;
	buf *b = &in->tmp;
	buf_clear(b);
	rc = buf_add(b, f->json.p, f->json.n - 2);
	if (rc == 0)
		rc = intel_attrib_json(in, b, a.g, a.ng, a.s, a.ns);
	if (rc == 0)
		rc = buf_printf(b, ",\"spoor.attribution\":\"%s\"}\n", a.by_tag ? "rule-tag" : "technique");
	if (rc < 0)
		return rc;
	*json = sv_make(b->p, b->len);
	return 1;
}
