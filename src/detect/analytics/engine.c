/* engine — the analytics stage: identity records in, findings out.
 *
 * Per event: normalise (identity.c), keep the facts several analytics and
 * the mailbox summary share (who succeeded from where; how much mail was
 * read per mailbox and source; which session came from which address),
 * then hand the record to every enabled analytic.  At the end of the
 * input each analytic evaluates its state and raises its findings. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"
#include "detect/analytics/an.h"
#include "detect/sigma/sigma-int.h"
#include "detect/stage.h"
#include "enrich/inventory.h"
#include "event/event-int.h"
#include "spoor/analytics.h"

static const an_def *const all_defs[] = {
    &an_spray,	   &an_bruteforce, &an_stuffing,   &an_travel,	   &an_firstseen, &an_legacyauth,
    &an_inboxrule, &an_forwarding, &an_delegation, &an_bulkaccess, &an_consent,
};

static void limits_default(an_limits *l)
{
	l->names = 2000000;
	l->name_bytes = 128ll << 20;
	l->entries = 1000000;
	l->list = 4096;
	l->memory = 512ll << 20;
	l->origins = 10;
	l->listed = 50;
}

static const an_param limit_params[] = {
    {"names", P_INT, offsetof(an_limits, names), "distinct names kept (accounts, sources, clients, files)"},
    {"name_bytes", P_INT, offsetof(an_limits, name_bytes), "bytes of those names"},
    {"entries", P_INT, offsetof(an_limits, entries), "entries per map (per analytic and shared)"},
    {"list", P_INT, offsetof(an_limits, list), "items per list (one account's failures, one source's accounts)"},
    {"memory", P_INT, offsetof(an_limits, memory), "bytes of all lists together"},
    {"origins", P_INT, offsetof(an_limits, origins), "record origins listed per alert"},
    {"listed", P_INT, offsetof(an_limits, listed), "accounts / sources listed per alert"},
};

unsigned an_index(const an_engine *e, const an_def *d)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->defs[i] == d)
			return (unsigned)i;
	return 0;
}

static void mark(idmap *m, uint64_t key, int64_t first, int64_t last, unsigned idx)
{
	an_mark *k = idmap_get(m, key, NULL);
	if (!k)
		return;
	if (!k->first || first < k->first)
		k->first = first;
	if (last > k->last)
		k->last = last;
	k->reasons |= 1u << idx;
}

void an_mark_source(an_engine *e, sid src, int64_t first, int64_t last, unsigned idx)
{
	if (src)
		mark(&e->bad_src, src, first, last, idx);
}

void an_mark_account(an_engine *e, sid acct, int64_t first, int64_t last, unsigned idx)
{
	if (acct)
		mark(&e->comp, acct, first, last, idx);
}

const an_succ *an_success(an_engine *e, sid acct, sid src, int64_t since)
{
	const an_succ *s = idmap_find(&e->succ, pair_key(acct, src));
	return s && s->last >= since ? s : NULL;
}

/* ---- lists in config ---- */

static bool ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if ((x | 0x20) != (y | 0x20) || ((x ^ y) & ~0x20))
			return false;
	}
	return true;
}

bool an_list_has(const an_list *l, spoor_sv s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == s.n && ieq_n(l->v[i], s.p, s.n))
			return true;
	return false;
}

bool an_list_suffix(const an_list *l, spoor_sv s)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);
		if (k <= s.n && ieq_n(l->v[i], s.p + s.n - k, k) &&
		    (k == s.n || s.p[s.n - k - 1] == '.' || s.p[s.n - k - 1] == '@' || l->v[i][0] == '.'))
			return true;
	}
	return false;
}

bool an_list_contains(const an_list *l, spoor_sv s)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);
		for (size_t j = 0; k && j + k <= s.n; j++)
			if (ieq_n(l->v[i], s.p + j, k))
				return true;
	}
	return false;
}

