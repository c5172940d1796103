/* sigma-corr — Sigma correlation rules: the plan and the windowed state.
 *
 * Semantics (correlation spec v2.1; where it is silent, documented in
 * docs/sigma.md "Correlations"):
 *   - a window is anchored at each entry (a matching event): [t, t + timespan],
 *     both ends inclusive; windows slide over event time, they are not
 *     buckets;
 *   - a window is decided once: when the watermark (highest event time
 *     seen minus the reorder tolerance) has passed its end, when a cap
 *     forces it, or at the end of input;
 *   - when a window's condition holds, one alert is raised and the
 *     window's entries are consumed (the next window starts after them);
 *     otherwise only the anchor is dropped and the next entry anchors;
 *   - events without a timestamp cannot be placed and are counted, not
 *     used; a group-by field an event lacks groups as null.
 *
 * Cost: inserting is O(log n) to find the place plus a memmove when the
 * event is out of order (n <= max_entries); deciding a group is linear in
 * its entries for event_count, value_count, temporal, value_sum and
 * value_avg (incremental aggregates over a sliding window), and
 * O(window) per anchor for temporal_ordered and value_percentile. */
#include "detect/sigma/sigma-corr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/buf.h"
#include "base/timeparse.h"
#include "detect/alert.h"
#include "event/event-int.h"
#include "event/field.h"

/* ------------------------------------------------------------------ plan */

static const char *const type_names[] = {"event_count", "value_count", "temporal",	  "temporal_ordered",
					 "value_sum",	"value_avg",   "value_percentile"};

static int type_num(const char *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
		if (!strcmp(t, type_names[i]))
			return (int)i;
	return -1;
}

static bool refers_to(const sigma_rule *r, const char *ref)
{
	return (r->id && !strcmp(r->id, ref)) || (r->name && !strcmp(r->name, ref));
}

/* The field name for `name` (a group-by entry or condition field) in the
 * events of referenced rule `r` named by `ref`: aliases.name.<rule> when
 * given (the rule's name, id, or the reference as written), else name. */
static const char *alias_field(const sigma_rule *c, const char *name, const sigma_rule *r, const char *ref)
{
	const ynode *al = c->corr.aliases;
	if (!al || al->kind != YN_MAP)
		return name;
	const ynode *m = ynode_get(al, name);
	if (!m || m->kind != YN_MAP)
		return name;
	const char *keys[] = {r->name, r->id, ref};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!keys[i])
			continue;
		const ynode *v = ynode_get(m, keys[i]);
		if (v && v->kind == YN_SCALAR && v->n)
			return v->s;
	}
	return name;
}

void corr_plan_free(corr_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nc; i++)
		free(p->c[i].refs);
	free(p->c);
	free(p->feed_start);
	free(p->feed);
	free(p->flags);
	free(p->why);
	free(p->whybuf);
	free(p);
}

typedef struct pb {
	corr_plan *p;
	sigma_rule *const *rules;
	const bool *ok;
	size_t n;
	int32_t *cidx;	 /* rule -> correlation number (order of appearance), or -1 */
	uint32_t *crule; /* correlation number -> rule */
	size_t ncorr;
	uint32_t **refs; /* per correlation number: resolved rule indices */
	size_t *nrefs;
	uint8_t *state; /* 0 unvisited, 1 visiting, 2 runnable, 3 not runnable */
	uint32_t *order;
	size_t norder;
	buf why;
	size_t *whyoff; /* per rule: offset+1 in why, or 0 */
} pb;

static int set_why(pb *b, uint32_t rule, const char *fmt, ...) PRINTF(3, 4);
static int set_why(pb *b, uint32_t rule, const char *fmt, ...)
{
	if (b->whyoff[rule])
		return 0;
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	b->whyoff[rule] = b->why.len + 1;
	int rc = buf_add(&b->why, tmp, strlen(tmp) + 1);
	return rc;
}

/* Depth-first: is correlation k runnable?  Appends runnable ones to
 * order after everything they reference. */
static int visit(pb *b, size_t k, int depth)
{
	if (b->state[k] == 2 || b->state[k] == 3)
		return 0;
	uint32_t rule = b->crule[k];
	const sigma_rule *r = b->rules[rule];
	if (b->state[k] == 1 || depth > 64) {
		b->state[k] = 3;
		return set_why(b, rule, "correlation references itself (a cycle)");
	}
	b->state[k] = 1;
	bool okk = true;
	int rc = 0;
	for (size_t j = 0; j < b->nrefs[k] && rc == 0; j++) {
		uint32_t t = b->refs[k][j];
		const char *ref = r->corr.rules[j];
		if (t == UINT32_MAX) {
			rc = set_why(b, rule, "correlation references unknown rule '%s'", ref);
			okk = false;
		} else if (b->cidx[t] >= 0) {
			rc = visit(b, (size_t)b->cidx[t], depth + 1);
			if (b->state[b->cidx[t]] != 2) {
				if (rc == 0)
					rc = set_why(b, rule, "correlation references correlation '%s' that cannot run",
						     ref);
				okk = false;
			}
		} else if (b->rules[t]->kind != SIGMA_RULE) {
			rc = set_why(b, rule, "correlation references '%s', a filter", ref);
			okk = false;
		} else if (!b->ok[t]) {
			rc = set_why(b, rule, "correlation references rule '%s' that cannot run", ref);
			okk = false;
		}
	}
	if (b->state[k] == 3)
		okk = false;
	b->state[k] = okk ? 2 : 3;
	if (okk)
		b->order[b->norder++] = (uint32_t)k;
	return rc;
}

