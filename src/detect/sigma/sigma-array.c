/* sigma-array — rule fields whose event values are JSON arrays.
 *
 * The JSON reader flattens arrays: `"Parameters": [{"Name": "ForwardTo",
 * "Value": "x@y"}]` becomes Parameters.0.Name and Parameters.0.Value;
 * `"tags": ["a", "b"]` becomes tags.0 and tags.1.  Sigma rules name the
 * array (`Parameters|contains: ForwardTo`) or a path through it
 * (`TargetResources.ModifiedProperties.NewValue`), and backends
 * (pySigma's Elasticsearch and Splunk ones) match when any element does.
 *
 * An event field G stands for the rule fields its name gives with the
 * numeric segments removed: every prefix that ends before a numeric
 * segment, and the whole name.  Parameters.0.Name stands for `Parameters`
 * (any value inside an element: the "greedy" search SigmaHQ's M365 rules
 * expect) and `Parameters.Name`; a.0.b.1.c for `a`, `a.b` and `a.b.c`.
 * Only names a rule uses are interned at compile time, so the lookup of
 * a candidate is read-only (field_find) and a name no rule uses costs one
 * memo entry. */
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

#define ARR_MAX_NAME 512

static bool seg_numeric(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Compute the candidates of field id into e. */
static void arr_compute(const field_table *ft, uint32_t id, arr_entry *e)
{
	e->n = 0;
	spoor_sv nm = field_name(ft, id);
	if (!nm.n || nm.n > ARR_MAX_NAME || !memchr(nm.p, '.', nm.n))
		return;
	char out[ARR_MAX_NAME + 1];
	size_t on = 0;
	bool any_num = false;
	size_t i = 0;
	while (i <= nm.n) {
		size_t j = i;
		while (j < nm.n && nm.p[j] != '.')
			j++;
		const char *seg = nm.p + i;
		size_t sl = j - i;
		if (seg_numeric(seg, sl)) {
			/* the prefix before this element index */
			if (on && e->n < ARR_MAX_CANDS) {
				uint32_t c = field_find(ft, out, on);
				bool dup = false;
				for (size_t k = 0; k < e->n; k++)
					dup |= e->c[k] == c;
				if (c && !dup)
					e->c[e->n++] = c;
			}
			any_num = true;
		} else {
			if (on)
				out[on++] = '.';
			memcpy(out + on, seg, sl);
			on += sl;
		}
		i = j + 1;
	}
	if (any_num && on && e->n < ARR_MAX_CANDS) {
		uint32_t c = field_find(ft, out, on);
		bool dup = false;
		for (size_t k = 0; k < e->n; k++)
			dup |= e->c[k] == c;
		if (c && !dup && c != id)
			e->c[e->n++] = c;
	}
}

const arr_entry *sigma_arr_get(arr_memo *m, const field_table *ft, uint32_t id)
{
	static const arr_entry none = {{0}, 0, 1};
	if (!id)
		return &none;
	if (id >= m->cap) {
		size_t nc = m->cap ? m->cap : 1024;
		while (nc <= id)
			nc *= 2;
		arr_entry *v = xreallocarray(m->v, nc, sizeof(*v));
		if (!v)
			return &none; /* out of memory: treated as no array (documented) */
		memset(v + m->cap, 0, (nc - m->cap) * sizeof(*v));
		m->v = v;
		m->cap = nc;
	}
	arr_entry *e = &m->v[id];
	if (!e->done) {
		arr_compute(ft, id, e);
		e->done = 1;
	}
	return e;
}

void sigma_arr_memo_done(arr_memo *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = 0;
}

void sigma_arr_reset(sigma_arr_scratch *s)
{
	s->ev = NULL;
}

/* The indices of the event's fields that are array elements (built once
 * per event). */
static void arr_build(sigma_arr_scratch *s, spoor_event *ev)
{
	s->ev = ev;
	s->gen = ev->gen;
	s->n = 0;
	s->any = false;
	const field_table *ft = &ev->ctx->ft;
	for (size_t i = 0; i < ev->n; i++) {
		const efield *f = &ev->f[i];
		if (!f->id || (f->flags & EF_DEAD) || f->type == SPOOR_VT_NULL)
			continue;
		const arr_entry *e = sigma_arr_get(&s->memo, ft, f->id);
		if (!e->n)
			continue;
		if (s->n == s->cap) {
			size_t nc = s->cap ? s->cap * 2 : 64;
			uint32_t *v = xreallocarray(s->idx, nc, sizeof(*v));
			if (!v)
				return; /* the rest is not seen (out of memory) */
			s->idx = v;
			s->cap = nc;
		}
		s->idx[s->n++] = (uint32_t)i;
		s->any = true;
	}
}

size_t sigma_arr_elems(sigma_arr_scratch *s, spoor_event *ev, uint32_t field, const efield **out, size_t max)
{
	if (s->ev != ev || s->gen != ev->gen)
		arr_build(s, ev);
	if (!s->any)
		return 0;
	size_t n = 0;
	for (size_t k = 0; k < s->n && n < max; k++) {
		const efield *f = &ev->f[s->idx[k]];
		const arr_entry *e = &s->memo.v[f->id];
		for (size_t j = 0; j < e->n; j++)
			if (e->c[j] == field) {
				out[n++] = f;
				break;
			}
	}
	return n;
}

void sigma_arr_scratch_done(sigma_arr_scratch *s)
{
	sigma_arr_memo_done(&s->memo);
	free(s->idx);
	memset(s, 0, sizeof(*s));
}
