/* inventory-suggest — provider and agency facts observed in logs, for the
 * analyst to confirm (`spoor inventory suggest`).
 *
 * For every successful logon it notes the target "agency": spoor.agency
 * when an inventory placed the event, else the account's domain
 * (user.domain), else the domain part of the host name.  Source networks
 * (/24 for IPv4, /64 for IPv6) and accounts that reach at least
 * `min_agencies` distinct targets are what a provider looks like from the
 * logs; they are written as a YAML inventory fragment with the evidence in
 * comments.  Sources and accounts the inventory already gives to a
 * provider are left out. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/timeparse.h"
#include "detect/stage.h"
#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"

#define SUG_MAX_TARGETS 32 /* distinct targets kept per source or account */

typedef struct sug_item {
	const char *key; /* "10.1.2.0/24" or account */
	uint32_t targets[SUG_MAX_TARGETS];
	size_t ntargets;
	bool more; /* more targets than kept */
	uint64_t count;
	int64_t first, last;
	uint32_t accounts[8]; /* sources: accounts seen from it (item index) */
	size_t naccounts;
} sug_item;

typedef struct sug_tab {
	inv_map map;
	sug_item *v;
	size_t n, cap;
} sug_tab;

typedef struct sug_stage {
	spoor_stage base;
	const spoor_inventory *inv; /* may be NULL */
	size_t min_agencies, max_items;
	arena ar;
	inv_map targetmap;
	const char **targets;
	uint64_t *target_count;
	size_t ntargets, captargets;
	sug_tab src, acct;
	uint64_t events, logons, dropped;
	char summary[160];
} sug_stage;

static uint32_t target_id(sug_stage *s, spoor_sv t)
{
	char tmp[256];
	if (!t.n || t.n >= sizeof(tmp))
		return INV_NONE;
	for (size_t i = 0; i < t.n; i++)
		tmp[i] = (t.p[i] >= 'A' && t.p[i] <= 'Z') ? (char)(t.p[i] + 32) : t.p[i];
	const struct inv_slot *sl = inv_map_get(&s->targetmap, tmp, t.n);
	if (sl)
		return sl->val;
	if (s->ntargets >= s->max_items)
		return INV_NONE;
	if (s->ntargets == s->captargets) {
		size_t nc = s->captargets ? 2 * s->captargets : 64;
		const char **nv = xreallocarray(s->targets, nc, sizeof(*nv));
		if (!nv)
			return INV_NONE;
		s->targets = nv;
		uint64_t *nc2 = xreallocarray(s->target_count, nc, sizeof(*nc2));
		if (!nc2)
			return INV_NONE;
		s->target_count = nc2;
		s->captargets = nc;
	}
	char *k = arena_memdup(&s->ar, tmp, t.n + 1);
	if (!k)
		return INV_NONE;
	k[t.n] = 0;
	if (inv_map_put(&s->targetmap, k, t.n, (uint32_t)s->ntargets, 0) < 0)
		return INV_NONE;
	s->targets[s->ntargets] = k;
	s->target_count[s->ntargets] = 0;
	return (uint32_t)s->ntargets++;
}

static sug_item *item(sug_stage *s, sug_tab *t, const char *key, size_t n)
{
	const struct inv_slot *sl = inv_map_get(&t->map, key, n);
	if (sl)
		return &t->v[sl->val];
	if (t->n >= s->max_items) {
		s->dropped++;
		return NULL;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		sug_item *nv = xreallocarray(t->v, nc, sizeof(*nv));
		if (!nv)
			return NULL;
		t->v = nv;
		t->cap = nc;
	}
	char *k = arena_memdup(&s->ar, key, n + 1);
	if (!k)
		return NULL;
	k[n] = 0;
	if (inv_map_put(&t->map, k, n, (uint32_t)t->n, 0) < 0)
		return NULL;
	sug_item *it = &t->v[t->n++];
	memset(it, 0, sizeof(*it));
	it->key = k;
	return it;
}

static void note(sug_item *it, uint32_t target, int64_t ts)
{
	it->count++;
	if (ts && (!it->first || ts < it->first))
		it->first = ts;
	if (ts > it->last)
		it->last = ts;
	for (size_t i = 0; i < it->ntargets; i++)
		if (it->targets[i] == target)
			return;
	if (it->ntargets < SUG_MAX_TARGETS)
		it->targets[it->ntargets++] = target;
	else
		it->more = true;
}

static spoor_sv ftext(spoor_event *ev, uint32_t id)
{
	spoor_sv t = {NULL, 0};
	const efield *f = event_find(ev, id);
	if (f && f->type != SPOOR_VT_NULL && !event_text(ev, f, &t))
		t.n = 0;
	return sv_trim(t);
}

static bool junk_domain(spoor_sv d)
{
	return !d.n || sv_eq_cstr(d, "-") || sv_ieq_cstr(d, "NT AUTHORITY") || sv_ieq_cstr(d, "WORKGROUP") ||
	       sv_ieq_cstr(d, "Window Manager") || sv_ieq_cstr(d, "Font Driver Host");
}

