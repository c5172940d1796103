/* sigma-ycache — parsed YAML trees of rule files kept on disk.
 *
 * libyaml parses at ~20 MB/s; loading SigmaHQ's 3,800 files (8 MB) spends
 * two thirds of its instructions in yaml_parser_load and the mallocs it
 * makes, for the same files every run.  Like Python's .pyc files, this
 * keeps the tree a file parsed to (before collection merging: the
 * documents exactly as sigma-yaml.c converted them, with kinds, scalar
 * text, plain/quoted style and line:col) under the SHA-256 of the file's
 * bytes.  Only files that parsed without error are kept, so every error
 * message comes from libyaml as before; a hit gives the very tree libyaml
 * would have given.
 *
 * One file, <cache dir>/yaml-trees.yc, holds every entry: one read per run
 * instead of one per rule file.  Layout (integers little endian):
 *
 *   "SPOORYC1"  u32 version  u32 SIGMA_MAX_DEPTH  u32 SIGMA_MAX_NODES
 *   u32 count  u32 nstat
 *   count x { key[32]  u64 offset  u64 length }   (offset from the data)
 *   nstat x { u64 dev  u64 ino  u64 size  i64 mtime  i64 ctime  key[32] }
 *   data: the entries
 *   u64 check: hash_bytes(every byte before it, YCACHE_SEED)
 *
 * The stat table (version 2) says which file had which key when it was
 * last read: a rule file whose device, inode, size, mtime and ctime (in
 * nanoseconds) are all as recorded is not read or hashed again
 * (ycache_stat_get), as git's index does.  Any write to a file changes its
 * ctime, which no one can set back; a file is recorded only when its ctime
 * is at least YC_RACY_NS old (a change within the same clock tick as the
 * read could otherwise keep the old ctime), and a replaced file is a new
 * inode with a new ctime.  Not seen: the clock set back between two
 * writes of the same size to one file (docs/sigma.md says what to do).
 *
 * An entry: varint ndocs, then per document varint line and a node; a
 * node: a tag byte (kind 1..3, +4 when a plain scalar), varint line,
 * varint col, then a scalar's varint length and bytes, a sequence's
 * varint count and items, or a mapping's varint pair count and keys and
 * values.  The file is input like any other: a wrong magic, version,
 * limit, check, size or offset makes the whole file an empty cache (it is
 * replaced by the next write), and an entry is decoded with every length,
 * count, depth (SIGMA_MAX_DEPTH) and node count (SIGMA_MAX_NODES) checked;
 * an entry that fails is a miss.  Writes go to a temporary file renamed
 * into place.  Entries used by this run are written first, then entries
 * of earlier runs (most recently written first) while the file stays
 * under its cap, so alternating rule sets both stay cached and old
 * versions of rules fall off the end. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/fsutil.h"
#include "detect/sigma/sigma-ycache.h"

#define YC_MAGIC   "SPOORYC1"
#define YC_VERSION 4u /* 3: hash_bytes became wyhash-like (the check); 4: a NUL after each scalar */
#define YC_HDR	   (8 + 5 * 4)
#define YC_IDX	   (32 + 8 + 8)
#define YC_STAT	   (5 * 8 + 32)
/* The trailing check (YCACHE_SUM bytes, hash_bytes with YCACHE_SEED;
 * version 1: a SHA-256, ~2% of start-up): against
 * corruption (a torn write), not an adversary who can write the user's
 * cache folder, so a fast 64-bit hash does.  The file is mapped whole
 * (file_view_open) and the trees are decoded from there, their scalars
 * left where they are: each is followed by a NUL in the file. */
/* a file changed less than this long ago is not recorded in the stat
 * table (timestamps come from a clock that ticks every few ms; some
 * file systems keep seconds only) */
#define YC_RACY_NS (3ll * 1000000000ll)

/* One row of the stat table. */
typedef struct yc_stat {
	uint64_t dev, ino, size;
	int64_t mtime, ctime;
	unsigned char key[32];
	bool used; /* looked up or recorded by this run */
} yc_stat;

typedef struct yc_ent {
	unsigned char key[32];
	bool isnew; /* in c->nd, else in c->old */
	bool used;  /* looked up or added by this run */
	bool wr;    /* serialize: written */
	size_t off, len;
} yc_ent;

