/* ioc-radix — PATRICIA tree of IPv6 prefixes. */
#include "detect/ioc/ioc-radix.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static unsigned bit(const uint8_t *k, unsigned i)
{
	return (k[i / 8] >> (7 - i % 8)) & 1;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* common prefix length of a and b, at most max: two 64-bit words and a
 * count of leading zeros rather than a loop over bits (an insert compares
 * at every level of the tree, a million inserts for a large feed) */
static unsigned common(const uint8_t *a, const uint8_t *b, unsigned max)
{
	uint64_t d = be64(a) ^ be64(b);
	unsigned i = d ? (unsigned)__builtin_clzll(d) : 64;
	if (!d) {
		d = be64(a + 8) ^ be64(b + 8);
		i += d ? (unsigned)__builtin_clzll(d) : 64;
	}
	return MIN(i, max);
}

static uint32_t node_new(radix *t, const uint8_t *key, unsigned plen)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		rnode *nv = xreallocarray(t->v, nc, sizeof(*nv));
		if (!nv)
			return 0;
		t->v = nv;
		t->cap = nc;
	}
	rnode *x = &t->v[t->n];
	memset(x, 0, sizeof(*x));
	/* keep only the prefix bits */
	uint64_t k0 = be64(key), k1 = be64(key + 8);
	k0 &= plen >= 64 ? ~0ull : plen ? ~0ull << (64 - plen) : 0;
	k1 &= plen >= 128 ? ~0ull : plen > 64 ? ~0ull << (128 - plen) : 0;
	k0 = __builtin_bswap64(k0);
	k1 = __builtin_bswap64(k1);
	memcpy(x->key, &k0, 8);
	memcpy(x->key + 8, &k1, 8);
	x->plen = (uint8_t)MIN(plen, 128u);
	x->val = UINT32_MAX;
	return (uint32_t)++t->n;
}

/* the link to a node: the root, or a child slot of node `parent` (index + 1);
 * re-derived after every allocation (the node array may move) */
static uint32_t *link_of(radix *t, uint32_t parent, unsigned dir)
{
	return parent ? &t->v[parent - 1].child[dir] : &t->root;
}

int radix_insert(radix *t, const uint8_t key[16], unsigned plen, uint32_t **slot)
{
	if (plen > 128)
		plen = 128;
	uint32_t parent = 0;
	unsigned dir = 0;
	for (;;) {
		uint32_t cur = *link_of(t, parent, dir);
		if (!cur) {
			uint32_t x = node_new(t, key, plen);
			if (!x)
				return SPOOR_ENOMEM;
			*link_of(t, parent, dir) = x;
			t->v[x - 1].has = 1;
			*slot = &t->v[x - 1].val;
			return 0;
		}
		unsigned nplen = t->v[cur - 1].plen;
		unsigned c = common(key, t->v[cur - 1].key, MIN(plen, nplen));
		if (c < nplen) {
			unsigned obit = bit(t->v[cur - 1].key, c);
			if (c == plen) {
				/* the new prefix is above cur */
				uint32_t x = node_new(t, key, plen);
				if (!x)
					return SPOOR_ENOMEM;
				t->v[x - 1].child[obit] = cur;
				t->v[x - 1].has = 1;
				*link_of(t, parent, dir) = x;
				*slot = &t->v[x - 1].val;
				return 0;
			}
			/* they part at bit c: a branch node */
			uint32_t g = node_new(t, key, c);
			if (!g)
				return SPOOR_ENOMEM;
			uint32_t x = node_new(t, key, plen);
			if (!x)
				return SPOOR_ENOMEM;
			t->v[g - 1].child[obit] = cur;
			t->v[g - 1].child[!obit] = x;
			t->v[x - 1].has = 1;
			*link_of(t, parent, dir) = g;
			*slot = &t->v[x - 1].val;
			return 0;
		}
		if (plen == nplen) {
			t->v[cur - 1].has = 1;
			*slot = &t->v[cur - 1].val;
			return 0;
		}
		dir = bit(key, nplen);
		parent = cur;
	}
}

/* the first plen bits of a (as two big-endian words) equal those of key */
static bool prefix_eq(uint64_t a0, uint64_t a1, const uint8_t *key, unsigned plen)
{
	uint64_t m0 = plen >= 64 ? ~0ull : plen ? ~0ull << (64 - plen) : 0;
	uint64_t m1 = plen >= 128 ? ~0ull : plen > 64 ? ~0ull << (128 - plen) : 0;
	return !((a0 ^ be64(key)) & m0) && !((a1 ^ be64(key + 8)) & m1);
}

size_t radix_lookup(const radix *t, const uint8_t addr[16], void (*fn)(uint32_t val, void *u), void *u)
{
	size_t k = 0;
	uint32_t x = t->root;
	uint64_t a0 = be64(addr), a1 = be64(addr + 8);
	while (x) {
		const rnode *n = &t->v[x - 1];
		if (!prefix_eq(a0, a1, n->key, n->plen))
			break;
		if (n->has) {
			fn(n->val, u);
			k++;
		}
		if (n->plen >= 128)
			break;
		x = n->child[bit(addr, n->plen)];
	}
	return k;
}

void radix_free(radix *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
