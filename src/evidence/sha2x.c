/* sha2x — SHA-256 of the tree's many small messages, two at a time.
 *
 * Verification hashes one leaf (0x00 || entry, typically 100-300 bytes)
 * and about one node (0x01 || left || right, 65 bytes) per record: a few
 * 64-byte blocks each.  One SHA-256 stream is bound by the latency of the
 * x86 SHA extension's round instruction (sha256rnds2); two independent
 * messages interleaved keep the unit busy: 1.7x the blocks per second of
 * one stream on the EPYC we measured (bench/RESULTS-evidence.md), and no
 * per-message EVP/SHA256_CTX set-up.  Without the extension (or off x86)
 * the pair is two OpenSSL SHA-256 computations: same bytes out.
 *
 * The implementation is the standard one for the SHA extensions (Intel's
 * "Intel SHA Extensions" white paper, 2013): state kept as ABEF/CDGH,
 * message schedule with sha256msg1/msg2, four rounds per step.
 *
 * Node hashes (sha2x_node_pair) and, when the caller has 15 bytes of slack
 * after each message (sha2x_pair_over: verify's decompressed bundles), the
 * padded last blocks are assembled in registers rather than in a stack
 * buffer: padding written bytewise and read back 16 bytes at a time stalls
 * store-to-load forwarding once per message (docs/internals/evidence.md). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdlib.h>

#include "evidence/evidence.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA2X_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

bool sha2x_available(void)
{
#ifdef SHA2X_NI
	const char *off = getenv("SPOOR_NO_SHA_NI"); /* compare with / test the portable path */
	if (off && *off && strcmp(off, "0"))
		return false;
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) /* SSE4.1, SSSE3 */
		return false;
	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1; /* SHA */
#else
	return false;
#endif
}

#ifdef SHA2X_NI
#define NI __attribute__((target("sha,sse4.1,ssse3")))
/* fully unrolled rounds: the schedule words stay in registers */
#if defined(__clang__)
#define UNROLL16 _Pragma("unroll 16")
#else
#define UNROLL16 _Pragma("GCC unroll 16")
#endif

static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* The initial hash value H(0) in the ABEF / CDGH order the instructions use. */
NI static inline void iv(__m128i *abef, __m128i *cdgh)
{
	*abef = _mm_set_epi32(0x6a09e667, 0xbb67ae85, 0x510e527f, 0x9b05688c);
	*cdgh = _mm_set_epi32(0x3c6ef372, 0xa54ff53a, 0x1f83d9ab, 0x5be0cd19);
}

NI static inline void out_bytes(__m128i abef, __m128i cdgh, uint8_t out[32])
{
	/* back to A..H, then big-endian bytes */
	__m128i t = _mm_shuffle_epi32(abef, 0x1B);   /* lanes A B E F */
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);	     /* lanes G H C D */
	__m128i s0 = _mm_blend_epi16(t, cdgh, 0xF0); /* A B C D */
	__m128i s1 = _mm_alignr_epi8(cdgh, t, 8);    /* E F G H */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	_mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(s0, bswap));
	_mm_storeu_si128((__m128i *)(out + 16), _mm_shuffle_epi8(s1, bswap));
}

#define SCHED(W, g)                                                                                                    \
	W[(g)&3] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(W[(g)&3], W[((g) + 1) & 3]),                \
						      _mm_alignr_epi8(W[((g) + 3) & 3], W[((g) + 2) & 3], 4)),         \
					W[((g) + 3) & 3])