struct ycache {
	char *dir, *path;
	size_t cap;
	const unsigned char *old; /* the file read (verified) */
	size_t oldlen;
	file_view view; /* old's file (file_view_open), else old is malloc'ed */
	bool kept; /* ycache_free_keep took old */
	const unsigned char *olddata; /* its data part */
	yc_ent *e;
	size_t n, capn;
	uint32_t *ht; /* entry index + 1; 0 = empty */
	size_t htmask;
	unsigned char *nd; /* new entries */
	size_t ndlen, ndcap;
	bool dirty;
	yc_stat *sv; /* the stat table, (dev, ino) unique */
	size_t ns, caps;
	uint32_t *sht; /* sv index + 1; 0 = empty */
	size_t shtmask;
	EVP_MD_CTX *md;
	EVP_MD *sha; /* fetched once: EVP_sha256() in each init fetched it per file */
	ycache_stats st;
};

static uint64_t key_hash(const unsigned char *k)
{
	return le_get(k, 8);
}

static const unsigned char *ent_data(const ycache *c, const yc_ent *e)
{
	return e->isnew ? c->nd + e->off : c->olddata + e->off;
}

static yc_ent *find(ycache *c, const unsigned char key[32])
{
	if (!c->ht)
		return NULL;
	for (size_t i = key_hash(key) & c->htmask;; i = (i + 1) & c->htmask) {
		uint32_t v = c->ht[i];
		if (!v)
			return NULL;
		if (!memcmp(c->e[v - 1].key, key, 32))
			return &c->e[v - 1];
	}
}

/* The two lookup tables (entries by key, stat rows by device and inode)
 * are open addressing over uint32 slots holding an index + 1 (0: empty),
 * kept at most half full. */
static void slot_put(uint32_t *t, size_t mask, uint64_t h, size_t idx)
{
	size_t i = h & mask;
	while (t[i])
		i = (i + 1) & mask;
	t[i] = (uint32_t)(idx + 1);
}

/* A table for n items (at least twice as many slots as n + 1), item k
 * placed by hash(c, k); false on ENOMEM (the old table stays). */
static bool table_grow(ycache *c, uint32_t **t, size_t *mask, size_t n, uint64_t (*hash)(const ycache *, size_t))
{
	size_t ns = *t ? 2 * (*mask + 1) : 1024;
	while (ns < 2 * (n + 1))
		ns *= 2;
	uint32_t *v = xcalloc(ns, sizeof(*v));
	if (!v)
		return false;
	free(*t);
	*t = v;
	*mask = ns - 1;
	for (size_t k = 0; k < n; k++)
		slot_put(v, *mask, hash(c, k), k);
	return true;
}

static uint64_t stat_hash(uint64_t dev, uint64_t ino)
{
	uint64_t k[2] = {dev, ino};
	return hash_bytes(k, sizeof(k), 0x9c);
}

static yc_stat *stat_find(ycache *c, uint64_t dev, uint64_t ino)
{
	if (!c->sht)
		return NULL;
	for (size_t i = stat_hash(dev, ino) & c->shtmask;; i = (i + 1) & c->shtmask) {
		uint32_t v = c->sht[i];
		if (!v)
			return NULL;
		if (c->sv[v - 1].dev == dev && c->sv[v - 1].ino == ino)
			return &c->sv[v - 1];
	}
}

static uint64_t stat_hash_at(const ycache *c, size_t k)
{
	return stat_hash(c->sv[k].dev, c->sv[k].ino);
}

static uint64_t key_hash_at(const ycache *c, size_t k)
{
	return key_hash(c->e[k].key);
}

/* Add a row whose (dev, ino) is not there yet; false on ENOMEM. */
static bool stat_add(ycache *c, const yc_stat *r)
{
	if (c->ns >= UINT32_MAX / 4)
		return false;
	if (c->ns == c->caps) {
		size_t nc = c->caps ? 2 * c->caps : 256;
		yc_stat *v = xreallocarray(c->sv, nc, sizeof(*v));
		if (!v)
			return false;
		c->sv = v;
		c->caps = nc;
	}
	if ((!c->sht || 2 * (c->ns + 1) > c->shtmask + 1) && !table_grow(c, &c->sht, &c->shtmask, c->ns, stat_hash_at))
		return false;
	c->sv[c->ns] = *r;
	slot_put(c->sht, c->shtmask, stat_hash(r->dev, r->ino), c->ns);
	c->ns++;
	return true;
}

