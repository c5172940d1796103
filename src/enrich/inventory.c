/* inventory — validation across files, lookup indexes, and classifying an
 * event against the inventory (see inventory.h).
 *
 * Networks: one hash table per prefix length present, probed from the
 * longest length down (the way routers without a trie do longest-prefix
 * match).  An inventory has a handful of distinct lengths, so a lookup is
 * a few hash probes whatever the number of networks. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"

/* ---- small helpers ---- */

char *inv_lower(arena *ar, const char *s, size_t n)
{
	char *c = arena_alloc(ar, n + 1);
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	c[n] = 0;
	return c;
}

bool inv_parse_ip(const char *s, size_t n, uint8_t out[16])
{
	char tmp[64];
	if (!n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	/* an IPv6 zone (fe80::1%eth0) and brackets are dropped */
	char *pct = strchr(tmp, '%');
	if (pct)
		*pct = 0;
	char *p = tmp;
	if (*p == '[') {
		p++;
		char *e = strchr(p, ']');
		if (e)
			*e = 0;
	}
	if (strchr(p, ':'))
		return inet_pton(AF_INET6, p, out) == 1;
	uint8_t v4[4];
	if (inet_pton(AF_INET, p, v4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
	return true;
}

static bool is_v4(const uint8_t a[16])
{
	static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return !memcmp(a, pre, 12);
}

static void mask(uint8_t a[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
		a[i] &= (uint8_t)(bits ? 0xff << (8 - bits) : 0);
	}
}

bool inv_parse_cidr(const char *s, size_t n, uint8_t out[16], uint8_t *plen)
{
	const char *sl = memchr(s, '/', n);
	size_t an = sl ? (size_t)(sl - s) : n;
	if (!inv_parse_ip(s, an, out))
		return false;
	bool v4 = is_v4(out) && !memchr(s, ':', an);
	unsigned max = v4 ? 32 : 128, len = max;
	if (sl) {
		const char *p = sl + 1, *e = s + n;
		if (p == e || e - p > 3)
			return false;
		len = 0;
		for (; p < e; p++) {
			if (*p < '0' || *p > '9')
				return false;
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > max)
			return false;
	}
	if (v4)
		len += 96;
	mask(out, len);
	*plen = (uint8_t)len;
	return true;
}

void inv_format_ip(const uint8_t a[16], char *out, size_t cap)
{
	if (!inet_ntop(is_v4(a) ? AF_INET : AF_INET6, is_v4(a) ? a + 12 : a, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

/* ---- string map ---- */

static uint64_t key_hash(const char *k, size_t n)
{
	return hash_bytes(k, n, 0x53706f6f72ull);
}

int inv_map_put(inv_map *m, const char *key, size_t n, uint32_t val, uint32_t val2)
{
	if (2 * (m->len + 1) > m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 64;
		struct inv_slot *nv = xcalloc(nc, sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->v[i].key)
				continue;
			size_t j = key_hash(m->v[i].key, m->v[i].n) & (nc - 1);
			while (nv[j].key)
				j = (j + 1) & (nc - 1);
			nv[j] = m->v[i];
		}
		free(m->v);
		m->v = nv;
		m->cap = nc;
	}
	size_t j = key_hash(key, n) & (m->cap - 1);
	while (m->v[j].key) {
		if (m->v[j].n == n && !memcmp(m->v[j].key, key, n))
			return 1; /* present: first wins */
		j = (j + 1) & (m->cap - 1);
	}
	m->v[j].key = key;
	m->v[j].n = n;
	m->v[j].val = val;
	m->v[j].val2 = val2;
	m->len++;
	return 0;
}

const struct inv_slot *inv_map_get(const inv_map *m, const char *key, size_t n)
{
	if (!m->cap)
		return NULL;
	size_t j = key_hash(key, n) & (m->cap - 1);
	while (m->v[j].key) {
		if (m->v[j].n == n && !memcmp(m->v[j].key, key, n))
			return &m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

void inv_map_done(inv_map *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Case-insensitive lookup of an event text (lower-cased on the stack). */
static const struct inv_slot *map_get_ci(const inv_map *m, spoor_sv s)
{
	char tmp[256];
	if (!s.n || s.n > sizeof(tmp))
		return NULL;
	for (size_t i = 0; i < s.n; i++)
		tmp[i] = (s.p[i] >= 'A' && s.p[i] <= 'Z') ? (char)(s.p[i] + 32) : s.p[i];
	return inv_map_get(m, tmp, s.n);
}

/* ---- the inventory object ---- */

SPOOR_API int spoor_inventory_new(spoor_inventory **out, const spoor_inventory_limits *lim)
{
	spoor_inventory *inv = xcalloc(1, sizeof(*inv));
	if (!inv)
		return SPOOR_ENOMEM;
	spoor_inventory_limits d = SPOOR_INVENTORY_LIMITS_INIT;
	inv->lim = lim ? *lim : d;
	arena_init(&inv->ar, 1u << 16, 0);
	*out = inv;
	return 0;
}

SPOOR_API void spoor_inventory_free(spoor_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->nproviders; i++) {
		inv_provider *p = &inv->providers[i];
		for (size_t w = 0; w < p->nwindows; w++)
			tz_done(&p->windows[w].tz);
		free(p->accounts);
		free(p->serves);
		free(p->windows);
	}
	free(inv->agencies);
	free(inv->providers);
	free(inv->hosts);
	free(inv->nets);
	free(inv->sources);
	inv_map *maps[] = {&inv->ids,
			   &inv->hostname,
			   &inv->hostip,
			   &inv->account,
			   &inv->admin,
			   &inv->key,
			   &inv->jump,
			   &inv->domain,
			   &inv->ident,
			   &inv->agency_nets.byprefix,
			   &inv->provider_nets.byprefix};
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
		inv_map_done(maps[i]);
	arena_done(&inv->ar);
	free(inv);
}

SPOOR_API int spoor_inventory_load_mem(spoor_inventory *inv, const char *name, const char *text, size_t len,
				       spoor_diag *diag)
{
	return inv_load_text(inv, name, text, len, diag);
}

SPOOR_API int spoor_inventory_load_file(spoor_inventory *inv, const char *path, spoor_diag *diag)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		if (diag)
			snprintf(diag->source, sizeof(diag->source), "%s", path);
		return diag_set(diag, e == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "cannot open: %s", strerror(e));
	}
	size_t cap = 1u << 16, len = 0;
	char *text = xmalloc(cap);
	int rc = text ? 0 : SPOOR_ENOMEM;
	while (rc == 0) {
		if (len == cap) {
			if (cap > inv->lim.max_file) {
				rc = SPOOR_ELIMIT;
				break;
			}
			char *nt = xrealloc(text, cap * 2);
			if (!nt) {
				rc = SPOOR_ENOMEM;
				break;
			}
			text = nt;
			cap *= 2;
		}
		size_t r = fread(text + len, 1, cap - len, fp);
		len += r;
		if (r == 0) {
			if (ferror(fp))
				rc = SPOOR_EIO;
			break;
		}
	}
	fclose(fp);
	if (rc == 0)
		rc = inv_load_text(inv, path, text, len, diag);
	else if (diag) {
		snprintf(diag->source, sizeof(diag->source), "%s", path);
		diag_set(diag, rc, rc == SPOOR_ELIMIT ? "file larger than %zu bytes (limit max_file)" : "cannot read",
			 inv->lim.max_file);
	}
	free(text);
	return rc;
}

SPOOR_API void spoor_inventory_stats_get(const spoor_inventory *inv, spoor_inventory_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->agencies = inv->nagencies;
	st->providers = inv->nproviders;
	st->hosts = inv->nhosts;
	st->networks = inv->nnets;
	st->files = inv->nfiles;
	for (size_t i = 0; i < inv->nproviders; i++)
		st->accounts += inv->providers[i].naccounts;
}

/* ---- finish: references, overlaps, indexes ---- */

static int err_pos(spoor_diag *d, inv_pos p, const char *fmt, ...) PRINTF(3, 4);
static int err_pos(spoor_diag *d, inv_pos p, const char *fmt, ...)
{
	if (!d)
		return SPOOR_EPARSE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->code = SPOOR_EPARSE;
	snprintf(d->source, sizeof(d->source), "%s", p.file ? p.file : "");
	d->line = p.line;
	d->col = p.col;
	return SPOOR_EPARSE;
}

static const char *owner_id(const spoor_inventory *inv, const inv_net *n)
{
	return n->owner_is_provider ? inv->providers[n->owner].id : inv->agencies[n->owner].id;
}

static int cmp_net(const void *a, const void *b)
{
	const inv_net *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);
	return c ? c : (int)x->plen - (int)y->plen;
}

/* last address of a network */
static void net_last(const inv_net *n, uint8_t out[16])
{
	memcpy(out, n->addr, 16);
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = n->plen >= 8 * (i + 1) ? 8 : n->plen > 8 * i ? n->plen - 8 * i : 0;
		out[i] |= (uint8_t)(0xff >> bits);
		if (bits == 8)
			out[i] = n->addr[i];
	}
}

static int check_overlaps(spoor_inventory *inv, bool providers, spoor_diag *diag)
{
	size_t n = 0;
	inv_net *v = xcalloc(inv->nnets ? inv->nnets : 1, sizeof(*v));
	if (!v)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < inv->nnets; i++)
		if (inv->nets[i].owner_is_provider == providers)
			v[n++] = inv->nets[i];
	qsort(v, n, sizeof(*v), cmp_net);
	/* sorted by start: a network overlaps an earlier one iff it starts
	 * before the largest end seen so far; report when owners differ */
	int rc = 0;
	uint8_t end[16];
	size_t endi = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i && memcmp(v[i].addr, end, 16) <= 0 && v[i].owner != v[endi].owner) {
			char a[48], b[48];
			inv_format_ip(v[i].addr, a, sizeof(a));
			inv_format_ip(v[endi].addr, b, sizeof(b));
			unsigned pa = v[i].plen - (is_v4(v[i].addr) ? 96 : 0);
			unsigned pb = v[endi].plen - (is_v4(v[endi].addr) ? 96 : 0);
			rc = err_pos(diag, v[i].pos, "network %s/%u of %s '%s' overlaps %s/%u of %s '%s' (%s:%u)", a,
				     pa, providers ? "provider" : "agency", owner_id(inv, &v[i]), b, pb,
				     providers ? "provider" : "agency", owner_id(inv, &v[endi]), v[endi].pos.file,
				     v[endi].pos.line);
		}
		uint8_t last[16];
		net_last(&v[i], last);
		if (i == 0 || memcmp(last, end, 16) > 0) {
			memcpy(end, last, 16);
			endi = i;
		}
	}
	free(v);
	return rc;
}

