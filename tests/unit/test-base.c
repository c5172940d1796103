/* Unit tests: base/ (views, numbers, hashing, UTF-8, buffers, arenas). */
#include "unit.h"

#include <stdlib.h>

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/buf.h"
#include "base/fsutil.h"
#include "event/event-int.h"

static void test_sv(void **state)
{
	(void)state;
	assert_true(sv_eq_cstr(sv_trim(sv_cstr("  a b \r\n")), "a b"));
	assert_true(sv_ieq_cstr(sv_cstr("Security"), "SECURITY"));
	assert_false(sv_ieq_cstr(sv_cstr("Securit"), "SECURITY"));
	assert_true(sv_starts(sv_cstr("Event.System.X"), "Event.System."));
	assert_true(sv_eq(sv_make(NULL, 0), sv_cstr("")));
}

static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		int64_t v;
	} cases[] = {
	    {"0", true, 0},
	    {"-1", true, -1},
	    {"+42", true, 42},
	    {"9223372036854775807", true, INT64_MAX},
	    {"-9223372036854775808", true, INT64_MIN},
	    {"9223372036854775808", false, 0},
	    {"", false, 0},
	    {"-", false, 0},
	    {"12a", false, 0},
	    {" 1", false, 0},
	    {"99999999999999999999999", false, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t v = 7;
		bool ok = sv_to_i64(sv_cstr(cases[i].in), &v);
		if (ok != cases[i].ok)
			fail_msg("sv_to_i64(\"%s\") returned %d", cases[i].in, ok);
		if (ok)
			assert_int_equal(v, cases[i].v);
	}
}

static void test_hash(void **state)
{
	(void)state;
	/* Different lengths, seeds and single-bit changes give different hashes. */
	assert_int_not_equal(hash_bytes("abc", 3, 0), hash_bytes("abd", 3, 0));
	assert_int_not_equal(hash_bytes("abc", 3, 0), hash_bytes("abc", 3, 1));
	assert_int_not_equal(hash_bytes("abcdefgh", 8, 0), hash_bytes("abcdefgh\0", 9, 0));
	assert_int_equal(hash_bytes("same input", 10, 5), hash_bytes("same input", 10, 5));
}

static void test_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool valid;
	} cases[] = {
	    {"plain", true},
	    {"Microsoft\xC2\xAE Windows\xC2\xAE", true},
	    {"\xE4\xB8\xAD\xE6\x96\x87", true},   /* 中文 */
	    {"\xF0\x9F\x94\x8D", true},           /* U+1F50D */
	    {"\xC0\xAF", false},                  /* overlong '/' */
	    {"\xED\xA0\x80", false},              /* surrogate */
	    {"\xF4\x90\x80\x80", false},          /* > U+10FFFF */
	    {"\xE4\xB8", false},                  /* truncated */
	    {"\x80", false},                      /* lone continuation */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (utf8_valid((const unsigned char *)cases[i].s, strlen(cases[i].s)) != cases[i].valid)
			fail_msg("utf8_valid case %zu", i);
	}
	char out[4];
	assert_int_equal(utf8_put(out, 0x41), 1);
	assert_int_equal(utf8_put(out, 0xE9), 2);
	assert_int_equal(utf8_put(out, 0x4E2D), 3);
	assert_int_equal(utf8_put(out, 0x1F50D), 4);
	assert_memory_equal(out, "\xF0\x9F\x94\x8D", 4);
}

static void test_json_str(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
	    {"a\"b\\c", 5, "a\\\"b\\\\c"},
	    {"line\nnext\ttab\r", 14, "line\\nnext\\ttab\\r"},
	    {"\x01\x1f", 2, "\\u0001\\u001f"},
	    {"nul\0x", 5, "nul\\u0000x"},
	    {"ok \xC3\xA9", 5, "ok \xC3\xA9"},
	    {"bad \xC3 \xFF", 7, "bad \xEF\xBF\xBD \xEF\xBF\xBD"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		buf b;
		buf_init(&b, 0);
		assert_int_equal(buf_add_json_str(&b, cases[i].in, cases[i].n), 0);
		assert_sv_equal(sv_make(b.p, b.len), cases[i].out);
		buf_done(&b);
	}
}

static void test_buf_cap(void **state)
{
	(void)state;
	buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_add(&b, "12345678", 8), 0);
	assert_int_equal(buf_addc(&b, 'x'), SPOOR_ELIMIT);
	assert_true(b.toobig);
	assert_int_equal(b.len, 8);
	buf_clear(&b);
	assert_int_equal(buf_add_i64(&b, -123), 0);
	assert_sv_equal(sv_make(b.p, b.len), "-123");
	buf_done(&b);
}

