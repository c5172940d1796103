/* sigma-match — a plan against one event.
 *
 * Semantics (rules spec v2.1; where it is silent, pySigma and the SQL
 * backends SigmaHQ's checker agrees with):
 *   - a condition on an absent field is false, so `selection and not
 *     filter` matches when the filter's field is absent; `neq` is false on
 *     an absent field too;
 *   - `null` matches an absent field or a JSON null; '' matches only a
 *     present, empty value;
 *   - `exists: true` is a present, non-null field;
 *   - keyword items search every string or number field of the event, as
 *     `*value*` unless startswith/endswith say otherwise;
 *   - numbers in rules compare with the event's text (so 4688 matches
 *     "4688" and 4688); lt/lte/gt/gte need a numeric event value;
 *   - a field the event has as a JSON array (flattened to F.0, F.1.Name
 *     ...; sigma-array.c) matches when any element matches; under `all`
 *     each value must be matched by some element; `neq` / `not` negate
 *     the "any". */
#include <string.h>

#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"

typedef struct mctx {
	const sigma_plan *p;
	spoor_event *ev;
	sigma_re_scratch *re;
	const sigma_pf_scratch *pfs; /* the prefilter's view of the event, or NULL */
	uint32_t *hits;
	size_t nhits;
} mctx;

static void hit(mctx *c, uint32_t id)
{
	if (!c->hits)
		return;
	for (size_t i = 0; i < c->nhits; i++)
		if (c->hits[i] == id)
			return;
	if (c->nhits < SIGMA_MAX_HITS)
		c->hits[c->nhits++] = id;
}

static bool ieq_fold(spoor_sv a, spoor_sv b, bool cased)
{
	if (a.n != b.n)
		return false;
	return cased ? memcmp(a.p, b.p, a.n) == 0 : sv_ieq(a, b);
}

static bool fieldref_match(mctx *c, const vmatch *m, spoor_sv t)
{
	spoor_sv o;
	const efield *f = event_find(c->ev, m->ref);
	if (!f || f->type == SPOOR_VT_NULL || !event_text(c->ev, f, &o))
		return false;
	switch (m->op) {
	case FREF_EQ:
		return ieq_fold(t, o, m->cased);
	case FREF_START:
		return t.n >= o.n && ieq_fold(sv_make(t.p, o.n), o, m->cased);
	case FREF_END:
		return t.n >= o.n && ieq_fold(sv_make(t.p + t.n - o.n, o.n), o, m->cased);
	default:
		if (m->cased)
			return o.n == 0 || memmem(t.p, t.n, o.p, o.n) != NULL;
		for (size_t i = 0; i + o.n <= t.n; i++)
			if (sv_ieq(sv_make(t.p + i, o.n), o))
				return true;
		return false;
	}
}

/* A value matcher against a present, non-null value's text. */
static bool vm_text(mctx *c, const vmatch *m, spoor_sv t)
{
	switch (m->kind) {
	case MK_GLOB:
		return glob_match(&m->g, t.p, t.n);
	case MK_RE:
		return sigma_re_match(m->re, c->re, t.p, t.n) == 1;
	case MK_NUM: {
		double d;
		if (!sigma_parse_num(t.p, t.n, &d))
			return false;
		switch (m->op) {
		case NUM_LT:
			return d < m->num;
		case NUM_LTE:
			return d <= m->num;
		case NUM_GT:
			return d > m->num;
		default:
			return d >= m->num;
		}
	}
	case MK_CIDR:
		return cidr_match(&m->net, t.p, t.n);
	case MK_FIELDREF:
		return fieldref_match(c, m, t);
	case MK_DATEPART:
		return sigma_datepart_match(m, t.p, t.n);
	case MK_NULL:
	case MK_EXISTS:
	default:
		return false;
	}
}

/* A value for the matchers.  A long JSON-escaped value that no matcher
 * decoded yet is first tried escaped: glob matchers without inner
 * wildcards match its escaped bytes (glob_match_esc) when it has no \u
 * or \/ escape (EF_PLAINESC), and it is decoded only for a matcher that
 * needs the text.  A PowerShell ContextInfo (5 KB) was decoded for every module
 * event just so that "Alternate PowerShell Hosts" could find
 * '= powershell' in it. */