static int index_nets(spoor_inventory *inv)
{
	for (size_t i = 0; i < inv->nnets; i++) {
		inv_net *n = &inv->nets[i];
		inv_nettab *t = n->owner_is_provider ? &inv->provider_nets : &inv->agency_nets;
		char key[17];
		key[0] = (char)n->plen;
		memcpy(key + 1, n->addr, 16);
		char *k = arena_memdup(&inv->ar, key, 17);
		if (!k || inv_map_put(&t->byprefix, k, 17, (uint32_t)i, 0) < 0)
			return SPOOR_ENOMEM;
		bool seen = false;
		for (size_t j = 0; j < t->nplens && !seen; j++)
			seen = t->plens[j] == n->plen;
		if (!seen) {
			/* keep lengths sorted longest first */
			size_t j = t->nplens++;
			while (j && t->plens[j - 1] < n->plen) {
				t->plens[j] = t->plens[j - 1];
				j--;
			}
			t->plens[j] = n->plen;
		}
	}
	return 0;
}

uint32_t inv_net_lookup(const spoor_inventory *inv, const inv_nettab *t, const uint8_t addr[16])
{
	(void)inv;
	for (size_t j = 0; j < t->nplens; j++) {
		char key[17];
		key[0] = (char)t->plens[j];
		memcpy(key + 1, addr, 16);
		mask((uint8_t *)key + 1, t->plens[j]);
		const struct inv_slot *s = inv_map_get(&t->byprefix, key, 17);
		if (s)
			return s->val;
	}
	return INV_NONE;
}