static void test_arena(void **state)
{
	(void)state;
	arena a;
	arena_init(&a, 1024, 4096);
	char *p = arena_alloc(&a, 100);
	assert_non_null(p);
	memset(p, 'x', 100);
	char *big = arena_alloc(&a, 3000); /* bigger than a chunk: own chunk */
	assert_non_null(big);
	memset(big, 'y', 3000);
	assert_null(arena_alloc(&a, 2000)); /* over the cap */
	arena_reset(&a);
	assert_int_equal(a.used_total, 0);
	assert_non_null(arena_alloc(&a, 4090)); /* rounds to 4096 */
	char *d = arena_memdup(&a, "abc", 3);
	assert_null(d); /* 4096 + 16 > cap */
	arena_reset(&a);
	d = arena_memdup(&a, "abc", 3);
	assert_string_equal(d, "abc");
	arena_done(&a);

#ifndef SPOOR_DEBUG_POOL /* there every allocation is its own malloc */
	/* unaligned strings, then an aligned allocation: padded to 16 bytes,
	 * the padding counted against the cap */
	arena_init(&a, 1024, 64);
	char *s1 = arena_alloc_bytes(&a, 5);
	char *s2 = arena_alloc_bytes(&a, 3);
	assert_non_null(s1);
	assert_ptr_equal(s2, s1 + 5); /* packed */
	assert_int_equal(a.used_total, 8);
	void *al = arena_alloc(&a, 16);
	assert_non_null(al);
	assert_int_equal((uintptr_t)al % 16, 0);
	assert_int_equal(a.used_total, 32); /* 8 + 8 padding + 16 */
	assert_null(arena_alloc(&a, 48)); /* 32 + 48 > 64 */
	assert_non_null(arena_alloc(&a, 32));
	assert_null(arena_alloc_bytes(&a, 1)); /* at the cap */
	arena_done(&a);

	/* a large allocation gets its own chunk behind the current one: the
	 * current chunk's free space still serves the small ones after it */
	arena_init(&a, 1024, 0);
	char *q1 = arena_alloc(&a, 64);
	char *lg = arena_alloc(&a, 1000); /* > half a chunk, does not fit */
	char *q2 = arena_alloc(&a, 64);
	assert_non_null(q1);
	assert_non_null(lg);
	assert_ptr_equal(q2, q1 + 64); /* same chunk, right after */
	memset(lg, 'z', 1000);
	char *lg2 = arena_alloc(&a, 5000); /* bigger than a chunk */
	assert_non_null(lg2);
	memset(lg2, 'w', 5000);
	assert_ptr_equal(arena_alloc(&a, 16), q2 + 64);
	assert_int_equal(a.used_total, 64 + 1008 + 64 + 5008 + 16);
	arena_reset(&a); /* keeps the first, standard-size chunk */
	assert_ptr_equal(arena_alloc(&a, 8), q1);
	arena_done(&a);

	/* a primed arena: one first chunk of the given size */
	arena_init(&a, 256, 0);
	arena_prime(&a, 8192);
	char *f1 = arena_alloc(&a, 16);
	char *f2 = arena_alloc(&a, 4000);
	char *f3 = arena_alloc(&a, 4000);
	assert_ptr_equal(f2, f1 + 16);
	assert_ptr_equal(f3, f2 + 4000);
	arena_prime(&a, 1 << 20); /* no-op: the arena has a chunk */
	assert_ptr_equal(arena_alloc(&a, 16), f3 + 4000);
	arena_reset(&a); /* the primed chunk is not the standard size: freed */
	assert_non_null(arena_alloc(&a, 16));
	arena_done(&a);
#endif
}