typedef struct vtext {
	const efield *f;
	spoor_sv t; /* the text, once decoded (or the value itself) */
	bool esc;   /* not decoded yet: try the escaped bytes first */
} vtext;

static bool vtext_init(mctx *c, const efield *f, vtext *v)
{
	v->f = f;
	v->esc = f->type == SPOOR_VT_JSTR && (f->flags & EF_PLAINESC) && f->val.n >= SIGMA_ESC_MIN &&
		 !event_text_cached(c->ev, f, &v->t);
	return v->esc || event_text(c->ev, f, &v->t);
}

/* v decoded, when it was not yet */
static bool vtext_decode(mctx *c, vtext *v)
{
	if (v->esc) {
		if (!event_text(c->ev, v->f, &v->t))
			return false;
		v->esc = false;
	}
	return true;
}

static bool vm_value(mctx *c, const vmatch *m, vtext *v)
{
	/* a value whose atom the prefilter did not see in the field cannot
	 * match it (the atom is in the field's database: sigma_pf_build) */
	if (m->kind == MK_GLOB && m->g.atom && c->pfs && !sigma_pf_atom_seen(c->pfs, m->g.atom - 1))
		return false;
	if (v->esc) {
		int r = m->kind == MK_GLOB ? glob_match_esc(&m->g, v->f->val.p, v->f->val.n) : -1;
		if (r >= 0)
			return r == 1;
	}
	return vtext_decode(c, v) && vm_text(c, m, v->t);
}

/* OR over all matchers (those in the item's index at once), or (all) AND
 * over value groups of OR-ed variants. */
static bool values_match(mctx *c, const pitem *it, vtext *v)
{
	if (!it->all) {
		if (it->ix && vtext_decode(c, v) && sigma_gindex_match(it->ix, it->m, v->t.p, v->t.n))
			return true;
		for (size_t i = 0; i < it->nm; i++)
			if (!it->m[i].indexed && vm_value(c, &it->m[i], v))
				return true;
		return false;
	}
	size_t i = 0;
	while (i < it->nm) {
		uint16_t g = it->m[i].grp;
		bool ok = false;
		for (; i < it->nm && it->m[i].grp == g; i++)
			if (!ok && vm_value(c, &it->m[i], v))
				ok = true;
		if (!ok)
			return false;
	}
	return true;
}

static bool keyword_field(const efield *f)
{
	return !(f->flags & EF_DEAD) &&
	       (f->type == SPOOR_VT_STR || f->type == SPOOR_VT_JSTR || f->type == SPOOR_VT_NUM);
}

static bool keyword_match(mctx *c, const pitem *it)
{
	spoor_event *ev = c->ev;
	if (!it->all) {
		for (size_t k = 0; k < ev->n; k++) {
			const efield *f = &ev->f[k];
			spoor_sv t;
			if (!keyword_field(f) || !event_text(ev, f, &t))
				continue;
			for (size_t i = 0; i < it->nm; i++)
				if (vm_text(c, &it->m[i], t)) {
					if (f->id)
						hit(c, f->id);
					return true;
				}
		}
		return false;
	}
	/* every value group must match some field */
	size_t i = 0;
	while (i < it->nm) {
		uint16_t g = it->m[i].grp;
		size_t j = i;
		while (j < it->nm && it->m[j].grp == g)
			j++;
		bool ok = false;
		for (size_t k = 0; k < ev->n && !ok; k++) {
			const efield *f = &ev->f[k];
			spoor_sv t;
			if (!keyword_field(f) || !event_text(ev, f, &t))
				continue;
			for (size_t x = i; x < j && !ok; x++)
				ok = vm_text(c, &it->m[x], t);
		}
		if (!ok)
			return false;
		i = j;
	}
	return true;
}

/* The values of an item's field: the field itself (or its logsource
 * alternative) when present, and the elements of an array at that path
 * (sigma-array.c).  A shape may also give a list a field of the same
 * name (M365 Parameters.<Name> from a parameter called "Name"): all are
 * values of the path. */
typedef struct fvals {
	const efield *v[SIGMA_MAX_ARRAY_ELEMS + 1];
	size_t n;
	bool arrays_done;
} fvals;