static bool ht_grow(ycache *c)
{
	return table_grow(c, &c->ht, &c->htmask, c->n, key_hash_at);
}

/* Add an entry (the key is not there yet); false on ENOMEM. */
static bool ent_add(ycache *c, const yc_ent *e)
{
	if (c->n >= UINT32_MAX - 1)
		return false;
	if (c->n == c->capn) {
		size_t nc = c->capn ? 2 * c->capn : 256;
		yc_ent *v = xreallocarray(c->e, nc, sizeof(*v));
		if (!v)
			return false;
		c->e = v;
		c->capn = nc;
	}
	if (!c->ht || 2 * (c->n + 1) > c->htmask + 1) {
		c->e[c->n++] = *e; /* rehash includes it */
		if (!ht_grow(c)) {
			c->n--;
			return false;
		}
		return true;
	}
	c->e[c->n] = *e;
	slot_put(c->ht, c->htmask, key_hash(e->key), c->n);
	c->n++;
	return true;
}

/* Take the file's bytes (owned by c on success): false when they fail a
 * check (the cache stays empty). */
static bool load(ycache *c, const unsigned char *p, size_t len)
{
	if (len < YC_HDR + YCACHE_SUM || len > c->cap || memcmp(p, YC_MAGIC, 8) || le_get(p + 8, 4) != YC_VERSION ||
	    le_get(p + 12, 4) != SIGMA_MAX_DEPTH || le_get(p + 16, 4) != SIGMA_MAX_NODES ||
	    hash_bytes(p, len - YCACHE_SUM, YCACHE_SEED) != le_get(p + len - YCACHE_SUM, 8))
		return false;
	uint64_t cnt = le_get(p + 20, 4), nst = le_get(p + 24, 4);
	size_t body = len - YCACHE_SUM - YC_HDR;
	if (cnt > body / YC_IDX || nst > (body - cnt * YC_IDX) / YC_STAT)
		return false;
	const unsigned char *idx = p + YC_HDR, *stt = idx + cnt * YC_IDX, *data = stt + nst * YC_STAT;
	size_t dlen = body - (size_t)cnt * YC_IDX - (size_t)nst * YC_STAT;
	c->olddata = data;
	for (size_t i = 0; i < cnt; i++) {
		const unsigned char *x = idx + i * YC_IDX;
		uint64_t off = le_get(x + 32, 8), l = le_get(x + 40, 8);
		if (off > dlen || l > dlen - off) {
			c->n = 0;
			return false;
		}
		if (find(c, x))
			continue; /* a duplicate key: the first one counts */
		yc_ent e = {.off = (size_t)off, .len = (size_t)l};
		memcpy(e.key, x, 32);
		if (!ent_add(c, &e)) {
			c->n = 0;
			return false;
		}
	}
	for (size_t i = 0; i < nst; i++) {
		const unsigned char *x = stt + i * YC_STAT;
		yc_stat r = {.dev = le_get(x, 8),
			     .ino = le_get(x + 8, 8),
			     .size = le_get(x + 16, 8),
			     .mtime = (int64_t)le_get(x + 24, 8),
			     .ctime = (int64_t)le_get(x + 32, 8)};
		memcpy(r.key, x + 40, 32);
		/* a row for a tree the file does not hold, or a second row of
		 * the same file, is left out (the first one counts) */
		if (!find(c, r.key) || stat_find(c, r.dev, r.ino))
			continue;
		if (!stat_add(c, &r)) {
			c->n = 0;
			c->ns = 0;
			return false;
		}
	}
	c->old = p;
	c->oldlen = len;
	c->st.loaded = c->n;
	return true;
}

static ycache *yc_new(size_t cap)
{
	if (!cap)
		return NULL;
	ycache *c = xcalloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cap = cap;
	c->md = EVP_MD_CTX_new();
	c->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!c->md || !c->sha) {
		EVP_MD_CTX_free(c->md);
		EVP_MD_free(c->sha);
		free(c);
		return NULL;
	}
	return c;
}