NI static inline void load_w(__m128i W[4], const uint8_t *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	for (int g = 0; g < 4; g++)
		W[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
}

NI static void block1(__m128i *abef, __m128i *cdgh, const uint8_t *p)
{
	__m128i a = *abef, c = *cdgh, W[4];
	load_w(W, p);
	UNROLL16
	for (int g = 0; g < 16; g++) {
		if (g >= 4)
			SCHED(W, g);
		__m128i m = _mm_add_epi32(W[g & 3], _mm_load_si128((const __m128i *)&K256[4 * g]));
		c = _mm_sha256rnds2_epu32(c, a, m);
		a = _mm_sha256rnds2_epu32(a, c, _mm_shuffle_epi32(m, 0x0E));
	}
	*abef = _mm_add_epi32(*abef, a);
	*cdgh = _mm_add_epi32(*cdgh, c);
}

/* One block of each of two messages (schedules W, V: the block's words,
 * big-endian loaded), their rounds interleaved. */
NI static inline void block2w(__m128i *abef0, __m128i *cdgh0, __m128i W[4], __m128i *abef1, __m128i *cdgh1,
			      __m128i V[4])
{
	__m128i a = *abef0, c = *cdgh0, b = *abef1, d = *cdgh1;
	UNROLL16
	for (int g = 0; g < 16; g++) {
		if (g >= 4) {
			SCHED(W, g);
			SCHED(V, g);
		}
		__m128i k = _mm_load_si128((const __m128i *)&K256[4 * g]);
		__m128i m = _mm_add_epi32(W[g & 3], k), n = _mm_add_epi32(V[g & 3], k);
		c = _mm_sha256rnds2_epu32(c, a, m);
		d = _mm_sha256rnds2_epu32(d, b, n);
		a = _mm_sha256rnds2_epu32(a, c, _mm_shuffle_epi32(m, 0x0E));
		b = _mm_sha256rnds2_epu32(b, d, _mm_shuffle_epi32(n, 0x0E));
	}
	*abef0 = _mm_add_epi32(*abef0, a);
	*cdgh0 = _mm_add_epi32(*cdgh0, c);
	*abef1 = _mm_add_epi32(*abef1, b);
	*cdgh1 = _mm_add_epi32(*cdgh1, d);
}

/* Two blocks of two messages, their rounds interleaved. */
NI static void block2(__m128i *abef0, __m128i *cdgh0, const uint8_t *p, __m128i *abef1, __m128i *cdgh1,
		      const uint8_t *q)
{
	__m128i W[4], V[4];
	load_w(W, p);
	load_w(V, q);
	block2w(abef0, cdgh0, W, abef1, cdgh1, V);
}

/* The two blocks of a node message 0x01 || lr[0..64), built in registers:
 * no copy of the 64 bytes behind a 1-byte prefix, no padding written to
 * memory and read back (a store-to-load forwarding stall per block). */
NI static inline void node_w(__m128i B1[4], __m128i B2[4], const uint8_t *lr)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i v0 = _mm_loadu_si128((const __m128i *)lr), v1 = _mm_loadu_si128((const __m128i *)(lr + 16));
	__m128i v2 = _mm_loadu_si128((const __m128i *)(lr + 32)), v3 = _mm_loadu_si128((const __m128i *)(lr + 48));
	B1[0] = _mm_shuffle_epi8(_mm_alignr_epi8(v0, _mm_set_epi32(0x01000000, 0, 0, 0), 15), bswap);
	B1[1] = _mm_shuffle_epi8(_mm_alignr_epi8(v1, v0, 15), bswap);
	B1[2] = _mm_shuffle_epi8(_mm_alignr_epi8(v2, v1, 15), bswap);
	B1[3] = _mm_shuffle_epi8(_mm_alignr_epi8(v3, v2, 15), bswap);
	/* lr[63], 0x80, zeros, the length 65 * 8 = 520 bits */
	B2[0] = _mm_cvtsi32_si128((int)((uint32_t)lr[63] << 24 | 0x800000));
	B2[1] = B2[2] = _mm_setzero_si128();
	B2[3] = _mm_set_epi32(520, 0, 0, 0);
}

NI static void node_pair_ni(const uint8_t *lr0, const uint8_t *lr1, uint8_t o0[32], uint8_t o1[32])
{
	__m128i a0, c0, a1, c1, W1[4], W2[4], V1[4], V2[4];
	node_w(W1, W2, lr0);
	node_w(V1, V2, lr1);
	iv(&a0, &c0);
	iv(&a1, &c1);
	block2w(&a0, &c0, W1, &a1, &c1, V1);
	block2w(&a0, &c0, W2, &a1, &c1, V2);
	out_bytes(a0, c0, o0);
	out_bytes(a1, c1, o1);
}

/* Block j of the padded message m[0..n) (nb blocks in all): a pointer into
 * m for a whole block, else the tail with its padding built in t. */
static inline const uint8_t *msg_block(const uint8_t *m, size_t n, size_t nb, size_t j, uint8_t t[64])
{
	size_t o = 64 * j;
	if (o + 64 <= n)
		return m + o;
	memset(t, 0, 64);
	if (o < n)
		memcpy(t, m + o, n - o);
	if (o <= n)
		t[n - o] = 0x80;
	if (j == nb - 1) {
		uint64_t bits = (uint64_t)n * 8;
		for (int k = 0; k < 8; k++)
			t[63 - k] = (uint8_t)(bits >> (8 * k));
	}
	return t;
}

/* Block j (of nb) of m[0..n) padded, as words, read from m in 16-byte
 * chunks: the chunk holding the end of the message is loaded whole (up to
 * 15 bytes past m + n, which must be readable) and masked; 0x80 and the
 * length are put in registers.  No padding goes through memory. */
