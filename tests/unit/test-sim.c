/* Unit tests: the simulator's PRNG, clock, writers' formatting, options,
 * determinism and the scorer. */
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim-int.h"
#include "spoor/sim.h"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/spoor-test-sim-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)len + 1);
	if (fread(b, 1, (size_t)len, f) != (size_t)len) {
		free(b);
		fclose(f);
		return NULL;
	}
	b[len] = 0;
	fclose(f);
	if (n)
		*n = (size_t)len;
	return b;
}

static void test_rng(void **state)
{
	(void)state;
	rng a, b, c;
	rng_seed(&a, 42, 1);
	rng_seed(&b, 42, 1);
	rng_seed(&c, 42, 2);
	int same = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
		assert_int_equal(x, y);
		same += x == z;
	}
	assert_int_equal(same, 0);
	/* bounds and rough uniformity */
	uint32_t hist[10] = {0};
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		uint32_t v = rng_below(&a, 10);
		assert_true(v < 10);
		hist[v]++;
		double u = rng_unit(&a);
		assert_true(u >= 0 && u < 1);
		sum += rng_exp(&a, 5.0);
		int64_t r = rng_range(&a, -3, 3);
		assert_true(r >= -3 && r <= 3);
	}
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 9000 && hist[i] < 11000);
	assert_true(sum / 100000 > 4.8 && sum / 100000 < 5.2);
}

static void test_civil(void **state)
{
	(void)state;
	rng r;
	rng_seed(&r, 7, 7);
	for (int i = 0; i < 20000; i++) {
		int64_t s = (int64_t)rng_range(&r, 0, 4102444800LL); /* 1970 .. 2100 */
		time_t tt = (time_t)s;
		struct tm tm;
		gmtime_r(&tt, &tm);
		civil c;
		civil_of(s * 1000 + 123, &c);
		assert_int_equal(c.y, tm.tm_year + 1900);
		assert_int_equal(c.mo, tm.tm_mon + 1);
		assert_int_equal(c.d, tm.tm_mday);
		assert_int_equal(c.h, tm.tm_hour);
		assert_int_equal(c.mi, tm.tm_min);
		assert_int_equal(c.s, tm.tm_sec);
		assert_int_equal(c.wday, tm.tm_wday);
		assert_int_equal(c.ms, 123);
		assert_int_equal(sim_days_from_civil(c.y, c.mo, c.d), s / 86400);
	}
}

static void test_format(void **state)
{
	(void)state;
	simf f;
	char path[400];
	assert_int_equal(simf_open(&f, tmpdir, "fmt/a.txt", NULL), 0);
	int64_t t = 1709544600123LL; /* 2024-03-04T09:30:00.123Z, a Monday */
	o_iso(&f, t, 3, 0);
	o_ch(&f, ' ');
	o_iso(&f, t, 0, 480);
	o_ch(&f, ' ');
	o_bsd(&f, t, 0);
	o_ch(&f, ' ');
	o_w3c(&f, t);
	o_ch(&f, ' ');
	o_ip(&f, IP4(198, 18, 0, 25));
	o_ch(&f, ' ');
	o_json(&f, "a\"b\\c\td");
	o_ch(&f, ' ');
	o_u64w(&f, 7, 3);
	o_ch(&f, ' ');
	o_i64(&f, -12);
	o_end(&f);
	assert_int_equal(f.line, 1);
	uint64_t off = f.off;
	assert_int_equal(simf_close(&f, 0, NULL), 0);
	snprintf(path, sizeof(path), "%s/fmt/a.txt", tmpdir);
	size_t n;
	char *s = slurp(path, &n);
	assert_non_null(s);
	assert_int_equal(n, off);
	assert_string_equal(s, "2024-03-04T09:30:00.123Z 2024-03-04T17:30:00+08:00 Mar  4 09:30:00 2024-03-04 09:30:00 "
			       "198.18.0.25 a\\\"b\\\\c\\td 007 -12\n");
	free(s);
	assert_true(activity(t - 6 * 3600000LL, false) > 0.9);	/* Monday 11:30 local */
	assert_true(activity(t + 5 * 86400000LL, false) < 0.2); /* Saturday */
	assert_true(activity(t + 5 * 86400000LL, true) >= 0.3); /* servers never sleep */
}

