/* mailboxes — "how much mail left, from which mailboxes".
 *
 * After the analytics have run, every source an analytic called an
 * attacker's (spray, brute force, stuffing, impossible travel, bulk read
 * from a new source, external forwarding, hiding rules, open folders) and
 * every account it found compromised are known.  The mail read per
 * (mailbox, source) was summed exactly as the records came (sessions,
 * bytes, items), so the data taken from a mailbox is the sum over its
 * attacker sources: nothing is estimated. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeparse.h"
#include "detect/alert.h"
#include "detect/analytics/an.h"
#include "spoor/analytics.h"

#define MB_SRCS 16

typedef struct agg {
	sid name, domain;
	int64_t first, last;
	uint64_t sessions, items, bytes, mailboxes, compromised;
	uint32_t reasons;
	bool comp;
	sid srcs[MB_SRCS];
	uint32_t nsrc, more_src;
	spoor_sv key; /* name text, for sorting */
} agg;

static void span(agg *a, int64_t f, int64_t l)
{
	if (f && (!a->first || f < a->first))
		a->first = f;
	if (l > a->last)
		a->last = l;
}

static void add_src(agg *a, sid s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < a->nsrc; i++)
		if (a->srcs[i] == s)
			return;
	if (a->nsrc < MB_SRCS)
		a->srcs[a->nsrc++] = s;
	else
		a->more_src++;
}

static sid domain_of(an_engine *e, sid mb)
{
	spoor_sv s = an_sv(e, mb);
	for (size_t i = s.n; i > 0; i--)
		if (s.p[i - 1] == '@')
			return an_name(e, sv_make(s.p + i, s.n - i));
	return an_name(e, SPOOR_SV("-"));
}

static agg *get(an_engine *e, idmap *m, sid mb)
{
	bool created;
	agg *a = idmap_get(m, mb, &created);
	if (a && created) {
		a->name = mb;
		a->domain = domain_of(e, mb);
	}
	return a;
}

static int cmp_agg(const void *x, const void *y)
{
	const agg *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->items != b->items)
		return a->items < b->items ? 1 : -1;
	spoor_sv p = a->key, q = b->key;
	int c = memcmp(p.p, q.p, MIN(p.n, q.n));
	return c ? c : (p.n > q.n) - (p.n < q.n);
}

static void tstr(int64_t ns, char *out)
{
	if (!ns)
		strcpy(out, "-");
	else
		out[time_format(ns, out)] = 0;
}

static void print_json(an_engine *e, FILE *f, const agg *a, bool dom)
{
	buf b;
	buf_init(&b, 1u << 20);
	char t1[48], t2[48];
	tstr(a->first, t1);
	tstr(a->last, t2);
	buf_adds(&b, dom ? "{\"spoor.record\":\"domain\",\"spoor.domain\":"
			 : "{\"spoor.record\":\"mailbox\",\"spoor.mailbox\":");
	spoor_sv n = an_sv(e, dom ? a->domain : a->name);
	json_str(&b, n.p, n.n);
	if (!dom) {
		spoor_sv d = an_sv(e, a->domain);
		buf_adds(&b, ",\"spoor.domain\":");
		json_str(&b, d.p, d.n);
		buf_printf(&b, ",\"spoor.compromised\":%s,\"spoor.evidence\":[", a->comp ? "true" : "false");
		bool first = true;
		for (size_t i = 0; i < e->n; i++)
			if (a->reasons & (1u << i)) {
				buf_printf(&b, "%s\"%s\"", first ? "" : ",", e->defs[i]->name);
				first = false;
			}
		buf_adds(&b, "],\"spoor.sources\":[");
		for (uint32_t i = 0; i < a->nsrc; i++) {
			spoor_sv s = an_sv(e, a->srcs[i]);
			if (i)
				buf_addc(&b, ',');
			json_str(&b, s.p, s.n);
		}
		buf_printf(&b, "],\"spoor.sources_count\":%" PRIu32, a->nsrc + a->more_src);
	} else {
		buf_printf(&b, ",\"spoor.mailboxes\":%" PRIu64 ",\"spoor.compromised_accounts\":%" PRIu64, a->mailboxes,
			   a->compromised);
	}
	if (a->first)
		buf_printf(&b, ",\"spoor.first\":\"%s\",\"spoor.last\":\"%s\"", t1, t2);
	buf_printf(&b, ",\"spoor.sessions\":%" PRIu64 ",\"spoor.items\":%" PRIu64 ",\"spoor.bytes\":%" PRIu64 "}\n",
		   a->sessions, a->items, a->bytes);
	fwrite(b.p, 1, b.len, f);
	buf_done(&b);
}

