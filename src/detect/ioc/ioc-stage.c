/* ioc-stage — the intel store as a hunt stage: typed indicator matching,
 * one alert per indicator sighted in an event, naming the groups and
 * software it points to; sightings kept for export (MISP, STIX, CSV). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/buf.h"
#include "base/timeparse.h"
#include "detect/alert.h"
#include "detect/ioc/ioc-match.h"
#include "detect/stage.h"
#include "event/event-int.h"
#include "event/field.h"

int intel_attrib_json(const spoor_intel *in, buf *b, const uint32_t *g, size_t ng, const uint32_t *s, size_t ns);

typedef struct sight {
	uint32_t obj;
	uint32_t atom;
	uint64_t count;
	int64_t first, last;
} sight;

typedef struct intel_stage {
	spoor_stage base;
	spoor_intel *in;
	ioc_index *x;
	buf js, details;
	uint64_t events, alerts;
	/* sightings: obj -> index + 1 into sights */
	uint32_t *sidx;
	sight *sights;
	size_t nsights, scap;
	char summary[256];
} intel_stage;

typedef struct attr {
	uint32_t g[16], s[16];
	size_t ng, ns;
	char tech_buf[ALERT_MAX_ATTACK][16];
	const char *tech[ALERT_MAX_ATTACK];
	size_t ntech;
} attr;

static void add_u(uint32_t *v, size_t *n, uint32_t x)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == x)
			return;
	if (*n < 16)
		v[(*n)++] = x;
}

static void add_tech(attr *a, spoor_sv id)
{
	if (!id.n || id.n >= sizeof(a->tech_buf[0]))
		return;
	for (size_t i = 0; i < a->ntech; i++)
		if (strlen(a->tech[i]) == id.n && !memcmp(a->tech[i], id.p, id.n))
			return;
	if (a->ntech == ALERT_MAX_ATTACK)
		return;
	memcpy(a->tech_buf[a->ntech], id.p, id.n);
	a->tech_buf[a->ntech][id.n] = 0;
	a->tech[a->ntech] = a->tech_buf[a->ntech];
	a->ntech++;
}

static void attribution(const spoor_intel *in, const iobj *o, attr *a)
{
	memset(a, 0, sizeof(*a));
	for (uint32_t k = 0; k < o->nents; k++) {
		uint32_t e = in->oe.v[o->ents + k].b;
		const ent *en = &in->ents.v[e];
		if (en->kind == ENT_GROUP || en->kind == ENT_CAMPAIGN) {
			add_u(a->g, &a->ng, e);
		} else if (en->kind == ENT_TECHNIQUE) {
			add_tech(a, en->ext_id);
		} else {
			add_u(a->s, &a->ns, e);
			for (uint32_t u = 0; u < en->nused_by; u++) {
				uint32_t g = in->lists.v[en->used_by + u];
				if (in->ents.v[g].kind == ENT_GROUP)
					add_u(a->g, &a->ng, g);
			}
			/* the software's techniques */
			for (uint32_t u = 0; u < en->nuses; u++) {
				const ent *t = &in->ents.v[in->uses.v[en->uses + u].b];
				if (t->kind == ENT_TECHNIQUE)
					add_tech(a, t->ext_id);
			}
		}
	}
}

/* The indicator's value as text ("10.0.0.0/8" for a network). */
static size_t atom_text(const ioc *a, char *out, size_t cap, spoor_sv *sv)
{
	if (a->type != IOC_IPV4 && a->type != IOC_IPV6) {
		*sv = a->value;
		return a->value.n;
	}
	const uint8_t *k = (const uint8_t *)a->value.p;
	size_t n;
	if (a->type == IOC_IPV4) {
		n = (size_t)snprintf(out, cap, "%u.%u.%u.%u", k[12], k[13], k[14], k[15]);
		if (a->plen != 128)
			n += (size_t)snprintf(out + n, cap - n, "/%u", a->plen - 96u);
	} else {
		inet_ntop(AF_INET6, k, out, (socklen_t)cap);
		n = strlen(out);
		if (a->plen != 128)
			n += (size_t)snprintf(out + n, cap - n, "/%u", a->plen);
	}
	*sv = sv_make(out, n);
	return n;
}

