/* hscache — compiled Vectorscan databases kept on disk.
 *
 * Compiling the ~300 literal databases of the SigmaHQ rule set takes about
 * 1.5 s, every run, for the same rules (and an intel feed's substrings
 * seconds more).  Vectorscan can serialize a
 * compiled database; this file keeps the serialized set in one file per
 * set of inputs, named by the SHA-256 of everything the compiler sees
 * (Vectorscan's version, the number of databases, each literal with its
 * flags and id, in order).  The same inputs give the same name; any change
 * of rules, atoms or library gives another name.  Old files are not
 * removed: they are small (a few MB) and `spoor rules cache --clear`-style
 * management is left to the user (docs/sigma.md, "Database cache").
 *
 * File layout (little endian): "SPOORHS2", u32 count, then per database
 * u64 length, u64 check, hs_serialize_database bytes; the file ends there.
 * The check is hash_bytes of the database's bytes: against corruption (a
 * torn or truncated write, a bad disk), not an adversary (whoever can
 * write the user's cache folder can replace the binary); it is verified
 * on the bytes as they are deserialized (the file is mapped), so each
 * byte is read once (version 1 read the file twice, once for its
 * SHA-256: 8 MB of SHA-256 and copying, ~4% of start-up with all SigmaHQ
 * rules).  A file
 * that fails any check (size, check, deserialization) is ignored and
 * rewritten: the cache is a speed-up, never a source of truth.  Writes go
 * to a temporary file renamed into place, so a reader never sees a
 * half-written file and concurrent writers do not clash. */
#include <hs.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/fsutil.h"
#include "detect/hscache.h"

#define DBC_MAGIC "SPOORHS3" /* 3: the per-database check is the new hash_bytes */
#define DBC_MAX_FILE ((size_t)1 << 30) /* a set larger than this is not cached */

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

int dbc_parse(const unsigned char *p, size_t len, hs_database_t **dbs, size_t n)
{
	size_t hdr = sizeof(DBC_MAGIC) - 1 + 4;
	bool ok = len >= hdr && !memcmp(p, DBC_MAGIC, sizeof(DBC_MAGIC) - 1) && le_get(p + 8, 4) == n;
	size_t off = hdr, got = 0;
	for (; ok && got < n; got++) {
		if (len - off < 16) {
			ok = false;
			break;
		}
		uint64_t dl = le_get(p + off, 8), want = le_get(p + off + 8, 8);
		off += 16;
		if (dl > len - off || hash_bytes(p + off, (size_t)dl, DBC_SEED) != want ||
		    hs_deserialize_database((const char *)p + off, (size_t)dl, &dbs[got]) != HS_SUCCESS) {
			dbs[got] = NULL;
			ok = false;
			break;
		}
		off += (size_t)dl;
	}
	ok = ok && off == len;
	if (!ok) {
		for (size_t i = 0; i < got; i++) {
			hs_free_database(dbs[i]);
			dbs[i] = NULL;
		}
		return 0;
	}
	return 1;
}

int dbc_load(dbc_key *k, const char *dir, hs_database_t **dbs, size_t n, char *path, size_t pathcap)
{
	if (!dir || !*dir || !dbc_path(k, dir, path, pathcap))
		return 0;
	/* mapped, not read: hs_deserialize_database copies each database out
	 * of the page cache's pages (file_map: no buffer of the largest
	 * database, 8 MB for SigmaHQ, zeroed and copied into first) */
	size_t len = 0;
	int err;
	const unsigned char *p = file_map(path, DBC_MAX_FILE, &len, &err);
	if (!p)
		return 0;
	int r = dbc_parse(p, len, dbs, n);
	file_unmap(p, len);
	return r;
}

void dbc_store(const char *dir, const char *path, hs_database_t *const *dbs, size_t n)
{
	/* the folder and its parents (0700: it is the user's own) */
	char d[4096];
	int dn = dir ? snprintf(d, sizeof(d), "%s/", dir) : -1;
	if (dn <= 1 || (size_t)dn >= sizeof(d) || !path || !*path || mkdir_parents(d, 0, 0700) < 0)
		return;
	char **ser = xcalloc(n + 1, sizeof(*ser));
	size_t *sl = xcalloc(n + 1, sizeof(*sl));
	unsigned char *out = NULL;
	size_t total = sizeof(DBC_MAGIC) - 1 + 4;
	bool ok = ser && sl;
	for (size_t i = 0; ok && i < n; i++) {
		ok = hs_serialize_database(dbs[i], &ser[i], &sl[i]) == HS_SUCCESS;
		total += 16 + sl[i];
		ok = ok && total <= DBC_MAX_FILE;
	}
	if (ok)
		ok = (out = xmalloc(total)) != NULL;
	if (ok) {
		size_t off = 0;
		memcpy(out, DBC_MAGIC, sizeof(DBC_MAGIC) - 1);
		off += sizeof(DBC_MAGIC) - 1;
		le_put(out + off, n, 4);
		off += 4;
		for (size_t i = 0; i < n; i++) {
			le_put(out + off, sl[i], 8);
			le_put(out + off + 8, hash_bytes(ser[i], sl[i], DBC_SEED), 8);
			off += 16;
			memcpy(out + off, ser[i], sl[i]);
			off += sl[i];
		}
	}
	if (ok)
		(void)file_write_atomic(path, out, total, 0600); /* a cache: not written is only slower */
	for (size_t i = 0; ser && i < n; i++)
		free(ser[i]);
	free(ser);
	free(sl);
	free(out);
}
