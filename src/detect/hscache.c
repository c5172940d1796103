/* hscache — compiled Vectorscan databases kept on disk.
 *
 * Compiling the ~300 literal databases of the SigmaHQ rule set takes about
 * 1.5 s, every run, for the same rules (and an intel feed's substrings
 * seconds more).  This file keeps the compiled set in one file per set
 * of inputs, named by the SHA-256 of everything the compiler sees
 * (Vectorscan's version, the number of databases, each literal with its
 * flags and id, in order).  The same inputs give the same name; any change
 * of rules, atoms or library gives another name.  Old files are not
 * removed: they are small (a few MB) and `spoor rules cache --clear`-style
 * management is left to the user (docs/sigma.md, "Database cache").
 *
 * File layout (little endian): "SPOORHS4", u32 count, u32 0, then per
 * database u64 offset, u64 length; then the databases, each as
 * Vectorscan holds it in memory (hs_database_size bytes) at a 64-byte
 * offset; then u64 check: hash_bytes of every byte before it.
 * The file is read whole (file_view_open: into 2 MiB pages, or mapped
 * when small) and the databases are used where they are, for as long as
 * the matcher lives (dbc_unmap): no second copy.  Version 3 held
 * hs_serialize_database bytes, which hs_deserialize_database copied into
 * 8 MB of new heap, zeroed by the kernel first: 11% of the start-up with
 * all SigmaHQ rules.
 * The check is against corruption (a torn or truncated write, a bad
 * disk), not an adversary (whoever can write the user's cache folder can
 * replace the binary).  What is read beyond the check is checked too:
 * each image lies inside the file, at a 64-byte boundary, and
 * hs_database_size (magic, version, length) gives its length.  The
 * bytecode is Vectorscan's to trust, as it was when its deserializer
 * read it (a CRC, no more).  Someone who shortens a small (mapped) file
 * in place while a hunt uses it makes that hunt fail (SIGBUS), as with
 * git's packs; spoor only ever replaces the file.  A file that fails any check
 * (size, check, layout) is ignored and rewritten: the cache is a
 * speed-up, never a source of truth.  Writes go to a temporary file
 * renamed into place, so a reader never sees a half-written file and
 * concurrent writers do not clash. */
#include <hs.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/fsutil.h"
#include "detect/hscache.h"

#define DBC_MAGIC    "SPOORHS4"	       /* 4: the databases as they are in memory */
#define DBC_MAX_FILE ((size_t)1 << 30) /* a set larger than this is not cached */
#define DBC_HDR	     16		       /* magic, u32 count, u32 0 */
#define DBC_ENT	     16		       /* u64 offset, u64 length */
#define DBC_SUM	     8		       /* the trailing check */
/* A database's bytecode starts on a 64-byte line, placed there from the
 * database's address mod 64 (Vectorscan's db_copy_bytecode): every image
 * is written at a 64-byte offset, and a file is mapped at a page. */
#define DBC_LINE      64
#define DBC_MIN_IMAGE 16 /* the header fields hs_database_size reads */

/* The key's bytes go to the digest in blocks: it is fed one atom (a few
 * bytes) at a time, thousands of times, and an EVP update per atom cost
 * more than the hashing. */
#define DBC_KEY_BUF 4096

struct dbc_key {
	EVP_MD_CTX *md;
	bool bad;
	size_t n; /* bytes in buf */
	unsigned char buf[DBC_KEY_BUF];
};

static void key_flush(dbc_key *k)
{
	if (k->n && !k->bad && EVP_DigestUpdate(k->md, k->buf, k->n) != 1)
		k->bad = true;
	k->n = 0;
}

dbc_key *dbc_key_new(size_t ndbs, const hs_platform_info_t *plat)
{
	dbc_key *k = xcalloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->md = EVP_MD_CTX_new();
	if (!k->md || EVP_DigestInit_ex(k->md, EVP_sha256(), NULL) != 1) {
		dbc_key_free(k);
		return NULL;
	}
	const char *v = hs_version();
	uint64_t n = ndbs;
	dbc_key_add(k, DBC_MAGIC, sizeof(DBC_MAGIC));
	dbc_key_add(k, v, strlen(v) + 1);
	dbc_key_add(k, &n, sizeof(n));
	/* the platform the databases are compiled for (hsrt.c): a set made
	 * for another CPU, or for the AVX-512 runtime, is another file */
	hs_platform_info_t pl;
	const hs_platform_info_t *p = plat;
	if (!p && hs_populate_platform(&pl) == HS_SUCCESS)
		p = &pl;
	uint64_t feat[2] = {p ? p->cpu_features : 0, p ? p->tune : 0};
	dbc_key_add(k, feat, sizeof(feat));
	return k;
}