NI static inline void tail_w(__m128i W[4], const uint8_t *m, size_t n, size_t nb, size_t j)
{
	static const uint8_t keep[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t p80[32] = {[16] = 0x80};
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	for (int c = 0; c < 4; c++) {
		size_t at = 64 * j + 16 * (size_t)c;
		__m128i x;
		if (at + 16 <= n) {
			x = _mm_loadu_si128((const __m128i *)(m + at));
		} else if (at < n) {
			size_t r = n - at; /* 1..15 bytes of message */
			x = _mm_and_si128(_mm_loadu_si128((const __m128i *)(m + at)),
					  _mm_loadu_si128((const __m128i *)(keep + 16 - r)));
			x = _mm_or_si128(x, _mm_loadu_si128((const __m128i *)(p80 + 16 - r)));
		} else if (at == n) {
			x = _mm_cvtsi32_si128(0x80);
		} else {
			x = _mm_setzero_si128();
		}
		W[c] = _mm_shuffle_epi8(x, bswap);
	}
	if (j == nb - 1) {
		uint64_t bits = (uint64_t)n * 8;
		W[3] = _mm_insert_epi32(_mm_insert_epi32(W[3], (int)(uint32_t)(bits >> 32), 2), (int)(uint32_t)bits, 3);
	}
}

/* pair_ni for messages followed by 15 readable bytes: every block, the
 * last ones too, goes from m to registers without a copy. */
NI static void pair_over_ni(const uint8_t *m0, size_t n0, const uint8_t *m1, size_t n1, uint8_t o0[32], uint8_t o1[32])
{
	size_t nb0 = (n0 + 72) / 64, nb1 = (n1 + 72) / 64, nb = nb0 > nb1 ? nb0 : nb1;
	__m128i a0, c0, a1, c1, W[4], V[4];
	iv(&a0, &c0);
	iv(&a1, &c1);
	uint8_t t[64];
	for (size_t j = 0; j < nb; j++) {
		if (j < nb0 && j < nb1) {
			if (64 * j + 64 <= n0)
				load_w(W, m0 + 64 * j);
			else
				tail_w(W, m0, n0, nb0, j);
			if (64 * j + 64 <= n1)
				load_w(V, m1 + 64 * j);
			else
				tail_w(V, m1, n1, nb1, j);
			block2w(&a0, &c0, W, &a1, &c1, V);
		} else if (j < nb0) {
			block1(&a0, &c0, msg_block(m0, n0, nb0, j, t));
		} else {
			block1(&a1, &c1, msg_block(m1, n1, nb1, j, t));
		}
	}
	out_bytes(a0, c0, o0);
	out_bytes(a1, c1, o1);
}

NI static void pair_ni(const uint8_t *m0, size_t n0, const uint8_t *m1, size_t n1, uint8_t o0[32], uint8_t o1[32])
{
	size_t nb0 = (n0 + 72) / 64, nb1 = (n1 + 72) / 64, nb = nb0 > nb1 ? nb0 : nb1;
	__m128i a0, c0, a1, c1;
	iv(&a0, &c0);
	iv(&a1, &c1);
	uint8_t t0[64], t1[64];
	for (size_t j = 0; j < nb; j++) {
		if (j < nb0 && j < nb1)
			block2(&a0, &c0, msg_block(m0, n0, nb0, j, t0), &a1, &c1, msg_block(m1, n1, nb1, j, t1));
		else if (j < nb0)
			block1(&a0, &c0, msg_block(m0, n0, nb0, j, t0));
		else
			block1(&a1, &c1, msg_block(m1, n1, nb1, j, t1));
	}
	out_bytes(a0, c0, o0);
	out_bytes(a1, c1, o1);
}

NI static void one_ni(const uint8_t *m, size_t n, uint8_t out[32])
{
	size_t nb = (n + 72) / 64;
	__m128i a, c;
	iv(&a, &c);
	uint8_t t[64];
	for (size_t j = 0; j < nb; j++)
		block1(&a, &c, msg_block(m, n, nb, j, t));
	out_bytes(a, c, out);
}
#endif

/* SHA256() itself goes through EVP (a fetch per call in OpenSSL 3): the
 * low-level functions are several times faster on short messages. */
static void sha256_ll(const void *m, size_t n, uint8_t out[32])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, m, n);
	SHA256_Final(out, &c);
}

void sha2x_pair(bool ni, const void *m0, size_t n0, const void *m1, size_t n1, uint8_t o0[32], uint8_t o1[32])
{
#ifdef SHA2X_NI
	if (ni) {
		pair_ni(m0, n0, m1, n1, o0, o1);
		return;
	}
#endif
	sha256_ll(m0, n0, o0);
	sha256_ll(m1, n1, o1);
}

void sha2x_pair_over(bool ni, const void *m0, size_t n0, const void *m1, size_t n1, uint8_t o0[32], uint8_t o1[32])
{
#ifdef SHA2X_NI
	if (ni) {
		pair_over_ni(m0, n0, m1, n1, o0, o1);
		return;
	}
#endif
	sha256_ll(m0, n0, o0);
	sha256_ll(m1, n1, o1);
}

void sha2x_node_pair(bool ni, const uint8_t lr0[64], const uint8_t lr1[64], uint8_t o0[32], uint8_t o1[32])
{
#ifdef SHA2X_NI
	if (ni) {
		node_pair_ni(lr0, lr1, o0, o1);
		return;
	}
#endif
	uint8_t m0[65], m1[65];
	m0[0] = m1[0] = 1;
	memcpy(m0 + 1, lr0, 64);
	memcpy(m1 + 1, lr1, 64);
	sha256_ll(m0, 65, o0);
	sha256_ll(m1, 65, o1);
}

void sha2x_one(bool ni, const void *m, size_t n, uint8_t out[32])
{
#ifdef SHA2X_NI
	if (ni && n < 4096) {
		one_ni(m, n, out);
		return;
	}
#endif
	sha256_ll(m, n, out);
}