static void add_arrays(mctx *c, const pitem *it, fvals *fv)
{
	fv->arrays_done = true;
	if (!c->re)
		return;
	sigma_arr_scratch *as = sigma_re_scratch_arr(c->re);
	size_t room = SIGMA_MAX_ARRAY_ELEMS + 1 - fv->n;
	size_t k = sigma_arr_elems(as, c->ev, it->field, fv->v + fv->n, room);
	if (!k && it->alt)
		k = sigma_arr_elems(as, c->ev, it->alt, fv->v + fv->n, room);
	fv->n += k;
}

/* Some value matches the item's values (OR), or under `all` each value
 * group is matched by some value. */
static bool vals_match(mctx *c, const pitem *it, fvals *fv)
{
	if (!it->all) {
		for (size_t k = 0;; k++) {
			if (k == fv->n) {
				if (fv->arrays_done)
					return false;
				add_arrays(c, it, fv);
				if (k == fv->n)
					return false;
			}
			vtext v;
			if (vtext_init(c, fv->v[k], &v) && values_match(c, it, &v)) {
				hit(c, fv->v[k]->id);
				return true;
			}
		}
	}
	if (!fv->arrays_done)
		add_arrays(c, it, fv);
	size_t i = 0;
	while (i < it->nm) {
		uint16_t g = it->m[i].grp;
		size_t j = i;
		while (j < it->nm && it->m[j].grp == g)
			j++;
		bool ok = false;
		for (size_t k = 0; k < fv->n && !ok; k++) {
			vtext v;
			if (!vtext_init(c, fv->v[k], &v))
				continue;
			for (size_t x = i; x < j && !ok; x++)
				ok = vm_value(c, &it->m[x], &v);
			if (ok)
				hit(c, fv->v[k]->id);
		}
		if (!ok)
			return false;
		i = j;
	}
	return true;
}

static bool item_match(mctx *c, const pitem *it)
{
	if (!it->field)
		return keyword_match(c, it);
	const efield *f = event_find(c->ev, it->field);
	if (!f && it->alt)
		f = event_find(c->ev, it->alt);
	fvals fv;
	fv.n = 0;
	fv.arrays_done = false;
	if (f && f->type != SPOOR_VT_NULL)
		fv.v[fv.n++] = f;
	if (it->nm && (it->m[0].kind == MK_EXISTS || it->m[0].kind == MK_NULL)) {
		if (!fv.n)
			add_arrays(c, it, &fv);
		bool present = fv.n > 0;
		bool r = it->m[0].kind == MK_EXISTS ? it->m[0].exists == present : !present;
		if (r && present && it->m[0].kind == MK_EXISTS)
			hit(c, fv.v[0]->id);
		return it->neg ? !r : r;
	}
	size_t saved = c->nhits;
	bool r = vals_match(c, it, &fv);
	if (!fv.n)
		return false; /* absent (no value, no element): false, neq too */
	if (it->neg) {
		c->nhits = saved;
		r = !r;
		if (r && fv.n)
			hit(c, fv.v[0]->id);
	}
	return r;
}

static bool eval_search(void *payload, uint32_t i)
{
	mctx *c = payload;
	const psearch *s = &c->p->s[i];
	size_t saved = c->nhits;
	for (size_t j = 0; j < s->n; j++) {
		const pmap *m = &s->maps[j];
		bool ok = true;
		for (size_t k = 0; k < m->n && ok; k++)
			ok = item_match(c, &m->items[k]);
		if (ok)
			return true;
		c->nhits = saved; /* a map that failed contributes no hits */
	}
	return false;
}

bool sigma_match_detection(const sigma_plan *plan, spoor_event *ev, sigma_re_scratch *re,
			   const sigma_pf_scratch *pfs, uint32_t *hits, size_t *nhits)
{
	mctx c = {plan, ev, re, pfs, hits, 0};
	bool r = sigma_cprog_run(&plan->prog, eval_search, &c);
	if (nhits)
		*nhits = r ? c.nhits : 0;
	return r;
}

bool sigma_match(const sigma_plan *plan, spoor_event *ev, sigma_re_scratch *re, uint32_t *hits, size_t *nhits)
{
	if (nhits)
		*nhits = 0;
	if (re)
		sigma_arr_reset(sigma_re_scratch_arr(re));
	if (!plan->ls || !sigma_ls_match(plan->ls, ev))
		return false;
	return sigma_match_detection(plan, ev, re, NULL, hits, nhits);
}
