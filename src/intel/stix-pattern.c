/* stix-pattern — the STIX 2.1 patterning subset used for indicators of
 * compromise, turned into atoms.
 *
 * A pattern is parsed into a disjunction of conjunctions of comparisons
 * (DNF): comparison-level OR and observation-level OR give alternatives,
 * comparison-level AND gives atoms that must match in one event.  What
 * does not fit a per-event match (observation AND, FOLLOWEDBY, WITHIN /
 * REPEATS / START-STOP qualifiers, NOT, ordering operators, properties
 * spoor has no event field for) is reported as unsupported: the whole
 * pattern when it is structural, else each alternative that has such a
 * comparison.  Nothing is dropped without a record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-int.h"

#define MAXCMP 64 /* comparisons per pattern */
#define MAXALT 64 /* alternatives after expansion */

enum { T_NOOP = -2, T_UNSUP = -1 };

typedef struct cmp {
	int type; /* ioc_type, T_NOOP (type constraint, always true), T_UNSUP */
	ioc_mode mode;
	spoor_sv value; /* decoded */
	spoor_sv text;	/* as written */
	const char *why;
} cmp;

typedef struct dnf {
	uint64_t alt[MAXALT];
	size_t n;
} dnf;

typedef struct pp {
	const char *p, *e, *start;
	cmp c[MAXCMP];
	size_t nc;
	char vbuf[8192]; /* decoded string values */
	char nbuf[NORM_MAX(8192)]; /* normalisation check */
	size_t vlen;
	const char *err; /* parse error (static) */
	const char *structural; /* unsupported structure (static) */
} pp;

static void ws(pp *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool kw(pp *c, const char *w)
{
	ws(c);
	size_t n = strlen(w);
	if ((size_t)(c->e - c->p) < n || strncasecmp(c->p, w, n))
		return false;
	if (c->p + n < c->e) {
		char x = c->p[n];
		if ((x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '_')
			return false;
	}
	c->p += n;
	return true;
}

static bool ch(pp *c, char x)
{
	ws(c);
	if (c->p < c->e && *c->p == x) {
		c->p++;
		return true;
	}
	return false;
}

/* 'quoted' with \' and \\ escapes, decoded into vbuf */
static bool qstr(pp *c, spoor_sv *out)
{
	if (c->p >= c->e || *c->p != '\'')
		return false;
	c->p++;
	size_t start = c->vlen;
	while (c->p < c->e && *c->p != '\'') {
		char x = *c->p++;
		if (x == '\\' && c->p < c->e)
			x = *c->p++;
		if (c->vlen >= sizeof(c->vbuf)) {
			c->err = "string values too long";
			return false;
		}
		c->vbuf[c->vlen++] = x;
	}
	if (c->p >= c->e) {
		c->err = "unterminated string";
		return false;
	}
	c->p++;
	*out = sv_make(c->vbuf + start, c->vlen - start);
	return true;
}

/* Object path: "type:prop.'quoted'.prop[*]" -> "type:prop.quoted.prop[*]" */
static bool objpath(pp *c, char *out, size_t cap)
{
	ws(c);
	size_t o = 0;
	const char *s = c->p;
	while (c->p < c->e && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= '0' && *c->p <= '9') || *c->p == '-' ||
			       (*c->p >= 'A' && *c->p <= 'Z') || *c->p == '_'))
		c->p++;
	if (c->p == s || c->p >= c->e || *c->p != ':' || (size_t)(c->p - s) + 1 >= cap)
		return false;
	memcpy(out, s, (size_t)(c->p - s) + 1);
	o = (size_t)(c->p - s) + 1;
	c->p++;
	bool first = true;
	for (;;) {
		if (!first) {
			if (c->p < c->e && *c->p == '.') {
				c->p++;
				if (o + 1 >= cap)
					return false;
				out[o++] = '.';
			} else if (c->p < c->e && *c->p == '[') {
				const char *rb = memchr(c->p, ']', (size_t)(c->e - c->p));
				if (!rb || o + 4 >= cap)
					return false;
				memcpy(out + o, "[*]", 3);
				o += 3;
				c->p = rb + 1;
				continue;
			} else {
				break;
			}
		}
		first = false;
		if (c->p < c->e && *c->p == '\'') {
			c->p++;
			while (c->p < c->e && *c->p != '\'') {
				if (o + 1 >= cap)
					return false;
				out[o++] = *c->p++;
			}
			if (c->p >= c->e)
				return false;
			c->p++;
		} else {
			const char *k = c->p;
			while (c->p < c->e && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z') ||
					       (*c->p >= '0' && *c->p <= '9') || *c->p == '_' || *c->p == '-'))
				c->p++;
			if (c->p == k || o + (size_t)(c->p - k) >= cap)
				return false;
			memcpy(out + o, k, (size_t)(c->p - k));
			o += (size_t)(c->p - k);
		}
	}
	out[o] = 0;
	return true;
}