static void list_free(an_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(an_list *l, const char *s, size_t n)
{
	char **nv = xreallocarray(l->v, l->n + 1, sizeof(*nv));
	if (!nv)
		return SPOOR_ENOMEM;
	l->v = nv;
	if (!(l->v[l->n] = xstrndup(s, n)))
		return SPOOR_ENOMEM;
	l->n++;
	return 0;
}

int an_list_set(an_list *l, const char *items)
{
	list_free(l);
	for (const char *p = items; p && *p; p += strlen(p) + 1)
		if (list_add(l, p, strlen(p)) < 0)
			return SPOOR_ENOMEM;
	return 0;
}

/* ---- config ---- */

/* "90s", "20m", "6h", "14d", or seconds -> ns */
static bool parse_dur(const char *s, int64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return false;
	double mul = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (*end)
		return false;
	double r = v * mul * 1e9;
	if (r > 9.2e18)
		return false;
	*ns = (int64_t)r;
	return true;
}

static int set_param(const an_param *p, void *cfg, const ynode *v, const char *src, spoor_diag *diag)
{
	char *base = cfg;
	if (p->type == P_LIST) {
		an_list *l = (an_list *)(base + p->off);
		list_free(l);
		if (v->kind == YN_SCALAR && !v->n)
			return 0;
		if (v->kind != YN_SEQ)
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: a list is expected", src, v->line, p->name);
		for (size_t i = 0; i < v->nkv; i++) {
			if (v->kv[i]->kind != YN_SCALAR)
				return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: list items are strings", src,
						v->kv[i]->line, p->name);
			if (list_add(l, v->kv[i]->s, v->kv[i]->n) < 0)
				return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
		return 0;
	}
	if (v->kind != YN_SCALAR)
		return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: a single value is expected", src, v->line, p->name);
	const char *s = v->s;
	char *end;
	switch (p->type) {
	case P_DUR:
		if (!parse_dur(s, (int64_t *)(base + p->off)))
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: '%s' is not a duration (90s, 20m, 6h, 14d)",
					src, v->line, p->name, s);
		return 0;
	case P_INT: {
		long long x = strtoll(s, &end, 10);
		if (end == s || *end || x < 0)
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: '%s' is not a count", src, v->line, p->name, s);
		*(int64_t *)(base + p->off) = x;
		return 0;
	}
	case P_NUM: {
		double x = strtod(s, &end);
		if (end == s || *end)
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: '%s' is not a number", src, v->line, p->name,
					s);
		*(double *)(base + p->off) = x;
		return 0;
	}
	case P_BOOL:
		if (!strcmp(s, "true") || !strcmp(s, "yes"))
			*(bool *)(base + p->off) = true;
		else if (!strcmp(s, "false") || !strcmp(s, "no"))
			*(bool *)(base + p->off) = false;
		else
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: true or false", src, v->line, p->name);
		return 0;
	}
	return 0;
}