static void test_pend(void **state)
{
	(void)state;
	sim_stream s;
	memset(&s, 0, sizeof(s));
	rng r;
	rng_seed(&r, 1, 1);
	for (int i = 0; i < 500; i++) {
		pend p = {0};
		p.t = (int64_t)rng_below(&r, 100000);
		assert_true(pend_push(&s, &p));
	}
	pend p;
	int64_t last = -1;
	int n = 0;
	while (pend_top(&s, 50000, &p)) {
		assert_true(p.t >= last && p.t <= 50000);
		last = p.t;
		n++;
	}
	while (pend_top(&s, INT64_MAX, &p)) {
		assert_true(p.t >= last);
		last = p.t;
		n++;
	}
	assert_int_equal(n, 500);
	free(s.heap);
}

static void small(spoor_sim_options *o, const char *sub, uint64_t seed)
{
	static char out[2][400];
	static int k;
	spoor_sim_options_init(o);
	char *p = out[k++ & 1];
	snprintf(p, 400, "%s/%s", tmpdir, sub);
	o->out_dir = p;
	o->seed = seed;
	o->agencies = 3;
	o->mailboxes = 8;
	o->providers = 2;
	o->days = 3;
	o->scale = 0.05;
}

static void test_options(void **state)
{
	(void)state;
	spoor_sim_options o;
	spoor_diag d = {0};
	small(&o, "bad", 1);
	o.agencies = 0;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.agencies = SPOOR_SIM_MAX_AGENCIES + 1;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.mailboxes = 7;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.days = 1;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.scale = 0;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.providers = 0;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.out_dir = NULL;
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EINVAL);
	small(&o, "bad", 1);
	o.out_dir = "/proc/spoor-cannot-write-here";
	assert_int_equal(spoor_simulate(&o, NULL, &d), SPOOR_EIO);
}

static void test_deterministic(void **state)
{
	(void)state;
	spoor_sim_options a, b, c;
	spoor_sim_result ra, rb, rc;
	spoor_diag d = {0};
	small(&a, "a", 5);
	assert_int_equal(spoor_simulate(&a, &ra, &d), 0);
	small(&b, "b", 5);
	assert_int_equal(spoor_simulate(&b, &rb, &d), 0);
	small(&c, "c", 6);
	assert_int_equal(spoor_simulate(&c, &rc, &d), 0);
	assert_int_equal(ra.bytes, rb.bytes);
	assert_int_equal(ra.records, rb.records);
	assert_int_equal(ra.planted, rb.planted);
	assert_true(ra.planted > 50);
	assert_true(ra.files >= 25);
	static const char *const files[] = {"truth/truth.jsonl",
					    "truth/summary.json",
					    "inventory.yaml",
					    "geoip.csv",
					    "indicators.csv",
					    "logs/moea/mail/maillog",
					    "logs/mofa/exchange/W3SVC1/u_ex.log",
					    "logs/moi/m365/ual.jsonl",
					    "logs/moea/windows/security.jsonl",
					    "logs/mofa/zeek/conn.log"};
	char pa[500], pb[500], pc[500];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(pa, sizeof(pa), "%s/a/%s", tmpdir, files[i]);
		snprintf(pb, sizeof(pb), "%s/b/%s", tmpdir, files[i]);
		size_t na, nb;
		char *x = slurp(pa, &na), *y = slurp(pb, &nb);
		assert_non_null(x);
		assert_non_null(y);
		assert_int_equal(na, nb);
		assert_memory_equal(x, y, na);
		free(x);
		free(y);
	}
	snprintf(pa, sizeof(pa), "%s/a/truth/truth.jsonl", tmpdir);
	snprintf(pc, sizeof(pc), "%s/c/truth/truth.jsonl", tmpdir);
	char *x = slurp(pa, NULL), *z = slurp(pc, NULL);
	assert_string_not_equal(x, z);
	free(x);
	free(z);
}

