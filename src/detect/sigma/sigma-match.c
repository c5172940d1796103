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

/* OR over all matchers, or (all) AND over value groups of OR-ed variants. */
static bool values_match(mctx *c, const pitem *it, spoor_sv t)
{
	if (!it->all) {
		for (size_t i = 0; i < it->nm; i++)
			if (vm_text(c, &it->m[i], t))
				return true;
		return false;
	}
	size_t i = 0;
	while (i < it->nm) {
		uint16_t g = it->m[i].grp;
		bool ok = false;
		for (; i < it->nm && it->m[i].grp == g; i++)
			if (!ok && vm_text(c, &it->m[i], t))
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

/* The item on an absent field that the event has as an array. */
static bool array_match(mctx *c, const pitem *it, const efield **el, size_t ne)
{
	if (it->nm && it->m[0].kind == MK_EXISTS) {
		bool r = it->m[0].exists;
		if (r)
			hit(c, el[0]->id);
		return it->neg ? !r : r;
	}
	if (it->nm && it->m[0].kind == MK_NULL)
		return it->neg; /* present: not null */
	bool r;
	size_t saved = c->nhits;
	if (!it->all) {
		r = false;
		for (size_t k = 0; k < ne && !r; k++) {
			spoor_sv t;
			if (event_text(c->ev, el[k], &t) && values_match(c, it, t)) {
				r = true;
				hit(c, el[k]->id);
			}
		}
	} else {
		/* each value group matched by some element */
		r = true;
		size_t i = 0;
		while (i < it->nm && r) {
			uint16_t g = it->m[i].grp;
			size_t j = i;
			while (j < it->nm && it->m[j].grp == g)
				j++;
			bool ok = false;
			for (size_t k = 0; k < ne && !ok; k++) {
				spoor_sv t;
				if (!event_text(c->ev, el[k], &t))
					continue;
				for (size_t x = i; x < j && !ok; x++)
					ok = vm_text(c, &it->m[x], t);
				if (ok)
					hit(c, el[k]->id);
			}
			r = ok;
			i = j;
		}
	}
	if (it->neg) {
		c->nhits = saved;
		r = !r;
	}
	return r;
}

static bool item_match(mctx *c, const pitem *it)
{
	if (!it->field)
		return keyword_match(c, it);
	const efield *f = event_find(c->ev, it->field);
	uint32_t fid = it->field;
	if (!f && it->alt) {
		f = event_find(c->ev, it->alt);
		fid = it->alt;
	}
	if (!f && c->re) {
		const efield *el[SIGMA_MAX_ARRAY_ELEMS];
		sigma_arr_scratch *as = sigma_re_scratch_arr(c->re);
		size_t ne = sigma_arr_elems(as, c->ev, it->field, el, SIGMA_MAX_ARRAY_ELEMS);
		if (!ne && it->alt)
			ne = sigma_arr_elems(as, c->ev, it->alt, el, SIGMA_MAX_ARRAY_ELEMS);
		if (ne)
			return array_match(c, it, el, ne);
	}
	bool present = f && f->type != SPOOR_VT_NULL;
	if (it->nm && it->m[0].kind == MK_EXISTS) {
		bool r = it->m[0].exists == present;
		if (r && present)
			hit(c, fid);
		return it->neg ? !r : r;
	}
	if (it->nm && it->m[0].kind == MK_NULL) {
		bool r = !present;
		return it->neg ? !r : r;
	}
	if (!present)
		return false;
	spoor_sv t;
	if (!event_text(c->ev, f, &t))
		return false;
	bool r = values_match(c, it, t);
	if (it->neg)
		r = !r;
	if (r)
		hit(c, fid);
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

bool sigma_match_detection(const sigma_plan *plan, spoor_event *ev, sigma_re_scratch *re, uint32_t *hits, size_t *nhits)
{
	mctx c = {plan, ev, re, hits, 0};
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
	return sigma_match_detection(plan, ev, re, hits, nhits);
}