static int section(const an_param *ps, size_t np, void *cfg, bool *enabled, const ynode *m, const char *src,
		   const char *name, spoor_diag *diag)
{
	if (m->kind != YN_MAP)
		return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: a map of parameters is expected", src, m->line, name);
	for (size_t i = 0; i + 1 < m->nkv; i += 2) {
		const ynode *k = m->kv[i], *v = m->kv[i + 1];
		if (enabled && !strcmp(k->s, "enabled")) {
			an_param pe = {"enabled", P_BOOL, 0, ""};
			int r = set_param(&pe, enabled, v, src, diag);
			if (r < 0)
				return r;
			continue;
		}
		size_t j = 0;
		while (j < np && strcmp(ps[j].name, k->s))
			j++;
		if (j == np)
			return diag_set(diag, SPOOR_EINVAL, "%s:%u: %s: unknown parameter '%s'", src, k->line, name,
					k->s);
		int r = set_param(&ps[j], cfg, v, src, diag);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_config(an_engine *e, const char *path, spoor_diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(diag, SPOOR_EIO, "%s: cannot open", path);
	char *text = xmalloc(1u << 20);
	size_t n = text ? fread(text, 1, (1u << 20) - 1, f) : 0;
	bool big = text && n == (1u << 20) - 1;
	fclose(f);
	if (!text)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (big) {
		free(text);
		return diag_set(diag, SPOOR_ELIMIT, "%s: larger than 1 MiB", path);
	}
	text[n] = 0;
	arena ar;
	arena_init(&ar, 1u << 16, 64u << 20);
	ydoc *docs = NULL;
	size_t nd = 0;
	int r = sigma_yaml_parse(&ar, text, n, &docs, &nd, diag);
	if (r == 0 && nd) {
		const ynode *root = docs[0].root;
		if (root && root->kind == YN_MAP) {
			for (size_t i = 0; i + 1 < root->nkv && r == 0; i += 2) {
				const char *k = root->kv[i]->s;
				if (!strcmp(k, "limits")) {
					r = section(limit_params, ARRAY_SIZE(limit_params), &e->lim, NULL,
						    root->kv[i + 1], path, k, diag);
					continue;
				}
				size_t j = 0;
				while (j < e->n && strcmp(e->defs[j]->name, k))
					j++;
				if (j == e->n) {
					r = diag_set(diag, SPOOR_EINVAL, "%s:%u: unknown analytic '%s'", path,
						     root->kv[i]->line, k);
					break;
				}
				r = section(e->defs[j]->params, e->defs[j]->nparams, e->cfgs[j], &e->enabled[j],
					    root->kv[i + 1], path, k, diag);
			}
		} else if (root && !(root->kind == YN_SCALAR && !root->n)) {
			r = diag_set(diag, SPOOR_EINVAL, "%s: a map of analytic sections is expected", path);
		}
	} else if (r < 0 && diag && !strstr(diag->msg, path)) {
		char m[sizeof(diag->msg)];
		snprintf(m, sizeof(m), "%s", diag->msg);
		diag_set(diag, r, "%s: %s", path, m);
	}
	arena_done(&ar);
	free(text);
	return r;
}

/* ---- alerts ---- */

static spoor_finding finding(const an_def *d, int64_t ts, spoor_event *ev, spoor_level level, const char **tech,
			     const char **tac)
{
	*tech = d->technique;
	*tac = d->tactic;
	spoor_finding f = {
	    .rule_id = d->rule_id,
	    .rule_name = d->title,
	    .ruleset = "analytics",
	    .level = level,
	    .techniques = tech,
	    .ntechniques = 1,
	    .tactics = tac,
	    .ntactics = 1,
	    .ts = ts,
	    .ev = ev,
	};
	return f;
}

int an_alert_begin(an_engine *e, const an_def *d, int64_t ts, spoor_event *ev, spoor_level level)
{
	const char *t, *a;
	spoor_finding f = finding(d, ts, ev, level, &t, &a);
	buf_clear(&e->det);
	int r = alert_begin(&e->out, &f, NULL);
	return r ? r : alert_cstr(&e->out, "spoor.analytic", d->name);
}

int an_alert_str(an_engine *e, const char *key, spoor_sv v)
{
	return alert_str(&e->out, key, v.p, MIN(v.n, (size_t)ALERT_MAX_VALUE));
}

int an_alert_u64(an_engine *e, const char *key, uint64_t v)
{
	return alert_u64(&e->out, key, v);
}

sid an_domain(an_engine *e, sid acct)
{
	spoor_sv a = an_sv(e, acct);
	const char *at = a.n ? memchr(a.p, '@', a.n) : NULL;
	if (!at || at + 1 == a.p + a.n)
		return 0;
	return an_name(e, sv_make(at + 1, (size_t)(a.p + a.n - at - 1)));
}

int an_alert_num(an_engine *e, const char *key, double v)
{
	char tmp[64];
	int k = snprintf(tmp, sizeof(tmp), "%.1f", v);
	return alert_raw(&e->out, key, tmp, (size_t)k);
}

int an_alert_time(an_engine *e, const char *key, int64_t ns)
{
	return alert_time(&e->out, key, ns);
}

int an_alert_sids(an_engine *e, const char *key, const sid *v, size_t n)
{
	buf *b = &e->out;
	int r = alert_raw(b, key, "[", 1);
	size_t k = MIN(n, (size_t)e->lim.listed);
	for (size_t i = 0; i < k && r == 0; i++) {
		spoor_sv s = an_sv(e, v[i]);
		if (i)
			r = buf_addc(b, ',');
		if (r == 0)
			r = json_str(b, s.p, s.n);
	}
	if (r == 0)
		r = buf_addc(b, ']');
	if (r == 0) {
		char ck[96];
		snprintf(ck, sizeof(ck), "%s_count", key);
		r = alert_u64(b, ck, n);
	}
	return r;
}

int an_alert_origins(an_engine *e, const an_origin *o, size_t n, uint64_t total)
{
	buf *b = &e->out;
	int r = alert_raw(b, "spoor.origins", "[", 1);
	size_t k = MIN(n, (size_t)e->lim.origins);
	for (size_t i = 0; i < k && r == 0; i++) {
		spoor_sv p = an_sv(e, o[i].path);
		r = buf_adds(b, i ? ",{\"log.file.path\":" : "{\"log.file.path\":");
		if (r == 0)
			r = json_str(b, p.p, p.n);
		if (r == 0)
			r = buf_printf(b, ",\"log.offset\":%" PRIu64 ",\"spoor.line\":%" PRIu64 "}", o[i].offset,
				       o[i].line);
	}
	if (r == 0)
		r = buf_addc(b, ']');
	return r ? r : alert_u64(b, "spoor.records", total);
}

void an_detail(an_engine *e, const char *k, spoor_sv v)
{
	buf *b = &e->det;
	if (b->len)
		buf_adds(b, " \xC2\xA6 ");
	buf_adds(b, k);
	buf_adds(b, ": ");
	buf_add(b, v.p, MIN(v.n, (size_t)256));
}

int an_alert_end(an_engine *e, const an_def *d, int64_t ts, spoor_event *ev, spoor_level level)
{
	int r = alert_end(&e->out);
	if (r < 0)
		return r;
	const char *t, *a;
	spoor_finding f = finding(d, ts, ev, level, &t, &a);
	f.json = (spoor_sv){e->out.p, e->out.len};
	f.details = (spoor_sv){e->det.p, e->det.len};
	e->alerts++;
	return e->fn ? e->fn(&f, e->payload) : 0;
}

static void detail_sids(an_engine *e, const char *k, const sid *v, size_t n)
{
	char tmp[300];
	size_t o = 0;
	for (size_t i = 0; i < n && i < 5; i++) {
		spoor_sv s = an_sv(e, v[i]);
		int w = snprintf(tmp + o, sizeof(tmp) - o, "%s%.*s", i ? " " : "", (int)MIN(s.n, (size_t)60), s.p);
		if (w < 0 || (size_t)w >= sizeof(tmp) - o)
			break;
		o += (size_t)w;
	}
	if (n > 5 && o + 8 < sizeof(tmp))
		o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, " +%zu", n - 5);
	an_detail(e, k, sv_make(tmp, o));
}

int an_attack_members(an_engine *e, const sid *srcs, size_t ns, const sid *accts, size_t na, const sid *comp, size_t nc)
{
	int r = 0;
	if (ns == 1)
		r = an_alert_str(e, "source.ip", an_sv(e, srcs[0]));
	if (r == 0 && na == 1)
		r = an_alert_str(e, "user.name", an_sv(e, accts[0]));
	if (r == 0)
		r = an_alert_sids(e, "spoor.sources", srcs, ns);
	if (r == 0)
		r = an_alert_sids(e, "spoor.accounts", accts, na);
	if (r == 0)
		r = an_alert_sids(e, "spoor.compromised", comp, nc);
	detail_sids(e, "sources", srcs, ns);
	detail_sids(e, "accounts", accts, na);
	if (nc)
		detail_sids(e, "succeeded", comp, nc);
	return r;
}

/* ---- state between runs (--state FILE) ---- */

void an_state_begin(FILE *f, const char *tag)
{
	fputs(tag, f);
}

void an_state_sv(FILE *f, spoor_sv s)
{
	fputc('\t', f);
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c, f);
	}
}