void dbc_key_add(dbc_key *k, const void *p, size_t n)
{
	if (!k || k->bad)
		return;
	if (n > DBC_KEY_BUF - k->n) {
		key_flush(k);
		if (n > DBC_KEY_BUF) {
			if (!k->bad && EVP_DigestUpdate(k->md, p, n) != 1)
				k->bad = true;
			return;
		}
	}
	memcpy(k->buf + k->n, p, n);
	k->n += n;
}

void dbc_key_lit(dbc_key *k, const void *p, size_t n, unsigned flags)
{
	uint64_t meta[2] = {n, flags};
	dbc_key_add(k, meta, sizeof(meta));
	dbc_key_add(k, p, n);
}

void dbc_key_free(dbc_key *k)
{
	if (!k)
		return;
	EVP_MD_CTX_free(k->md);
	free(k);
}

/* dir/hs-<hex>.hs into out; false when it does not fit or the key failed. */
static bool dbc_path(dbc_key *k, const char *dir, char *out, size_t cap)
{
	unsigned char h[32];
	unsigned hn = 0;
	if (k)
		key_flush(k);
	if (!k || k->bad || EVP_DigestFinal_ex(k->md, h, &hn) != 1 || hn != 32)
		return false;
	k->bad = true; /* finalized */
	char hex[65];
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	int n = snprintf(out, cap, "%s/hs-%s.hs", dir, hex);
	return n > 0 && (size_t)n < cap;
}

/* Where database i's image is in the file's len bytes before the check:
 * false when anything is off. */
static bool image_at(const unsigned char *p, size_t len, size_t n, size_t i, size_t *at)
{
	const unsigned char *e = p + DBC_HDR + DBC_ENT * i;
	uint64_t off = le_get(e, 8), l = le_get(e + 8, 8);
	if (off < DBC_HDR + DBC_ENT * n || off > len || l > len - off || l < DBC_MIN_IMAGE || off % DBC_LINE)
		return false;
	/* magic, version and length as Vectorscan reads them: the image
	 * holds the whole database it describes */
	size_t sz = 0;
	if (hs_database_size((const hs_database_t *)(p + off), &sz) != HS_SUCCESS || sz != l)
		return false;
	*at = (size_t)off;
	return true;
}

int dbc_parse(const unsigned char *p, size_t len, hs_database_t **dbs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dbs[i] = NULL;
	if ((uintptr_t)p % DBC_LINE || len < DBC_HDR + DBC_SUM || memcmp(p, DBC_MAGIC, 8) || le_get(p + 8, 4) != n ||
	    le_get(p + 12, 4) != 0)
		return 0;
	len -= DBC_SUM;
	if (n > (len - DBC_HDR) / DBC_ENT || hash_bytes(p, len, DBC_SEED) != le_get(p + len, 8))
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t at;
		if (!image_at(p, len, n, i, &at)) {
			for (size_t j = 0; j < i; j++)
				dbs[j] = NULL;
			return 0;
		}
		/* read only, like every database in use: Vectorscan never
		 * writes to one (many threads scan the same database) */
		dbs[i] = (hs_database_t *)(uintptr_t)(p + at);
	}
	return 1;
}

struct dbc_map {
	file_view v;
};

int dbc_load(dbc_key *k, const char *dir, hs_database_t **dbs, size_t n, char *path, size_t pathcap, dbc_map **map)
{
	*map = NULL;
	if (!dir || !*dir || !dbc_path(k, dir, path, pathcap))
		return 0;
	dbc_map *m = xmalloc(sizeof(*m));
	if (!m)
		return 0;
	if (file_view_open(&m->v, path, DBC_MAX_FILE) != 0 || !dbc_parse(m->v.p, m->v.len, dbs, n)) {
		file_view_close(&m->v);
		free(m);
		return 0;
	}
	*map = m;
	return 1;
}

