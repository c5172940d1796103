/* fuzz-ycache — the reader of the YAML tree cache file (sigma-ycache.c).
 *
 * The input is a cache file without its last 8 bytes: the target appends
 * the check the file must end with, so the fuzzer gets past the check to
 * the index and the entries (the input as it is is opened too; it is
 * refused unless its last 8 bytes happen to be its check, which
 * libFuzzer's comparison tracing can arrange, so that is not asserted).  Every key of the index is looked up,
 * which decodes the entry, and every row of the stat table is looked up
 * with a stat made from it.  Invariants: a decoded tree has only known
 * kinds, scalar map keys, an even count under a map, NUL-terminated
 * scalars and no more depth than SIGMA_MAX_DEPTH; a file that loads
 * serializes to a file that loads again with as many entries, which
 * decode as before.  Any
 * violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/arena.h"
#include "base/base.h"
#include "detect/sigma/sigma-ycache.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP ((size_t)8 << 20)

static void walk(const ynode *y, unsigned depth)
{
	CHECK(y != NULL);
	CHECK(depth <= SIGMA_MAX_DEPTH);
	CHECK(y->kind == YN_SCALAR || y->kind == YN_SEQ || y->kind == YN_MAP);
	CHECK(y->s != NULL && y->s[y->n] == 0);
	if (y->kind == YN_SCALAR) {
		CHECK(y->nkv == 0);
		return;
	}
	CHECK(!y->plain && y->n == 0);
	if (y->kind == YN_MAP)
		CHECK(y->nkv % 2 == 0);
	for (size_t i = 0; i < y->nkv; i++) {
		if (y->kind == YN_MAP && i % 2 == 0)
			CHECK(y->kv[i] && y->kv[i]->kind == YN_SCALAR);
		walk(y->kv[i], depth + 1);
	}
}

static size_t lookup_all(ycache *c, const unsigned char *file, size_t len)
{
	size_t hits = 0;
	if (len < 28)
		return 0;
	size_t cnt = (size_t)file[20] | (size_t)file[21] << 8 | (size_t)file[22] << 16 | (size_t)file[23] << 24;
	arena ar;
	arena_init(&ar, 4096, 64u << 20);
	size_t all = cnt;
	if (cnt > 2048)
		cnt = 2048; /* the duplicate check below is quadratic */
	for (size_t i = 0; i < cnt && 28 + (i + 1) * 48 <= len; i++) {
		/* a key the index holds twice is one entry (the first) */
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !memcmp(file + 28 + j * 48, file + 28 + i * 48, 32);
		if (dup)
			continue;
		ynode **roots;
		uint32_t *lines;
		size_t n;
		if (ycache_get(c, file + 28 + i * 48, &ar, NULL, &roots, &lines, &n) != 1)
			continue;
		hits++;
		for (size_t k = 0; k < n; k++)
			walk(roots[k], 0);
	}
	arena_done(&ar);
	/* the stat table: a row that matches gives a key of the index */
	size_t nst = (size_t)file[24] | (size_t)file[25] << 8 | (size_t)file[26] << 16 | (size_t)file[27] << 24;
	if (all > (len - 28) / 48)
		return hits;
	const unsigned char *stt = file + 28 + all * 48;
	for (size_t i = 0; i < nst && i < 4096 && (size_t)(stt - file) + (i + 1) * 72 <= len; i++) {
		const unsigned char *x = stt + i * 72;
		uint64_t v[5];
		for (int f = 0; f < 5; f++) {
			v[f] = 0;
			for (int b = 7; b >= 0; b--)
				v[f] = v[f] << 8 | x[f * 8 + b];
		}
		struct stat st;
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFREG | 0600;
		st.st_dev = (dev_t)v[0];
		st.st_ino = (ino_t)v[1];
		st.st_size = (off_t)v[2];
		st.st_mtim.tv_sec = (time_t)((int64_t)v[3] / 1000000000);
		st.st_mtim.tv_nsec = (long)((int64_t)v[3] % 1000000000);
		st.st_ctim.tv_sec = (time_t)((int64_t)v[4] / 1000000000);
		st.st_ctim.tv_nsec = (long)((int64_t)v[4] % 1000000000);
		unsigned char key[32];
		if (!ycache_stat_get(c, &st, key))
			continue;
		bool known = false;
		for (size_t j = 0; j < all && !known; j++)
			known = !memcmp(file + 28 + j * 48, key, 32);
		CHECK(known);
	}
	return hits;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > CAP - 8)
		return 0;
	/* as given: no digest, refused */
	ycache *c = ycache_open_mem(data, size, CAP, NULL);
	if (!c)
		return 0;
	ycache_stats st;
	ycache_free(c);

	unsigned char *file = malloc(size + YCACHE_SUM);
	if (!file)
		return 0;
	if (size)
		memcpy(file, data, size);
	le_put(file + size, hash_bytes(file, size, YCACHE_SEED), YCACHE_SUM);
	c = ycache_open_mem(file, size + YCACHE_SUM, CAP, NULL);
	if (!c) {
		free(file);
		return 0;
	}
	ycache_get_stats(c, &st);
	size_t hits = lookup_all(c, file, size + YCACHE_SUM);
	CHECK(hits <= st.loaded);
	if (st.loaded) {
		size_t olen;
		unsigned char *out = ycache_serialize(c, &olen);
		if (out) {
			ycache *c2 = ycache_open_mem(out, olen, CAP, NULL);
			if (c2) {
				ycache_stats st2;
				ycache_get_stats(c2, &st2);
				CHECK(!st2.file_bad);
				CHECK(st2.loaded == st.loaded);
				/* the same entries decode (duplicate keys of the
				 * input were written once) */
				size_t hits2 = lookup_all(c2, out, olen);
				CHECK(hits2 <= hits && (hits2 > 0) == (hits > 0));
				ycache_free(c2);
			}
			free(out);
		}
	}
	ycache_free(c);
	free(file);
	return 0;
}