static int build_def(pb *b, size_t k, corr_def *d, struct field_table *ft)
{
	uint32_t rule = b->crule[k];
	const sigma_rule *r = b->rules[rule];
	const sigma_corr *c = &r->corr;
	memset(d, 0, sizeof(*d));
	d->rule = rule;
	d->r = r;
	d->type = (uint8_t)type_num(c->type);
	d->span_ns = c->timespan_s * 1000000000LL;
	d->ngb = c->ngroup_by;
	for (size_t g = 0; g < d->ngb; g++)
		d->gb_names[g] = c->group_by[g];
	d->nvf = c->ncond_fields;
	d->nrefs = b->nrefs[k];
	d->refs = xcalloc(d->nrefs + 1, sizeof(*d->refs));
	if (!d->refs)
		return SPOOR_ENOMEM;
	for (size_t j = 0; j < d->nrefs; j++) {
		corr_ref *f = &d->refs[j];
		uint32_t t = b->refs[k][j];
		const sigma_rule *tr = b->rules[t];
		f->rule = t;
		f->corr = -1;
		bool inner = b->cidx[t] >= 0;
		for (size_t g = 0; g < d->ngb; g++) {
			const char *nm = alias_field(r, c->group_by[g], tr, c->rules[j]);
			f->gb_inner[g] = -1;
			if (inner) {
				for (size_t x = 0; x < tr->corr.ngroup_by; x++)
					if (!strcmp(tr->corr.group_by[x], nm))
						f->gb_inner[g] = (int32_t)x;
			} else {
				f->gb_field[g] = field_intern(ft, nm, strlen(nm));
				if (!f->gb_field[g])
					return SPOOR_ENOMEM;
			}
		}
		for (size_t v = 0; v < d->nvf && !inner; v++) {
			const char *nm = alias_field(r, c->cond_fields[v], tr, c->rules[j]);
			f->v_field[v] = field_intern(ft, nm, strlen(nm));
			if (!f->v_field[v])
				return SPOOR_ENOMEM;
		}
	}
	return 0;
}

int corr_plan_build(corr_plan **out, sigma_rule *const *rules, const bool *ok, size_t n, struct field_table *ft,
		    int min_level)
{
	*out = NULL;
	pb b = {0};
	b.rules = rules;
	b.ok = ok;
	b.n = n;
	int rc = SPOOR_ENOMEM;
	corr_plan *p = xcalloc(1, sizeof(*p));
	b.p = p;
	b.cidx = xcalloc(n + 1, sizeof(*b.cidx));
	b.crule = xcalloc(n + 1, sizeof(*b.crule));
	b.whyoff = xcalloc(n + 1, sizeof(*b.whyoff));
	buf_init(&b.why, 16u << 20);
	if (!p || !b.cidx || !b.crule || !b.whyoff)
		goto out;
	p->nrules = n;
	for (size_t i = 0; i < n; i++) {
		b.cidx[i] = -1;
		if (rules[i]->kind == SIGMA_CORRELATION) {
			b.cidx[i] = (int32_t)b.ncorr;
			b.crule[b.ncorr++] = (uint32_t)i;
		}
	}
	b.refs = xcalloc(b.ncorr + 1, sizeof(*b.refs));
	b.nrefs = xcalloc(b.ncorr + 1, sizeof(*b.nrefs));
	b.state = xcalloc(b.ncorr + 1, 1);
	b.order = xcalloc(b.ncorr + 1, sizeof(*b.order));
	p->flags = xcalloc(n + 1, 1);
	p->why = xcalloc(n + 1, sizeof(*p->why));
	p->feed_start = xcalloc(n + 2, sizeof(*p->feed_start));
	if (!b.refs || !b.nrefs || !b.state || !b.order || !p->flags || !p->why || !p->feed_start)
		goto out;
	/* resolve references (by id or name; a detection rule first) */
	rc = 0;
	for (size_t k = 0; k < b.ncorr && rc == 0; k++) {
		const sigma_rule *r = rules[b.crule[k]];
		const sigma_corr *c = &r->corr;
		b.nrefs[k] = c->nrules;
		b.refs[k] = xcalloc(c->nrules + 1, sizeof(uint32_t));
		if (!b.refs[k]) {
			rc = SPOOR_ENOMEM;
			break;
		}
		for (size_t j = 0; j < c->nrules; j++) {
			uint32_t found = UINT32_MAX;
			for (size_t i = 0; i < n && found == UINT32_MAX; i++)
				if (rules[i]->kind == SIGMA_RULE && refers_to(rules[i], c->rules[j]))
					found = (uint32_t)i;
			for (size_t i = 0; i < n && found == UINT32_MAX; i++)
				if (rules[i]->kind == SIGMA_CORRELATION && i != b.crule[k] &&
				    refers_to(rules[i], c->rules[j]))
					found = (uint32_t)i;
			if (found == UINT32_MAX && refers_to(r, c->rules[j]))
				found = b.crule[k]; /* names itself: a cycle */
			b.refs[k][j] = found;
		}
		if (c->nrules > CORR_MAX_REFS)
			rc = set_why(&b, b.crule[k], "correlation names more than %d rules", CORR_MAX_REFS);
		else if (c->ngroup_by > CORR_MAX_GB)
			rc = set_why(&b, b.crule[k], "correlation groups by more than %d fields", CORR_MAX_GB);
		else if (c->ncond_fields > CORR_MAX_VF)
			rc = set_why(&b, b.crule[k], "correlation condition names more than %d fields", CORR_MAX_VF);
		else if (type_num(c->type) < 0)
			rc = set_why(&b, b.crule[k], "unknown correlation type");
		if (b.whyoff[b.crule[k]])
			b.state[k] = 3;
	}
	for (size_t k = 0; k < b.ncorr && rc == 0; k++)
		rc = visit(&b, k, 0);
	if (rc < 0)
		goto out;
	/* the definitions, in dependency order */
	p->c = xcalloc(b.norder + 1, sizeof(*p->c));
	if (!p->c) {
		rc = SPOOR_ENOMEM;
		goto out;
	}
	int32_t *pos = xcalloc(b.ncorr + 1, sizeof(*pos));
	if (!pos) {
		rc = SPOOR_ENOMEM;
		goto out;
	}
	for (size_t o = 0; o < b.norder && rc == 0; o++) {
		size_t k = b.order[o];
		pos[k] = (int32_t)o;
		rc = build_def(&b, k, &p->c[o], ft);
		p->nc = o + 1;
	}
	for (size_t o = 0; o < p->nc && rc == 0; o++)
		for (size_t j = 0; j < p->c[o].nrefs; j++) {
			corr_ref *f = &p->c[o].refs[j];
			if (b.cidx[f->rule] >= 0)
				f->corr = pos[b.cidx[f->rule]];
		}
	free(pos);
	if (rc < 0)
		goto out;
	/* flags: rules correlations need run; generate: false silences them */
	for (size_t o = 0; o < p->nc; o++) {
		const corr_def *d = &p->c[o];
		for (size_t j = 0; j < d->nrefs; j++) {
			p->flags[d->refs[j].rule] |= CORR_RULE_NEEDED;
			if (!d->r->corr.generate)
				p->flags[d->refs[j].rule] |= CORR_RULE_SILENT;
		}
	}
	for (size_t o = 0; o < p->nc; o++) {
		corr_def *d = &p->c[o];
		d->emits = !(p->flags[d->rule] & CORR_RULE_SILENT) && (!min_level || d->r->level_num >= min_level);
	}
	/* feeds, CSR by rule */
	size_t nf = 0;
	for (size_t o = 0; o < p->nc; o++)
		for (size_t j = 0; j < p->c[o].nrefs; j++) {
			p->feed_start[p->c[o].refs[j].rule + 1]++;
			nf++;
		}
	for (size_t i = 0; i < n; i++)
		p->feed_start[i + 1] += p->feed_start[i];
	p->feed = xcalloc(nf + 1, sizeof(*p->feed));
	uint32_t *fill = xcalloc(n + 1, sizeof(*fill));
	if (!p->feed || !fill) {
		free(fill);
		rc = SPOOR_ENOMEM;
		goto out;
	}
	for (size_t o = 0; o < p->nc; o++)
		for (size_t j = 0; j < p->c[o].nrefs; j++) {
			uint32_t rl = p->c[o].refs[j].rule;
			p->feed[p->feed_start[rl] + fill[rl]++] = (corr_feed){(uint32_t)o, (uint32_t)j};
		}
	free(fill);
	/* reasons, owned by the plan */
	if (b.why.len) {
		p->whybuf = xmalloc(b.why.len);
		if (!p->whybuf) {
			rc = SPOOR_ENOMEM;
			goto out;
		}
		memcpy(p->whybuf, b.why.p, b.why.len);
	}
	for (size_t i = 0; i < n; i++)
		if (b.whyoff[i])
			p->why[i] = p->whybuf + b.whyoff[i] - 1;
	rc = 0;
out:
	for (size_t k = 0; b.refs && k < b.ncorr; k++)
		free(b.refs[k]);
	free(b.refs);
	free(b.nrefs);
	free(b.state);
	free(b.order);
	free(b.cidx);
	free(b.crule);
	free(b.whyoff);
	buf_done(&b.why);
	if (rc < 0) {
		corr_plan_free(p);
		return SPOOR_ENOMEM;
	}
	*out = p;
	return 0;
}