static bool ieq(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

/* The atom type of an object path, or T_UNSUP / T_NOOP. */
static int path_type(const char *path, const char **why)
{
	static const struct {
		const char *path;
		int type;
	} map[] = {
	    {"ipv4-addr:value", IOC_IPV4},
	    {"ipv6-addr:value", IOC_IPV6},
	    {"network-traffic:src_ref.value", IOC_IPV4},
	    {"network-traffic:dst_ref.value", IOC_IPV4},
	    {"domain-name:value", IOC_DOMAIN},
	    {"url:value", IOC_URL},
	    {"email-addr:value", IOC_EMAIL},
	    {"email-message:from_ref.value", IOC_EMAIL},
	    {"email-message:sender_ref.value", IOC_EMAIL},
	    {"email-message:to_refs[*].value", IOC_EMAIL},
	    {"email-message:cc_refs[*].value", IOC_EMAIL},
	    {"file:hashes.MD5", IOC_MD5},
	    {"file:hashes.SHA-1", IOC_SHA1},
	    {"file:hashes.SHA1", IOC_SHA1},
	    {"file:hashes.SHA-256", IOC_SHA256},
	    {"file:hashes.SHA256", IOC_SHA256},
	    {"file:hashes.SHA-512", IOC_SHA512},
	    {"file:hashes.SHA512", IOC_SHA512},
	    {"file:name", IOC_FILENAME},
	    {"process:command_line", IOC_CMDLINE},
	    {"network-traffic:extensions.http-request-ext.request_header.User-Agent", IOC_USER_AGENT},
	    {"user-agent:value", IOC_USER_AGENT},
	    {"x-user-agent:value", IOC_USER_AGENT},
	    {"x509-certificate:serial_number", IOC_X509_SERIAL},
	    {"x509-certificate:hashes.SHA-1", IOC_X509_HASH},
	    {"x509-certificate:hashes.SHA1", IOC_X509_HASH},
	    {"x509-certificate:hashes.SHA-256", IOC_X509_HASH},
	    {"x509-certificate:hashes.SHA256", IOC_X509_HASH},
	    {"x509-certificate:hashes.MD5", IOC_X509_HASH},
	    {"network-traffic:src_ref.type", T_NOOP},
	    {"network-traffic:dst_ref.type", T_NOOP},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (ieq(path, map[i].path))
			return map[i].type;
	*why = "property spoor has no event field for";
	return T_UNSUP;
}

/* LIKE ('%' any, '_' one) -> a regex */
static bool like_to_regex(pp *c, spoor_sv v, spoor_sv *out)
{
	size_t start = c->vlen;
	if (c->vlen + 4 * v.n + 3 > sizeof(c->vbuf))
		return false;
	c->vbuf[c->vlen++] = '^';
	for (size_t i = 0; i < v.n; i++) {
		char x = v.p[i];
		if (x == '%') {
			c->vbuf[c->vlen++] = '.';
			c->vbuf[c->vlen++] = '*';
		} else if (x == '_') {
			c->vbuf[c->vlen++] = '.';
		} else {
			if (strchr("\\^$.|?*+()[]{}/", x))
				c->vbuf[c->vlen++] = '\\';
			c->vbuf[c->vlen++] = x;
		}
	}
	c->vbuf[c->vlen++] = '$';
	*out = sv_make(c->vbuf + start, c->vlen - start);
	return true;
}

static bool add_cmp(pp *c, int type, ioc_mode mode, spoor_sv v, const char *s, const char *why, dnf *out)
{
	if (c->nc >= MAXCMP) {
		c->err = "too many comparisons";
		return false;
	}
	cmp *x = &c->c[c->nc];
	x->type = type;
	x->mode = mode;
	x->value = v;
	x->text = sv_make(s, (size_t)(c->p - s));
	x->why = why;
	if (out->n >= MAXALT) {
		c->err = "too many alternatives";
		return false;
	}
	out->alt[out->n++] = 1ull << c->nc;
	c->nc++;
	return true;
}

static bool comp_expr(pp *c, dnf *out);

/* one comparison (possibly IN (...): several alternatives) */
static bool comparison(pp *c, dnf *out)
{
	out->n = 0;
	ws(c);
	const char *s = c->p;
	if (ch(c, '(')) {
		if (!comp_expr(c, out))
			return false;
		if (!ch(c, ')')) {
			c->err = "expected ')'";
			return false;
		}
		return true;
	}
	char path[256];
	if (!objpath(c, path, sizeof(path))) {
		c->err = "expected an object path";
		return false;
	}
	const char *why = NULL;
	int type = path_type(path, &why);
	bool neg = kw(c, "NOT");
	ws(c);
	char op[12] = "";
	static const char *const ops[] = {"!=", "<=", ">=", "=", "<", ">", "ISSUPERSET", "ISSUBSET", "MATCHES", "LIKE", "IN"};
	for (size_t i = 0; i < ARRAY_SIZE(ops) && !op[0]; i++) {
		bool word = ops[i][0] >= 'A';
		if (word ? kw(c, ops[i]) : ((size_t)(c->e - c->p) >= strlen(ops[i]) && !strncmp(c->p, ops[i], strlen(ops[i])))) {
			if (!word)
				c->p += strlen(ops[i]);
			snprintf(op, sizeof(op), "%s", ops[i]);
		}
	}
	if (!op[0]) {
		c->err = "expected a comparison operator";
		return false;
	}
	/* values */
	spoor_sv vals[32];
	size_t nv = 0;
	bool set = !strcmp(op, "IN");
	if (set && !ch(c, '(')) {
		c->err = "expected '(' after IN";
		return false;
	}
	do {
		ws(c);
		if (c->p >= c->e) {
			c->err = "expected a value";
			return false;
		}
		bool quoted = false;
		if ((*c->p == 'h' || *c->p == 'b' || *c->p == 't') && c->p + 1 < c->e && c->p[1] == '\'') {
			c->p++;
			if (type >= 0 || type == T_NOOP) {
				why = "binary, hex or timestamp value";
				type = T_UNSUP;
			}
		}
		if (*c->p == '\'') {
			if (nv == ARRAY_SIZE(vals)) {
				c->err = "too many values in a set";
				return false;
			}
			if (!qstr(c, &vals[nv++]))
				return false;
			quoted = true;
		}
		if (!quoted) {
			const char *k = c->p;
			while (c->p < c->e && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == '-' || *c->p == '+' ||
					       (*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
				c->p++;
			if (c->p == k) {
				c->err = "expected a value";
				return false;
			}
			if (nv == ARRAY_SIZE(vals)) {
				c->err = "too many values in a set";
				return false;
			}
			vals[nv++] = sv_make(k, (size_t)(c->p - k));
			if (type >= 0) {
				why = "number or boolean value";
				type = T_UNSUP;
			}
		}
	} while (set && ch(c, ','));
	if (set && !ch(c, ')')) {
		c->err = "expected ')' after the IN set";
		return false;
	}
	ioc_mode mode = IOC_EXACT;
	if (type >= 0 || type == T_NOOP) {
		if (neg) {
			why = "NOT";
			type = T_UNSUP;
		} else if (!strcmp(op, "=") || set) {
			/* fine */
		} else if (!strcmp(op, "ISSUBSET") && (type == IOC_IPV4 || type == IOC_IPV6)) {
			/* a CIDR: the radix tree */
		} else if ((!strcmp(op, "MATCHES") || !strcmp(op, "LIKE")) && type == IOC_CMDLINE) {
			mode = IOC_REGEX;
			if (op[0] == 'L' && !like_to_regex(c, vals[0], &vals[0])) {
				c->err = "string values too long";
				return false;
			}
		} else {
			why = "operator not supported for this property";
			type = T_UNSUP;
		}
	}
	for (size_t i = 0; i < nv; i++)
		if (!add_cmp(c, type, mode, vals[i], s, why, out))
			return false;
	return true;
}

static bool dnf_and(pp *c, dnf *a, const dnf *b)
{
	dnf r = {.n = 0};
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			if (r.n >= MAXALT) {
				c->err = "too many alternatives";
				return false;
			}
			r.alt[r.n++] = a->alt[i] | b->alt[j];
		}
	*a = r;
	return true;
}

static bool dnf_or(pp *c, dnf *a, const dnf *b)
{
	for (size_t j = 0; j < b->n; j++) {
		if (a->n >= MAXALT) {
			c->err = "too many alternatives";
			return false;
		}
		a->alt[a->n++] = b->alt[j];
	}
	return true;
}

static bool comp_and(pp *c, dnf *out)
{
	if (!comparison(c, out))
		return false;
	while (kw(c, "AND")) {
		dnf r;
		if (!comparison(c, &r) || !dnf_and(c, out, &r))
			return false;
	}
	return true;
}

static bool comp_expr(pp *c, dnf *out)
{
	if (!comp_and(c, out))
		return false;
	while (kw(c, "OR")) {
		dnf r;
		if (!comp_and(c, &r) || !dnf_or(c, out, &r))
			return false;
	}
	return true;
}

static bool obs_expr(pp *c, dnf *out);

/* [ ... ] or ( observation expression ), then qualifiers */
static bool obs_qual(pp *c, dnf *out)
{
	out->n = 0;
	if (ch(c, '[')) {
		if (!comp_expr(c, out))
			return false;
		if (!ch(c, ']')) {
			c->err = "expected ']'";
			return false;
		}
	} else if (ch(c, '(')) {
		if (!obs_expr(c, out))
			return false;
		if (!ch(c, ')')) {
			c->err = "expected ')'";
			return false;
		}
	} else {
		c->err = "expected '[' or '('";
		return false;
	}
	for (;;) {
		if (kw(c, "WITHIN")) {
			c->structural = "WITHIN qualifier (a time window across events)";
		} else if (kw(c, "REPEATS")) {
			c->structural = "REPEATS qualifier (a count across events)";
		} else if (kw(c, "START")) {
			c->structural = "START/STOP qualifier";
		} else if (kw(c, "STOP") || kw(c, "SECONDS") || kw(c, "TIMES")) {
			continue;
		} else {
			ws(c);
			if (c->p < c->e && (*c->p == '\'' || (*c->p >= '0' && *c->p <= '9') || *c->p == 't')) {
				spoor_sv dummy;
				if (*c->p == 't')
					c->p++;
				if (*c->p == '\'') {
					if (!qstr(c, &dummy))
						return false;
				} else {
					while (c->p < c->e && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.'))
						c->p++;
				}
				continue;
			}
			break;
		}
	}
	return true;
}

static bool obs_followed(pp *c, dnf *out)
{
	if (!obs_qual(c, out))
		return false;
	while (kw(c, "FOLLOWEDBY")) {
		c->structural = "FOLLOWEDBY (an order across events)";
		dnf r;
		if (!obs_qual(c, &r) || !dnf_and(c, out, &r))
			return false;
	}
	return true;
}

static bool obs_and(pp *c, dnf *out)
{
	if (!obs_followed(c, out))
		return false;
	while (kw(c, "AND")) {
		c->structural = "AND between observations (several events)";
		dnf r;
		if (!obs_followed(c, &r) || !dnf_and(c, out, &r))
			return false;
	}
	return true;
}

static bool obs_expr(pp *c, dnf *out)
{
	if (!obs_and(c, out))
		return false;
	while (kw(c, "OR")) {
		dnf r;
		if (!obs_and(c, &r) || !dnf_or(c, out, &r))
			return false;
	}
	return true;
}

int stix_pattern_atoms(spoor_intel *in, uint32_t obj, spoor_sv pattern, spoor_sv where)
{
	uint32_t src = in->objs.v[obj].src;
	pp *c = xcalloc(1, sizeof(*c));
	if (!c)
		return SPOOR_ENOMEM;
	c->p = c->start = pattern.p;
	c->e = pattern.p + pattern.n;
	dnf d = {.n = 0};
	int rc = 0;
	bool ok = obs_expr(c, &d);
	if (ok) {
		ws(c);
		if (c->p != c->e) {
			c->err = "trailing text";
			ok = false;
		}
	}
	if (!ok) {
		char why[128];
		snprintf(why, sizeof(why), "pattern syntax: %s at offset %zu", c->err ? c->err : "error",
			 (size_t)(c->p - c->start));
		rc = intel_unsupported(in, src, where, pattern, why);
	} else if (c->structural) {
		rc = intel_unsupported(in, src, where, pattern, c->structural);
	} else {
		/* bit 0: atoms that match alone; AND alternatives take bits from 1 */
		unsigned next_bit = 1;
		for (size_t a = 0; a < d.n && rc >= 0; a++) {
			uint64_t m = d.alt[a];
			const cmp *bad = NULL;
			size_t nterms = 0;
			for (size_t k = 0; k < c->nc; k++) {
				if (!(m & (1ull << k)))
					continue;
				if (c->c[k].type == T_UNSUP && !bad)
					bad = &c->c[k];
				if (c->c[k].type >= 0)
					nterms++;
			}
			if (!bad && !nterms) {
				bad = &c->c[0];
			}
			if (bad) {
				char why[160];
				snprintf(why, sizeof(why), "%s: %.*s", bad->why ? bad->why : "no indicator value",
					 (int)MIN(bad->text.n, 100), bad->text.p);
				rc = intel_unsupported(in, src, where, pattern, why);
				continue;
			}
			if (nterms > 1 && next_bit + nterms > 32) {
				rc = intel_unsupported(in, src, where, pattern, "more than 31 comparisons joined by AND");
				continue;
			}
			/* every term valid first: a half-loaded AND could never complete */
			const cmp *inval = NULL;
			int itype = 0;
			for (size_t k = 0; k < c->nc && !inval; k++) {
				if (!(m & (1ull << k)) || c->c[k].type < 0)
					continue;
				cmp *x = &c->c[k];
				/* dst_ref.value = 'evil.example' is a domain */
				if (x->type == IOC_IPV4 && x->mode == IOC_EXACT) {
					uint8_t ip[16], pl;
					if (norm_ip(x->value, ip, &pl, true) < 0)
						x->type = IOC_DOMAIN;
				}
				if (x->mode == IOC_EXACT && x->type != IOC_IPV4 && x->type != IOC_IPV6 &&
				    (x->value.n > NORM_MAX_IN || x->value.n > sizeof(c->vbuf) ||
				     norm_value((ioc_type)x->type, x->value, c->nbuf) < 0)) {
					inval = x;
					itype = x->type;
				}
			}
			if (inval) {
				char why[160];
				snprintf(why, sizeof(why), "not a valid %s value: %.*s", spoor_intel_type_name((unsigned)itype),
					 (int)MIN(inval->value.n, 100), inval->value.p);
				rc = intel_unsupported(in, src, where, pattern, why);
				continue;
			}
			unsigned first = nterms > 1 ? next_bit : 0;
			uint32_t need = nterms > 1 ? (uint32_t)(((1ull << nterms) - 1) << first) : 1;
			if (nterms > 1)
				next_bit += (unsigned)nterms;
			unsigned term = first;
			for (size_t k = 0; k < c->nc && rc >= 0; k++) {
				if (!(m & (1ull << k)) || c->c[k].type < 0)
					continue;
				const cmp *x = &c->c[k];
				rc = intel_atom_add(in, obj, (ioc_type)x->type, x->mode, x->value, (uint8_t)term, need);
				if (nterms > 1)
					term++;
				if (rc == 1) {
					char why[160];
					snprintf(why, sizeof(why), "not a valid %s value: %.*s",
						 spoor_intel_type_name((unsigned)x->type), (int)MIN(x->value.n, 100), x->value.p);
					rc = intel_unsupported(in, src, where, pattern, why);
					break;
				}
			}
		}
	}
	free(c);
	return rc < 0 ? rc : 0;
}
