/* csv — indicator tables (CSV with a header naming a type and a value
 * column, or headerless `type,value[,source,group,first_seen,last_seen,
 * confidence]`), plain lists (one indicator per line, type guessed) and
 * lists of STIX patterns (one per line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-int.h"

enum { C_TYPE, C_VALUE, C_SOURCE, C_GROUP, C_FAMILY, C_FIRST, C_LAST, C_CONF, C_NOTE, C_ID, _C_MAX };

#define MAXCOLS 64

typedef struct rec {
	spoor_sv f[MAXCOLS];
	size_t n;
} rec;

/* The end of an unquoted field: the first ',' or '\n' from p[i], eight
 * bytes at a time (a large feed is tens of megabytes of short fields). */
static size_t field_end(const char *p, size_t i, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		uint64_t a = w ^ (ones * ','), b = w ^ (ones * '\n');
		/* a zero byte of a or b: the lowest flagged byte is the first one */
		uint64_t z = ((a - ones) & ~a & high) | ((b - ones) & ~b & high);
		if (z)
			return i + ((unsigned)__builtin_ctzll(z) >> 3);
		i += 8;
	}
#endif
	while (i < n && p[i] != ',' && p[i] != '\n')
		i++;
	return i;
}

/* One RFC 4180 record from p[*pos]; quoted fields are unquoted into tmp
 * (capacity >= the record's length).  Returns false at the end. */
static bool next_record(const char *p, size_t n, size_t *pos, char *tmp, rec *r, uint64_t *line)
{
	size_t i = *pos, t = 0;
	r->n = 0;
	if (i >= n)
		return false;
	for (;;) {
		spoor_sv f;
		if (i < n && p[i] == '"') {
			size_t s = t;
			i++;
			while (i < n) {
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"') {
						tmp[t++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (p[i] == '\n')
					(*line)++;
				tmp[t++] = p[i++];
			}
			/* text after the closing quote up to the separator is kept */
			while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r')
				tmp[t++] = p[i++];
			f = sv_make(tmp + s, t - s);
		} else {
			size_t s = i;
			i = field_end(p, i, n);
			size_t e = i;
			if (e > s && p[e - 1] == '\r')
				e--;
			f = sv_make(p + s, e - s);
		}
		if (r->n < MAXCOLS)
			r->f[r->n++] = f;
		if (i < n && p[i] == '\r')
			i++;
		if (i >= n || p[i] == '\n') {
			if (i < n)
				i++;
			(*line)++;
			break;
		}
		i++; /* ',' */
	}
	*pos = i;
	return true;
}

static int col_of(spoor_sv h)
{
	static const struct {
		const char *n;
		int c;
	} names[] = {
	    {"type", C_TYPE},	       {"indicator_type", C_TYPE}, {"ioc_type", C_TYPE},   {"value", C_VALUE},
	    {"indicator", C_VALUE},    {"ioc", C_VALUE},	   {"source", C_SOURCE},   {"provider", C_SOURCE},
	    {"group", C_GROUP},	       {"actor", C_GROUP},	   {"threat_actor", C_GROUP}, {"intrusion_set", C_GROUP},
	    {"family", C_FAMILY},      {"malware", C_FAMILY},	   {"software", C_FAMILY}, {"first_seen", C_FIRST},
	    {"valid_from", C_FIRST},   {"last_seen", C_LAST},	   {"valid_until", C_LAST}, {"expiration", C_LAST},
	    {"confidence", C_CONF},    {"note", C_NOTE},	   {"comment", C_NOTE},	   {"description", C_NOTE},
	    {"id", C_ID},	       {"uuid", C_ID},
	};
	h = sv_trim(h);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (sv_ieq_cstr(h, names[i].n))
			return names[i].c;
	return -1;
}

static spoor_sv first_line(const char *p, size_t n, size_t *pos)
{
	size_t i = *pos;
	while (i < n) {
		size_t s = i;
		while (i < n && p[i] != '\n')
			i++;
		spoor_sv l = sv_trim(sv_make(p + s, i - s));
		if (i < n)
			i++;
		if (l.n && l.p[0] != '#') {
			*pos = i;
			return l;
		}
	}
	*pos = i;
	return SPOOR_SV_NULL;
}

static bool looks_pattern(spoor_sv l)
{
	return l.n > 4 && (l.p[0] == '[' || l.p[0] == '(') && memchr(l.p, ':', l.n) && memchr(l.p, ']', l.n);
}

/* a plain-list line: the value before any " #" comment */
static spoor_sv list_value(spoor_sv l)
{
	for (size_t i = 1; i < l.n; i++)
		if (l.p[i] == '#' && (l.p[i - 1] == ' ' || l.p[i - 1] == '\t'))
			return sv_trim(sv_make(l.p, i));
	return l;
}

int csv_detect(const char *p, size_t n)
{
	size_t pos = 0;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		pos = 3;
	spoor_sv l = first_line(p, n, &pos);
	if (!l.n || memchr(l.p, 0, l.n))
		return 0;
	if (looks_pattern(l))
		return 3;
	if (memchr(l.p, ',', l.n)) {
		bool ty = false, va = false;
		size_t s = 0;
		for (size_t i = 0; i <= l.n; i++) {
			if (i == l.n || l.p[i] == ',') {
				spoor_sv f = sv_make(l.p + s, i - s);
				if (f.n && f.p[0] == '"' && f.n >= 2)
					f = sv_make(f.p + 1, f.n - 2);
				int c = col_of(f);
				ty |= c == C_TYPE;
				va |= c == C_VALUE;
				s = i + 1;
			}
		}
		if (ty && va)
			return 1;
		/* headerless: the first field is a type name */
		ioc_mode m;
		const char *comma = memchr(l.p, ',', l.n);
		if (intel_type_from_name(sv_make(l.p, (size_t)(comma - l.p)), &m) != -1)
			return 1;
		return 0;
	}
	/* a plain list: the first lines are all indicators */
	/* a plain list: the first line and most of the first 20 are indicators
	 * (the others are reported when loading) */
	pos = 0;
	int good = 0, all = 0;
	for (int k = 0; k < 20; k++) {
		l = first_line(p, n, &pos);
		if (!l.n)
			break;
		bool ok = intel_type_guess(list_value(l)) >= 0;
		if (!ok && k == 0)
			return 0;
		good += ok;
		all++;
	}
	return all && 2 * good >= all + 1 ? 2 : 0;
}

static spoor_sv base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return sv_cstr(s ? s + 1 : path);
}

