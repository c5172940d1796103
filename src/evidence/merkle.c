/* merkle — the RFC 6962 Merkle tree (kept unchanged by RFC 9162): leaf and
 * node hashes, the compact right edge used while appending, proofs built
 * from stored subtree hashes, and the RFC 9162 §2.1.3.2 / §2.1.4.2
 * verification algorithms transcribed step by step. */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_Init & co: no EVP dispatch per leaf */
#include <openssl/sha.h>

#include "evidence/evidence.h"

void tlog_leaf_hash(const void *p, size_t n, uint8_t out[32])
{
	SHA256_CTX c;
	static const uint8_t z = 0;
	SHA256_Init(&c);
	SHA256_Update(&c, &z, 1);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}

void tlog_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	SHA256_CTX c;
	static const uint8_t one = 1;
	SHA256_Init(&c);
	SHA256_Update(&c, &one, 1);
	SHA256_Update(&c, l, 32);
	SHA256_Update(&c, r, 32);
	SHA256_Final(out, &c);
}

void tlog_empty_root(uint8_t out[32])
{
	SHA256((const uint8_t *)"", 0, out);
}

void tlog_frontier_init(tlog_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

/* Entry i of the frontier has height = position of the i-th set bit of
 * size counted from the top.  Appending merges equal heights, like a
 * binary counter carrying. */
void tlog_frontier_append(tlog_frontier *f, const uint8_t leaf[32])
{
	uint8_t cur[32];
	memcpy(cur, leaf, 32);
	uint64_t s = f->size;
	/* one merge per trailing 1 bit of the old size */
	while (s & 1) {
		tlog_node_hash(f->h[f->n - 1], cur, cur);
		f->n--;
		s >>= 1;
	}
	memcpy(f->h[f->n++], cur, 32);
	f->size++;
}

void tlog_frontier_root(const tlog_frontier *f, uint8_t out[32])
{
	if (f->n == 0) {
		tlog_empty_root(out);
		return;
	}
	uint8_t r[32];
	memcpy(r, f->h[f->n - 1], 32);
	for (unsigned i = f->n - 1; i-- > 0;)
		tlog_node_hash(f->h[i], r, r);
	memcpy(out, r, 32);
}

static uint64_t split_point(uint64_t n) /* largest power of two < n, n > 1 */
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static bool is_pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

static unsigned log2u(uint64_t n)
{
	return (unsigned)(63 - __builtin_clzll(n));
}

int tlog_subtree_hash(tlog_hash_fn fn, void *u, uint64_t lo, uint64_t hi, uint8_t out[32])
{
	if (hi <= lo)
		return SPOOR_EINVAL;
	uint64_t n = hi - lo;
	if (is_pow2(n) && (lo & (n - 1)) == 0)
		return fn(u, log2u(n), lo >> log2u(n), out);
	uint64_t k = split_point(n);
	uint8_t l[32], r[32];
	int rc = tlog_subtree_hash(fn, u, lo, lo + k, l);
	if (rc == 0)
		rc = tlog_subtree_hash(fn, u, lo + k, hi, r);
	if (rc == 0)
		tlog_node_hash(l, r, out);
	return rc;
}

/* PATH(m, D[lo:hi]), appended to proof in leaf-to-root order. */
static int path(tlog_hash_fn fn, void *u, uint64_t m, uint64_t lo, uint64_t hi, uint8_t proof[][32], size_t *n)
{
	if (hi - lo <= 1)
		return 0;
	uint64_t k = split_point(hi - lo);
	int rc;
	if (m < k) {
		if ((rc = path(fn, u, m, lo, lo + k, proof, n)) < 0)
			return rc;
		if (*n >= TLOG_MAX_PROOF)
			return SPOOR_ELIMIT;
		return tlog_subtree_hash(fn, u, lo + k, hi, proof[(*n)++]);
	}
	if ((rc = path(fn, u, m - k, lo + k, hi, proof, n)) < 0)
		return rc;
	if (*n >= TLOG_MAX_PROOF)
		return SPOOR_ELIMIT;
	return tlog_subtree_hash(fn, u, lo, lo + k, proof[(*n)++]);
}

int tlog_prove_inclusion(tlog_hash_fn fn, void *u, uint64_t index, uint64_t size, uint8_t proof[][32], size_t *n)
{
	*n = 0;
	if (index >= size)
		return SPOOR_EINVAL;
	return path(fn, u, index, 0, size, proof, n);
}

/* SUBPROOF(m, D[lo:hi], b) */
static int subproof(tlog_hash_fn fn, void *u, uint64_t m, uint64_t lo, uint64_t hi, bool b, uint8_t proof[][32],
		    size_t *n)
{
	uint64_t sz = hi - lo;
	if (m == sz) {
		if (b)
			return 0;
		if (*n >= TLOG_MAX_PROOF)
			return SPOOR_ELIMIT;
		return tlog_subtree_hash(fn, u, lo, hi, proof[(*n)++]);
	}
	uint64_t k = split_point(sz);
	int rc;
	if (m <= k) {
		if ((rc = subproof(fn, u, m, lo, lo + k, b, proof, n)) < 0)
			return rc;
		if (*n >= TLOG_MAX_PROOF)
			return SPOOR_ELIMIT;
		return tlog_subtree_hash(fn, u, lo + k, hi, proof[(*n)++]);
	}
	if ((rc = subproof(fn, u, m - k, lo + k, hi, false, proof, n)) < 0)
		return rc;
	if (*n >= TLOG_MAX_PROOF)
		return SPOOR_ELIMIT;
	return tlog_subtree_hash(fn, u, lo, lo + k, proof[(*n)++]);
}

int tlog_prove_consistency(tlog_hash_fn fn, void *u, uint64_t m, uint64_t size, uint8_t proof[][32], size_t *n)
{
	*n = 0;
	if (m == 0 || m > size)
		return SPOOR_EINVAL;
	return subproof(fn, u, m, 0, size, true, proof, n);
}

bool tlog_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[32], const uint8_t (*proof)[32], size_t n,
			   const uint8_t root[32])
{
	if (index >= size || n > TLOG_MAX_PROOF)
		return false;
	uint64_t fn = index, sn = size - 1;
	uint8_t r[32];
	memcpy(r, leaf, 32);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(proof[i], r, r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			tlog_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, 32) == 0;
}

bool tlog_verify_consistency(uint64_t m, uint64_t size, const uint8_t root1[32], const uint8_t root2[32],
			     const uint8_t (*proof)[32], size_t n)
{
	if (m == 0 || m > size || n > TLOG_MAX_PROOF)
		return false;
	if (m == size)
		return n == 0 && memcmp(root1, root2, 32) == 0;
	if (n == 0)
		return false;
	/* step 2: a power-of-two first tree is its own first proof node */
	const uint8_t *first;
	size_t i = 0;
	if (is_pow2(m)) {
		first = root1;
	} else {
		first = proof[0];
		i = 1;
	}
	uint64_t fn = m - 1, sn = size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[32], sr[32];
	memcpy(fr, first, 32);
	memcpy(sr, first, 32);
	for (; i < n; i++) {
		const uint8_t *c = proof[i];
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(c, fr, fr);
			tlog_node_hash(c, sr, sr);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			tlog_node_hash(sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, root1, 32) == 0 && memcmp(sr, root2, 32) == 0;
}