static void reset_entries(ycache *c)
{
	c->n = 0;
	if (c->ht)
		memset(c->ht, 0, (c->htmask + 1) * sizeof(*c->ht));
	c->ns = 0;
	if (c->sht)
		memset(c->sht, 0, (c->shtmask + 1) * sizeof(*c->sht));
	c->olddata = NULL;
}

ycache *ycache_open_mem(const void *data, size_t len, size_t cap, const char *path)
{
	ycache *c = yc_new(cap);
	if (!c)
		return NULL;
	if (path && !(c->path = xstrndup(path, strlen(path)))) {
		ycache_free(c);
		return NULL;
	}
	if (data && len) {
		unsigned char *p = xmalloc(len);
		if (p) {
			memcpy(p, data, len);
			if (!load(c, p, len)) {
				reset_entries(c);
				free(p);
				c->st.file_bad = true;
			}
		}
	}
	return c;
}

ycache *ycache_open(const char *dir, size_t cap)
{
	if (!dir || !*dir || !cap)
		return NULL;
	ycache *c = yc_new(cap);
	if (!c)
		return NULL;
	size_t dl = strlen(dir);
	c->dir = xstrndup(dir, dl);
	c->path = xmalloc(dl + sizeof(YCACHE_FILE) + 1);
	if (!c->dir || !c->path) {
		ycache_free(c);
		return NULL;
	}
	memcpy(c->path, dir, dl);
	c->path[dl] = '/';
	memcpy(c->path + dl + 1, YCACHE_FILE, sizeof(YCACHE_FILE));
	file_view v;
	int err = file_view_open(&v, c->path, cap);
	if (err == 0 && !load(c, v.p, v.len)) {
		reset_entries(c);
		file_view_close(&v);
		c->st.file_bad = true;
	} else if (err == 0) {
		c->view = v;
	} else if (err != SPOOR_ENOTFOUND) {
		c->st.file_bad = true; /* too large or unreadable: replaced */
	}
	return c;
}

struct ycache_bytes {
	file_view view;
	unsigned char *heap; /* ycache_open_mem's copy */
};

void ycache_free(ycache *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	EVP_MD_free(c->sha);
	free(c->dir);
	free(c->path);
	if (!c->kept) { /* else the caller's now (ycache_free_keep) */
		if (c->view.p)
			file_view_close(&c->view);
		else
			free((void *)c->old);
	}
	free(c->e);
	free(c->ht);
	free(c->sv);
	free(c->sht);
	free(c->nd);
	free(c);
}

ycache_bytes *ycache_free_keep(ycache *c)
{
	ycache_bytes *b = c && c->old ? xcalloc(1, sizeof(*b)) : NULL;
	if (b) {
		if (c->view.p)
			b->view = c->view;
		else
			b->heap = (unsigned char *)(uintptr_t)c->old;
		c->kept = true;
	} else if (c && c->old) {
		/* no memory for the handle: the bytes stay mapped for good
		 * (strings point into them), only the rest is freed */
		c->kept = true;
	}
	ycache_free(c);
	return b;
}

void ycache_bytes_free(ycache_bytes *b)
{
	if (!b)
		return;
	file_view_close(&b->view);
	free(b->heap);
	free(b);
}

void ycache_get_stats(const ycache *c, ycache_stats *st)
{
	if (c)
		*st = c->st;
	else
		memset(st, 0, sizeof(*st));
}

bool ycache_key(ycache *c, const char *text, size_t len, unsigned char key[32])
{
	static const char tag[] = YC_MAGIC "/sha256";
	unsigned hn = 0;
	return c && EVP_DigestInit_ex(c->md, c->sha, NULL) == 1 &&
	       EVP_DigestUpdate(c->md, tag, sizeof(tag)) == 1 && EVP_DigestUpdate(c->md, text, len) == 1 &&
	       EVP_DigestFinal_ex(c->md, key, &hn) == 1 && hn == 32;
}