static void test_unescape(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"C:\\\\Windows\\\\System32", "C:\\Windows\\System32"},
	    {"\\\"q\\\" \\/ \\b\\f\\n\\r\\t", "\"q\" / \b\f\n\r\t"},
	    {"\\u00e9\\u4e2d", "\xC3\xA9\xE4\xB8\xAD"},
	    {"\\ud83d\\udd0d", "\xF0\x9F\x94\x8D"},
	    {"\\ud83d", "\xEF\xBF\xBD"},             /* lone high surrogate */
	    {"\\udd0d", "\xEF\xBF\xBD"},             /* lone low surrogate */
	    {"\\q\\q", "\xEF\xBF\xBD\xEF\xBF\xBD"}, /* bad escapes grow 2 -> 3 bytes */
	    {"end\\", "end\xEF\xBF\xBD"},
	    {"\\u12", "\xEF\xBF\xBD" "12"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = strlen(cases[i].in);
		char *out = malloc(n + n / 2 + 4);
		size_t m = json_unescape(cases[i].in, n, out);
		assert_true(m <= n + n / 2 + 4);
		assert_sv_equal(sv_make(out, m), cases[i].out);
		free(out);
	}
	/* long strings (json_unescape copies 16 bytes at a time): pieces in
	 * random order, each with its decoded form; the output buffer is
	 * exactly the documented n*3/2+4 bytes (AddressSanitizer checks the
	 * block stores stay inside it) */
	static const struct {
		const char *in, *out;
	} piece[] = {
	    {"a", "a"},	      {"Windows", "Windows"}, {"\\\\", "\\"},   {"\\\"", "\""},
	    {"\\n", "\n"},     {"\\/", "/"},	      {"\\u00e9", "\xC3\xA9"}, {"\\ud83d\\udd0d", "\xF0\x9F\x94\x8D"},
	    {"\\q", "\xEF\xBF\xBD"}, {"\\uZZ", "\xEF\xBF\xBDZZ"}, {"0123456789abcdef", "0123456789abcdef"},
	};
	uint64_t seed = 42;
	for (int round = 0; round < 3000; round++) {
		char in[1024], want[1024];
		size_t n = 0, wn = 0;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int len = (int)((seed >> 33) % 60);
		for (int k = 0; k < len; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			size_t q = (size_t)(seed >> 33) % ARRAY_SIZE(piece);
			memcpy(in + n, piece[q].in, strlen(piece[q].in));
			n += strlen(piece[q].in);
			memcpy(want + wn, piece[q].out, strlen(piece[q].out));
			wn += strlen(piece[q].out);
		}
		bool tail = round % 7 == 0; /* a lone backslash at the end */
		if (tail) {
			in[n++] = '\\';
			memcpy(want + wn, "\xEF\xBF\xBD", 3);
			wn += 3;
		}
		char *out = malloc(n + n / 2 + 4);
		assert_non_null(out);
		size_t m = json_unescape(in, n, out);
		if (m != wn || memcmp(out, want, wn))
			fail_msg("unescape round %d: %zu bytes, expected %zu", round, m, wn);
		free(out);
	}
}

/* file_view_open: a file of any size mapped read only from the file
 * (the page cache's pages, no copy), the same bytes; the errors. */
static void test_file_view(void **state)
{
	(void)state;
	char dir[] = "/tmp/spoor-view-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char big[64], small[64], empty[64], none[64];
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	snprintf(none, sizeof(none), "%s/none", dir);
	/* 3 MiB + 5 bytes: a last page partly past the file */
	size_t bn = (3u << 20) + 5;
	unsigned char *want = malloc(bn);
	assert_non_null(want);
	for (size_t i = 0; i < bn; i++)
		want[i] = (unsigned char)(i * 131 + (i >> 12));
	assert_int_equal(file_write_atomic(big, want, bn, 0600), 0);
	assert_int_equal(file_write_atomic(small, want, 100, 0600), 0);
	assert_int_equal(file_write_atomic(empty, want, 0, 0600), 0);

	char perm[8], name[4200];
	file_view v;
	const char *paths[] = {big, small};
	size_t lens[] = {bn, 100};
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(file_view_open(&v, paths[k], lens[k]), 0);
		assert_int_equal(v.len, lens[k]);
		assert_memory_equal(v.p, want, lens[k]);
		/* mapped from the file, read only, first byte to last */
		unit_mapping_of(v.p, perm, name, sizeof(name));
		assert_string_equal(perm, "r--p");
		assert_string_equal(name, paths[k]);
		unit_mapping_of(v.p + v.len - 1, perm, name, sizeof(name));
		assert_string_equal(name, paths[k]);
		file_view_close(&v);
		assert_null(v.p);
		assert_int_equal(v.len, 0);
		file_view_close(&v); /* twice: nothing */
	}

	assert_int_equal(file_view_open(&v, big, bn - 1), SPOOR_ELIMIT);
	assert_null(v.p);
	assert_int_equal(file_view_open(&v, empty, 1000), SPOOR_ELIMIT);
	assert_int_equal(file_view_open(&v, dir, 1000), SPOOR_ELIMIT);
	assert_int_equal(file_view_open(&v, none, 1000), SPOOR_ENOTFOUND);
	assert_null(v.p);
	free(want);
	unlink(big);
	unlink(small);
	unlink(empty);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sv),       cmocka_unit_test(test_numbers), cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_utf8),     cmocka_unit_test(test_json_str), cmocka_unit_test(test_buf_cap),
	    cmocka_unit_test(test_arena),    cmocka_unit_test(test_unescape), cmocka_unit_test(test_file_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
