/* sigma-logsource — which events a rule's logsource selects.
 *
 * A rule's logsource resolves to a selector: one group of alternatives
 * for the service and one for the category (both must hold when the rule
 * names both); an event passes a group when one alternative holds.  An
 * alternative is a conjunction on the event: its product, its service or
 * Windows channel, its category, and up to LS_MAX_CONDS field = value
 * tests (EventID, EventType, process.name ...).
 *
 *   service S  -> channels of S (LS_SVC) or events whose own service is S
 *                 (one alternative); one per LS_EVSVC row.
 *   category C -> one per LS_CAT row (the row's service channels plus
 *                 EventID / EventType) and per LS_EVCAT row; or, when no
 *                 row maps C, events whose own category is C.
 *   product P  -> every alternative requires the event's product to be P,
 *                 unless a row names the event product itself.
 *
 * Rows come from logsources.def and from a user map file (YAML, see
 * sigma_lsmap_load), the file's rows first.  A rule with none of the
 * three selects nothing (reported as such). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

#define LS_MAX_CONDS 4
#define LS_MAX_CHANS 8
#define LS_MAX_ALTS  24

typedef struct ls_row {
	bool is_cat;
	const char *product; /* rule product ("" = any) */
	const char *name;    /* rule service or category */
	/* the events it selects (NULL = no test) */
	const char *ev_product, *ev_service, *ev_category, *channel;
	const char *via; /* LS_CAT: the service whose channels apply */
	const char *cf[LS_MAX_CONDS], *cv[LS_MAX_CONDS];
} ls_row;

typedef struct ls_field_row {
	const char *scope, *rule_field, *event_field;
} ls_field_row;

typedef struct ls_feed_row {
	const char *product, *service, *category, *channel, *formats;
} ls_feed_row;