static spoor_sv row_where(char *out, size_t n, uint64_t line)
{
	snprintf(out, n, "line %llu", (unsigned long long)line);
	return sv_cstr(out);
}

/* The types named in a table's type column, resolved once each: a large
 * feed repeats a handful of names (direct-mapped by length and letters). */
typedef struct type_memo {
	struct {
		char name[24];
		uint8_t len;
		int8_t type;
		uint8_t mode;
	} s[32];
} type_memo;

static int type_of(type_memo *m, spoor_sv name, ioc_mode *mode)
{
	if (!name.n || name.n >= sizeof(m->s[0].name))
		return intel_type_from_name(name, mode);
	size_t k = (name.n * 7u + (unsigned char)name.p[0] * 3u + (unsigned char)name.p[name.n - 1]) & 31;
	if (m->s[k].len == name.n && !memcmp(m->s[k].name, name.p, name.n)) {
		*mode = (ioc_mode)m->s[k].mode;
		return m->s[k].type;
	}
	int t = intel_type_from_name(name, mode);
	memcpy(m->s[k].name, name.p, name.n);
	m->s[k].len = (uint8_t)name.n;
	m->s[k].type = (int8_t)t;
	m->s[k].mode = (uint8_t)*mode;
	return t;
}

/* sv_trim, without the call for the usual field that has nothing to trim */
static spoor_sv trim_field(spoor_sv f)
{
	if (!f.n || ((unsigned char)f.p[0] > ' ' && (unsigned char)f.p[f.n - 1] > ' '))
		return f;
	return sv_trim(f);
}