static int put_unique(spoor_inventory *inv, inv_map *m, const char *key, uint32_t val, uint32_t val2, inv_pos pos,
		      const char *what, void (*who)(const spoor_inventory *, uint32_t, uint32_t, char *, size_t),
		      spoor_diag *diag)
{
	int r = inv_map_put(m, key, strlen(key), val, val2);
	if (r < 0)
		return r;
	if (r == 1) {
		const struct inv_slot *s = inv_map_get(m, key, strlen(key));
		if (s->val == val && s->val2 == val2)
			return 0;
		char b[300];
		who(inv, s->val, s->val2, b, sizeof(b));
		return err_pos(diag, pos, "%s '%s' is already listed for %s", what, key, b);
	}
	return 0;
}

static void who_agency(const spoor_inventory *inv, uint32_t v, uint32_t v2, char *b, size_t bn)
{
	(void)v2;
	snprintf(b, bn, "agency '%s'", inv->agencies[v].id);
}

static void who_provider(const spoor_inventory *inv, uint32_t v, uint32_t v2, char *b, size_t bn)
{
	(void)v2;
	snprintf(b, bn, "provider '%s'", inv->providers[v].id);
}

static void who_host(const spoor_inventory *inv, uint32_t v, uint32_t v2, char *b, size_t bn)
{
	(void)v2;
	snprintf(b, bn, "host '%s' of agency '%s'", inv->hosts[v].name, inv->agencies[inv->hosts[v].agency].id);
}