static int sg_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	sug_stage *s = (sug_stage *)st;
	s->events++;
	spoor_sv cat = ftext(ev, F_EVENT_CATEGORY), out = ftext(ev, F_EVENT_OUTCOME);
	if (!sv_eq_cstr(cat, "authentication") || !sv_eq_cstr(out, "success"))
		return 0;
	spoor_sv code = ftext(ev, F_WIN_EVENT_ID);
	if (code.n && !sv_eq_cstr(code, "4624"))
		return 0;
	s->logons++;
	inv_match m;
	bool placed = false;
	if (s->inv) {
		inv_classify(s->inv, ev, &m);
		placed = true;
	}
	/* the target */
	spoor_sv target = {NULL, 0};
	if (placed && m.agency != INV_NONE)
		target = sv_cstr(s->inv->agencies[m.agency].id);
	if (!target.n) {
		spoor_sv d = ftext(ev, F_USER_DOMAIN);
		if (!junk_domain(d))
			target = d;
	}
	if (!target.n) {
		spoor_sv h = ftext(ev, F_HOST_NAME);
		const char *dot = h.n ? memchr(h.p, '.', h.n) : NULL;
		if (dot && dot + 1 < h.p + h.n)
			target = sv_make(dot + 1, (size_t)(h.p + h.n - dot - 1));
	}
	uint32_t tid = target_id(s, target);
	if (tid == INV_NONE)
		return 0;
	s->target_count[tid]++;
	int64_t ts = ev->has_ts ? ev->ts : 0;
	/* the account, unless the inventory knows it */
	sug_item *ai = NULL;
	spoor_sv user = ftext(ev, F_USER_NAME);
	bool known_user = placed && m.provider_by == INV_BY_ACCOUNT;
	/* machine accounts (NAME$) are skipped */
	if (user.n && !sv_eq_cstr(user, "-") && user.p[user.n - 1] != '$' && !known_user && user.n < 256) {
		char tmp[256];
		for (size_t i = 0; i < user.n; i++)
			tmp[i] = (user.p[i] >= 'A' && user.p[i] <= 'Z') ? (char)(user.p[i] + 32) : user.p[i];
		ai = item(s, &s->acct, tmp, user.n);
		if (ai)
			note(ai, tid, ts);
	}
	/* the source network, unless a provider's */
	spoor_sv src = ftext(ev, F_SOURCE_IP);
	uint8_t a[16];
	if (src.n && inv_parse_ip(src.p, src.n, a) && !(placed && m.src_provider != INV_NONE)) {
		static const uint8_t v4pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		bool v4 = !memcmp(a, v4pre, 12);
		if (v4 && a[12] == 127)
			return 0;
		memset(v4 ? a + 15 : a + 8, 0, v4 ? 1 : 8);
		char ip[48], key[64];
		inv_format_ip(a, ip, sizeof(ip));
		int kn = snprintf(key, sizeof(key), "%s/%d", ip, v4 ? 24 : 64);
		sug_item *si = item(s, &s->src, key, (size_t)kn);
		if (si) {
			note(si, tid, ts);
			uint32_t aidx = ai ? (uint32_t)(ai - s->acct.v) : INV_NONE;
			bool seen = aidx == INV_NONE;
			for (size_t i = 0; i < si->naccounts && !seen; i++)
				seen = si->accounts[i] == aidx;
			if (!seen && si->naccounts < ARRAY_SIZE(si->accounts))
				si->accounts[si->naccounts++] = aidx;
		}
	}
	return 0;
}

static const char *sg_summary(spoor_stage *st)
{
	sug_stage *s = (sug_stage *)st;
	snprintf(s->summary, sizeof(s->summary),
		 "%" PRIu64 " events, %" PRIu64 " logons, %zu targets, %zu sources, %zu accounts%s", s->events,
		 s->logons, s->ntargets, s->src.n, s->acct.n, s->dropped ? " (some dropped at the limit)" : "");
	return s->summary;
}

static void sg_free(spoor_stage *st)
{
	sug_stage *s = (sug_stage *)st;
	inv_map_done(&s->targetmap);
	inv_map_done(&s->src.map);
	inv_map_done(&s->acct.map);
	free(s->src.v);
	free(s->acct.v);
	free(s->targets);
	free(s->target_count);
	arena_done(&s->ar);
	free(s);
}

static const stage_ops suggest_ops = {
    .name = "suggest",
    .event = sg_event,
    .summary = sg_summary,
    .free = sg_free,
};

SPOOR_API int spoor_inventory_suggest_new(spoor_stage **out, const spoor_inventory *inv, size_t min_agencies,
					  spoor_diag *diag)
{
	if (inv && !inv->finished)
		return diag_set(diag, SPOOR_EINVAL, "inventory not finished (spoor_inventory_finish)");
	sug_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	s->base.ops = &suggest_ops;
	s->inv = inv;
	s->min_agencies = min_agencies ? min_agencies : 2;
	s->max_items = 1000000;
	arena_init(&s->ar, 1u << 16, 0);
	*out = &s->base;
	return 0;
}