static int record_sighting(intel_stage *s, const ioc_hit *h, int64_t ts)
{
	if (!s->sidx) {
		s->sidx = xcalloc(s->in->objs.n + 1, sizeof(*s->sidx));
		if (!s->sidx)
			return SPOOR_ENOMEM;
	}
	uint32_t k = s->sidx[h->obj];
	if (!k) {
		if (s->nsights == s->scap) {
			size_t nc = s->scap ? s->scap * 2 : 64;
			sight *nv = xreallocarray(s->sights, nc, sizeof(*nv));
			if (!nv)
				return SPOOR_ENOMEM;
			s->sights = nv;
			s->scap = nc;
		}
		sight *x = &s->sights[s->nsights++];
		x->obj = h->obj;
		x->atom = h->atom;
		x->count = 0;
		x->first = INT64_MAX;
		x->last = INT64_MIN;
		k = (uint32_t)s->nsights;
		s->sidx[h->obj] = k;
	}
	sight *x = &s->sights[k - 1];
	x->count++;
	if (ts) {
		x->first = MIN(x->first, ts);
		x->last = MAX(x->last, ts);
	}
	return 0;
}

static int in_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	intel_stage *s = (intel_stage *)st;
	s->events++;
	const ioc_hit *hits;
	int n = ioc_index_match(s->x, ev, &hits);
	if (n <= 0)
		return n;
	const spoor_intel *in = s->in;
	for (int i = 0; i < n; i++) {
		const ioc_hit *h = &hits[i];
		const ioc *a = &in->atoms.v[h->atom];
		const iobj *o = &in->objs.v[h->obj];
		attr at;
		attribution(in, o, &at);
		char name[512];
		size_t nl = (size_t)snprintf(name, sizeof(name), "Intel: %s indicator", spoor_intel_type_name(a->type));
		for (size_t k = 0; k < at.ns && nl < sizeof(name) - 80; k++) {
			spoor_sv nm = in->ents.v[at.s[k]].name;
			nl += (size_t)snprintf(name + nl, sizeof(name) - nl, "%s%.*s", k ? ", " : " of ", (int)MIN(nm.n, 60),
					       nm.p);
		}
		for (size_t k = 0; k < at.ng && nl < sizeof(name) - 80; k++) {
			spoor_sv nm = in->ents.v[at.g[k]].name;
			nl += (size_t)snprintf(name + nl, sizeof(name) - nl, "%s%.*s", k ? ", " : " (", (int)MIN(nm.n, 60),
					       nm.p);
			if (k + 1 == at.ng)
				nl += (size_t)snprintf(name + nl, sizeof(name) - nl, ")");
		}
		char idb[64];
		const char *rid = o->id.n ? o->id.p : idb;
		if (!o->id.n)
			snprintf(idb, sizeof(idb), "intel-%u", h->obj);
		spoor_level lv = o->confidence == 255 || o->confidence >= 70 ? SPOOR_LEVEL_HIGH
				 : o->confidence >= 40			    ? SPOOR_LEVEL_MEDIUM
									    : SPOOR_LEVEL_LOW;
		spoor_finding f = {
		    .rule_id = rid,
		    .rule_name = name,
		    .ruleset = "intel",
		    .level = lv,
		    .techniques = at.tech,
		    .ntechniques = at.ntech,
		    .ts = ev->has_ts ? ev->ts : 0,
		    .ev = ev,
		};
		char vt[80];
		spoor_sv val;
		atom_text(a, vt, sizeof(vt), &val);
		spoor_sv fname = spoor_field_name(ev->ctx, h->field);
		buf *b = &s->js;
		int rc = alert_begin(b, &f, in->srcs.v[o->src].path);
		if (rc == 0)
			rc = alert_cstr(b, "threat.indicator.type", spoor_intel_type_name(a->type));
		if (rc == 0)
			rc = alert_str(b, "threat.indicator.name", val.p, MIN(val.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0 && o->id.n)
			rc = alert_str(b, "threat.indicator.id", o->id.p, MIN(o->id.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0 && o->source.n)
			rc = alert_str(b, "threat.indicator.provider", o->source.p,
				       MIN(o->source.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0 && o->name.n)
			rc = alert_str(b, "threat.indicator.description", o->name.p,
				       MIN(o->name.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0 && o->confidence != 255)
			rc = alert_u64(b, "threat.indicator.confidence", o->confidence);
		if (rc == 0 && o->pattern.n)
			rc = alert_str(b, "threat.indicator.pattern", o->pattern.p,
				       MIN(o->pattern.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0)
			rc = alert_str(b, "threat.enrichments.matched.field", fname.p, fname.n);
		if (rc == 0)
			rc = alert_str(b, "threat.enrichments.matched.atomic", h->value.p,
				       MIN(h->value.n, (size_t)ALERT_MAX_VALUE));
		if (rc == 0)
			rc = intel_attrib_json(in, b, at.g, at.ng, at.s, at.ns);
		if (rc == 0)
			rc = alert_end(b);
		buf_clear(&s->details);
		if (rc == 0)
			rc = buf_printf(&s->details, "%.*s: %.*s \xC2\xA6 indicator: %s %.*s", (int)fname.n, fname.p,
					(int)MIN(h->value.n, (size_t)512), h->value.p, spoor_intel_type_name(a->type),
					(int)MIN(val.n, (size_t)512), val.p);
		if (rc == 0)
			rc = record_sighting(s, h, f.ts);
		if (rc < 0)
			return rc;
		f.json = sv_make(b->p, b->len);
		f.details = sv_make(s->details.p, s->details.len);
		s->alerts++;
		rc = fn(&f, payload);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *in_summary(spoor_stage *st)
{
	intel_stage *s = (intel_stage *)st;
	uint64_t ex, nets, pats, rej;
	ioc_index_counts(s->x, &ex, &nets, &pats, &rej);
	snprintf(s->summary, sizeof(s->summary),
		 "%" PRIu64 " events matched against %" PRIu64 " values, %" PRIu64 " networks, %" PRIu64
		 " patterns; %" PRIu64 " alerts, %zu indicators sighted",
		 s->events, ex, nets, pats, s->alerts, s->nsights);
	return s->summary;
}

static void in_free(spoor_stage *st)
{
	intel_stage *s = (intel_stage *)st;
	ioc_index_free(s->x);
	buf_done(&s->js);
	buf_done(&s->details);
	free(s->sidx);
	free(s->sights);
	free(s);
}

static const stage_ops intel_ops = {
    .name = "intel",
    .event = in_event,
    .summary = in_summary,
    .free = in_free,
};

SPOOR_API int spoor_intel_stage_new(spoor_stage **out, spoor_intel *in, spoor_ctx *ctx, spoor_diag *diag)
{
	intel_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	s->base.ops = &intel_ops;
	s->in = in;
	buf_init(&s->js, 1u << 20);
	buf_init(&s->details, 1u << 16);
	int rc = ioc_index_build(&s->x, in, ctx, diag);
	if (rc < 0) {
		buf_done(&s->js);
		buf_done(&s->details);
		free(s);
		return rc;
	}
	*out = &s->base;
	return 0;
}

/* ---- export of sightings ---- */

/* A name-based UUID (RFC 9562 version 5, SHA-1) in the given namespace. */
static void uuid5(const char *ns_uuid, const char *name, size_t n, char out[37])
{
	uint8_t nsb[16] = {0};
	for (int i = 0, j = 0; ns_uuid[i] && j < 16; i++) {
		if (ns_uuid[i] == '-')
			continue;
		int hi = ns_uuid[i] <= '9' ? ns_uuid[i] - '0' : (ns_uuid[i] | 32) - 'a' + 10;
		i++;
		int lo = ns_uuid[i] <= '9' ? ns_uuid[i] - '0' : (ns_uuid[i] | 32) - 'a' + 10;
		nsb[j++] = (uint8_t)(hi * 16 + lo);
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, nsb, 16) &&
	    EVP_DigestUpdate(c, name, n) && EVP_DigestFinal_ex(c, md, &mdl)) {
		/* fine */
	} else {
		memset(md, 0, sizeof(md));
	}
	EVP_MD_CTX_free(c);
	md[6] = (unsigned char)((md[6] & 0x0F) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2],
		 md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

/* STIX's namespace for deterministic ids (STIX 2.1 §2.9) */
#define STIX_NS "00abedb4-aa42-466c-9c01-fed23315a9b7"

static int jstr_member(buf *b, const char *k, spoor_sv v, bool first)
{
	int rc = buf_printf(b, "%s\"%s\":\"", first ? "" : ",", k);
	if (rc == 0)
		rc = buf_add_json_str(b, v.p, v.n);
	if (rc == 0)
		rc = buf_addc(b, '"');
	return rc;
}

static int time_member(buf *b, const char *k, int64_t ns)
{
	char t[48];
	/* STIX timestamps: millisecond precision, 'Z' */
	int64_t ms = ns / 1000000;
	size_t n = time_format(ms * 1000000, t);
	if (!memchr(t, '.', n) && n > 0)
		snprintf(t + n - 1, sizeof(t) - n + 1, ".000Z");
	return buf_printf(b, ",\"%s\":\"%s\"", k, t);
}

/* A STIX pattern for an indicator that came without one. */
static int pattern_of(buf *b, const ioc *a, spoor_sv val)
{
	static const char *const paths[_IOC_MAX] = {
	    "ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value", "email-addr:value",
	    "file:hashes.MD5", "file:hashes.'SHA-1'", "file:hashes.'SHA-256'", "file:hashes.'SHA-512'", "file:name",
	    "file:name", "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
	    "process:command_line", "x509-certificate:serial_number", "x509-certificate:hashes.'SHA-1'",
	};
	const char *op = a->mode == IOC_EXACT ? "=" : "MATCHES";
	int rc = buf_printf(b, "[%s %s '", paths[a->type], op);
	for (size_t i = 0; i < val.n && rc == 0; i++) {
		if (val.p[i] == '\'' || val.p[i] == '\\')
			rc = buf_addc(b, '\\');
		if (rc == 0)
			rc = buf_addc(b, val.p[i]);
	}
	if (rc == 0)
		rc = buf_adds(b, "']");
	return rc;
}

SPOOR_API int spoor_intel_stage_export(spoor_stage *st, const char *format, char **out, size_t *n, spoor_diag *diag)
{
	if (!st || st->ops != &intel_ops)
		return diag_set(diag, SPOOR_EINVAL, "not an intel stage");
	intel_stage *s = (intel_stage *)st;
	const spoor_intel *in = s->in;
	bool stix = !strcmp(format, "stix"), misp = !strcmp(format, "misp"), csv = !strcmp(format, "csv");
	if (!stix && !misp && !csv)
		return diag_set(diag, SPOOR_EINVAL, "unknown sightings format '%s' (stix, misp, csv)", format);
	buf b;
	buf_init(&b, (size_t)1 << 34);
	int64_t latest = INT64_MIN;
	for (size_t i = 0; i < s->nsights; i++)
		latest = MAX(latest, s->sights[i].last);
	if (latest == INT64_MIN)
		latest = (int64_t)time(NULL) * 1000000000;
	int rc = 0;
	if (csv)
		rc = buf_adds(&b, "type,value,indicator_id,provider,count,first_seen,last_seen\n");
	else if (misp)
		rc = buf_adds(&b, "[");
	else {
		char bid[37];
		char seed[64];
		snprintf(seed, sizeof(seed), "spoor-sightings-%zu-%" PRId64, s->nsights, latest);
		uuid5(STIX_NS, seed, strlen(seed), bid);
		rc = buf_printf(&b, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", bid);
	}
	for (size_t i = 0; i < s->nsights && rc == 0; i++) {
		const sight *x = &s->sights[i];
		const iobj *o = &in->objs.v[x->obj];
		const ioc *a = &in->atoms.v[x->atom];
		char vt[80];
		spoor_sv val;
		atom_text(a, vt, sizeof(vt), &val);
		char t1[48] = "", t2[48] = "";
		if (x->first != INT64_MAX) {
			time_format(x->first, t1);
			time_format(x->last, t2);
		}
		if (csv) {
			const spoor_sv cells[4] = {sv_cstr(spoor_intel_type_name(a->type)), val, o->id, o->source};
			for (int c = 0; c < 4 && rc == 0; c++) {
				rc = buf_addc(&b, '"');
				for (size_t k = 0; k < cells[c].n && rc == 0; k++) {
					if (cells[c].p[k] == '"')
						rc = buf_addc(&b, '"');
					if (rc == 0)
						rc = buf_addc(&b, cells[c].p[k]);
				}
				if (rc == 0)
					rc = buf_adds(&b, "\",");
			}
			if (rc == 0)
				rc = buf_printf(&b, "%" PRIu64 ",%s,%s\n", x->count, t1, t2);
			continue;
		}
		if (misp) {
			/* by attribute uuid when the indicator came from MISP, else by value */
			bool from_misp = !strcmp(in->srcs.v[o->src].format, "misp");
			rc = buf_adds(&b, i ? ",\n{" : "\n{");
			if (rc == 0 && from_misp)
				rc = jstr_member(&b, "uuid", o->id, true);
			if (rc == 0)
				rc = jstr_member(&b, "value", val, !from_misp);
			if (rc == 0)
				rc = buf_printf(&b, ",\"type\":\"0\",\"source\":\"spoor\",\"count\":\"%" PRIu64 "\"",
						x->count);
			if (rc == 0 && x->first != INT64_MAX)
				rc = buf_printf(&b, ",\"date_sighting\":\"%" PRId64 "\",\"first_seen\":\"%s\",\"last_seen\":\"%s\"",
						x->last / 1000000000, t1, t2);
			if (rc == 0)
				rc = buf_addc(&b, '}');
			continue;
		}
		/* STIX: the indicator itself when it did not come as STIX */
		char iid[37], sid[37];
		bool has_stix = sv_starts(o->id, "indicator--");
		buf pat;
		buf_init(&pat, 1u << 20);
		rc = has_stix ? buf_add(&pat, o->pattern.p, o->pattern.n) : pattern_of(&pat, a, val);
		char ref[64 + 16];
		if (rc == 0 && has_stix) {
			snprintf(ref, sizeof(ref), "%.*s", (int)MIN(o->id.n, (size_t)60), o->id.p);
		} else if (rc == 0) {
			uuid5(STIX_NS, pat.p, pat.len, iid);
			snprintf(ref, sizeof(ref), "indicator--%s", iid);
			rc = buf_adds(&b, i ? ",\n{" : "\n{");
			if (rc == 0)
				rc = buf_printf(&b, "\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\"", ref);
			if (rc == 0)
				rc = time_member(&b, "created", latest);
			if (rc == 0)
				rc = time_member(&b, "modified", latest);
			if (rc == 0)
				rc = jstr_member(&b, "name", o->id, false);
			if (rc == 0)
				rc = jstr_member(&b, "pattern", sv_make(pat.p, pat.len), false);
			if (rc == 0)
				rc = buf_adds(&b, ",\"pattern_type\":\"stix\"");
			if (rc == 0)
				rc = time_member(&b, "valid_from", o->from != INT64_MIN ? o->from : 0);
			if (rc == 0)
				rc = buf_addc(&b, '}');
		}
		buf_done(&pat);
		if (rc == 0) {
			char seed[256]; /* ref (<= 128) | count | two times */
			snprintf(seed, sizeof(seed), "%s|%" PRIu64 "|%s|%s", ref, x->count, t1, t2);
			uuid5(STIX_NS, seed, strlen(seed), sid);
			rc = buf_adds(&b, (i || !has_stix) ? ",\n{" : "\n{");
		}
		if (rc == 0)
			rc = buf_printf(&b, "\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--%s\"", sid);
		if (rc == 0)
			rc = time_member(&b, "created", latest);
		if (rc == 0)
			rc = time_member(&b, "modified", latest);
		if (rc == 0 && x->first != INT64_MAX)
			rc = time_member(&b, "first_seen", x->first);
		if (rc == 0 && x->first != INT64_MAX)
			rc = time_member(&b, "last_seen", x->last);
		if (rc == 0)
			rc = buf_printf(&b, ",\"count\":%" PRIu64 ",\"sighting_of_ref\":\"%s\"}", MIN(x->count, (uint64_t)999999999),
					ref);
	}
	if (rc == 0 && misp)
		rc = buf_adds(&b, "\n]\n");
	else if (rc == 0 && stix)
		rc = buf_adds(&b, "\n]}\n");
	if (rc < 0) {
		buf_done(&b);
		return diag_set(diag, rc, "out of memory");
	}
	if (!b.p) {
		*out = xstrndup("", 0);
		*n = 0;
		return *out ? 0 : SPOOR_ENOMEM;
	}
	*out = b.p;
	*n = b.len;
	return 0;
}