static void who_id(const spoor_inventory *inv, uint32_t v, uint32_t v2, char *b, size_t bn)
{
	if (v2)
		who_provider(inv, v, 0, b, bn);
	else
		who_agency(inv, v, 0, b, bn);
}

SPOOR_API int spoor_inventory_finish(spoor_inventory *inv, spoor_diag *diag)
{
	int r = 0;
	if (inv->finished)
		return 0;
	/* ids: unique across agencies and providers */
	for (size_t i = 0; i < inv->nagencies && r == 0; i++)
		r = put_unique(inv, &inv->ids, inv->agencies[i].id, (uint32_t)i, 0, inv->agencies[i].pos, "id", who_id,
			       diag);
	for (size_t i = 0; i < inv->nproviders && r == 0; i++)
		r = put_unique(inv, &inv->ids, inv->providers[i].id, (uint32_t)i, 1, inv->providers[i].pos, "id",
			       who_id, diag);
	/* hosts: names unique; the first label ("dc01" of "dc01.moh.local")
	 * is indexed too unless another host has it */
	for (size_t i = 0; i < inv->nhosts && r == 0; i++) {
		inv_host *h = &inv->hosts[i];
		r = put_unique(inv, &inv->hostname, h->name, (uint32_t)i, 0, h->pos, "host", who_host, diag);
		if (r == 0 && h->has_ip) {
			char *k = arena_memdup(&inv->ar, h->ip, 16);
			if (!k)
				return SPOOR_ENOMEM;
			r = inv_map_put(&inv->hostip, k, 16, (uint32_t)i, 0);
			if (r == 1) {
				char a[48];
				inv_format_ip(h->ip, a, sizeof(a));
				char b[300];
				who_host(inv, inv_map_get(&inv->hostip, k, 16)->val, 0, b, sizeof(b));
				r = err_pos(diag, h->pos, "host address %s is already used by %s", a, b);
			}
		}
	}
	for (size_t i = 0; i < inv->nhosts && r == 0; i++) {
		const char *nm = inv->hosts[i].name, *dot = strchr(nm, '.');
		if (!dot || dot == nm)
			continue;
		size_t ln = (size_t)(dot - nm);
		int pr = inv_map_put(&inv->hostname, nm, ln, (uint32_t)i, 0);
		if (pr < 0) {
			r = SPOOR_ENOMEM;
		} else if (pr == 1) {
			/* the label is taken: by a host of exactly that name (which
			 * keeps it), or by another host's label ("mail" of
			 * mail.mof.gov.example and of mail.moi.gov.example): then
			 * the label names no host, the event's networks decide */
			struct inv_slot *t = (struct inv_slot *)inv_map_get(&inv->hostname, nm, ln);
			if (t && t->val != (uint32_t)i && strlen(inv->hosts[t->val].name) != ln)
				t->val2 = INV_AMBIGUOUS;
		}
	}
	/* agencies: domains and admin accounts */
	for (size_t i = 0; i < inv->nagencies && r == 0; i++) {
		inv_agency *a = &inv->agencies[i];
		for (size_t k = 0; k < a->mail_domains.n && r == 0; k++)
			r = put_unique(inv, &inv->domain, a->mail_domains.v[k], (uint32_t)i, 0, a->mail_domains.pos[k],
				       "domain", who_agency, diag);
		for (size_t k = 0; k < a->ad_domains.n && r == 0; k++)
			r = put_unique(inv, &inv->domain, a->ad_domains.v[k], (uint32_t)i, 0, a->ad_domains.pos[k],
				       "domain", who_agency, diag);
		for (size_t k = 0; k < a->tenants.n && r == 0; k++)
			r = put_unique(inv, &inv->domain, a->tenants.v[k], (uint32_t)i, 0, a->tenants.pos[k], "tenant",
				       who_agency, diag);
		for (size_t k = 0; k < a->admins.n && r == 0; k++)
			r = put_unique(inv, &inv->admin, a->admins.v[k], (uint32_t)i, 0, a->admins.pos[k],
				       "admin account", who_agency, diag);
		for (size_t k = 0; k < a->admin_hosts.n && r == 0; k++)
			if (!inv_map_get(&inv->hostname, a->admin_hosts.v[k], strlen(a->admin_hosts.v[k])))
				r = err_pos(diag, a->admin_hosts.pos[k],
					    "admin host '%s' of agency '%s' is not a listed host", a->admin_hosts.v[k],
					    a->id);
	}
	/* providers: accounts, keys, jump hosts, served agencies and hosts */
	for (size_t i = 0; i < inv->nproviders && r == 0; i++) {
		inv_provider *p = &inv->providers[i];
		for (size_t k = 0; k < p->naccounts && r == 0; k++) {
			r = put_unique(inv, &inv->account, p->accounts[k].name, (uint32_t)i, (uint32_t)k,
				       p->accounts[k].pos, "account", who_provider, diag);
			if (r == 0 && inv_map_get(&inv->admin, p->accounts[k].name, strlen(p->accounts[k].name)))
				r = err_pos(diag, p->accounts[k].pos,
					    "account '%s' of provider '%s' is also an agency admin account",
					    p->accounts[k].name, p->id);
		}
		for (size_t k = 0; k < p->keys.n && r == 0; k++)
			r = put_unique(inv, &inv->key, p->keys.v[k], (uint32_t)i, 0, p->keys.pos[k], "key fingerprint",
				       who_provider, diag);
		for (size_t k = 0; k < p->jump_hosts.n && r == 0; k++) {
			uint8_t a[16];
			const char *j = p->jump_hosts.v[k];
			if (inv_parse_ip(j, strlen(j), a)) {
				char *key = arena_memdup(&inv->ar, a, 16);
				if (!key)
					return SPOOR_ENOMEM;
				r = inv_map_put(&inv->jump, key, 16, (uint32_t)i, 0) < 0 ? SPOOR_ENOMEM : 0;
			} else {
				r = put_unique(inv, &inv->jump, j, (uint32_t)i, 0, p->jump_hosts.pos[k], "jump host",
					       who_provider, diag);
				inv->jump_names++;
				/* "jump01" as syslog writes "jump01.acme.example" */
				const char *dot = strchr(j, '.');
				if (r == 0 && dot && dot > j)
					r = inv_map_put(&inv->jump, j, (size_t)(dot - j), (uint32_t)i, 0) < 0 ? SPOOR_ENOMEM
													       : 0;
			}
		}
		for (size_t k = 0; k < p->nserves && r == 0; k++) {
			inv_serve *s = &p->serves[k];
			const struct inv_slot *sl = inv_map_get(&inv->ids, s->agency_id, strlen(s->agency_id));
			if (!sl || sl->val2 != 0) {
				r = err_pos(diag, s->pos, "provider '%s' serves unknown agency '%s'", p->id,
					    s->agency_id);
				break;
			}
			s->agency = sl->val;
			for (size_t m = 0; m < k && r == 0; m++)
				if (p->serves[m].agency == s->agency)
					r = err_pos(diag, s->pos, "provider '%s' lists agency '%s' twice in serves",
						    p->id, s->agency_id);
			for (size_t h = 0; h < s->hosts.n && r == 0; h++) {
				const char *hn = s->hosts.v[h];
				bool found = false;
				if (!strncmp(hn, "role:", 5)) {
					for (size_t x = 0; x < inv->nhosts && !found; x++)
						found = inv->hosts[x].agency == s->agency &&
							!strcmp(inv->hosts[x].role, hn + 5);
					if (!found)
						r = err_pos(diag, s->hosts.pos[h],
							    "no host of agency '%s' has role '%s' (host group of "
							    "provider '%s')",
							    s->agency_id, hn + 5, p->id);
				} else {
					const struct inv_slot *hs = inv_map_get(&inv->hostname, hn, strlen(hn));
					uint32_t hi = hs ? hs->val : INV_NONE;
					/* a label several agencies' hosts share: this agency's */
					for (size_t q = 0; hs && hs->val2 == INV_AMBIGUOUS && q < inv->nhosts; q++) {
						const char *qn = inv->hosts[q].name;
						if (inv->hosts[q].agency == s->agency && !strncmp(qn, hn, hs->n) &&
						    qn[hs->n] == '.') {
							hi = (uint32_t)q;
							break;
						}
					}
					if (hi == INV_NONE || inv->hosts[hi].agency != s->agency)
						r = err_pos(
						    diag, s->hosts.pos[h],
						    "host '%s' allowed to provider '%s' is not a host of agency '%s'",
						    hn, p->id, s->agency_id);
				}
			}
		}
	}
	for (size_t i = 0; i < inv->nproviders && r == 0; i++)
		for (size_t k = 0; k < inv->providers[i].naccounts && r == 0; k++) {
			const char *n = inv->providers[i].accounts[k].name;
			r = inv_map_put(&inv->ident, n, strlen(n), (uint32_t)i, (uint32_t)k) < 0 ? SPOOR_ENOMEM : 0;
			inv->ident_with_domain |= strchr(n, '\\') != NULL;
		}
	for (size_t i = 0; i < inv->nagencies && r == 0; i++)
		for (size_t k = 0; k < inv->agencies[i].admins.n && r == 0; k++) {
			const char *n = inv->agencies[i].admins.v[k];
			r = inv_map_put(&inv->ident, n, strlen(n), (uint32_t)i, INV_ADMIN) < 0 ? SPOOR_ENOMEM : 0;
			inv->ident_with_domain |= strchr(n, '\\') != NULL;
		}
	for (size_t i = 0; i < inv->nnets; i++)
		if (inv->nets[i].owner_is_provider)
			inv->providers[inv->nets[i].owner].has_sources = true;
	for (size_t i = 0; i < inv->nproviders; i++)
		if (inv->providers[i].jump_hosts.n)
			inv->providers[i].has_sources = true;
	if (r == 0)
		r = check_overlaps(inv, false, diag);
	if (r == 0)
		r = check_overlaps(inv, true, diag);
	if (r == 0)
		r = index_nets(inv);
	if (r == SPOOR_ENOMEM && diag && !diag->msg[0])
		diag_set(diag, r, "out of memory");
	if (r == 0)
		inv->finished = true;
	return r;
}