static int cmp_items(const void *a, const void *b)
{
	const sug_item *x = a, *y = b;
	if (x->ntargets != y->ntargets)
		return x->ntargets < y->ntargets ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int targets_yaml(buf *b, const sug_stage *s, const sug_item *it)
{
	int rc = buf_addc(b, '[');
	for (size_t i = 0; i < it->ntargets && rc == 0; i++)
		rc = buf_printf(b, "%s\"%s\"", i ? ", " : "", s->targets[it->targets[i]]);
	return rc ? rc : buf_addc(b, ']');
}

static bool yaml_safe(const char *k)
{
	for (const char *p = k; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

SPOOR_API int spoor_inventory_suggest_render(spoor_stage *st, char **out, size_t *len, spoor_diag *diag)
{
	if (!st || st->ops != &suggest_ops)
		return diag_set(diag, SPOOR_EINVAL, "not a suggest stage");
	sug_stage *s = (sug_stage *)st;
	/* sort copies so account indexes in sources stay valid */
	sug_item *src = xmalloc((s->src.n + 1) * sizeof(*src));
	size_t *order = xmalloc((s->acct.n + 1) * sizeof(*order));
	if (!src || !order) {
		free(src);
		free(order);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (s->src.n)
		memcpy(src, s->src.v, s->src.n * sizeof(*src));
	qsort(src, s->src.n, sizeof(*src), cmp_items);
	buf b;
	buf_init(&b, (size_t)1 << 30);
	int rc = buf_printf(&b,
			    "# spoor inventory suggest: facts observed in %" PRIu64 " successful logons, to confirm.\n"
			    "# Targets are agencies (when an inventory placed them) or account / host domains.\n"
			    "# A source network or account reaching %zu or more targets looks like a provider.\n",
			    s->logons, s->min_agencies);
	rc = rc ? rc : buf_adds(&b, "#\n# targets seen (logons):\n");
	for (size_t i = 0; i < s->ntargets && rc == 0; i++)
		rc = buf_printf(&b, "#   %-40s %" PRIu64 "\n", s->targets[i], s->target_count[i]);
	rc = rc ? rc : buf_adds(&b, "providers:\n");
	size_t np = 0;
	for (size_t i = 0; i < s->src.n && rc == 0; i++) {
		const sug_item *it = &src[i];
		if (it->ntargets < s->min_agencies)
			continue;
		char t1[48] = "-", t2[48] = "-";
		if (it->first)
			time_format(it->first, t1);
		if (it->last)
			time_format(it->last, t2);
		np++;
		rc = buf_printf(&b,
				"  # source %s reached %zu%s targets in %" PRIu64 " logons, %s .. %s\n"
				"  - id: suggested-%zu\n    source_networks: [%s]\n    accounts: [",
				it->key, it->ntargets, it->more ? "+" : "", it->count, t1, t2, np, it->key);
		for (size_t k = 0; k < it->naccounts && rc == 0; k++) {
			const char *an = s->acct.v[it->accounts[k]].key;
			if (yaml_safe(an))
				rc = buf_printf(&b, "%s\"%s\"", k ? ", " : "", an);
		}
		rc = rc ? rc : buf_adds(&b, "]\n    # serves (observed): ");
		rc = rc ? rc : targets_yaml(&b, s, it);
		rc = rc ? rc : buf_addc(&b, '\n');
	}
	/* accounts reaching many targets */
	size_t na = 0;
	for (size_t i = 0; i < s->acct.n; i++)
		if (s->acct.v[i].ntargets >= s->min_agencies)
			order[na++] = i;
	for (size_t i = 1; i < na; i++) /* insertion sort by (targets, count, name) */
		for (size_t j = i; j > 0 && cmp_items(&s->acct.v[order[j - 1]], &s->acct.v[order[j]]) > 0; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (rc == 0 && na)
		rc = buf_adds(&b, "# accounts reaching several targets (provider staff or shared admin accounts?):\n");
	for (size_t i = 0; i < na && rc == 0; i++) {
		const sug_item *it = &s->acct.v[order[i]];
		if (!yaml_safe(it->key))
			continue;
		rc = buf_printf(&b, "#   %-30s %zu%s targets, %" PRIu64 " logons: ", it->key, it->ntargets,
				it->more ? "+" : "", it->count);
		rc = rc ? rc : targets_yaml(&b, s, it);
		rc = rc ? rc : buf_addc(&b, '\n');
	}
	if (rc == 0 && !np)
		rc = buf_adds(&b, "  []\n");
	free(src);
	free(order);
	if (rc == 0 && b.toobig)
		rc = SPOOR_ELIMIT;
	if (rc == 0) {
		*out = xmalloc(b.len + 1);
		if (!*out)
			rc = SPOOR_ENOMEM;
		else {
			memcpy(*out, b.p, b.len);
			(*out)[b.len] = 0;
			*len = b.len;
		}
	}
	buf_done(&b);
	if (rc < 0)
		diag_set(diag, rc, "cannot render: %s", spoor_strerror(rc));
	return rc;
}
