/* pool — capped string interning, id maps and capped arrays for the
 * analytics.  Nothing here deletes: a full structure turns new entries
 * away and counts them, so memory is bounded by the caps and old state
 * (the baseline) is never silently replaced by an attacker's flood. */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

static uint64_t hstr(const char *s, size_t n)
{
	return hash_bytes(s, n, 0x5eed) | 1;
}

int pool_init(strpool *p, size_t max_names, size_t max_bytes)
{
	memset(p, 0, sizeof(*p));
	arena_init(&p->ar, 1u << 16, max_bytes);
	p->max = max_names;
	return 0;
}

void pool_done(strpool *p)
{
	arena_done(&p->ar);
	free(p->tab);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static bool pool_grow(strpool *p)
{
	size_t nc = p->tcap ? p->tcap * 2 : 1024;
	uint32_t *nt = xcalloc(nc, sizeof(*nt));
	if (!nt)
		return false;
	for (size_t i = 0; i < p->tcap; i++) {
		uint32_t id = p->tab[i];
		if (!id)
			continue;
		size_t j = p->v[id].h & (nc - 1);
		while (nt[j])
			j = (j + 1) & (nc - 1);
		nt[j] = id;
	}
	free(p->tab);
	p->tab = nt;
	p->tcap = nc;
	return true;
}

static size_t pool_slot(const strpool *p, const char *s, size_t n, uint64_t h)
{
	size_t j = h & (p->tcap - 1);
	for (;;) {
		uint32_t id = p->tab[j];
		if (!id || (p->v[id].h == h && p->v[id].n == n && memcmp(p->v[id].s, s, n) == 0))
			return j;
		j = (j + 1) & (p->tcap - 1);
	}
}

sid pool_find(const strpool *p, const char *s, size_t n)
{
	if (!n || !p->tcap)
		return 0;
	return p->tab[pool_slot(p, s, n, hstr(s, n))];
}

sid pool_put(strpool *p, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (n > 512)
		n = 512; /* a name longer than this is cut: it is still one identity */
	uint64_t h = hstr(s, n);
	if (p->tcap) {
		uint32_t id = p->tab[pool_slot(p, s, n, h)];
		if (id)
			return id;
	}
	if (p->n >= p->max || p->n >= UINT32_MAX - 1) {
		p->dropped++;
		return 0;
	}
	if (2 * (p->n + 1) > p->tcap && !pool_grow(p))
		return 0;
	if (p->n + 2 > p->vcap) {
		size_t nc = p->vcap ? p->vcap * 2 : 1024;
		struct pstr *nv = xreallocarray(p->v, nc, sizeof(*nv));
		if (!nv)
			return 0;
		p->v = nv;
		p->vcap = nc;
	}
	char *c = arena_memdup(&p->ar, s, n);
	if (!c) {
		p->dropped++;
		return 0;
	}
	uint32_t id = (uint32_t)++p->n;
	p->v[id].s = c;
	p->v[id].n = (uint32_t)n;
	p->v[id].h = h;
	p->tab[pool_slot(p, s, n, h)] = id;
	return id;
}

/* ---- idmap ---- */

void idmap_init(idmap *m, size_t vsize, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
	m->max = max;
}

void idmap_done(idmap *m)
{
	free(m->keys);
	free(m->idx);
	free(m->vals);
	free(m->kv);
	memset(m, 0, sizeof(*m));
}

static uint64_t hkey(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static size_t idmap_slot(const idmap *m, uint64_t key)
{
	size_t j = hkey(key) & (m->tcap - 1);
	while (m->keys[j] && m->keys[j] != key + 1)
		j = (j + 1) & (m->tcap - 1);
	return j;
}

void *idmap_find(const idmap *m, uint64_t key)
{
	if (!m->tcap)
		return NULL;
	size_t j = idmap_slot(m, key);
	return m->keys[j] ? m->vals + (size_t)m->idx[j] * m->vsize : NULL;
}

uint64_t idmap_key_at(const idmap *m, size_t i)
{
	return i < m->n ? m->kv[i] : 0;
}

void *idmap_get(idmap *m, uint64_t key, bool *created)
{
	if (created)
		*created = false;
	if (m->tcap) {
		size_t j = idmap_slot(m, key);
		if (m->keys[j])
			return m->vals + (size_t)m->idx[j] * m->vsize;
	}
	if (m->n >= m->max) {
		m->dropped++;
		return NULL;
	}
	if (2 * (m->n + 1) > m->tcap) {
		size_t nc = m->tcap ? m->tcap * 2 : 256;
		uint64_t *nk = xcalloc(nc, sizeof(*nk));
		uint32_t *ni = xcalloc(nc, sizeof(*ni));
		if (!nk || !ni) {
			free(nk);
			free(ni);
			return NULL;
		}
		for (size_t i = 0; i < m->tcap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = hkey(m->keys[i] - 1) & (nc - 1);
			while (nk[j])
				j = (j + 1) & (nc - 1);
			nk[j] = m->keys[i];
			ni[j] = m->idx[i];
		}
		free(m->keys);
		free(m->idx);
		m->keys = nk;
		m->idx = ni;
		m->tcap = nc;
	}
	if (m->n + 1 > m->vcap) {
		size_t nc = m->vcap ? m->vcap * 2 : 64;
		char *nv = xrealloc(m->vals, nc * m->vsize);
		if (!nv)
			return NULL;
		m->vals = nv;
		uint64_t *nkv = xreallocarray(m->kv, nc, sizeof(*nkv));
		if (!nkv)
			return NULL;
		m->kv = nkv;
		m->vcap = nc;
	}
	size_t j = idmap_slot(m, key);
	m->keys[j] = key + 1;
	m->idx[j] = (uint32_t)m->n;
	m->kv[m->n] = key;
	void *v = m->vals + m->n * m->vsize;
	memset(v, 0, m->vsize);
	m->n++;
	if (created)
		*created = true;
	return v;
}

/* ---- avec ---- */

void *avec_push(avec *a, size_t sz, uint32_t max, uint64_t *mem, uint64_t mem_cap)
{
	if (a->n >= max)
		return NULL;
	if (a->n == a->cap) {
		uint32_t nc = a->cap ? a->cap * 2 : 4;
		if (nc > max)
			nc = max;
		uint64_t grow = (uint64_t)(nc - a->cap) * sz;
		if (*mem + grow > mem_cap)
			return NULL;
		void *nv = xrealloc(a->v, (size_t)nc * sz);
		if (!nv)
			return NULL;
		*mem += grow;
		a->v = nv;
		a->cap = nc;
	}
	void *p = (char *)a->v + (size_t)a->n * sz;
	memset(p, 0, sz);
	a->n++;
	return p;
}

void avec_free(avec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Great-circle distance, Earth radius 6372.795477598 km (Panther's
 * km_between_ipinfo_loc). */
double an_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6372.795477598, d = 3.14159265358979323846 / 180.0;
	double dlat = (lat2 - lat1) * d, dlon = (lon2 - lon1) * d;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * d) * cos(lat2 * d) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * r * asin(sqrt(a > 1 ? 1 : a));
}

int an_ip_parse(spoor_sv ip, uint8_t out[16])
{
	char tmp[64];
	if (!ip.n || ip.n >= sizeof(tmp))
		return 0;
	memcpy(tmp, ip.p, ip.n);
	tmp[ip.n] = 0;
	memset(out, 0, 16);
	if (memchr(tmp, ':', ip.n))
		return inet_pton(AF_INET6, tmp, out) == 1 ? 6 : 0;
	return inet_pton(AF_INET, tmp, out) == 1 ? 4 : 0;
}

bool an_cidrs_parse(an_cidrs *c, const an_list *l, const char **bad)
{
	c->v = l->n ? xcalloc(l->n, sizeof(an_cidr)) : NULL;
	c->n = 0;
	if (l->n && !c->v) {
		*bad = "(out of memory)";
		return false;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i], *sl = strchr(s, '/');
		size_t n = sl ? (size_t)(sl - s) : strlen(s);
		an_cidr *x = &c->v[c->n];
		int fam = an_ip_parse(sv_make(s, n), x->a);
		long bits = fam == 4 ? 32 : 128;
		if (fam && sl) {
			char *end;
			bits = strtol(sl + 1, &end, 10);
			if (end == sl + 1 || *end || bits < 0 || bits > (fam == 4 ? 32 : 128))
				fam = 0;
		}
		if (!fam) {
			*bad = s;
			return false;
		}
		x->fam = (uint8_t)fam;
		x->bits = (uint8_t)bits;
		c->n++;
	}
	return true;
}

bool an_cidrs_match(const an_cidrs *c, spoor_sv ip)
{
	if (!c->n)
		return false;
	uint8_t a[16];
	int fam = an_ip_parse(ip, a);
	if (!fam)
		return false;
	for (size_t i = 0; i < c->n; i++) {
		const an_cidr *x = &c->v[i];
		if (x->fam != fam)
			continue;
		unsigned full = x->bits / 8, rest = x->bits % 8;
		if (memcmp(a, x->a, full))
			continue;
		if (rest && ((a[full] ^ x->a[full]) & (0xff00 >> rest) & 0xff))
			continue;
		return true;
	}
	return false;
}

void an_cidrs_free(an_cidrs *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