/* ---- scope checks ---- */

bool inv_in_contract(const inv_provider *p, int64_t t)
{
	if (p->has_start && t < p->contract_start)
		return false;
	if (p->has_end && t >= p->contract_end)
		return false;
	return true;
}

bool inv_in_window(const inv_provider *p, int64_t t)
{
	if (!p->nwindows)
		return true;
	int64_t sec = t / 1000000000 - (t % 1000000000 < 0);
	for (size_t i = 0; i < p->nwindows; i++) {
		const inv_window *w = &p->windows[i];
		int64_t local = sec + tz_offset_for_utc(&w->tz, sec);
		int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
		unsigned mins = (unsigned)((local - day * 86400) / 60);
		unsigned wd = (unsigned)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
		if (w->start_min < w->end_min) {
			if ((w->days >> wd & 1) && mins >= w->start_min && mins < w->end_min)
				return true;
		} else {
			/* wraps midnight: the part after midnight belongs to the day before */
			unsigned prev = (wd + 6) % 7;
			if ((w->days >> wd & 1) && mins >= w->start_min)
				return true;
			if ((w->days >> prev & 1) && mins < w->end_min)
				return true;
		}
	}
	return false;
}

const inv_serve *inv_serve_of(const inv_provider *p, uint32_t agency)
{
	for (size_t i = 0; i < p->nserves; i++)
		if (p->serves[i].agency == agency)
			return &p->serves[i];
	return NULL;
}

