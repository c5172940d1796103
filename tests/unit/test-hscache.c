/* Unit tests: the compiled-database cache (detect/hscache.c) — databases
 * written and read back find what the compiled ones find; they are used
 * where the file is mapped, not copied; the same databases give the same
 * file; any changed byte, a shorter file, or another count is a miss
 * with every slot NULL. */
#include "unit.h"

#include <hs.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/base.h"
#include "base/fsutil.h"
#include "detect/hscache.h"

#define NDB 3

static const char *const sets[NDB][4] = {
    {"mimikatz", "sekurlsa::", NULL},
    {"rundll32", NULL},
    {"whoami", "net user", "psexec", NULL},
};

static const char text[] = "cmd /c whoami && rundll32 x,MyStart & mimikatz sekurlsa::logonpasswords; net user";

static void compile_all(hs_database_t **dbs)
{
	for (size_t d = 0; d < NDB; d++) {
		const char *ex[4];
		unsigned fl[4], ids[4];
		size_t lens[4], n = 0;
		for (; sets[d][n]; n++) {
			ex[n] = sets[d][n];
			lens[n] = strlen(ex[n]);
			fl[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			ids[n] = (unsigned)n;
		}
		hs_compile_error_t *err = NULL;
		assert_int_equal(
		    hs_compile_lit_multi(ex, fl, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &dbs[d], &err),
		    HS_SUCCESS);
	}
}

/* The key of the three sets, as a caller builds it. */
static dbc_key *key_all(void)
{
	dbc_key *k = dbc_key_new(NDB, NULL);
	assert_non_null(k);
	for (size_t d = 0; d < NDB; d++)
		for (size_t i = 0; sets[d][i]; i++)
			dbc_key_add(k, sets[d][i], strlen(sets[d][i]) + 1);
	return k;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	*(unsigned *)ctx |= 1u << id;
	return 0;
}

static unsigned found(const hs_database_t *db)
{
	hs_scratch_t *s = NULL;
	assert_int_equal(hs_alloc_scratch(db, &s), HS_SUCCESS);
	unsigned got = 0;
	assert_int_equal(hs_scan(db, text, sizeof(text) - 1, 0, s, on_match, &got), HS_SUCCESS);
	hs_free_scratch(s);
	return got;
}

typedef struct fixture {
	char dir[64];
	char path[4096];
	hs_database_t *compiled[NDB];
} fixture;

/* Compile the sets, miss in an empty folder, store. */
static void setup(fixture *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/spoor-hscache-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	compile_all(fx->compiled);
	dbc_key *k = key_all();
	hs_database_t *dbs[NDB];
	dbc_map *map = (dbc_map *)1;
	assert_int_equal(dbc_load(k, fx->dir, dbs, NDB, fx->path, sizeof(fx->path), &map), 0);
	assert_null(map);
	dbc_key_free(k);
	assert_true(fx->path[0] != 0);
	dbc_store(fx->dir, fx->path, fx->compiled, NDB);
}

static void teardown(fixture *fx)
{
	for (size_t d = 0; d < NDB; d++)
		hs_free_database(fx->compiled[d]);
	unlink(fx->path);
	rmdir(fx->dir);
}

static int load(fixture *fx, hs_database_t **dbs, dbc_map **map)
{
	dbc_key *k = key_all();
	char p[4096];
	int r = dbc_load(k, fx->dir, dbs, NDB, p, sizeof(p), map);
	dbc_key_free(k);
	assert_string_equal(p, fx->path);
	return r;
}

/* Read back: the same matches, used where the file is mapped. */
static void test_round_trip(void **state)
{
	(void)state;
	fixture fx;
	setup(&fx);
	hs_database_t *dbs[NDB];
	dbc_map *map = NULL;
	assert_int_equal(load(&fx, dbs, &map), 1);
	assert_non_null(map);
	const char *base = strrchr(fx.path, '/');
	for (size_t d = 0; d < NDB; d++) {
		assert_non_null(dbs[d]);
		size_t a, b;
		assert_int_equal(hs_database_size(dbs[d], &a), HS_SUCCESS);
		assert_int_equal(hs_database_size(fx.compiled[d], &b), HS_SUCCESS);
		assert_int_equal(a, b);
		unsigned want = found(fx.compiled[d]);
		assert_int_not_equal(want, 0); /* else the comparison proves nothing */
		assert_int_equal(found(dbs[d]), want);
		char perm[8], name[4200];
		unit_mapping_of(dbs[d], perm, name, sizeof(name));
		const char *nb = strrchr(name, '/');
		if (!nb || strcmp(nb, base))
			fail_msg("database %zu is at %p, in \"%s\", not in the cache file", d, (void *)dbs[d], name);
	}
	dbc_unmap(map);
	teardown(&fx);
}

/* The same databases, compiled again (elsewhere in memory), give the same
 * file. */
static void test_same_bytes(void **state)
{
	(void)state;
	fixture fx;
	setup(&fx);
	size_t n1, n2;
	int err;
	char *a = file_slurp(fx.path, 1 << 20, &n1, &err);
	assert_non_null(a);
	hs_database_t *again[NDB];
	void *junk = malloc(24); /* the allocator elsewhere than the first time */
	compile_all(again);
	dbc_store(fx.dir, fx.path, again, NDB);
	char *b = file_slurp(fx.path, 1 << 20, &n2, &err);
	assert_non_null(b);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	for (size_t d = 0; d < NDB; d++)
		hs_free_database(again[d]);
	free(junk);
	free(a);
	free(b);
	teardown(&fx);
}

static void must_miss(fixture *fx, const char *what, size_t at)
{
	hs_database_t *dbs[NDB] = {(hs_database_t *)1, (hs_database_t *)1, (hs_database_t *)1};
	dbc_map *map = (dbc_map *)1;
	if (load(fx, dbs, &map) != 0)
		fail_msg("%s at byte %zu: loaded", what, at);
	assert_null(map);
	for (size_t d = 0; d < NDB; d++)
		assert_null(dbs[d]);
}

/* Every byte changed, every shorter length, a longer file: a miss. */
static void test_damage(void **state)
{
	(void)state;
	fixture fx;
	setup(&fx);
	size_t n;
	int err;
	unsigned char *good = (unsigned char *)file_slurp(fx.path, 1 << 20, &n, &err);
	assert_non_null(good);
	assert_true(n > 64);
	unsigned char *bad = malloc(n + 1);
	assert_non_null(bad);
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, good, n);
		bad[i] ^= (unsigned char)(1u << (i % 8));
		assert_int_equal(file_write_atomic(fx.path, bad, n, 0600), 0);
		must_miss(&fx, "a changed bit", i);
	}
	for (size_t len = 1; len < n; len += 1 + len / 16) {
		assert_int_equal(file_write_atomic(fx.path, good, len, 0600), 0);
		must_miss(&fx, "a shorter file", len);
	}
	memcpy(bad, good, n);
	bad[n] = 0;
	assert_int_equal(file_write_atomic(fx.path, bad, n + 1, 0600), 0);
	must_miss(&fx, "one byte more", n);
	/* the good bytes load again: the misses were the damage */
	assert_int_equal(file_write_atomic(fx.path, good, n, 0600), 0);
	hs_database_t *dbs[NDB];
	dbc_map *map = NULL;
	assert_int_equal(load(&fx, dbs, &map), 1);
	dbc_unmap(map);
	free(bad);
	free(good);
	teardown(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_same_bytes),
	    cmocka_unit_test(test_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