/* ----------------------------------------------------------------- state */

typedef struct centry {
	int64_t ts;
	uint64_t seq;  /* arrival number of the event (identity, tie-break) */
	uint64_t vh;   /* hash of the value tuple; 0 = the event has no value */
	double num;    /* numeric value; NAN = none */
	uint64_t mask; /* bit j: matched refs[j] */
	uint64_t off;  /* origin: byte offset */
	uint64_t rec;  /* origin: record id, or line when rec_line */
	uint32_t path; /* origin: index in the path table + 1, 0 = none */
	uint8_t rec_line;
} centry;

typedef struct cgroup {
	char *key; /* group-by values, each "\x01value" or "\x02" (absent), concatenated */
	size_t keyn;
	uint64_t h;
	centry *e;
	size_t n, cap;
	int64_t decided;    /* anchors before this time were decided */
	int32_t hnext;	    /* hash chain */
	int32_t prev, next; /* LRU: most recent at head */
	bool used;
} cgroup;

typedef struct cstate {
	const corr_def *d;
	cgroup *g;
	size_t ng, capg, live;
	int32_t freelist; /* through hnext */
	int32_t *bucket;
	size_t nb;
	int32_t head, tail; /* LRU */
} cstate;

typedef struct vset {
	uint64_t *tab;
	uint32_t *cnt;
	size_t cap, mask;
} vset;

struct corr_state {
	const corr_plan *p;
	corr_limits lim;
	cstate *cs;
	uint64_t seq, chain_seq;
	unsigned nest;	/* > 0 while a decided window feeds chained correlations */
	uint64_t total; /* entries held */
	int64_t maxts, last_sweep;
	int64_t next_due; /* no window closes before this watermark (reorder mode) */
	bool have_ts;
	int64_t min_span;
	corr_counters ct;
	/* interned origin paths */
	char **paths;
	size_t npaths, cappaths;
	/* scratch */
	buf key, js, det;
	/* value multisets, one per nesting level (a decision feeding a
	 * chained correlation decides there with its own) */
	vset *vs;
	size_t nvs;
	double *nums;
	size_t numcap;
	char (*techbuf)[16];
};

static void lru_unlink(cstate *c, int32_t i)
{
	cgroup *g = &c->g[i];
	if (g->prev >= 0)
		c->g[g->prev].next = g->next;
	else
		c->head = g->next;
	if (g->next >= 0)
		c->g[g->next].prev = g->prev;
	else
		c->tail = g->prev;
	g->prev = g->next = -1;
}

static void lru_push(cstate *c, int32_t i)
{
	cgroup *g = &c->g[i];
	g->prev = -1;
	g->next = c->head;
	if (c->head >= 0)
		c->g[c->head].prev = i;
	c->head = i;
	if (c->tail < 0)
		c->tail = i;
}

int corr_state_new(corr_state **out, const corr_plan *p, const corr_limits *lim)
{
	corr_state *s = xcalloc(1, sizeof(*s));
	if (!s)
		return SPOOR_ENOMEM;
	s->p = p;
	s->lim = *lim;
	s->cs = xcalloc(p->nc + 1, sizeof(*s->cs));
	if (!s->cs) {
		free(s);
		return SPOOR_ENOMEM;
	}
	s->min_span = INT64_MAX;
	s->next_due = INT64_MAX;
	for (size_t i = 0; i < p->nc; i++) {
		s->cs[i].d = &p->c[i];
		s->cs[i].head = s->cs[i].tail = s->cs[i].freelist = -1;
		if (p->c[i].span_ns < s->min_span)
			s->min_span = p->c[i].span_ns;
	}
	buf_init(&s->key, 1u << 20);
	buf_init(&s->js, 16u << 20);
	buf_init(&s->det, 1u << 20);
	*out = s;
	return 0;
}

static void group_release(corr_state *s, cstate *c, int32_t i)
{
	cgroup *g = &c->g[i];
	/* unlink from its hash chain */
	int32_t *pp = &c->bucket[g->h & (c->nb - 1)];
	while (*pp != i)
		pp = &c->g[*pp].hnext;
	*pp = g->hnext;
	lru_unlink(c, i);
	s->total -= g->n;
	free(g->key);
	free(g->e);
	memset(g, 0, sizeof(*g));
	g->hnext = c->freelist;
	c->freelist = i;
	c->live--;
}