bool inv_host_allowed(const spoor_inventory *inv, const inv_serve *s, uint32_t host)
{
	if (s->all_hosts || host == INV_NONE)
		return true;
	const inv_host *h = &inv->hosts[host];
	for (size_t i = 0; i < s->hosts.n; i++) {
		const char *x = s->hosts.v[i];
		if (!strncmp(x, "role:", 5) ? !strcmp(h->role, x + 5) : !strcmp(h->name, x))
			return true;
	}
	return false;
}

/* ---- classify ---- */

static spoor_sv text(spoor_event *ev, uint32_t id)
{
	spoor_sv t = {NULL, 0};
	const efield *f = event_find(ev, id);
	if (f && f->type != SPOOR_VT_NULL && !event_text(ev, f, &t))
		t.n = 0;
	return sv_trim(t);
}

static bool placeholder(spoor_sv s)
{
	return !s.n || sv_eq_cstr(s, "-") || sv_eq_cstr(s, "?");
}

/* Host by name: the whole name, then its first label. */
static uint32_t host_by_name(const spoor_inventory *inv, spoor_sv n)
{
	if (placeholder(n))
		return INV_NONE;
	const struct inv_slot *s = map_get_ci(&inv->hostname, n);
	if (!s) {
		const char *dot = memchr(n.p, '.', n.n);
		if (dot && dot > n.p)
			s = map_get_ci(&inv->hostname, sv_make(n.p, (size_t)(dot - n.p)));
	}
	return s && s->val2 != INV_AMBIGUOUS ? s->val : INV_NONE;
}