static const ls_row builtin_rows[] = {
#define LS_SVC(p, s, c) {.product = p, .name = s, .channel = c},
#define LS_CAT(p, c, e, s, t)                                                                                          \
	{.is_cat = true, .product = p, .name = c, .via = s, .cf = {"EventID", "EventType"}, .cv = {#e, t}},
#define LS_EVSVC(p, s, ep, es, f, v)                                                                                   \
	{.product = p, .name = s, .ev_product = ep, .ev_service = es, .cf = {f}, .cv = {v}},
#define LS_EVCAT(p, c, ep, es, f, v)                                                                                   \
	{.is_cat = true, .product = p, .name = c, .ev_product = ep, .ev_service = es, .cf = {f}, .cv = {v}},
#define LS_FIELD(c, a, b)
#define LS_FEED(p, s, c, ch, f)
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_EVSVC
#undef LS_EVCAT
#undef LS_FIELD
#undef LS_FEED
};

static const ls_field_row builtin_fields[] = {
#define LS_SVC(p, s, c)
#define LS_CAT(p, c, e, s, t)
#define LS_EVSVC(p, s, ep, es, f, v)
#define LS_EVCAT(p, c, ep, es, f, v)
#define LS_FIELD(c, a, b) {c, a, b},
#define LS_FEED(p, s, c, ch, f)
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_EVSVC
#undef LS_EVCAT
#undef LS_FIELD
#undef LS_FEED
};

static const ls_feed_row feed_rows[] = {
#define LS_SVC(p, s, c)
#define LS_CAT(p, c, e, s, t)
#define LS_EVSVC(p, s, ep, es, f, v)
#define LS_EVCAT(p, c, ep, es, f, v)
#define LS_FIELD(c, a, b)
#define LS_FEED(p, s, c, ch, f) {p, s, c, ch, f},
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_EVSVC
#undef LS_EVCAT
#undef LS_FIELD
#undef LS_FEED
};

/* A user map file's rows (sigma_lsmap_load); strings live in ar. */
struct sigma_lsmap {
	arena ar;
	ls_row *rows;
	size_t n, cap;
	ls_field_row *fields;
	size_t nf, capf;
	bool replace; /* the built-in rows are not used */
};

/* Row i of the map's rows followed by the built-in ones. */
static const ls_row *row_at(const sigma_lsmap *m, size_t i)
{
	size_t nu = m ? m->n : 0;
	if (i < nu)
		return &m->rows[i];
	i -= nu;
	if (m && m->replace)
		return NULL;
	return i < ARRAY_SIZE(builtin_rows) ? &builtin_rows[i] : NULL;
}

static const ls_field_row *field_row_at(const sigma_lsmap *m, size_t i)
{
	size_t nu = m ? m->nf : 0;
	if (i < nu)
		return &m->fields[i];
	i -= nu;
	if (m && m->replace)
		return NULL;
	return i < ARRAY_SIZE(builtin_fields) ? &builtin_fields[i] : NULL;
}

/* Interned logsources (sigma_ls_cache): one entry per (product, service,
 * category) as the resolver compares them (ASCII case folded, absent apart
 * from empty), for one map and one field table. */
typedef struct ls_entry {
	uint64_t h;
	const char *key; /* the folded key (kn bytes) */
	size_t kn;
	const sigma_lsmap *m;
	const struct field_table *ft;
	/* the first rule's strings, copied: the selector points at them */
	const char *product, *service, *category;
	const ls_field_row **frows; /* LS_FIELD rows in scope, in order */
	size_t nfrows;
	ls_sel *sel; /* NULL until resolved */
} ls_entry;

struct sigma_ls_cache {
	arena ar;
	ls_entry **slots; /* open addressing; NULL = empty */
	size_t cap, n;
	ls_entry **all; /* in insertion order, for freeing */
	size_t nall, capall;
};

static bool field_scope(const ls_field_row *fr, const char *category, const char *service)
{
	return (category && !strcasecmp(fr->scope, category)) || (service && !strcasecmp(fr->scope, service));
}

static const ls_entry *cache_get(sigma_ls_cache *c, const sigma_rule *r);

uint32_t sigma_ls_alt_field(const sigma_rule *r, const char *field, struct field_table *ft)
{
	if ((!r->category && !r->service) || !field)
		return 0;
	/* the rows of the rule's logsource, found once per logsource */
	const ls_entry *e = r->lscache ? cache_get(r->lscache, r) : NULL;
	if (e) {
		for (size_t i = 0; i < e->nfrows; i++) {
			const ls_field_row *fr = e->frows[i];
			if (!strcmp(fr->rule_field, field))
				return field_intern(ft, fr->event_field, strlen(fr->event_field));
		}
		return 0;
	}
	const ls_field_row *fr;
	for (size_t i = 0; (fr = field_row_at(r->lsmap, i)); i++)
		if (field_scope(fr, r->category, r->service) && !strcmp(fr->rule_field, field))
			return field_intern(ft, fr->event_field, strlen(fr->event_field));
	return 0;
}

typedef struct ls_cond {
	uint32_t field;
	const char *val; /* "*" = present */
} ls_cond;

typedef struct ls_alt {
	const char *product;  /* event product (NULL = any) */
	const char *service;  /* event service, or one of chans (NULL and no chans = any) */
	const char *category; /* event category (NULL = any) */
	const char *chans[LS_MAX_CHANS];
	size_t nchans;
	ls_cond cond[LS_MAX_CONDS];
	size_t ncond;
} ls_alt;

/* The alternatives of a group (in ls_sel's allocation). */
typedef struct ls_group {
	const ls_alt *alts;
	size_t n;
} ls_group;

struct ls_sel {
	bool has_svc, has_cat, prod_only;
	bool shared; /* owned by a sigma_ls_cache: sigma_ls_free leaves it */
	const char *product;
	ls_group svc, cat;
	ls_alt v[]; /* svc's alternatives, then cat's */
};

/* A selector being built: the groups at their most. */
typedef struct ls_build {
	ls_alt alts[LS_MAX_ALTS];
	size_t n;
} ls_build;

static bool sv_ieq_c(spoor_sv a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && !strncasecmp(a.p, b, n);
}

static bool prod_ok(const char *rowp, const char *rulep)
{
	return !rulep || !rowp || !*rowp || !strcasecmp(rowp, rulep);
}

/* The channels of service `name` (LS_SVC rows, and channel rows of a map). */
static void chans_of(const sigma_lsmap *m, ls_alt *a, const char *name, const char *product)
{
	const ls_row *r;
	for (size_t i = 0; (r = row_at(m, i)) && a->nchans < LS_MAX_CHANS; i++)
		if (!r->is_cat && r->channel && !r->ev_product && !r->ev_service && !r->cf[0] &&
		    !strcasecmp(r->name, name) && prod_ok(r->product, product))
			a->chans[a->nchans++] = r->channel;
}

static void add_conds(ls_alt *a, const ls_row *r, struct field_table *ft)
{
	for (size_t k = 0; k < LS_MAX_CONDS && a->ncond < LS_MAX_CONDS; k++) {
		if (!r->cf[k] || !r->cv[k])
			continue;
		uint32_t id =
		    !strcmp(r->cf[k], "EventID") ? F_WIN_EVENT_ID : field_intern(ft, r->cf[k], strlen(r->cf[k]));
		if (!id)
			continue;
		a->cond[a->ncond++] = (ls_cond){id, r->cv[k]};
	}
}

static ls_alt *group_push(ls_build *g)
{
	if (g->n == LS_MAX_ALTS)
		return NULL;
	ls_alt *a = &g->alts[g->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

/* An event-logsource row as an alternative. */
static void alt_from_row(ls_alt *a, const ls_row *r, const char *product, struct field_table *ft, const sigma_lsmap *m)
{
	a->product = r->ev_product && *r->ev_product ? r->ev_product : product;
	if (r->via) {
		a->service = r->via;
		chans_of(m, a, r->via, product);
	} else if (r->ev_service && strcmp(r->ev_service, "*")) {
		a->service = r->ev_service;
	}
	if (r->channel && a->nchans < LS_MAX_CHANS)
		a->chans[a->nchans++] = r->channel;
	a->category = r->ev_category;
	add_conds(a, r, ft);
}

/* Resolve (product, service, category) against map m into a new selector
 * (exactly sized); NULL on out-of-memory. */
static ls_sel *resolve(const sigma_lsmap *m, const char *product, const char *service, const char *category,
		       struct field_table *ft)
{
	ls_build *b = xcalloc(2, sizeof(*b));
	if (!b)
		return NULL;
	ls_build *svc = &b[0], *cat = &b[1];
	const ls_row *row;
	if (service) {
		/* the channels of the service, or the event says it is the service */
		ls_alt *a = group_push(svc);
		a->product = product;
		a->service = service;
		chans_of(m, a, service, product);
		for (size_t i = 0; (row = row_at(m, i)); i++) {
			if (row->is_cat || strcasecmp(row->name, service) || !prod_ok(row->product, product))
				continue;
			if (row->channel && !row->ev_product && !row->ev_service && !row->cf[0])
				continue; /* a channel row: in the first alternative */
			if (!(a = group_push(svc)))
				break;
			alt_from_row(a, row, product, ft, m);
		}
	}
	if (category) {
		for (size_t i = 0; (row = row_at(m, i)); i++) {
			if (!row->is_cat || strcasecmp(row->name, category) || !prod_ok(row->product, product))
				continue;
			/* a Windows category row (LS_CAT) needs the rule to say windows */
			if (!product && row->via && row->product && *row->product)
				continue;
			ls_alt *a = group_push(cat);
			if (!a)
				break;
			alt_from_row(a, row, product, ft, m);
		}
		/* the event names the category itself (W3C: webserver) */
		ls_alt *a = group_push(cat);
		if (a) {
			a->product = product;
			a->category = category;
		}
	}
	ls_sel *s = xcalloc(1, sizeof(*s) + (svc->n + cat->n) * sizeof(ls_alt));
	if (s) {
		s->product = product;
		s->prod_only = !service && !category;
		s->has_svc = service != NULL;
		s->has_cat = category != NULL;
		memcpy(s->v, svc->alts, svc->n * sizeof(ls_alt));
		memcpy(s->v + svc->n, cat->alts, cat->n * sizeof(ls_alt));
		s->svc = (ls_group){s->v, svc->n};
		s->cat = (ls_group){s->v + svc->n, cat->n};
	}
	free(b);
	return s;
}

/* ---- interning ---- */

sigma_ls_cache *sigma_ls_cache_new(void)
{
	sigma_ls_cache *c = xcalloc(1, sizeof(*c));
	if (c)
		arena_init(&c->ar, 16384, 0);
	return c;
}

sigma_ls_cache *sigma_ls_cache_free(sigma_ls_cache *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->nall; i++)
		free(c->all[i]->sel);
	free(c->all);
	free(c->slots);
	arena_done(&c->ar);
	free(c);
	return NULL;
}

size_t sigma_ls_cache_count(const sigma_ls_cache *c)
{
	return c ? c->n : 0;
}

/* One part of the folded key: 0 for absent, else 1, the ASCII-lowered
 * text and a NUL (strings hold no NUL). */
static size_t key_part(char *out, const char *s)
{
	if (!s) {
		out[0] = 0;
		return 1;
	}
	size_t n = 0;
	out[n++] = 1;
	for (; *s; s++) {
		char ch = *s;
		out[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
	}
	out[n++] = 0;
	return n;
}

static char *cache_strdup(sigma_ls_cache *c, const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *r = arena_memdup(&c->ar, s, strlen(s));
	if (!r)
		*oom = true;
	return r;
}

static int cache_grow(sigma_ls_cache *c)
{
	size_t nc = c->cap ? c->cap * 2 : 256;
	ls_entry **v = xcalloc(nc, sizeof(*v));
	if (!v)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		ls_entry *e = c->slots[i];
		if (!e)
			continue;
		size_t k = (size_t)e->h & (nc - 1);
		while (v[k])
			k = (k + 1) & (nc - 1);
		v[k] = e;
	}
	free(c->slots);
	c->slots = v;
	c->cap = nc;
	return 0;
}

static ls_entry *cache_add(sigma_ls_cache *c, const sigma_rule *r, uint64_t h, const char *key, size_t kn);

/* The entry of r's logsource, made on first use; NULL on out-of-memory. */
static const ls_entry *cache_get(sigma_ls_cache *c, const sigma_rule *r)
{
	ls_entry *e = NULL;
	size_t need = 3 + (r->product ? strlen(r->product) + 1 : 0) + (r->service ? strlen(r->service) + 1 : 0) +
		      (r->category ? strlen(r->category) + 1 : 0);
	char small[512];
	char *key = need <= sizeof(small) ? small : xmalloc(need);
	if (!key)
		return NULL;
	size_t kn = key_part(key, r->product);
	kn += key_part(key + kn, r->service);
	kn += key_part(key + kn, r->category);
	uint64_t h = hash_bytes(key, kn, (uint64_t)(uintptr_t)r->lsmap);
	if (c->cap) {
		for (size_t k = (size_t)h & (c->cap - 1); c->slots[k]; k = (k + 1) & (c->cap - 1)) {
			ls_entry *x = c->slots[k];
			if (x->h == h && x->kn == kn && x->m == r->lsmap && !memcmp(x->key, key, kn)) {
				e = x;
				break;
			}
		}
	}
	if (!e && c->n + 1 > c->cap / 2 && cache_grow(c) < 0)
		goto out;
	if (!e && c->nall == c->capall) {
		size_t nc = c->capall ? c->capall * 2 : 256;
		ls_entry **v = xreallocarray(c->all, nc, sizeof(*v));
		if (!v)
			goto out;
		c->all = v;
		c->capall = nc;
	}
	if (!e)
		e = cache_add(c, r, h, key, kn);
out:
	if (key != small)
		free(key);
	return e;
}

/* A new entry for r's logsource (the table has room); NULL on
 * out-of-memory. */
static ls_entry *cache_add(sigma_ls_cache *c, const sigma_rule *r, uint64_t h, const char *key, size_t kn)
{
	bool oom = false;
	ls_entry *e = arena_alloc(&c->ar, sizeof(*e));
	char *k = e ? arena_memdup(&c->ar, key, kn) : NULL;
	if (!e || !k)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->key = k;
	e->kn = kn;
	e->m = r->lsmap;
	e->product = cache_strdup(c, r->product, &oom);
	e->service = cache_strdup(c, r->service, &oom);
	e->category = cache_strdup(c, r->category, &oom);
	/* the field rows in scope of the category or the service */
	const ls_field_row *fr;
	size_t nf = 0;
	for (size_t i = 0; (fr = field_row_at(r->lsmap, i)); i++)
		nf += field_scope(fr, e->category, e->service);
	if (nf && (e->frows = arena_alloc(&c->ar, nf * sizeof(*e->frows))))
		for (size_t i = 0; (fr = field_row_at(r->lsmap, i)); i++)
			if (field_scope(fr, e->category, e->service))
				e->frows[e->nfrows++] = fr;
	if (oom || (nf && !e->frows))
		return NULL;
	size_t s = (size_t)h & (c->cap - 1);
	while (c->slots[s])
		s = (s + 1) & (c->cap - 1);
	c->slots[s] = e;
	c->n++;
	c->all[c->nall++] = e;
	return e;
}

int sigma_ls_resolve(sigma_rule *r, struct field_table *ft, const ls_sel **out, const char **why)
{
	*out = NULL;
	*why = NULL;
	if (!r->product && !r->service && !r->category) {
		*why = "logsource has no product, category or service";
		return 0;
	}
	if (!r->lscache) {
		ls_sel *s = resolve(r->lsmap, r->product, r->service, r->category, ft);
		if (!s)
			return SPOOR_ENOMEM;
		*out = s;
		return 0;
	}
	ls_entry *e = (ls_entry *)cache_get(r->lscache, r);
	if (!e)
		return SPOOR_ENOMEM;
	if (e->sel && e->ft != ft) /* another field table: not shared */
		e = NULL;
	if (!e) {
		ls_sel *s = resolve(r->lsmap, r->product, r->service, r->category, ft);
		if (!s)
			return SPOOR_ENOMEM;
		*out = s;
		return 0;
	}
	if (!e->sel) {
		e->sel = resolve(e->m, e->product, e->service, e->category, ft);
		if (!e->sel)
			return SPOOR_ENOMEM;
		e->sel->shared = true;
		e->ft = ft;
	}
	*out = e->sel;
	return 0;
}

void sigma_ls_free(ls_sel *sel)
{
	if (sel && !sel->shared)
		free(sel);
}

static bool cond_ok(spoor_event *ev, const ls_cond *c)
{
	const efield *f = event_find(ev, c->field);
	if (!f || f->type == SPOOR_VT_NULL)
		return false;
	if (!strcmp(c->val, "*"))
		return true;
	spoor_sv t;
	if (!event_text(ev, f, &t))
		return false;
	t = sv_trim(t);
	int64_t a, b;
	if (sv_to_i64(t, &a) && sv_to_i64(sv_cstr(c->val), &b))
		return a == b;
	return sv_ieq_c(t, c->val);
}

static bool alt_ok(const ls_alt *a, spoor_event *ev)
{
	const spoor_logsource *ls = &ev->ls;
	if (a->product && !sv_ieq_c(ls->product, a->product))
		return false;
	if (a->service || a->nchans) {
		bool ok = a->service && ls->service.n && sv_ieq_c(ls->service, a->service);
		for (size_t i = 0; !ok && ls->channel.n && i < a->nchans; i++)
			ok = sv_ieq_c(ls->channel, a->chans[i]);
		if (!ok)
			return false;
	}
	if (a->category && !(ls->category.n && sv_ieq_c(ls->category, a->category)))
		return false;
	for (size_t i = 0; i < a->ncond; i++)
		if (!cond_ok(ev, &a->cond[i]))
			return false;
	return true;
}

static bool group_ok(const ls_group *g, spoor_event *ev)
{
	for (size_t i = 0; i < g->n; i++)
		if (alt_ok(&g->alts[i], ev))
			return true;
	return false;
}

bool sigma_ls_match(const ls_sel *s, spoor_event *ev)
{
	if (s->prod_only)
		return sv_ieq_c(ev->ls.product, s->product);
	if (s->has_svc && !group_ok(&s->svc, ev))
		return false;
	if (s->has_cat && !group_ok(&s->cat, ev))
		return false;
	return true;
}

static size_t group_conds(const ls_group *g, uint32_t *out, size_t n, size_t max)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->alts[i].ncond; k++) {
			uint32_t f = g->alts[i].cond[k].field;
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = out[j] == f;
			if (dup)
				continue;
			if (n == max)
				return max + 1;
			out[n++] = f;
		}
	return n;
}

size_t sigma_ls_cond_fields(const ls_sel *s, uint32_t *out, size_t n, size_t max)
{
	if (!s)
		return n;
	n = group_conds(&s->svc, out, n, max);
	if (n > max)
		return n;
	return group_conds(&s->cat, out, n, max);
}

/* ---- coverage: can any format spoor reads satisfy the selector? ---- */

static bool feed_eq(const char *feed, const char *want)
{
	return !strcmp(feed, "*") || !strcasecmp(feed, want);
}

static bool alt_fed(const ls_alt *a, const ls_feed_row *f)
{
	if (a->product && strcasecmp(f->product, a->product))
		return false;
	if (a->service || a->nchans) {
		/* a feed whose service comes from the data ("*": Zeek's log type,
		 * the M365 workload) covers a service only of the product named */
		bool ok = a->service && *f->service &&
			  (strcmp(f->service, "*") ? !strcasecmp(f->service, a->service) : a->product != NULL);
		for (size_t i = 0; !ok && *f->channel && i < a->nchans; i++)
			ok = feed_eq(f->channel, a->chans[i]);
		if (!ok)
			return false;
	}
	if (a->category && !(*f->category && feed_eq(f->category, a->category)))
		return false;
	return true;
}

static const char *group_fed(const ls_group *g)
{
	for (size_t k = 0; k < ARRAY_SIZE(feed_rows); k++)
		for (size_t i = 0; i < g->n; i++)
			if (alt_fed(&g->alts[i], &feed_rows[k]))
				return feed_rows[k].formats;
	return NULL;
}

const char *sigma_ls_fed(const ls_sel *s)
{
	if (!s)
		return NULL;
	if (s->prod_only) {
		for (size_t k = 0; k < ARRAY_SIZE(feed_rows); k++)
			if (!strcasecmp(feed_rows[k].product, s->product))
				return feed_rows[k].formats;
		return NULL;
	}
	const char *a = s->has_svc ? group_fed(&s->svc) : NULL;
	const char *b = s->has_cat ? group_fed(&s->cat) : NULL;
	if ((s->has_svc && !a) || (s->has_cat && !b))
		return NULL;
	return a ? a : b;
}

/* ---- user map files ---- */

static const char *ystr(const ynode *n)
{
	return n && n->kind == YN_SCALAR && !ynode_is_null(n) ? n->s : NULL;
}

static int map_err(spoor_diag *d, const char *path, const ynode *n, const char *msg)
{
	diag_set(d, SPOOR_EPARSE, "%s:%u:%u: %s", path, n ? n->line : 1, n ? n->col : 1, msg);
	if (d) {
		d->line = n ? n->line : 1;
		d->col = n ? n->col : 1;
	}
	return SPOOR_EPARSE;
}

static int push_row(sigma_lsmap *m, const ls_row *r)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 32;
		ls_row *v = xreallocarray(m->rows, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		m->rows = v;
		m->cap = nc;
	}
	m->rows[m->n++] = *r;
	return 0;
}