void corr_state_free(corr_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->p->nc; i++) {
		cstate *c = &s->cs[i];
		for (size_t k = 0; k < c->ng; k++) {
			free(c->g[k].key);
			free(c->g[k].e);
		}
		free(c->g);
		free(c->bucket);
	}
	free(s->cs);
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	buf_done(&s->key);
	buf_done(&s->js);
	buf_done(&s->det);
	for (size_t i = 0; i < s->nvs; i++) {
		free(s->vs[i].tab);
		free(s->vs[i].cnt);
	}
	free(s->vs);
	free(s->nums);
	free(s);
}

void corr_get_counters(const corr_state *s, corr_counters *out)
{
	*out = s->ct;
}

static uint32_t path_index(corr_state *s, const char *path)
{
	if (!path)
		return 0;
	/* origins come file by file: the last path is nearly always it */
	for (size_t i = s->npaths; i > 0 && i + 8 > s->npaths; i--)
		if (!strcmp(s->paths[i - 1], path))
			return (uint32_t)i;
	for (size_t i = 0; i + 8 <= s->npaths; i++)
		if (!strcmp(s->paths[i], path))
			return (uint32_t)i + 1;
	if (s->npaths == s->cappaths) {
		size_t nc = s->cappaths ? s->cappaths * 2 : 16;
		char **v = xreallocarray(s->paths, nc, sizeof(*v));
		if (!v)
			return 0;
		s->paths = v;
		s->cappaths = nc;
	}
	char *c = xstrndup(path, strlen(path));
	if (!c)
		return 0;
	s->paths[s->npaths++] = c;
	return (uint32_t)s->npaths;
}

/* ---- values ---- */

static bool text_of(spoor_event *ev, uint32_t id, spoor_sv *t)
{
	const efield *f = id ? event_find(ev, id) : NULL;
	if (!f || f->type == SPOOR_VT_NULL)
		return false;
	return event_text(ev, f, t);
}

/* A group key: per group-by field, 0x02 (absent) or 0x01, a 4-byte
 * length and the value as written (capped like alert values). */
static int key_add(buf *b, const spoor_sv *v)
{
	if (!v)
		return buf_addc(b, '\x02');
	uint32_t n = (uint32_t)MIN(v->n, (size_t)ALERT_MAX_VALUE);
	int rc = buf_addc(b, '\x01');
	if (rc == 0)
		rc = buf_add(b, (const char *)&n, 4);
	return rc ? rc : buf_add(b, v->p, n);
}

/* The next value of a key: returns the end of it; *v = NULL when absent. */
static const char *key_next(const char *p, const char *end, const char **v, uint32_t *n)
{
	if (p >= end || *p != '\x01' || end - p < 5) {
		*v = NULL;
		*n = 0;
		return p < end ? p + 1 : end;
	}
	memcpy(n, p + 1, 4);
	if (*n > (size_t)(end - p - 5))
		*n = (uint32_t)(end - p - 5);
	*v = p + 5;
	return p + 5 + *n;
}

/* ---- groups ---- */

static int32_t group_get(corr_state *s, cstate *c, const char *key, size_t n, spoor_finding_fn fn, void *payload,
			 int *rc);

static int emit_window(corr_state *s, cstate *c, cgroup *g, size_t lo, size_t hi, double val, size_t extra,
		       spoor_finding_fn fn, void *payload);

/* Value multiset for value_count / value_percentile: open addressing
 * over value hashes (never 0), sized for `want` distinct values; only the
 * part in use is cleared. */
static vset *vset_get(corr_state *s, size_t want, int *rc)
{
	if (s->nest >= s->nvs) {
		vset *v = xreallocarray(s->vs, s->nest + 1, sizeof(*v));
		if (!v) {
			*rc = SPOOR_ENOMEM;
			return NULL;
		}
		memset(v + s->nvs, 0, (s->nest + 1 - s->nvs) * sizeof(*v));
		s->vs = v;
		s->nvs = s->nest + 1;
	}
	vset *v = &s->vs[s->nest];
	size_t cap = 16;
	while (cap < want * 2)
		cap *= 2;
	if (cap > v->cap) {
		uint64_t *t = xreallocarray(v->tab, cap, sizeof(*t));
		if (t)
			v->tab = t;
		uint32_t *k = t ? xreallocarray(v->cnt, cap, sizeof(*k)) : NULL;
		if (!k) {
			*rc = SPOOR_ENOMEM;
			return NULL;
		}
		v->cnt = k;
		v->cap = cap;
	}
	v->mask = cap - 1;
	memset(v->tab, 0, cap * sizeof(*v->tab));
	memset(v->cnt, 0, cap * sizeof(*v->cnt));
	return v;
}

/* count change of value h by d (+1/-1, 0 to read); returns the new count */
static uint32_t vset_add(vset *v, uint64_t h, int d)
{
	size_t m = v->mask, i = (size_t)(h * 0x9E3779B97F4A7C15ull >> 7) & m;
	while (v->tab[i] && v->tab[i] != h)
		i = (i + 1) & m;
	v->tab[i] = h;
	v->cnt[i] = (uint32_t)((int64_t)v->cnt[i] + d);
	return v->cnt[i];
}