void dbc_unmap(dbc_map *m)
{
	if (!m)
		return;
	file_view_close(&m->v);
	free(m);
}

/* Whether the database deserialized at img (sz bytes, from ser) is the
 * same bytes when deserialized anywhere else on a 64-byte line: then it
 * holds no pointer into itself, and its image can be used wherever it is
 * mapped. */
static bool relocatable(const char *ser, size_t sl, const unsigned char *img, size_t sz)
{
	void *mem = NULL;
	if (posix_memalign(&mem, DBC_LINE, sz + DBC_LINE))
		return false;
	/* at another address, also on a 64-byte line */
	unsigned char *q = (unsigned char *)mem + DBC_LINE;
	bool same =
	    hs_deserialize_database_at(ser, sl, (hs_database_t *)(void *)q) == HS_SUCCESS && !memcmp(q, img, sz);
	free(mem);
	return same;
}

void dbc_store(const char *dir, const char *path, hs_database_t *const *dbs, size_t n)
{
	/* the folder and its parents (0700: it is the user's own) */
	char d[4096];
	int dn = dir ? snprintf(d, sizeof(d), "%s/", dir) : -1;
	if (dn <= 1 || (size_t)dn >= sizeof(d) || !path || !*path || mkdir_parents(d, 0, 0700) < 0 ||
	    n > (DBC_MAX_FILE - DBC_HDR) / DBC_ENT)
		return;
	/* each database serialized, then deserialized by Vectorscan into its
	 * place in the file (hs_deserialize_database_at), on a 64-byte line:
	 * the same databases give the same bytes, wherever the compiler put
	 * them in memory.  Vectorscan's manual says a database "cannot be
	 * copied (or otherwise relocated) directly" as it may hold pointers;
	 * none does in the versions we know, and relocatable() checks it for
	 * each database: a set that is not written is only compiled again. */
	char **ser = xcalloc(n + 1, sizeof(*ser));
	size_t *sl = xcalloc(n + 1, sizeof(*sl)), *at = xcalloc(n + 1, sizeof(*at)), *sz = xcalloc(n + 1, sizeof(*sz));
	size_t total = DBC_HDR + DBC_ENT * n;
	bool ok = ser && sl && at && sz;
	for (size_t i = 0; ok && i < n; i++) {
		ok = hs_serialize_database(dbs[i], &ser[i], &sl[i]) == HS_SUCCESS &&
		     hs_serialized_database_size(ser[i], sl[i], &sz[i]) == HS_SUCCESS && sz[i] >= DBC_MIN_IMAGE &&
		     sz[i] <= DBC_MAX_FILE;
		at[i] = (total + DBC_LINE - 1) / DBC_LINE * DBC_LINE;
		ok = ok && at[i] <= DBC_MAX_FILE - sz[i];
		total = at[i] + sz[i];
	}
	ok = ok && total <= DBC_MAX_FILE - DBC_SUM;
	void *mem = NULL;
	if (ok && posix_memalign(&mem, DBC_LINE, total + DBC_SUM))
		mem = NULL;
	unsigned char *out = mem;
	if (out) {
		memset(out, 0, total + DBC_SUM);
		memcpy(out, DBC_MAGIC, 8);
		le_put(out + 8, n, 4);
		for (size_t i = 0; ok && i < n; i++) {
			unsigned char *e = out + DBC_HDR + DBC_ENT * i;
			ok = hs_deserialize_database_at(ser[i], sl[i], (hs_database_t *)(void *)(out + at[i])) ==
				 HS_SUCCESS &&
			     relocatable(ser[i], sl[i], out + at[i], sz[i]);
			le_put(e, at[i], 8);
			le_put(e + 8, sz[i], 8);
		}
		le_put(out + total, hash_bytes(out, total, DBC_SEED), 8);
		/* a cache: not written is only slower */
		if (ok)
			(void)file_write_atomic(path, out, total + DBC_SUM, 0600);
	}
	for (size_t i = 0; ser && i < n; i++)
		free(ser[i]);
	free(ser);
	free(sl);
	free(at);
	free(sz);
	free(out);
}