void an_state_i64(FILE *f, int64_t v)
{
	fprintf(f, "\t%" PRId64, v);
}

void an_state_end(FILE *f)
{
	fputc('\n', f);
}

void an_state_pairs(FILE *f, an_engine *e, const char *tag, const idmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		uint64_t k = idmap_key_at(m, i);
		an_state_begin(f, tag);
		an_state_sv(f, an_sv(e, (sid)(k >> 32)));
		an_state_sv(f, an_sv(e, (sid)k));
		an_state_end(f);
	}
}

int an_state_pair_load(an_engine *e, idmap *m, char **fv, int nf)
{
	if (nf != 2)
		return 0;
	sid a = an_name(e, sv_cstr(fv[0])), c = an_name(e, sv_cstr(fv[1]));
	if (a && c)
		idmap_get(m, pair_key(a, c), NULL);
	return 1;
}

bool an_state_num(const char *s, int64_t *v)
{
	char *end;
	long long x = strtoll(s, &end, 10);
	if (end == s || *end)
		return false;
	*v = x;
	return true;
}

static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

#define STATE_MAGIC    "spoor-analytics-state 1"
#define STATE_MAX_LINE 4096

/* shared: successes per (account, source), the "new source" memory */
static int save_shared(an_engine *e, FILE *f)
{
	for (size_t i = 0; i < e->succ.n; i++) {
		uint64_t k = idmap_key_at(&e->succ, i);
		const an_succ *s = idmap_at(&e->succ, i);
		an_state_begin(f, "engine.success");
		an_state_sv(f, an_sv(e, (sid)(k >> 32)));
		an_state_sv(f, an_sv(e, (sid)k));
		an_state_i64(f, s->first);
		an_state_i64(f, s->last);
		an_state_i64(f, s->n);
		an_state_end(f);
	}
	return 0;
}