/* ---- the stat table ---- */

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Whether row r (found by st's device and inode) still describes st. */
static bool row_is(const yc_stat *r, const struct stat *st)
{
	return r->size == (uint64_t)st->st_size && r->mtime == ts_ns(st->st_mtim) && r->ctime == ts_ns(st->st_ctim);
}

bool ycache_stat_get(ycache *c, const struct stat *st, unsigned char key[32])
{
	if (!c || !S_ISREG(st->st_mode))
		return false;
	yc_stat *r = stat_find(c, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (!r || !row_is(r, st) || !find(c, r->key))
		return false;
	r->used = true;
	memcpy(key, r->key, 32);
	c->st.stat_hits++;
	return true;
}

void ycache_stat_put(ycache *c, const struct stat *st, const unsigned char key[32])
{
	struct timespec now;
	if (!c || !S_ISREG(st->st_mode) || !find(c, key) || clock_gettime(CLOCK_REALTIME, &now) < 0 ||
	    ts_ns(st->st_ctim) > ts_ns(now) - YC_RACY_NS)
		return;
	yc_stat r = {.dev = (uint64_t)st->st_dev,
		     .ino = (uint64_t)st->st_ino,
		     .size = (uint64_t)st->st_size,
		     .mtime = ts_ns(st->st_mtim),
		     .ctime = ts_ns(st->st_ctim),
		     .used = true};
	memcpy(r.key, key, 32);
	yc_stat *o = stat_find(c, r.dev, r.ino);
	if (o && row_is(o, st) && !memcmp(o->key, key, 32)) {
		o->used = true;
		return;
	}
	if (o)
		*o = r;
	else if (!stat_add(c, &r))
		return;
	c->dirty = true;
}

/* ---- decoding an entry ---- */

typedef struct rd {
	const unsigned char *p, *end;
	arena *ar;  /* scalar text, unless inplace */
	arena *nar; /* nodes */
	size_t nodes;
	bool inplace; /* the bytes outlive the tree (the file's): scalars point into them */
} rd;

static bool rd_var(rd *r, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned sh = 0; sh < 64; sh += 7) {
		if (r->p >= r->end)
			return false;
		unsigned char b = *r->p++;
		if (sh == 63 && b > 1)
			return false;
		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool rd_u32(rd *r, uint32_t *out)
{
	uint64_t v;
	if (!rd_var(r, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Every node takes at least 4 bytes: tag, line, col, length or count. */
#define MIN_NODE 4

static bool rd_node(rd *r, unsigned depth, ynode **out)
{
	if (depth > SIGMA_MAX_DEPTH || ++r->nodes > SIGMA_MAX_NODES || r->p >= r->end)
		return false;
	unsigned tag = *r->p++;
	unsigned kind = tag & 3;
	bool plain = tag & 4;
	if ((tag & ~7u) || kind == 0 || (plain && kind != YN_SCALAR))
		return false;
	ynode *y = arena_alloc(r->nar, sizeof(*y));
	if (!y)
		return false;
	memset(y, 0, sizeof(*y));
	y->kind = (uint8_t)kind;
	y->plain = plain;
	y->s = "";
	uint64_t cnt;
	if (!rd_u32(r, &y->line) || !rd_u32(r, &y->col) || !rd_var(r, &cnt))
		return false;
	size_t left = (size_t)(r->end - r->p);
	if (kind == YN_SCALAR) {
		/* the text, then a NUL */
		if (cnt >= left || r->p[cnt] != 0)
			return false;
		if (r->inplace) {
			y->s = (const char *)r->p;
		} else {
			char *s = arena_alloc_bytes(r->ar, (size_t)cnt + 1);
			if (!s)
				return false;
			memcpy(s, r->p, (size_t)cnt + 1);
			y->s = s;
		}
		r->p += cnt + 1;
		y->n = (size_t)cnt;
	} else {
		size_t items = kind == YN_MAP ? 2 : 1;
		if (cnt > left / (MIN_NODE * items))
			return false;
		items *= (size_t)cnt;
		y->kv = arena_alloc(r->nar, (items + 1) * sizeof(ynode *));
		if (!y->kv)
			return false;
		for (size_t i = 0; i < items; i++) {
			if (!rd_node(r, depth + 1, &y->kv[i]))
				return false;
			if (kind == YN_MAP && !(i & 1) && y->kv[i]->kind != YN_SCALAR)
				return false;
		}
		y->kv[items] = NULL;
		y->nkv = items;
	}
	*out = y;
	return true;
}

static bool decode(const unsigned char *p, size_t len, bool inplace, arena *ar, arena *nar, ynode ***roots,
		   uint32_t **lines, size_t *n)
{
	rd r = {p, p + len, ar, nar ? nar : ar, 0, inplace};
	uint64_t nd;
	if (!rd_var(&r, &nd) || nd > len / (1 + MIN_NODE))
		return false;
	ynode **rv = arena_alloc(r.nar, ((size_t)nd + 1) * sizeof(*rv));
	uint32_t *lv = arena_alloc(r.nar, ((size_t)nd + 1) * sizeof(*lv));
	if (!rv || !lv)
		return false;
	for (size_t i = 0; i < nd; i++) {
		r.nodes = 0; /* the limit is per document, as in sigma-yaml.c */
		if (!rd_u32(&r, &lv[i]) || !rd_node(&r, 0, &rv[i]))
			return false;
	}
	if (r.p != r.end)
		return false;
	*roots = rv;
	*lines = lv;
	*n = (size_t)nd;
	return true;
}

int ycache_get(ycache *c, const unsigned char key[32], arena *ar, arena *nar, ynode ***roots, uint32_t **lines,
	       size_t *n)
{
	if (!c)
		return 0;
	yc_ent *e = find(c, key);
	/* an entry of this run is in c->nd, which grows (moves): copied */
	if (!e || !decode(ent_data(c, e), e->len, !e->isnew, ar, nar, roots, lines, n)) {
		c->st.misses++;
		return 0;
	}
	e->used = true;
	c->st.hits++;
	return 1;
}

/* ---- encoding ---- */

static bool nd_reserve(ycache *c, size_t n)
{
	if (n <= c->ndcap - c->ndlen)
		return true;
	size_t nc = c->ndcap ? c->ndcap : 1 << 16;
	while (nc - c->ndlen < n) {
		if (nc > SIZE_MAX / 2)
			return false;
		nc *= 2;
	}
	unsigned char *v = xrealloc(c->nd, nc);
	if (!v)
		return false;
	c->nd = v;
	c->ndcap = nc;
	return true;
}

static bool wr_var(ycache *c, uint64_t v)
{
	if (!nd_reserve(c, 10))
		return false;
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		c->nd[c->ndlen++] = (unsigned char)(b | (v ? 0x80 : 0));
	} while (v);
	return true;
}

static bool wr_node(ycache *c, const ynode *y, size_t limit)
{
	if (c->ndlen > limit || !nd_reserve(c, 1))
		return false;
	c->nd[c->ndlen++] = (unsigned char)(y->kind | (y->kind == YN_SCALAR && y->plain ? 4 : 0));
	if (!wr_var(c, y->line) || !wr_var(c, y->col))
		return false;
	if (y->kind == YN_SCALAR) {
		if (!wr_var(c, y->n) || y->n == SIZE_MAX || !nd_reserve(c, y->n + 1))
			return false;
		memcpy(c->nd + c->ndlen, y->s, y->n);
		c->nd[c->ndlen + y->n] = 0;
		c->ndlen += y->n + 1;
		return true;
	}
	if (!wr_var(c, y->kind == YN_MAP ? y->nkv / 2 : y->nkv))
		return false;
	for (size_t i = 0; i < y->nkv; i++)
		if (!wr_node(c, y->kv[i], limit))
			return false;
	return true;
}

void ycache_put(ycache *c, const unsigned char key[32], ynode *const *roots, const uint32_t *lines, size_t n)
{
	if (!c || find(c, key))
		return;
	size_t start = c->ndlen;
	/* an entry that alone would not fit the file is not kept */
	size_t limit = c->cap > YC_HDR + YC_IDX + YCACHE_SUM ? start + c->cap - YC_HDR - YC_IDX - YCACHE_SUM : start;
	bool ok = wr_var(c, n);
	for (size_t i = 0; ok && i < n; i++)
		ok = wr_var(c, lines[i]) && wr_node(c, roots[i], limit);
	ok = ok && c->ndlen <= limit;
	yc_ent e = {.isnew = true, .used = true, .off = start, .len = c->ndlen - start};
	memcpy(e.key, key, 32);
	if (!ok || !ent_add(c, &e)) {
		c->ndlen = start;
		return;
	}
	c->st.added++;
	c->dirty = true;
}

/* ---- writing the file ---- */

/* The entries to write, in order, into v (c->n long); their count. */
static size_t pick(const ycache *c, size_t *v, size_t *total)
{
	size_t k = 0, t = YC_HDR + YCACHE_SUM;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n; i++) {
			const yc_ent *e = &c->e[i];
			if (e->used != (pass == 0))
				continue;
			if (t > c->cap || e->len > c->cap || YC_IDX + e->len > c->cap - t)
				continue;
			t += YC_IDX + e->len;
			v[k++] = i;
		}
	}
	*total = t;
	return k;
}

/* The stat rows to write (those of entries written, this run's first,
 * while the file stays under the cap) into v; their count. */
static size_t pick_stat(ycache *c, const size_t *ev, size_t k, size_t *v, size_t *total)
{
	/* the entries written, by key */
	for (size_t j = 0; j < c->n; j++)
		c->e[j].wr = false;
	for (size_t j = 0; j < k; j++)
		c->e[ev[j]].wr = true;
	size_t m = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->ns; i++) {
			const yc_stat *r = &c->sv[i];
			const yc_ent *e = r->used == (pass == 0) ? find(c, r->key) : NULL;
			if (!e || !e->wr || *total > c->cap || YC_STAT > c->cap - *total)
				continue;
			*total += YC_STAT;
			v[m++] = i;
		}
	return m;
}

unsigned char *ycache_serialize(ycache *c, size_t *len)
{
	size_t *v = xcalloc(c->n + 1, sizeof(*v));
	size_t *sv = xcalloc(c->ns + 1, sizeof(*sv));
	if (!v || !sv) {
		free(v);
		free(sv);
		return NULL;
	}
	size_t total;
	size_t k = pick(c, v, &total);
	size_t ks = pick_stat(c, v, k, sv, &total);
	unsigned char *out = xmalloc(total);
	if (!out) {
		free(v);
		free(sv);
		return NULL;
	}
	memcpy(out, YC_MAGIC, 8);
	le_put(out + 8, YC_VERSION, 4);
	le_put(out + 12, SIGMA_MAX_DEPTH, 4);
	le_put(out + 16, SIGMA_MAX_NODES, 4);
	le_put(out + 20, k, 4);
	le_put(out + 24, ks, 4);
	unsigned char *idx = out + YC_HDR, *stt = idx + k * YC_IDX, *data = stt + ks * YC_STAT;
	for (size_t j = 0; j < ks; j++) {
		const yc_stat *r = &c->sv[sv[j]];
		unsigned char *x = stt + j * YC_STAT;
		le_put(x, r->dev, 8);
		le_put(x + 8, r->ino, 8);
		le_put(x + 16, r->size, 8);
		le_put(x + 24, (uint64_t)r->mtime, 8);
		le_put(x + 32, (uint64_t)r->ctime, 8);
		memcpy(x + 40, r->key, 32);
	}
	free(sv);
	size_t off = 0;
	for (size_t j = 0; j < k; j++) {
		const yc_ent *e = &c->e[v[j]];
		memcpy(idx + j * YC_IDX, e->key, 32);
		le_put(idx + j * YC_IDX + 32, off, 8);
		le_put(idx + j * YC_IDX + 40, e->len, 8);
		memcpy(data + off, ent_data(c, e), e->len);
		off += e->len;
	}
	free(v);
	le_put(out + total - YCACHE_SUM, hash_bytes(out, total - YCACHE_SUM, YCACHE_SEED), 8);
	*len = total;
	return out;
}

int ycache_flush(ycache *c)
{
	if (!c || !c->dirty || !c->path || !c->dir)
		return 0;
	char d[4096];
	int dn = snprintf(d, sizeof(d), "%s/", c->dir);
	if (dn <= 1 || (size_t)dn >= sizeof(d) || mkdir_parents(d, 0, 0700) < 0)
		return SPOOR_EIO;
	size_t total = 0;
	unsigned char *out = ycache_serialize(c, &total);
	if (!out)
		return SPOOR_ENOMEM;
	int rc = file_write_atomic(c->path, out, total, 0600);
	free(out);
	if (rc == 0) {
		c->dirty = false;
		c->st.written = true;
	}
	return rc;
}
