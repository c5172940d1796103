/* tiles — C2SP tlog-tiles@v0.1.0 names and spoor's leaf entry encoding.
 *
 * Tile index N is written in groups of three digits, every group but the
 * last prefixed with "x": 1234067 -> x001/x234/067.  A partial tile of
 * width W (1..255) gets ".p/<W>".  Entry bundles live under tile/entries/.
 *
 * A leaf entry (one raw record with where it came from) is the byte string
 * hashed into the tree; its layout is in docs/evidence.md §Leaf. */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>

#include "evidence/evidence.h"

/* decimal digits of v at p (no terminator); returns the count */
static size_t put_dec(char *p, uint64_t v)
{
	char d[20];
	size_t n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = d[n - 1 - i];
	return n;
}

/* Formatted by hand: verify names two files per 256 leaves, and snprintf
 * was a visible share of it. */
int tile_path(char *out, size_t cap, int level, uint64_t n, unsigned w)
{
	char p[96], digits[24];
	size_t o = 0;
	memcpy(p, "tile/", 5);
	o = 5;
	if (level < 0) {
		memcpy(p + o, "entries/", 8);
		o += 8;
	} else {
		o += put_dec(p + o, (uint64_t)level);
		p[o++] = '/';
	}
	/* groups of 3 digits, most significant first, all but the last
	 * prefixed with x */
	size_t nd = put_dec(digits, n);
	size_t groups = (nd + 2) / 3, pad = groups * 3 - nd, k = 0;
	for (size_t g = 0; g < groups; g++) {
		if (g < groups - 1)
			p[o++] = 'x';
		for (int i = 0; i < 3; i++, k++)
			p[o++] = k < pad ? '0' : digits[k - pad];
		if (g < groups - 1)
			p[o++] = '/';
	}
	if (w) {
		memcpy(p + o, ".p/", 3);
		o += 3;
		o += put_dec(p + o, w);
	}
	if (o >= cap)
		return SPOOR_ELIMIT;
	memcpy(out, p, o);
	out[o] = 0;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int leaf_encode(buf *out, const leaf_entry *e)
{
	size_t body = e->kind == LEAF_BLOB ? 40 : e->record.n;
	size_t total = ENTRY_HEADER + e->format.n + e->path.n + body;
	if (e->format.n > 255 || e->path.n > ENTRY_MAX || total > ENTRY_MAX)
		return SPOOR_ELIMIT;
	int rc = buf_reserve(out, total);
	if (rc < 0)
		return rc;
	uint8_t *p = (uint8_t *)out->p + out->len;
	p[0] = LEAF_VERSION;
	p[1] = e->kind;
	put16(p + 2, (uint16_t)e->format.n);
	put16(p + 4, (uint16_t)e->path.n);
	put16(p + 6, e->flags);
	put64(p + 8, (uint64_t)e->ingest_ns);
	put64(p + 16, e->offset);
	put64(p + 24, e->line);
	put64(p + 32, e->record_id);
	size_t o = ENTRY_HEADER;
	if (e->format.n)
		memcpy(p + o, e->format.p, e->format.n);
	o += e->format.n;
	if (e->path.n)
		memcpy(p + o, e->path.p, e->path.n);
	o += e->path.n;
	if (e->kind == LEAF_BLOB) {
		memcpy(p + o, e->record.p, 32);
		put64(p + o + 32, e->blob_len);
	} else if (e->record.n) {
		memcpy(p + o, e->record.p, e->record.n);
	}
	out->len += total;
	out->p[out->len] = 0;
	return 0;
}

int leaf_kind(const uint8_t *p, size_t n)
{
	if (n < ENTRY_HEADER || p[0] != LEAF_VERSION || p[1] > LEAF_BLOB || (get16(p + 6) & ~LEAF_F_KNOWN) ||
	    ENTRY_HEADER + (size_t)get16(p + 2) + get16(p + 4) > n)
		return SPOOR_EPARSE;
	return p[1];
}

int leaf_decode(leaf_entry *e, const uint8_t *p, size_t n)
{
	memset(e, 0, sizeof(*e));
	if (n < ENTRY_HEADER || p[0] != LEAF_VERSION || p[1] > LEAF_BLOB || (get16(p + 6) & ~LEAF_F_KNOWN))
		return SPOOR_EPARSE;
	e->kind = p[1];
	e->flags = get16(p + 6);
	size_t fl = get16(p + 2), pl = get16(p + 4);
	e->ingest_ns = (int64_t)get64(p + 8);
	e->offset = get64(p + 16);
	e->line = get64(p + 24);
	e->record_id = get64(p + 32);
	if (ENTRY_HEADER + fl + pl > n)
		return SPOOR_EPARSE;
	e->format = sv_make((const char *)p + ENTRY_HEADER, fl);
	e->path = sv_make((const char *)p + ENTRY_HEADER + fl, pl);
	size_t o = ENTRY_HEADER + fl + pl;
	e->record = sv_make((const char *)p + o, n - o);
	if (e->kind == LEAF_BLOB) {
		if (n - o != 40)
			return SPOOR_EPARSE;
		e->blob_len = get64(p + o + 32);
		e->record.n = 32;
	}
	return 0;
}

void tile_stack_init(tile_stack *t)
{
	t->ni = sha2x_available();
	t->size = 0;
	memset(t->cnt, 0, sizeof(t->cnt));
}

void tile_perfect_root(const uint8_t (*h)[32], size_t n, uint8_t out[32])
{
	uint8_t tmp[TILE_WIDTH / 2][32];
	if (n == 1) {
		memcpy(out, h[0], 32);
		return;
	}
	for (size_t i = 0; i < n / 2; i++)
		tlog_node_hash(h[2 * i], h[2 * i + 1], tmp[i]);
	for (n /= 2; n > 1; n /= 2)
		for (size_t i = 0; i < n / 2; i++)
			tlog_node_hash(tmp[2 * i], tmp[2 * i + 1], tmp[i]);
	memcpy(out, tmp[0], 32);
}

/* One level up: out[i] = node(h[2i], h[2i+1]) for i < n/2, two at a time. */
static void level_up(bool ni, const uint8_t (*h)[32], size_t n, uint8_t (*out)[32])
{
	size_t i = 0;
	for (; i + 2 <= n / 2; i += 2)
		sha2x_node_pair(ni, h[2 * i], h[2 * i + 2], out[i], out[i + 1]);
	if (i < n / 2) {
		uint8_t m0[65];
		m0[0] = 1;
		memcpy(m0 + 1, h[2 * i], 64);
		sha2x_one(ni, m0, 65, out[i]);
	}
}

void tile_perfect_root_x(bool ni, const uint8_t (*h)[32], size_t n, uint8_t out[32])
{
	uint8_t tmp[TILE_WIDTH / 2][32];
	if (n == 1) {
		memcpy(out, h[0], 32);
		return;
	}
	level_up(ni, h, n, tmp);
	for (n /= 2; n > 1; n /= 2)
		level_up(ni, (const uint8_t(*)[32])tmp, n, tmp); /* in place: out[i] reads h[2i], h[2i+1] first */
	memcpy(out, tmp[0], 32);
}

int tile_stack_add(tile_stack *t, const uint8_t leaf[32])
{
	t->size++;
	uint8_t cur[32];
	memcpy(cur, leaf, 32);
	for (int l = 0; l < TILE_LEVELS; l++) {
		unsigned w = (unsigned)(t->cnt[l] % TILE_WIDTH);
		memcpy(t->h[l][w], cur, 32);
		t->cnt[l]++;
		if (w + 1 < TILE_WIDTH)
			break;
		if (t->on_full) {
			int rc = t->on_full(t->u, l, t->cnt[l] / TILE_WIDTH - 1, (const uint8_t(*)[32])t->h[l]);
			if (rc < 0)
				return rc;
		}
		tile_perfect_root_x(t->ni, (const uint8_t(*)[32])t->h[l], TILE_WIDTH, cur);
	}
	return 0;
}

unsigned tile_width(int level, uint64_t n, uint64_t size)
{
	if (level < 0)
		level = 0;
	uint64_t cnt = level >= 8 ? 0 : size >> (8 * level);
	if (n >= cnt / TILE_WIDTH + (cnt % TILE_WIDTH != 0))
		return 0;
	if ((n + 1) * TILE_WIDTH <= cnt)
		return TILE_WIDTH;
	return (unsigned)(cnt % TILE_WIDTH);
}

/* The root from the partial tiles alone: the hashes waiting in the partial
 * tile of each level are the perfect subtrees of the compact range [0,
 * size), largest first (higher levels first, and within a level by the
 * bits of its width). */
void tile_stack_root(const tile_stack *t, uint8_t out[32])
{
	uint8_t fr[64][32];
	unsigned n = 0;
	for (int l = TILE_LEVELS - 1; l >= 0; l--) {
		unsigned w = (unsigned)(t->cnt[l] % TILE_WIDTH), pos = 0;
		for (int k = 7; k >= 0; k--) {
			if (!(w >> k & 1))
				continue;
			tile_perfect_root_x(t->ni, (const uint8_t(*)[32])t->h[l] + pos, (size_t)1 << k, fr[n++]);
			pos += 1u << k;
		}
	}
	if (n == 0) {
		tlog_empty_root(out);
		return;
	}
	uint8_t r[32];
	memcpy(r, fr[n - 1], 32);
	for (unsigned i = n - 1; i-- > 0;)
		tlog_node_hash(fr[i], r, r);
	memcpy(out, r, 32);
}