static void print_row(an_engine *e, FILE *f, const agg *a, bool dom)
{
	char t1[48], t2[48];
	tstr(a->first, t1);
	tstr(a->last, t2);
	spoor_sv n = an_sv(e, dom ? a->domain : a->name);
	if (dom) {
		fprintf(f, "%-40.*s %9" PRIu64 " %11" PRIu64 " %-24s %-24s %8" PRIu64 " %10" PRIu64 " %14" PRIu64 "\n",
			(int)MIN(n.n, (size_t)40), n.p, a->mailboxes, a->compromised, t1, t2, a->sessions, a->items,
			a->bytes);
		return;
	}
	char srcs[200] = "";
	size_t o = 0;
	for (uint32_t i = 0; i < a->nsrc && i < 3; i++) {
		spoor_sv s = an_sv(e, a->srcs[i]);
		int w = snprintf(srcs + o, sizeof(srcs) - o, "%s%.*s", i ? "," : "", (int)MIN(s.n, (size_t)45), s.p);
		if (w > 0 && (size_t)w < sizeof(srcs) - o)
			o += (size_t)w;
	}
	if (a->nsrc + a->more_src > 3 && o + 12 < sizeof(srcs))
		snprintf(srcs + o, sizeof(srcs) - o, " +%" PRIu32, a->nsrc + a->more_src - 3);
	fprintf(f, "%-40.*s %-5s %-24s %-24s %8" PRIu64 " %10" PRIu64 " %14" PRIu64 "  %s\n", (int)MIN(n.n, (size_t)40),
		n.p, a->comp ? "yes" : "no", t1, t2, a->sessions, a->items, a->bytes, srcs[0] ? srcs : "-");
}

SPOOR_API int spoor_analytics_mailboxes(spoor_stage *st, FILE *f, bool json)
{
	an_engine *e = (an_engine *)st;
	idmap mb, dm;
	idmap_init(&mb, sizeof(agg), SIZE_MAX);
	idmap_init(&dm, sizeof(agg), SIZE_MAX);
	int r = 0;
	/* reads from attacker sources */
	for (size_t i = 0; i < e->reads.n; i++) {
		uint64_t k = idmap_key_at(&e->reads, i);
		sid m = (sid)(k >> 32), src = (sid)k;
		const an_mark *bad = src ? idmap_find(&e->bad_src, src) : NULL;
		if (!bad)
			continue;
		const an_read *rd = idmap_at(&e->reads, i);
		agg *a = get(e, &mb, m);
		if (!a) {
			r = SPOOR_ENOMEM;
			break;
		}
		a->sessions += rd->sessions;
		a->items += rd->items;
		a->bytes += rd->bytes;
		a->reasons |= bad->reasons;
		span(a, rd->first, rd->last);
		add_src(a, src);
	}
	/* compromised accounts, and the sources they were entered from */
	for (size_t i = 0; i < e->comp.n && r == 0; i++) {
		sid acct = (sid)idmap_key_at(&e->comp, i);
		const an_mark *c = idmap_at(&e->comp, i);
		agg *a = get(e, &mb, acct);
		if (!a) {
			r = SPOOR_ENOMEM;
			break;
		}
		a->comp = true;
		a->reasons |= c->reasons;
		span(a, c->first, c->last);
	}
	for (size_t i = 0; i < e->succ.n && r == 0; i++) {
		uint64_t k = idmap_key_at(&e->succ, i);
		sid acct = (sid)(k >> 32), src = (sid)k;
		agg *a = idmap_find(&mb, acct);
		const an_mark *bad = idmap_find(&e->bad_src, src);
		if (a && a->comp && bad) {
			const an_succ *s = idmap_at(&e->succ, i);
			add_src(a, src);
			span(a, s->first, s->last);
		}
	}
	size_t n = mb.n;
	agg *v = n ? xmalloc(n * sizeof(agg)) : NULL;
	if (n && !v)
		r = SPOOR_ENOMEM;
	if (r == 0) {
		if (n)
			memcpy(v, mb.vals, n * sizeof(agg));
		for (size_t i = 0; i < n; i++)
			v[i].key = an_sv(e, v[i].name);
		if (n > 1)
			qsort(v, n, sizeof(agg), cmp_agg);
		if (!json)
			fprintf(f, "%-40s %-5s %-24s %-24s %8s %10s %14s  %s\n", "MAILBOX", "COMP",
				"FIRST ATTACKER ACCESS", "LAST ATTACKER ACCESS", "SESSIONS", "ITEMS", "BYTES",
				"ATTACKER SOURCES");
		for (size_t i = 0; i < n; i++) {
			if (json)
				print_json(e, f, &v[i], false);
			else
				print_row(e, f, &v[i], false);
			agg *d = get(e, &dm, v[i].domain);
			if (!d) {
				r = SPOOR_ENOMEM;
				break;
			}
			d->domain = v[i].domain;
			d->mailboxes++;
			d->compromised += v[i].comp;
			d->sessions += v[i].sessions;
			d->items += v[i].items;
			d->bytes += v[i].bytes;
			span(d, v[i].first, v[i].last);
		}
	}
	if (r == 0) {
		size_t nd = dm.n;
		agg *w = nd ? xmalloc(nd * sizeof(agg)) : NULL;
		if (nd && w) {
			memcpy(w, dm.vals, nd * sizeof(agg));
			for (size_t i = 0; i < nd; i++) {
				w[i].name = w[i].domain;
				w[i].key = an_sv(e, w[i].domain);
			}
			if (nd > 1)
				qsort(w, nd, sizeof(agg), cmp_agg);
			if (!json)
				fprintf(f, "\n%-40s %9s %11s %-24s %-24s %8s %10s %14s\n", "AGENCY DOMAIN", "MAILBOXES",
					"COMPROMISED", "FIRST ATTACKER ACCESS", "LAST ATTACKER ACCESS", "SESSIONS",
					"ITEMS", "BYTES");
			for (size_t i = 0; i < nd; i++) {
				if (json)
					print_json(e, f, &w[i], true);
				else
					print_row(e, f, &w[i], true);
			}
		} else if (nd) {
			r = SPOOR_ENOMEM;
		}
		free(w);
	}
	free(v);
	idmap_done(&mb);
	idmap_done(&dm);
	return r;
}