static int push_field(sigma_lsmap *m, const char *scope, const char *a, const char *b)
{
	if (m->nf == m->capf) {
		size_t nc = m->capf ? m->capf * 2 : 32;
		ls_field_row *v = xreallocarray(m->fields, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		m->fields = v;
		m->capf = nc;
	}
	m->fields[m->nf++] = (ls_field_row){scope, a, b};
	return 0;
}

/* One entry of `services:` or `categories:`. */
static int load_entry(sigma_lsmap *m, const ynode *e, bool is_cat, const char *path, spoor_diag *d)
{
	if (e->kind != YN_MAP)
		return map_err(d, path, e, "an entry is a map: product, service/category, events, fields");
	const char *key = is_cat ? "category" : "service";
	const char *name = ystr(ynode_get(e, key));
	if (!name)
		return map_err(d, path, e, is_cat ? "entry without 'category'" : "entry without 'service'");
	const char *product = ystr(ynode_get(e, "product"));
	for (size_t i = 0; i < e->nkv; i += 2) {
		const char *k = e->kv[i]->s;
		if (strcmp(k, "product") && strcmp(k, key) && strcmp(k, "events") && strcmp(k, "fields"))
			return map_err(d, path, e->kv[i], "unknown key (product, service/category, events, fields)");
	}
	const ynode *evs = ynode_get(e, "events");
	size_t nev = !evs ? 0 : evs->kind == YN_SEQ ? evs->nkv : 1;
	for (size_t j = 0; j < nev; j++) {
		const ynode *x = evs->kind == YN_SEQ ? evs->kv[j] : evs;
		if (x->kind != YN_MAP)
			return map_err(d, path, x,
				       "an event selection is a map: product, service, category, channel, "
				       "fields");
		ls_row r = {.is_cat = is_cat, .product = product, .name = name};
		r.ev_product = ystr(ynode_get(x, "product"));
		r.ev_service = ystr(ynode_get(x, "service"));
		r.ev_category = ystr(ynode_get(x, "category"));
		r.channel = ystr(ynode_get(x, "channel"));
		const ynode *fs = ynode_get(x, "fields");
		for (size_t i = 0; i < x->nkv; i += 2) {
			const char *k = x->kv[i]->s;
			if (strcmp(k, "product") && strcmp(k, "service") && strcmp(k, "category") &&
			    strcmp(k, "channel") && strcmp(k, "fields"))
				return map_err(d, path, x->kv[i],
					       "unknown key (product, service, category, channel, fields)");
		}
		if (fs) {
			if (fs->kind != YN_MAP || fs->nkv / 2 > LS_MAX_CONDS)
				return map_err(d, path, fs, "'fields' is a map of at most 4 field: value tests");
			for (size_t i = 0; i < fs->nkv; i += 2) {
				const char *v = ystr(fs->kv[i + 1]);
				if (!v)
					return map_err(d, path, fs->kv[i + 1],
						       "a field test's value is a string or number");
				r.cf[i / 2] = fs->kv[i]->s;
				r.cv[i / 2] = v;
			}
		}
		if (!r.ev_product && !r.ev_service && !r.ev_category && !r.channel && !r.cf[0])
			return map_err(d, path, x, "an empty event selection would select every event");
		int rc = push_row(m, &r);
		if (rc < 0)
			return rc;
	}
	const ynode *fm = ynode_get(e, "fields");
	if (fm) {
		if (fm->kind != YN_MAP)
			return map_err(d, path, fm, "'fields' is a map: rule field: event field");
		for (size_t i = 0; i < fm->nkv; i += 2) {
			const char *v = ystr(fm->kv[i + 1]);
			if (!v)
				return map_err(d, path, fm->kv[i + 1], "an event field name is a string");
			int rc = push_field(m, name, fm->kv[i]->s, v);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int sigma_lsmap_load(sigma_lsmap **out, const char *path, const char *text, size_t len, spoor_diag *diag)
{
	*out = NULL;
	sigma_lsmap *m = xcalloc(1, sizeof(*m));
	if (!m)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	arena_init(&m->ar, 4096, SIGMA_MAX_FILE * 4u);
	ydoc *docs;
	size_t nd;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = sigma_yaml_parse(&m->ar, text, len, &docs, &nd, &d);
	if (rc < 0) {
		diag_set(diag, rc, "%s:%u:%u: %s", path, (unsigned)d.line, d.col, d.msg);
		if (diag) {
			diag->line = d.line;
			diag->col = d.col;
		}
		sigma_lsmap_free(m);
		return rc;
	}
	const ynode *root = nd == 1 ? docs[0].root : NULL;
	if (!root || root->kind != YN_MAP) {
		unsigned line = nd ? docs[0].line : 1;
		sigma_lsmap_free(m);
		diag_set(diag, SPOOR_EPARSE, "%s:%u:1: a logsource map is one YAML map (replace, services, categories)",
			 path, line);
		if (diag) {
			diag->line = line;
			diag->col = 1;
		}
		return SPOOR_EPARSE;
	}
	for (size_t i = 0; i < root->nkv && rc == 0; i += 2) {
		const ynode *k = root->kv[i], *v = root->kv[i + 1];
		if (!strcmp(k->s, "replace")) {
			const char *b = ystr(v);
			if (!b || (strcmp(b, "true") && strcmp(b, "false")))
				rc = map_err(diag, path, v, "'replace' is true or false");
			else
				m->replace = !strcmp(b, "true");
		} else if (!strcmp(k->s, "services") || !strcmp(k->s, "categories")) {
			if (v->kind != YN_SEQ) {
				rc = map_err(diag, path, v, "a list of entries");
				break;
			}
			for (size_t j = 0; j < v->nkv && rc == 0; j++)
				rc = load_entry(m, v->kv[j], k->s[0] == 'c', path, diag);
		} else {
			rc = map_err(diag, path, k, "unknown key (replace, services, categories)");
		}
	}
	if (rc == SPOOR_ENOMEM)
		diag_set(diag, rc, "out of memory");
	if (rc < 0) {
		sigma_lsmap_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

sigma_lsmap *sigma_lsmap_free(sigma_lsmap *m)
{
	if (!m)
		return NULL;
	free(m->rows);
	free(m->fields);
	arena_done(&m->ar);
	free(m);
	return NULL;
}