static bool cond_holds(const sigma_corr *c, double v, bool temporal, size_t nrefs)
{
	bool any = false;
	for (size_t j = 0; j < 6; j++)
		any |= c->has_cond[j];
	if (!any) /* temporal without condition: every rule */
		return temporal ? v >= (double)nrefs : false;
	if (c->has_cond[0] && !(v > c->cond[0]))
		return false;
	if (c->has_cond[1] && !(v >= c->cond[1]))
		return false;
	if (c->has_cond[2] && !(v < c->cond[2]))
		return false;
	if (c->has_cond[3] && !(v <= c->cond[3]))
		return false;
	if (c->has_cond[4] && !(v == c->cond[4]))
		return false;
	if (c->has_cond[5] && !(v != c->cond[5]))
		return false;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Non-incremental evaluation of window [lo, hi]: temporal_ordered and
 * value_percentile.  *val is the compared value; *extra the index of the
 * entry the value is about (rare value mode), or SIZE_MAX. */
static int eval_window(corr_state *s, const corr_def *d, const cgroup *g, size_t lo, size_t hi, double *val,
		       size_t *extra, bool *hold)
{
	const sigma_corr *c = &d->r->corr;
	*extra = SIZE_MAX;
	if (d->type == CT_TEMPORAL_ORDERED) {
		size_t k = 0;
		for (size_t i = lo; i <= hi && k < d->nrefs; i++)
			if (g->e[i].mask & (1ull << k))
				k++;
		*val = (double)k;
		*hold = cond_holds(c, *val, true, d->nrefs);
		return 0;
	}
	/* value_percentile */
	size_t w = hi - lo + 1;
	if (c->percentile >= 0) {
		if (w > s->numcap) {
			double *v = xreallocarray(s->nums, w, sizeof(*v));
			if (!v)
				return SPOOR_ENOMEM;
			s->nums = v;
			s->numcap = w;
		}
		size_t m = 0;
		for (size_t i = lo; i <= hi; i++)
			if (!isnan(g->e[i].num))
				s->nums[m++] = g->e[i].num;
		if (!m) {
			*hold = false;
			return 0;
		}
		qsort(s->nums, m, sizeof(double), cmp_double);
		/* nearest rank: the smallest value with at least P% of values <= it */
		size_t rank = (size_t)ceil(c->percentile / 100.0 * (double)m);
		*val = s->nums[rank ? rank - 1 : 0];
		*hold = cond_holds(c, *val, false, 0);
		return 0;
	}
	/* rare value mode: a value whose share (percent of the window's
	 * events with a value) meets the condition; the first such value */
	int rc = 0;
	vset *vs = vset_get(s, w, &rc);
	if (!vs)
		return rc;
	size_t m = 0;
	for (size_t i = lo; i <= hi; i++)
		if (g->e[i].vh) {
			vset_add(vs, g->e[i].vh, 1);
			m++;
		}
	*hold = false;
	for (size_t i = lo; i <= hi && m; i++) {
		if (!g->e[i].vh)
			continue;
		uint32_t cnt = vset_add(vs, g->e[i].vh, 0);
		double share = 100.0 * cnt / (double)m;
		if (cond_holds(c, share, false, 0)) {
			*val = share;
			*extra = i;
			*hold = true;
			return 0;
		}
	}
	return 0;
}

/* Decide the windows of group gi anchored before `upto` (closed windows);
 * force_one: decide at least the first anchor.  Fired windows are
 * consumed. */
static int group_decide(corr_state *s, cstate *c, int32_t gi, int64_t upto, bool force_one, spoor_finding_fn fn,
			void *payload)
{
	cgroup *g = &c->g[gi];
	const corr_def *d = c->d;
	const sigma_corr *sc = &d->r->corr;
	size_t n = g->n, i = 0, hi = 0; /* window [i, hi) */
	int rc = 0;
	/* incremental aggregates over [i, hi) */
	size_t cnt = 0, nnum = 0, distinct = 0, present = 0;
	double sum = 0;
	uint32_t refcnt[CORR_MAX_REFS];
	bool incr = d->type != CT_TEMPORAL_ORDERED && d->type != CT_VALUE_PERCENTILE;
	memset(refcnt, 0, sizeof(refcnt));
	vset *vs = NULL; /* value_count: set up when a first window is decided */
	while (i < n && rc == 0) {
		int64_t a = g->e[i].ts;
		int64_t lim;
		bool closed = upto == INT64_MAX ||
			      (upto != INT64_MIN && !__builtin_sub_overflow(upto, d->span_ns, &lim) && a <= lim);
		if (!closed && !(force_one && i == 0))
			break;
		if (hi < i)
			hi = i;
		if (d->type == CT_VALUE_COUNT && !vs && !(vs = vset_get(s, n, &rc)))
			break;
		int64_t dt;
		while (hi < n && !__builtin_sub_overflow(g->e[hi].ts, a, &dt) && dt <= d->span_ns) {
			const centry *e = &g->e[hi];
			cnt++;
			if (!isnan(e->num)) {
				nnum++;
				sum += e->num;
			}
			if (d->type == CT_VALUE_COUNT && e->vh && vset_add(vs, e->vh, 1) == 1)
				distinct++;
			for (size_t j = 0; j < d->nrefs && d->type == CT_TEMPORAL; j++)
				if ((e->mask >> j & 1) && refcnt[j]++ == 0)
					present++;
			hi++;
		}
		double val = 0;
		bool hold = false;
		size_t extra = SIZE_MAX;
		switch (d->type) {
		case CT_EVENT_COUNT:
			val = (double)cnt;
			hold = cond_holds(sc, val, false, 0);
			break;
		case CT_VALUE_COUNT:
			val = (double)distinct;
			hold = cond_holds(sc, val, false, 0);
			break;
		case CT_TEMPORAL:
			val = (double)present;
			hold = cond_holds(sc, val, true, d->nrefs);
			break;
		case CT_VALUE_SUM:
			val = sum;
			hold = nnum && cond_holds(sc, val, false, 0);
			break;
		case CT_VALUE_AVG:
			val = nnum ? sum / (double)nnum : 0;
			hold = nnum && cond_holds(sc, val, false, 0);
			break;
		default:
			rc = eval_window(s, d, g, i, hi - 1, &val, &extra, &hold);
			break;
		}
		if (rc < 0)
			break;
		if (hold) {
			s->ct.alerts++;
			rc = emit_window(s, c, g, i, hi - 1, val, extra, fn, payload);
			g = &c->g[gi]; /* emitting may feed other correlations, never this one */
			/* consume the window: the next one starts after it */
			for (size_t x = i; x < hi && d->type == CT_VALUE_COUNT; x++)
				if (g->e[x].vh)
					vset_add(vs, g->e[x].vh, -1);
			i = hi;
			cnt = nnum = distinct = present = 0;
			sum = 0;
			memset(refcnt, 0, sizeof(refcnt));
			continue;
		}
		/* drop the anchor */
		if (incr) {
			const centry *e = &g->e[i];
			cnt--;
			if (!isnan(e->num)) {
				nnum--;
				sum -= e->num;
			}
			if (d->type == CT_VALUE_COUNT && e->vh && vset_add(vs, e->vh, -1) == 0)
				distinct--;
			for (size_t j = 0; j < d->nrefs && d->type == CT_TEMPORAL; j++)
				if ((e->mask >> j & 1) && --refcnt[j] == 0)
					present--;
		}
		i++;
		if (!incr) {
			/* recomputed per anchor: restart the window at i */
			hi = i;
			cnt = 0;
		}
	}
	if (i) {
		g->decided = g->e[i - 1].ts == INT64_MAX ? INT64_MAX : g->e[i - 1].ts + 1;
		if (i < n)
			memmove(g->e, g->e + i, (n - i) * sizeof(*g->e));
		g->n = n - i;
		s->total -= i;
	}
	return rc;
}

/* The watermark: the highest event time seen minus the tolerance. */
static int64_t watermark(const corr_state *s)
{
	int64_t w;
	return __builtin_sub_overflow(s->maxts, s->lim.reorder_ns, &w) ? INT64_MIN + 1 : w;
}

static int state_grow(cstate *c)
{
	if (c->ng == c->capg) {
		size_t nc = c->capg ? c->capg * 2 : 16;
		cgroup *v = xreallocarray(c->g, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		c->g = v;
		c->capg = nc;
	}
	if (c->live + 1 > c->nb) {
		size_t nb = c->nb ? c->nb * 2 : 64;
		int32_t *b = xreallocarray(c->bucket, nb, sizeof(*b));
		if (!b)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < nb; i++)
			b[i] = -1;
		c->bucket = b;
		c->nb = nb;
		for (size_t i = 0; i < c->ng; i++) {
			cgroup *g = &c->g[i];
			if (!g->used)
				continue;
			g->hnext = b[g->h & (nb - 1)];
			b[g->h & (nb - 1)] = (int32_t)i;
		}
	}
	return 0;
}

/* Decide everything of group gi and free it. */
static int group_evict(corr_state *s, cstate *c, int32_t gi, spoor_finding_fn fn, void *payload)
{
	int rc = group_decide(s, c, gi, INT64_MAX, false, fn, payload);
	group_release(s, c, gi);
	return rc;
}

static int32_t group_get(corr_state *s, cstate *c, const char *key, size_t n, spoor_finding_fn fn, void *payload,
			 int *rc)
{
	uint64_t h = hash_bytes(key, n, 0x5bd1e995);
	if (c->nb)
		for (int32_t i = c->bucket[h & (c->nb - 1)]; i >= 0; i = c->g[i].hnext) {
			cgroup *g = &c->g[i];
			if (g->h == h && g->keyn == n && !memcmp(g->key, key, n)) {
				lru_unlink(c, i);
				lru_push(c, i);
				return i;
			}
		}
	if (c->live >= s->lim.max_groups && c->tail >= 0) {
		s->ct.groups_evicted++;
		if ((*rc = group_evict(s, c, c->tail, fn, payload)) < 0)
			return -1;
	}
	if ((*rc = state_grow(c)) < 0)
		return -1;
	int32_t i;
	if (c->freelist >= 0) {
		i = c->freelist;
		c->freelist = c->g[i].hnext;
	} else {
		i = (int32_t)c->ng++;
	}
	cgroup *g = &c->g[i];
	memset(g, 0, sizeof(*g));
	g->key = xmalloc(n + 1);
	if (!g->key) {
		g->hnext = c->freelist;
		c->freelist = i;
		*rc = SPOOR_ENOMEM;
		return -1;
	}
	memcpy(g->key, key, n);
	g->key[n] = 0;
	g->keyn = n;
	g->h = h;
	g->used = true;
	g->decided = INT64_MIN;
	g->hnext = c->bucket[h & (c->nb - 1)];
	c->bucket[h & (c->nb - 1)] = i;
	lru_push(c, i);
	c->live++;
	return i;
}

/* Insert entry e into correlation ci's group `key` (sorted by time, then
 * arrival). */
static int insert(corr_state *s, size_t ci, const char *key, size_t kn, const centry *e, spoor_finding_fn fn,
		  void *payload)
{
	cstate *c = &s->cs[ci];
	int rc = 0;
	/* the stage-wide bound: free the least recently used group first.
	 * Not while a decision feeds chained correlations: evicting there
	 * could decide another group that feeds again, without end; the
	 * bound is exceeded by at most one entry per chain level meanwhile */
	if (s->total >= s->lim.max_total && !s->nest) {
		cstate *v = c;
		for (size_t k = 0; v->tail < 0 && k < s->p->nc; k++)
			v = &s->cs[k];
		if (v->tail >= 0) {
			s->ct.total_evictions++;
			if ((rc = group_evict(s, v, v->tail, fn, payload)) < 0)
				return rc;
		}
	}
	int32_t gi = group_get(s, c, key, kn, fn, payload, &rc);
	if (gi < 0)
		return rc;
	cgroup *g = &c->g[gi];
	/* the same event, matched by another referenced rule: one entry */
	for (size_t k = g->n; k > 0 && g->e[k - 1].ts >= e->ts; k--)
		if (g->e[k - 1].seq == e->seq) {
			g->e[k - 1].mask |= e->mask;
			return 0;
		}
	if (e->ts < g->decided)
		s->ct.late++;
	if (g->n >= s->lim.max_entries) {
		s->ct.windows_forced++;
		if ((rc = group_decide(s, c, gi, INT64_MIN, true, fn, payload)) < 0)
			return rc;
		g = &c->g[gi];
	}
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 8;
		if (nc > s->lim.max_entries)
			nc = s->lim.max_entries;
		centry *v = xreallocarray(g->e, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		g->e = v;
		g->cap = nc;
	}
	size_t lo = 0, hi = g->n;
	if (hi && g->e[hi - 1].ts > e->ts) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (g->e[mid].ts <= e->ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(g->e + lo + 1, g->e + lo, (g->n - lo) * sizeof(*g->e));
	} else {
		lo = g->n;
	}
	g->e[lo] = *e;
	g->n++;
	if (lo == 0) {
		int64_t due;
		if (!__builtin_add_overflow(e->ts, c->d->span_ns, &due) && due < s->next_due)
			s->next_due = due;
	}
	s->total++;
	s->ct.fed++;
	/* with a reorder tolerance, the windows of this group the watermark
	 * has closed are decided now */
	if (s->lim.reorder_ns >= 0 && s->have_ts)
		rc = group_decide(s, c, gi, watermark(s), false, fn, payload);
	return rc;
}

/* Feed one (event or inner alert) of reference j into correlation ci. */
static int feed_one(corr_state *s, size_t ci, size_t j, spoor_event *ev, const char *inner_key, size_t inner_kn,
		    const centry *inner, spoor_finding_fn fn, void *payload)
{
	const corr_def *d = s->cs[ci].d;
	const corr_ref *f = &d->refs[j];
	buf *k = &s->key;
	buf_clear(k);
	int rc = 0;
	centry e;
	memset(&e, 0, sizeof(e));
	e.num = NAN;
	e.mask = 1ull << j;
	if (ev) {
		for (size_t g = 0; g < d->ngb && rc == 0; g++) {
			spoor_sv t;
			rc = key_add(k, text_of(ev, f->gb_field[g], &t) ? &t : NULL);
		}
		if (rc < 0)
			return rc;
		/* the value tuple */
		uint64_t h = 0x9ae16a3b2f90404full;
		bool have = d->nvf > 0;
		for (size_t v = 0; v < d->nvf; v++) {
			spoor_sv t;
			if (!text_of(ev, f->v_field[v], &t)) {
				have = false;
				break;
			}
			h = hash_bytes(t.p, t.n, h + v);
			if (d->nvf == 1) {
				double x;
				if (sigma_parse_num(t.p, t.n, &x) && isfinite(x))
					e.num = x;
			}
		}
		e.vh = have ? (h ? h : 1) : 0;
		e.ts = ev->ts;
		e.seq = s->seq;
		e.off = ev->origin.offset;
		e.rec = ev->origin.record_id ? ev->origin.record_id : ev->origin.line;
		e.rec_line = !ev->origin.record_id && ev->origin.line;
		e.path = path_index(s, ev->origin.path);
	} else {
		/* an inner correlation's alert: its group values by name */
		const char *vals[CORR_MAX_GB + 1];
		uint32_t lens[CORR_MAX_GB + 1];
		size_t nv = 0;
		const char *p = inner_key, *end = inner_key + inner_kn;
		while (p < end && nv < CORR_MAX_GB) {
			p = key_next(p, end, &vals[nv], &lens[nv]);
			nv++;
		}
		for (size_t g = 0; g < d->ngb && rc == 0; g++) {
			int32_t x = f->gb_inner[g];
			spoor_sv t;
			bool have = x >= 0 && (size_t)x < nv && vals[x];
			if (have)
				t = sv_make(vals[x], lens[x]);
			rc = key_add(k, have ? &t : NULL);
		}
		if (rc < 0)
			return rc;
		e.ts = inner->ts;
		e.seq = ++s->chain_seq | (1ull << 63);
		e.off = inner->off;
		e.rec = inner->rec;
		e.rec_line = inner->rec_line;
		e.path = inner->path;
	}
	/* the key is copied: deciding windows on the way (a cap) may feed
	 * chained correlations, which reuse s->key */
	char *kc = xmalloc(k->len + 1);
	if (!kc)
		return SPOOR_ENOMEM;
	if (k->len)
		memcpy(kc, k->p, k->len);
	rc = insert(s, ci, kc, k->len, &e, fn, payload);
	free(kc);
	return rc;
}

int corr_feed_event(corr_state *s, uint32_t rule, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	const corr_plan *p = s->p;
	if (rule >= p->nrules || p->feed_start[rule] == p->feed_start[rule + 1])
		return 0;
	if (!ev->has_ts) {
		s->ct.no_time++;
		return 0;
	}
	if (!s->have_ts || ev->ts > s->maxts) {
		s->maxts = ev->ts;
		s->have_ts = true;
	}
	int rc = 0;
	for (uint32_t k = p->feed_start[rule]; k < p->feed_start[rule + 1] && rc == 0; k++)
		rc = feed_one(s, p->feed[k].corr, p->feed[k].ref, ev, NULL, 0, NULL, fn, payload);
	return rc;
}

static int sweep(corr_state *s, int64_t upto, spoor_finding_fn fn, void *payload)
{
	int rc = 0;
	int64_t due = INT64_MAX;
	for (size_t ci = 0; ci < s->p->nc && rc == 0; ci++) {
		cstate *c = &s->cs[ci];
		for (size_t gi = 0; gi < c->ng && rc == 0; gi++) {
			if (!c->g[gi].used)
				continue;
			rc = group_decide(s, c, (int32_t)gi, upto, false, fn, payload);
			/* at the end, a group left empty holds nothing worth
			 * keeping; during the run it keeps its decided time (late
			 * events are counted) until the group cap evicts it */
			if (rc == 0 && upto == INT64_MAX && c->g[gi].used && !c->g[gi].n)
				group_release(s, c, (int32_t)gi);
			int64_t d;
			if (rc == 0 && c->g[gi].used && c->g[gi].n &&
			    !__builtin_add_overflow(c->g[gi].e[0].ts, c->d->span_ns, &d) && d < due)
				due = d;
		}
	}
	s->next_due = due;
	return rc;
}

int corr_after_event(corr_state *s, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	s->seq++; /* the next event */
	if (s->lim.reorder_ns < 0 || !ev->has_ts)
		return 0;
	if (!s->have_ts || ev->ts > s->maxts) {
		s->maxts = ev->ts;
		s->have_ts = true;
	}
	/* sweep every group when the watermark moved by an eighth of the
	 * shortest timespan (groups just fed were decided on insert) */
	int64_t w = watermark(s);
	int64_t step = s->min_span / 8 > 0 ? s->min_span / 8 : 1;
	int64_t moved;
	if (w < s->next_due || (s->last_sweep && !__builtin_sub_overflow(w, s->last_sweep, &moved) && moved < step))
		return 0;
	s->last_sweep = w;
	return sweep(s, w, fn, payload);
}

int corr_finish(corr_state *s, spoor_finding_fn fn, void *payload)
{
	/* inner correlations come first in the plan: their alerts are fed to
	 * the outer ones before those are decided */
	return sweep(s, INT64_MAX, fn, payload);
}

/* ---- alerts ---- */

static int origin_json(corr_state *s, buf *b, const centry *e)
{
	int rc = buf_addc(b, '{');
	bool first = true;
	if (rc == 0 && e->path) {
		const char *p = s->paths[e->path - 1];
		rc = buf_adds(b, "\"log.file.path\":");
		if (rc == 0)
			rc = json_str(b, p, strlen(p));
		first = false;
	}
	if (rc == 0)
		rc = buf_adds(b, first ? "\"log.offset\":" : ",\"log.offset\":");
	if (rc == 0)
		rc = buf_add_u64(b, e->off);
	if (rc == 0 && e->rec) {
		rc = buf_adds(b, e->rec_line ? ",\"spoor.line\":" : ",\"spoor.record_id\":");
		if (rc == 0)
			rc = buf_add_u64(b, e->rec);
	}
	if (rc == 0)
		rc = buf_adds(b, ",\"@timestamp\":");
	if (rc == 0) {
		char ts[40];
		size_t tl = time_format(e->ts, ts);
		rc = json_str(b, ts, tl);
	}
	return rc ? rc : buf_addc(b, '}');
}

static int num_json(buf *b, double v)
{
	char t[64];
	if (v == floor(v) && fabs(v) < 9e15)
		snprintf(t, sizeof(t), "%.0f", v);
	else
		snprintf(t, sizeof(t), "%.6g", v);
	return buf_adds(b, t);
}

static int emit_window(corr_state *s, cstate *c, cgroup *g, size_t lo, size_t hi, double val, size_t extra,
		       spoor_finding_fn fn, void *payload)
{
	const corr_def *d = c->d;
	const sigma_rule *r = d->r;
	/* copy what the alert needs: feeding outer correlations may move
	 * nothing of this group, but the key buffer is shared */
	centry last = g->e[hi];
	char *key = g->key;
	size_t kn = g->keyn;
	int rc = 0;
	if (d->emits) {
		alert_attack att;
		alert_attack_from_tags(&att, (const char *const *)r->tags, r->ntags);
		spoor_finding f = {
		    .rule_id = r->id,
		    .rule_name = r->title,
		    .ruleset = "sigma",
		    .level = (spoor_level)r->level_num,
		    .techniques = att.tech,
		    .ntechniques = att.ntech,
		    .tactics = att.tactic,
		    .ntactics = att.ntactic,
		    .ts = g->e[hi].ts,
		    .ev = NULL,
		};
		buf *b = &s->js, *dt = &s->det;
		buf_clear(dt);
		rc = alert_begin(b, &f, r->path);
		if (rc == 0)
			rc = alert_cstr(b, "spoor.correlation.type", type_names[d->type]);
		if (rc == 0)
			rc = buf_adds(dt, type_names[d->type]);
		/* group-by values */
		if (rc == 0 && d->ngb) {
			rc = alert_raw(b, "spoor.correlation.group", "{", 1);
			const char *p = key, *end = key + kn;
			for (size_t gb = 0; gb < d->ngb && rc == 0 && p < end; gb++) {
				const char *v;
				uint32_t vn;
				p = key_next(p, end, &v, &vn);
				if (gb)
					rc = buf_addc(b, ',');
				if (rc == 0)
					rc = json_str(b, d->gb_names[gb], strlen(d->gb_names[gb]));
				if (rc == 0)
					rc = buf_addc(b, ':');
				if (rc == 0)
					rc = v ? json_str(b, v, vn) : buf_adds(b, "null");
				if (rc == 0)
					rc = buf_adds(dt, " \xC2\xA6 ");
				if (rc == 0)
					rc = buf_adds(dt, d->gb_names[gb]);
				if (rc == 0)
					rc = buf_adds(dt, ": ");
				if (rc == 0 && v)
					rc = buf_add(dt, v, MIN((size_t)vn, (size_t)512));
			}
			if (rc == 0)
				rc = buf_addc(b, '}');
		}
		if (rc == 0)
			rc = alert_raw(b, "spoor.correlation.value", "", 0);
		if (rc == 0)
			rc = num_json(b, val);
		if (rc == 0) {
			char t[64];
			snprintf(t, sizeof(t), " \xC2\xA6 value: %.6g \xC2\xA6 events: %zu", val, hi - lo + 1);
			rc = buf_adds(dt, t);
		}
		if (rc == 0 && d->nvf)
			rc = alert_cstr(b, "spoor.correlation.field", r->corr.cond_field);
		if (rc == 0 && extra != SIZE_MAX) {
			rc = alert_raw(b, "spoor.correlation.value_origin", "", 0);
			if (rc == 0)
				rc = origin_json(s, b, &g->e[extra]);
		}
		if (rc == 0)
			rc = alert_u64(b, "spoor.correlation.events", hi - lo + 1);
		if (rc == 0)
			rc = alert_time(b, "spoor.correlation.window.start", g->e[lo].ts);
		if (rc == 0)
			rc = alert_time(b, "spoor.correlation.window.end", g->e[hi].ts);
		if (rc == 0)
			rc = alert_u64(b, "spoor.correlation.timespan_s", (uint64_t)r->corr.timespan_s);
		if (rc == 0)
			rc = alert_raw(b, "related", "[", 1);
		size_t shown = 0;
		for (size_t i = lo; i <= hi && rc == 0 && shown < s->lim.max_related; i++, shown++) {
			if (shown)
				rc = buf_addc(b, ',');
			if (rc == 0)
				rc = origin_json(s, b, &g->e[i]);
		}
		if (rc == 0)
			rc = buf_addc(b, ']');
		if (rc == 0 && hi - lo + 1 > shown)
			rc = alert_u64(b, "spoor.correlation.related_omitted", hi - lo + 1 - shown);
		if (rc == 0)
			rc = alert_end(b);
		if (rc < 0)
			return rc;
		f.details = (spoor_sv){dt->p, dt->len};
		f.json = (spoor_sv){b->p, b->len};
		rc = fn(&f, payload);
		if (rc < 0)
			return rc;
	}
	/* chaining: the alert is an event of every correlation naming this one */
	const corr_plan *p = s->p;
	uint32_t rule = d->rule;
	if (p->feed_start[rule] == p->feed_start[rule + 1])
		return 0;
	char *kc = xmalloc(kn + 1);
	if (!kc)
		return SPOOR_ENOMEM;
	memcpy(kc, key, kn);
	s->nest++;
	for (uint32_t k = p->feed_start[rule]; k < p->feed_start[rule + 1] && rc == 0; k++) {
		last.mask = 1ull << p->feed[k].ref;
		rc = feed_one(s, p->feed[k].corr, p->feed[k].ref, NULL, kc, kn, &last, fn, payload);
	}
	s->nest--;
	free(kc);
	return rc;
}