static int state_load(an_engine *e, spoor_diag *diag)
{
	FILE *f = fopen(e->state_path, "r");
	if (!f)
		return 0; /* the first run: no state yet */
	char *line = xmalloc(STATE_MAX_LINE + 2);
	if (!line) {
		fclose(f);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	int r = 0;
	uint64_t ln = 0, bad = 0;
	while (r == 0 && fgets(line, STATE_MAX_LINE + 2, f)) {
		ln++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		else if (!feof(f)) { /* too long: skip the rest */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			bad++;
			continue;
		}
		if (ln == 1) {
			if (strcmp(line, STATE_MAGIC))
				r = diag_set(diag, SPOOR_EINVAL, "%s: not a spoor analytics state file", e->state_path);
			continue;
		}
		char *fv[16];
		int nf = 0;
		for (char *p = line; p && nf < 16;) {
			fv[nf++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		for (int i = 0; i < nf; i++)
			unescape(fv[i]);
		char *dot = strchr(fv[0], '.');
		if (!dot) {
			bad++;
			continue;
		}
		*dot = 0;
		const char *kind = dot + 1;
		if (!strcmp(fv[0], "engine")) {
			int64_t a, b, c;
			if (!strcmp(kind, "success") && nf == 6 && an_state_num(fv[3], &a) && an_state_num(fv[4], &b) &&
			    an_state_num(fv[5], &c)) {
				sid acct = an_name(e, sv_cstr(fv[1])), src = an_name(e, sv_cstr(fv[2]));
				an_succ *s = acct && src ? idmap_get(&e->succ, pair_key(acct, src), NULL) : NULL;
				if (s) {
					s->first = a;
					s->last = b;
					s->n = (uint32_t)c;
					e->state_loaded++;
				}
			} else {
				bad++;
			}
			continue;
		}
		size_t j = 0;
		while (j < e->n && strcmp(e->defs[j]->name, fv[0]))
			j++;
		if (j == e->n || !e->enabled[j] || !e->defs[j]->load) {
			bad += j == e->n;
			continue;
		}
		int k = e->defs[j]->load(e->states[j], e, kind, fv + 1, nf - 1);
		if (k < 0)
			r = diag_set(diag, k, "%s: out of memory", e->state_path);
		else if (k == 0)
			bad++;
		else
			e->state_loaded++;
	}
	if (r == 0 && ferror(f))
		r = diag_set(diag, SPOOR_EIO, "%s: read error", e->state_path);
	if (r == 0 && bad)
		r = diag_set(diag, SPOOR_EINVAL, "%s: %" PRIu64 " records not understood", e->state_path, bad);
	free(line);
	fclose(f);
	return r;
}

static int state_save(an_engine *e, spoor_diag *diag)
{
	size_t n = strlen(e->state_path);
	char *tmp = xmalloc(n + 8);
	if (!tmp)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	snprintf(tmp, n + 8, "%s.tmp", e->state_path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		int r = diag_set(diag, SPOOR_EIO, "%s: cannot write", tmp);
		free(tmp);
		return r;
	}
	fprintf(f, "%s\n", STATE_MAGIC);
	int r = save_shared(e, f);
	for (size_t i = 0; i < e->n && r == 0; i++)
		if (e->enabled[i] && e->defs[i]->save)
			r = e->defs[i]->save(e->states[i], e, f);
	bool bad = ferror(f);
	if (fclose(f) != 0 || bad)
		r = r ? r : SPOOR_EIO;
	if (r == 0 && rename(tmp, e->state_path) != 0)
		r = SPOOR_EIO;
	if (r < 0) {
		remove(tmp);
		diag_set(diag, r, "%s: cannot write the state", e->state_path);
	}
	free(tmp);
	return r;
}

SPOOR_API int spoor_analytics_state(spoor_stage *st, const char *path, spoor_diag *diag)
{
	an_engine *e = (an_engine *)st;
	free(e->state_path);
	e->state_path = xstrndup(path, strlen(path));
	if (!e->state_path)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	return state_load(e, diag);
}

/* one inventory network (IPv4 kept as v4-mapped, /96../128) as an an_cidr */
static an_cidr net_of(const uint8_t a[16], uint8_t plen)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	an_cidr c;
	memset(&c, 0, sizeof(c));
	if (plen >= 96 && !memcmp(a, v4, 12)) {
		c.fam = 4;
		c.bits = (uint8_t)(plen - 96);
		memcpy(c.a, a + 12, 4);
	} else {
		c.fam = 6;
		c.bits = plen;
		memcpy(c.a, a, 16);
	}
	return c;
}

SPOOR_API int spoor_analytics_use_inventory(spoor_stage *st, const spoor_inventory *inv, spoor_diag *diag)
{
	an_engine *e = (an_engine *)st;
	size_t n = inv->nnets;
	for (size_t i = 0; i < inv->nproviders; i++)
		n += inv->providers[i].jump_hosts.n;
	an_cidr *v = n ? xcalloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < inv->nnets; i++)
		v[k++] = net_of(inv->nets[i].addr, inv->nets[i].plen);
	for (size_t i = 0; i < inv->nproviders; i++) {
		const inv_strs *j = &inv->providers[i].jump_hosts;
		for (size_t h = 0; h < j->n; h++) {
			uint8_t a[16];
			if (inv_parse_ip(j->v[h], strlen(j->v[h]), a))
				v[k++] = net_of(a, 128);
		}
	}
	an_cidrs_free(&e->known_nets);
	e->known_nets.v = v;
	e->known_nets.n = k;
	return 0;
}

/* ---- the stage ---- */

static int an_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	an_engine *e = (an_engine *)st;
	e->events++;
	arena_reset(&e->scratch);
	ident id;
	int r = ident_from_event(e->ids, ev, &e->scratch, &id);
	if (r < 0 || id.kind == IK_NONE)
		return r;
	e->idents++;
	e->by_kind[id.kind]++;
	e->fn = fn;
	e->payload = payload;
	e->cur_origin.path = an_name(e, sv_cstr(ev->origin.path ? ev->origin.path : ""));
	e->cur_origin.line = ev->origin.line;
	e->cur_origin.offset = ev->origin.offset;
	sid acct = an_name(e, id.user);
	sid src = an_name(e, id.src);
	if (id.kind == IK_AUTH && id.outcome == 1 && acct) {
		an_succ *s = src ? idmap_get(&e->succ, pair_key(acct, src), NULL) : NULL;
		if (s) {
			if (!s->n || id.ts < s->first) {
				s->first = id.ts;
				s->org = e->cur_origin;
			}
			if (id.ts > s->last)
				s->last = id.ts;
			s->n++;
		}
		if (id.session.n && src) {
			sid ss = an_name(e, id.session);
			uint32_t *v = ss ? idmap_get(&e->sess, ss, NULL) : NULL;
			if (v)
				*v = src;
		}
	}
	if (id.kind == IK_MAILREAD) {
		if (!src && id.session.n) {
			sid ss = pool_find(&e->pool, id.session.p, id.session.n);
			uint32_t *v = ss ? idmap_find(&e->sess, ss) : NULL;
			if (v && *v) {
				src = *v;
				id.src = an_sv(e, src);
			}
		}
		sid mb = an_name(e, id.mailbox);
		an_read *rd = mb ? idmap_get(&e->reads, pair_key(mb, src), NULL) : NULL;
		if (rd) {
			if (!rd->sessions || id.ts < rd->first)
				rd->first = id.ts;
			if (id.ts > rd->last)
				rd->last = id.ts;
			rd->sessions++;
			rd->bytes += id.bytes;
			rd->items += id.items;
		}
	}
	for (size_t i = 0; i < e->n; i++) {
		if (!e->enabled[i] || !e->defs[i]->on_ident)
			continue;
		r = e->defs[i]->on_ident(e->states[i], e, &id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int an_finish(spoor_stage *st, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	an_engine *e = (an_engine *)st;
	e->fn = fn;
	e->payload = payload;
	for (size_t i = 0; i < e->n; i++) {
		if (!e->enabled[i] || !e->defs[i]->finish)
			continue;
		int r = e->defs[i]->finish(e->states[i], e);
		if (r < 0)
			return diag_set(diag, r, "%s: %s", e->defs[i]->name, spoor_strerror(r));
	}
	return e->state_path ? state_save(e, diag) : 0;
}

static uint64_t dropped(const an_engine *e)
{
	return e->pool.dropped + e->list_dropped + e->entries_dropped + e->succ.dropped + e->reads.dropped +
	       e->sess.dropped + e->bad_src.dropped + e->comp.dropped;
}

static const char *an_summary(spoor_stage *st)
{
	an_engine *e = (an_engine *)st;
	snprintf(e->summary, sizeof(e->summary),
		 "%" PRIu64 " identity records (%" PRIu64 " logons, %" PRIu64 " mail reads, %" PRIu64
		 " mailbox changes), %" PRIu64 " alerts; state: %zu names, %" PRIu64 " KiB of lists; %" PRIu64
		 " entries turned away by caps",
		 e->idents, e->by_kind[IK_AUTH], e->by_kind[IK_MAILREAD], e->by_kind[IK_ADMIN], e->alerts, e->pool.n,
		 e->mem >> 10, dropped(e));
	return e->summary;
}

static void an_free(spoor_stage *st)
{
	an_engine *e = (an_engine *)st;
	for (size_t i = 0; i < e->n; i++) {
		if (e->states[i] && e->defs[i]->destroy)
			e->defs[i]->destroy(e->states[i]);
		if (e->cfgs[i]) {
			for (size_t j = 0; j < e->defs[i]->nparams; j++)
				if (e->defs[i]->params[j].type == P_LIST)
					list_free((an_list *)((char *)e->cfgs[i] + e->defs[i]->params[j].off));
			free(e->cfgs[i]);
		}
	}
	ident_ids_free(e->ids);
	an_cidrs_free(&e->known_nets);
	free(e->state_path);
	pool_done(&e->pool);
	idmap_done(&e->bad_src);
	idmap_done(&e->comp);
	idmap_done(&e->succ);
	idmap_done(&e->reads);
	idmap_done(&e->sess);
	arena_done(&e->scratch);
	buf_done(&e->out);
	buf_done(&e->det);
	free(e);
}

static const stage_ops an_ops = {
    .name = "analytics",
    .event = an_event,
    .finish = an_finish,
    .summary = an_summary,
    .free = an_free,
};

SPOOR_API int spoor_analytics_stage_new(spoor_stage **out, spoor_ctx *ctx, const char *config_path, spoor_diag *diag)
{
	*out = NULL;
	an_engine *e = xcalloc(1, sizeof(*e));
	if (!e)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	e->base.ops = &an_ops;
	e->ctx = ctx;
	limits_default(&e->lim);
	buf_init(&e->out, 1u << 20);
	buf_init(&e->det, 1u << 14);
	arena_init(&e->scratch, 1u << 12, 1u << 20);
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(all_defs) && r == 0; i++) {
		const an_def *d = all_defs[i];
		e->defs[i] = d;
		e->enabled[i] = true;
		e->cfgs[i] = xcalloc(1, d->cfg_size);
		if (!e->cfgs[i])
			r = diag_set(diag, SPOOR_ENOMEM, "out of memory");
		else
			d->defaults(e->cfgs[i]);
		e->n = i + 1;
	}
	if (r == 0 && config_path)
		r = load_config(e, config_path, diag);
	if (r == 0) {
		pool_init(&e->pool, (size_t)e->lim.names, (size_t)e->lim.name_bytes);
		size_t ent = (size_t)e->lim.entries;
		idmap_init(&e->bad_src, sizeof(an_mark), ent);
		idmap_init(&e->comp, sizeof(an_mark), ent);
		idmap_init(&e->succ, sizeof(an_succ), ent);
		idmap_init(&e->reads, sizeof(an_read), ent);
		idmap_init(&e->sess, sizeof(uint32_t), ent);
		e->ids = ident_ids_new(ctx);
		if (!e->ids)
			r = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < e->n && r == 0; i++) {
		if (!e->enabled[i])
			continue;
		e->states[i] = e->defs[i]->create(e, e->cfgs[i]);
		if (!e->states[i])
			r = e->err[0] ? diag_set(diag, SPOOR_EINVAL, "%s: %s", e->defs[i]->name, e->err)
				      : diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (r < 0) {
		an_free(&e->base);
		return r;
	}
	*out = &e->base;
	return 0;
}

/* ---- describe (spoor hunt --analytics-list) ---- */

static void print_default(FILE *f, const an_param *p, const void *cfg)
{
	const char *base = cfg;
	switch (p->type) {
	case P_DUR: {
		int64_t s = *(const int64_t *)(base + p->off) / 1000000000;
		if (s && s % 86400 == 0)
			fprintf(f, "%" PRId64 "d", s / 86400);
		else if (s && s % 3600 == 0)
			fprintf(f, "%" PRId64 "h", s / 3600);
		else if (s && s % 60 == 0)
			fprintf(f, "%" PRId64 "m", s / 60);
		else
			fprintf(f, "%" PRId64 "s", s);
		break;
	}
	case P_INT:
		fprintf(f, "%" PRId64, *(const int64_t *)(base + p->off));
		break;
	case P_NUM:
		fprintf(f, "%g", *(const double *)(base + p->off));
		break;
	case P_BOOL:
		fprintf(f, "%s", *(const bool *)(base + p->off) ? "true" : "false");
		break;
	case P_LIST: {
		const an_list *l = (const an_list *)(base + p->off);
		fputc('[', f);
		for (size_t i = 0; i < l->n; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "", l->v[i]);
		fputc(']', f);
		break;
	}
	}
}

SPOOR_API int spoor_analytics_describe(FILE *f)
{
	an_limits l;
	limits_default(&l);
	fprintf(f, "# spoor analytics configuration: every parameter with its default.\n"
		   "# Give the file with `spoor hunt --analytics-config FILE`; keys left out keep their default.\n");
	fprintf(f, "limits:\n");
	for (size_t j = 0; j < ARRAY_SIZE(limit_params); j++) {
		fprintf(f, "  %s: ", limit_params[j].name);
		print_default(f, &limit_params[j], &l);
		fprintf(f, "  # %s\n", limit_params[j].doc);
	}
	for (size_t i = 0; i < ARRAY_SIZE(all_defs); i++) {
		const an_def *d = all_defs[i];
		void *cfg = xcalloc(1, d->cfg_size);
		if (!cfg)
			return SPOOR_ENOMEM;
		d->defaults(cfg);
		fprintf(f, "%s:  # %s; %s, %s\n  enabled: true\n", d->name, d->rule_id, d->technique, d->title);
		for (size_t j = 0; j < d->nparams; j++) {
			fprintf(f, "  %s: ", d->params[j].name);
			print_default(f, &d->params[j], cfg);
			fprintf(f, "  # %s\n", d->params[j].doc);
			if (d->params[j].type == P_LIST)
				list_free((an_list *)((char *)cfg + d->params[j].off));
		}
		free(cfg);
	}
	return 0;
}