/* Provider account by the user text: "name", "DOMAIN\name", "name@domain";
 * an inventory entry without a domain matches the name part of either. */
static const struct inv_slot *account_of(const inv_map *m, spoor_sv user, spoor_sv domain, bool with_domain)
{
	if (placeholder(user))
		return NULL;
	const struct inv_slot *s = map_get_ci(m, user);
	if (s)
		return s;
	char tmp[300];
	if (with_domain && domain.n && domain.n + user.n + 1 < sizeof(tmp) && !memchr(user.p, '@', user.n)) {
		/* "DOMAIN\name" as the inventory may write it */
		memcpy(tmp, domain.p, domain.n);
		tmp[domain.n] = '\\';
		memcpy(tmp + domain.n + 1, user.p, user.n);
		if ((s = map_get_ci(m, sv_make(tmp, domain.n + 1 + user.n))))
			return s;
	}
	const char *bs = memchr(user.p, '\\', user.n);
	if (bs)
		return map_get_ci(m, sv_make(bs + 1, user.n - (size_t)(bs + 1 - user.p)));
	const char *at = memchr(user.p, '@', user.n);
	if (at && at > user.p)
		return map_get_ci(m, sv_make(user.p, (size_t)(at - user.p)));
	return NULL;
}

void inv_classify(const spoor_inventory *inv, spoor_event *ev, inv_match *m)
{
	memset(m, 0, sizeof(*m));
	m->provider = m->account = m->agency = m->host = m->owner_agency = m->host_jump = INV_NONE;
	m->src_agency = m->src_provider = m->key_provider = INV_NONE;
	spoor_sv user = text(ev, F_USER_NAME), udom = text(ev, F_USER_DOMAIN);
	spoor_sv src = text(ev, F_SOURCE_IP), dst = text(ev, F_DESTINATION_IP);
	spoor_sv hostn = text(ev, F_HOST_NAME), key = text(ev, F_SSH_KEY_FINGERPRINT);
	spoor_sv srcdom = text(ev, F_SOURCE_DOMAIN), ws = text(ev, F_WIN_WORKSTATION_NAME);
	if (!hostn.n)
		hostn = text(ev, F_WIN_COMPUTER);
	m->user = user;
	m->host_name = hostn;
	m->key = key;
	/* the source: address, provider/agency network, jump host */
	if (src.n && inv_parse_ip(src.p, src.n, m->src)) {
		m->has_src = true;
		uint32_t n = inv_net_lookup(inv, &inv->provider_nets, m->src);
		if (n != INV_NONE)
			m->src_provider = inv->nets[n].owner;
		n = inv_net_lookup(inv, &inv->agency_nets, m->src);
		if (n != INV_NONE)
			m->src_agency = inv->nets[n].owner;
		const struct inv_slot *j = inv_map_get(&inv->jump, (const char *)m->src, 16);
		if (j) {
			m->src_is_jump = true;
			if (m->src_provider == INV_NONE)
				m->src_provider = j->val;
		}
	}
	const struct inv_slot *js = NULL;
	if (!inv->jump_names)
		srcdom.n = ws.n = 0;
	if (!m->src_is_jump && !placeholder(srcdom))
		js = map_get_ci(&inv->jump, srcdom);
	if (!js && !m->src_is_jump && !placeholder(ws))
		js = map_get_ci(&inv->jump, ws);
	if (js) {
		m->src_is_jump = true;
		if (m->src_provider == INV_NONE)
			m->src_provider = js->val;
	}
	if (key.n) {
		const struct inv_slot *k = inv_map_get(&inv->key, key.p, key.n);
		if (!k)
			k = map_get_ci(&inv->key, key); /* MD5 fingerprints are kept lower-case */
		if (k)
			m->key_provider = k->val;
	}
	/* the acting provider: account, key, then the source */
	const struct inv_slot *a = account_of(&inv->ident, user, udom, inv->ident_with_domain);
	const struct inv_slot *ad = a && a->val2 == INV_ADMIN ? a : NULL;
	if (ad)
		a = NULL;
	if (a) {
		m->provider = a->val;
		m->account = a->val2;
		m->provider_by = INV_BY_ACCOUNT;
	} else if (m->key_provider != INV_NONE) {
		m->provider = m->key_provider;
		m->provider_by = INV_BY_KEY;
	} else if (m->src_provider != INV_NONE) {
		m->provider = m->src_provider;
		m->provider_by = m->src_is_jump ? INV_BY_JUMP : INV_BY_NETWORK;
	}
	/* who owns the identity when it is not a provider's */
	const struct inv_slot *dom = placeholder(udom) ? NULL : map_get_ci(&inv->domain, udom);
	if (ad)
		m->owner_agency = ad->val;
	else if (!a && dom)
		m->owner_agency = dom->val;
	/* the target: host, destination network, the account's domain */
	m->host = host_by_name(inv, hostn);
	if (m->host == INV_NONE && inv->jump_names && !placeholder(hostn)) {
		const struct inv_slot *j = map_get_ci(&inv->jump, hostn);
		if (!j) {
			const char *dot = memchr(hostn.p, '.', hostn.n);
			if (dot && dot > hostn.p)
				j = map_get_ci(&inv->jump, sv_make(hostn.p, (size_t)(dot - hostn.p)));
		}
		if (j)
			m->host_jump = j->val;
	}
	if (m->host == INV_NONE && dst.n) {
		uint8_t d[16];
		if (inv_parse_ip(dst.p, dst.n, d)) {
			const struct inv_slot *h = inv_map_get(&inv->hostip, (const char *)d, 16);
			if (h)
				m->host = h->val;
			else {
				uint32_t n = inv_net_lookup(inv, &inv->agency_nets, d);
				if (n != INV_NONE) {
					m->agency = inv->nets[n].owner;
					m->agency_by = INV_BY_NETWORK;
				}
			}
		}
	}
	if (m->host != INV_NONE) {
		m->agency = inv->hosts[m->host].agency;
		m->agency_by = INV_BY_HOST;
	}
	if (m->agency == INV_NONE && dom) {
		m->agency = dom->val;
		m->agency_by = INV_BY_DOMAIN;
	}
	if (m->agency == INV_NONE) {
		/* an M365 / Entra tenant */
		spoor_sv org = text(ev, F_ORGANIZATION_ID);
		const struct inv_slot *t = org.n ? map_get_ci(&inv->domain, org) : NULL;
		if (t) {
			m->agency = t->val;
			m->agency_by = INV_BY_DOMAIN;
		}
	}
	if (m->agency == INV_NONE && m->owner_agency != INV_NONE) {
		m->agency = m->owner_agency;
		m->agency_by = INV_BY_ADMIN;
	}
	/* last: an event about nothing of an agency's but coming from one of
	 * its networks (an agency host's connection out, Zeek/proxy/firewall)
	 * belongs to that agency */
	if (m->agency == INV_NONE && m->src_agency != INV_NONE) {
		m->agency = m->src_agency;
		m->agency_by = INV_BY_NETWORK;
	}
}