static int row(spoor_intel *in, uint32_t src, spoor_sv bn, const int *cols, const rec *r, uint64_t line,
	       type_memo *tm)
{
	/* "line N" for a row that is reported, formatted only then (this runs
	 * a million times for a large feed) */
	char where[64];
	spoor_sv f[_C_MAX];
	for (int c = 0; c < _C_MAX; c++)
		f[c] = cols[c] >= 0 && (size_t)cols[c] < r->n ? trim_field(r->f[cols[c]]) : SPOOR_SV_NULL;
	if (!f[C_VALUE].n) {
		in->srcs.v[src].bad++;
		return intel_unsupported(in, src, row_where(where, sizeof(where), line), f[C_TYPE], "row without a value");
	}
	ioc_mode mode;
	int t = f[C_TYPE].n ? type_of(tm, f[C_TYPE], &mode) : intel_type_guess(f[C_VALUE]);
	if (!f[C_TYPE].n)
		mode = IOC_EXACT;
	if (t == -2)
		t = hash_type_by_len(f[C_VALUE].n);
	if (t < 0) {
		char why[96];
		snprintf(why, sizeof(why), "indicator type '%.*s' spoor does not match", (int)MIN(f[C_TYPE].n, 40),
			 f[C_TYPE].p);
		return intel_unsupported(in, src, row_where(where, sizeof(where), line), f[C_VALUE], why);
	}
	uint32_t k;
	int rc = intel_obj_new(in, src, &k);
	if (rc < 0)
		return rc;
	iobj *o = &in->objs.v[k];
	char idb[96];
	size_t il = 0;
	if (!f[C_ID].n) {
		/* "<file>:<line>" without snprintf */
		il = MIN(bn.n, 60);
		memcpy(idb, bn.p, il);
		idb[il++] = ':';
		char dg[24];
		size_t nd = 0;
		uint64_t v = line;
		do {
			dg[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (nd)
			idb[il++] = dg[--nd];
	}
	/* an empty note takes no copy; the source repeats row after row */
	if (!intel_strdup(in, f[C_ID].n ? f[C_ID] : sv_make(idb, il), &o->id) ||
	    (f[C_NOTE].n && !intel_strdup(in, sv_make(f[C_NOTE].p, MIN(f[C_NOTE].n, 512)), &o->name)) ||
	    !intel_intern(in, f[C_SOURCE].n ? f[C_SOURCE] : bn, &o->source))
		return SPOOR_ENOMEM;
	if (!f[C_NOTE].n)
		o->name = sv_make("", 0);
	int64_t ts;
	if (intel_time(f[C_FIRST], &ts))
		o->from = ts;
	if (intel_time(f[C_LAST], &ts))
		o->until = ts;
	int64_t c;
	if (f[C_CONF].n && sv_to_i64(f[C_CONF], &c) && c >= 0 && c <= 100)
		o->confidence = (uint8_t)c;
	rc = intel_atom_add(in, k, (ioc_type)t, mode, f[C_VALUE], 0, 1);
	if (rc == 1) {
		char why[96];
		snprintf(why, sizeof(why), "not a valid %s value", spoor_intel_type_name((unsigned)t));
		rc = intel_unsupported(in, src, row_where(where, sizeof(where), line), f[C_VALUE], why);
	}
	if (rc == 0)
		rc = intel_name_ref(in, k, ENT_GROUP, f[C_GROUP]);
	if (rc == 0)
		rc = intel_name_ref(in, k, ENT_MALWARE, f[C_FAMILY]);
	return rc;
}

static int load_table(spoor_intel *in, uint32_t src, const char *p, size_t n)
{
	char *tmp = xmalloc(n + 1);
	if (!tmp)
		return SPOOR_ENOMEM;
	size_t pos = 0;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		pos = 3;
	uint64_t line = 0;
	rec r;
	int cols[_C_MAX];
	for (int c = 0; c < _C_MAX; c++)
		cols[c] = -1;
	/* header or not */
	size_t save = pos;
	uint64_t save_line = line;
	while (next_record(p, n, &pos, tmp, &r, &line) && (r.n == 1 && (!sv_trim(r.f[0]).n || r.f[0].p[0] == '#'))) {
		save = pos;
		save_line = line;
	}
	bool header = false;
	for (size_t i = 0; i < r.n; i++) {
		int c = col_of(r.f[i]);
		if (c >= 0 && cols[c] < 0) {
			cols[c] = (int)i;
			header |= c == C_TYPE || c == C_VALUE;
		}
	}
	if (!header) {
		static const int def[] = {C_TYPE, C_VALUE, C_SOURCE, C_GROUP, C_FIRST, C_LAST, C_CONF};
		for (int c = 0; c < _C_MAX; c++)
			cols[c] = -1;
		for (size_t i = 0; i < ARRAY_SIZE(def); i++)
			cols[def[i]] = (int)i;
		pos = save;
		line = save_line;
	}
	int rc = 0;
	spoor_sv bn = base_name(in->srcs.v[src].path);
	type_memo tm = {0};
	while (rc == 0 && next_record(p, n, &pos, tmp, &r, &line)) {
		if (r.n == 1 && (!sv_trim(r.f[0]).n || r.f[0].p[0] == '#'))
			continue;
		rc = row(in, src, bn, cols, &r, line, &tm);
	}
	free(tmp);
	return rc;
}

static int load_lines(spoor_intel *in, uint32_t src, const char *p, size_t n, bool patterns)
{
	size_t i = 0;
	uint64_t line = 0;
	int rc = 0;
	spoor_sv bn = base_name(in->srcs.v[src].path);
	while (i < n && rc == 0) {
		size_t s = i;
		while (i < n && p[i] != '\n')
			i++;
		line++;
		spoor_sv l = sv_trim(sv_make(p + s, i - s));
		if (i < n)
			i++;
		if (line == 1 && l.n >= 3 && !memcmp(l.p, "\xEF\xBB\xBF", 3))
			l = sv_trim(sv_make(l.p + 3, l.n - 3));
		if (!l.n || l.p[0] == '#')
			continue;
		char idb[96];
		snprintf(idb, sizeof(idb), "%.*s:%llu", (int)MIN(bn.n, 60), bn.p, (unsigned long long)line);
		int t = -1;
		if (!patterns) {
			l = list_value(l);
			t = intel_type_guess(l);
			if (t < 0) {
				in->srcs.v[src].bad++;
				rc = intel_unsupported(in, src, sv_cstr(idb), l, "not an indicator spoor recognises");
				continue;
			}
		}
		uint32_t k;
		rc = intel_obj_new(in, src, &k);
		if (rc < 0)
			break;
		iobj *o = &in->objs.v[k];
		if (!intel_strdup(in, sv_cstr(idb), &o->id) || !intel_strdup(in, bn, &o->source)) {
			rc = SPOOR_ENOMEM;
			break;
		}
		if (patterns) {
			if (!intel_strdup(in, l, &o->pattern)) {
				rc = SPOOR_ENOMEM;
				break;
			}
			rc = stix_pattern_atoms(in, k, o->pattern, o->id);
		} else {
			rc = intel_atom_add(in, k, (ioc_type)t, IOC_EXACT, l, 0, 1);
			if (rc == 1)
				rc = intel_unsupported(in, src, sv_cstr(idb), l, "not a valid value");
		}
	}
	return rc;
}

int csv_load(spoor_intel *in, uint32_t src, const char *p, size_t n, spoor_diag *diag)
{
	int kind = csv_detect(p, n);
	int rc = kind == 1 ? load_table(in, src, p, n) : load_lines(in, src, p, n, kind == 3);
	if (rc < 0)
		return diag_set(diag, rc, "%s: %s", in->srcs.v[src].path,
				rc == SPOOR_ELIMIT ? "more indicators than the limit (intel max_indicators)"
						   : "out of memory");
	return 0;
}
