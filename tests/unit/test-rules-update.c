/* Unit tests: spoor rules update (spoor_rules_install) over the archives
 * in tests/fixtures/rules-update (made by hand: tiny rules, a SigmaHQ-like
 * layout, a path-traversal zip, a truncated tarball), step by step
 * against one destination. */
#include "unit.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/sigma/rules-archive.h"
#include "spoor/rules.h"

static char fx[2048], tmp[256];

static int setup(void **state)
{
	(void)state;
	const char *src = getenv("SPOOR_SRC");
	snprintf(fx, sizeof(fx), "%s/tests/fixtures/rules-update", src ? src : ".");
	snprintf(tmp, sizeof(tmp), "/tmp/spoor-rules-update-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static bool exists(const char *dir, const char *rel)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return access(p, F_OK) == 0;
}

typedef struct step {
	const char *from; /* fixture name */
	unsigned flags;
	int rc;
	uint64_t files, added, changed, removed, unchanged;
	const char *present, *absent; /* a file that must (not) be installed after the step */
} step;

static void test_steps(void **state)
{
	(void)state;
	char dest[512];
	snprintf(dest, sizeof(dest), "%s/share/spoor/rules", tmp);
	static const step steps[] = {
	    /* first install: rules* folders + LICENSE; not deprecated/, tests/, regression_data/ */
	    {"r1.zip", 0, 0, 3, 4, 0, 0, 0, "rules/windows/a.yml", "deprecated/old.yml"},
	    {"r1.zip", 0, 0, 3, 0, 0, 0, 4, "LICENSE", "tests/thor.yml"},
	    /* dry run: counted, not changed */
	    {"r2.tar.gz", SPOOR_RULES_INSTALL_DRY_RUN, 0, 3, 1, 1, 1, 2, "rules-threat-hunting/c.yml", NULL},
	    /* b changed, c removed, d (a name longer than ustar's 100 bytes: pax path=) added */
	    {"r2.tar.gz", 0, 0, 3, 1, 1, 1, 2,
	     "rules/windows/long_name_long_name_long_name_long_name_long_name_long_name_long_name_long_name_long_name_"
	     "long_name_long_name_long_name_long_name_long_name_long_name_d.yml",
	     "rules-threat-hunting/c.yml"},
	    /* refused: nothing changes */
	    {"evil.zip", 0, SPOOR_EPARSE, 0, 0, 0, 0, 0, "rules/windows/b.yml", "../evil.yml"},
	    {"notrules.zip", 0, SPOOR_EPARSE, 0, 0, 0, 0, 0, "rules/windows/b.yml", "x/a.yml"},
	    {"truncated.tar.gz", 0, SPOOR_ECORRUPT, 0, 0, 0, 0, 0, "rules/windows/b.yml", NULL},
	    {"no-such.zip", 0, SPOOR_ENOTFOUND, 0, 0, 0, 0, 0, "rules/windows/b.yml", NULL},
	    /* a plain rule folder: every rule file, not the notes */
	    {"plain.zip", 0, 0, 2, 2, 0, 4, 0, "sub/two.yml", "notes.txt"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		const step *s = &steps[i];
		char from[4096];
		snprintf(from, sizeof(from), "%s/%s", fx, s->from);
		spoor_rules_install_stats st;
		spoor_diag d = SPOOR_DIAG_INIT;
		int rc = spoor_rules_install(dest, from, s->flags, &st, &d);
		if (rc != s->rc)
			fail_msg("step %zu (%s): rc %d, expected %d: %s", i, s->from, rc, s->rc, d.msg);
		if (rc == 0 && (st.files != s->files || st.added != s->added || st.changed != s->changed ||
				st.removed != s->removed || st.unchanged != s->unchanged))
			fail_msg("step %zu (%s): files %llu added %llu changed %llu removed %llu unchanged %llu", i,
				 s->from, (unsigned long long)st.files, (unsigned long long)st.added,
				 (unsigned long long)st.changed, (unsigned long long)st.removed,
				 (unsigned long long)st.unchanged);
		if (s->present && !exists(dest, s->present))
			fail_msg("step %zu (%s): %s missing", i, s->from, s->present);
		if (s->absent && exists(dest, s->absent))
			fail_msg("step %zu (%s): %s installed", i, s->from, s->absent);
		assert_true(exists(dest, ".spoor-rules"));
	}
	/* nothing left beside dest: no staging or old folders */
	char parent[600];
	snprintf(parent, sizeof(parent), "%s/share/spoor", tmp);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", parent);
	assert_int_equal(system(cmd), 0);
}

static void test_refusals(void **state)
{
	(void)state;
	char dest[512], from[4096];
	snprintf(from, sizeof(from), "%s/r1.zip", fx);
	spoor_rules_install_stats st;
	spoor_diag d = SPOOR_DIAG_INIT;
	/* a folder someone else filled is not replaced */
	snprintf(dest, sizeof(dest), "%s/mine", tmp);
	assert_int_equal(mkdir(dest, 0755), 0);
	char f[600];
	snprintf(f, sizeof(f), "%s/keep.txt", dest);
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(spoor_rules_install(dest, from, 0, &st, &d), SPOOR_EINVAL);
	assert_non_null(strstr(d.msg, "not installed by spoor"));
	assert_true(exists(dest, "keep.txt"));
	/* an empty one is */
	snprintf(dest, sizeof(dest), "%s/empty", tmp);
	assert_int_equal(mkdir(dest, 0755), 0);
	assert_int_equal(spoor_rules_install(dest, from, 0, &st, &d), 0);
	assert_true(exists(dest, "rules/windows/a.yml"));
	/* URLs: no download here */
	assert_int_equal(spoor_rules_install(dest, "https://example.org/sigma.zip", 0, &st, &d), SPOOR_EINVAL);
	assert_non_null(strstr(d.msg, "downloading is not built in"));
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int ok;
	} c[] = {
	    {"rules/a.yml", 1}, {"a", 1}, {"/etc/passwd", 0}, {"rules/../../x", 0}, {"..", 0}, {"a\\b", 0},
	    {"a/..b/c", 1},	{"", 0},  {"a//b", 1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		if (arc_name_ok(c[i].name, strlen(c[i].name)) != c[i].ok)
			fail_msg("name '%s': expected %d", c[i].name, c[i].ok);
	assert_int_equal(arc_kind("PK\3\4", 4), ARC_ZIP);
	assert_int_equal(arc_kind("\x1f\x8b\x08", 3), ARC_TGZ);
	assert_int_equal(arc_kind("hello", 5), ARC_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steps),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