static void test_score(void **state)
{
	(void)state;
	char truth[400], alerts[400], out[400];
	snprintf(truth, sizeof(truth), "%s/t.jsonl", tmpdir);
	snprintf(alerts, sizeof(alerts), "%s/al.jsonl", tmpdir);
	snprintf(out, sizeof(out), "%s/score.txt", tmpdir);
	FILE *f = fopen(truth, "w");
	fputs("{\"file\":\"logs/x/a.log\",\"line\":3,\"behaviour\":\"log-cleared\",\"agency\":\"x\"}\n"
	      "{\"file\":\"logs/x/a.log\",\"line\":9,\"behaviour\":\"log-cleared\",\"agency\":\"x\"}\n"
	      "{\"file\":\"logs/y/b.log\",\"line\":3,\"behaviour\":\"password-spray\",\"agency\":\"y\"}\n"
	      "{\"file\":\"logs/y/b.log\",\"line\":5,\"behaviour\":\"password-spray\",\"agency\":\"y\"}\n"
	      "{\"file\":\"logs/y/b.log\",\"line\":7,\"behaviour\":\"password-spray\",\"agency\":\"y\"}\n"
	      "{\"file\":\"logs/z/c.log\",\"line\":1,\"behaviour\":\"password-spray\",\"agency\":\"z\"}\n",
	      f);
	fclose(f);
	f = fopen(alerts, "w");
	fputs("{\"rule.name\":\"R1\",\"log.file.path\":\"/tmp/s/logs/x/a.log\",\"spoor.line\":3}\n"
	      "{\"rule.name\":\"R1\",\"log.file.path\":\"/tmp/s/logs/x/a.log\",\"spoor.line\":4}\n"
	      "{\"rule.name\":\"R2\",\"log.file.path\":\"/tmp/s/xlogs/y/b.log\",\"spoor.line\":3}\n"
	      "{\"rule.name\":\"R2\"}\n"
	      /* an analytic alert credits every record it lists, each once */
	      "{\"rule.name\":\"R3\",\"spoor.origins\":[{\"log.file.path\":\"/s/logs/y/b.log\",\"log.offset\":1,"
	      "\"spoor.line\":5},{\"log.file.path\":\"/s/logs/y/b.log\",\"log.offset\":2,\"spoor.line\":7},"
	      "{\"log.file.path\":\"/s/logs/y/b.log\",\"log.offset\":2,\"spoor.line\":7}]}\n"
	      /* a correlation lists its events in related; one without spoor.line is not credited */
	      "{\"rule.name\":\"R4\",\"related\":[{\"log.file.path\":\"/s/logs/z/c.log\",\"log.offset\":0},"
	      "{\"log.file.path\":\"/s/logs/x/a.log\",\"log.offset\":9,\"spoor.line\":2}]}\n",
	      f);
	fclose(f);
	FILE *o = fopen(out, "w");
	spoor_diag d = {0};
	assert_int_equal(spoor_sim_score(truth, alerts, o, &d), 0);
	fclose(o);
	char *s = slurp(out, NULL);
	assert_non_null(strstr(s, "log-cleared                       2        1   50.0%         1       1  100.0%"));
	assert_non_null(strstr(s, "password-spray                    4        2   50.0%         2       1   50.0%"));
	assert_non_null(
	    strstr(s, "R3                                                                  1        1    100.0%"));
	assert_non_null(
	    strstr(s, "R4                                                                  1        0      0.0%"));
	assert_non_null(
	    strstr(s, "R1                                                                  2        1     50.0%"));
	assert_non_null(strstr(s, "(1 alerts listing no record"));
	free(s);
	assert_int_equal(spoor_sim_score("/nonexistent/truth.jsonl", alerts, stdout, &d), SPOOR_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng),	  cmocka_unit_test(test_civil),	  cmocka_unit_test(test_format),
	    cmocka_unit_test(test_pend),  cmocka_unit_test(test_options), cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_score),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
