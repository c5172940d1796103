/* test-scanner — spoor_scanner_next_batch gives the same events as
 * spoor_scanner_next, and every event of a batch is still intact when the
 * batch ends (they point into the read window, which must not be refilled
 * under them). */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/base.h" /* hash_bytes */
#include "spoor/event.h"
#include "spoor/scan.h"

/* What identifies an event: its file, offset, line, raw bytes and fields. */
typedef struct sig {
	char path[256];
	uint64_t off, line, raw, fields;
} sig;

static sig sign(const spoor_event *ev)
{
	sig s;
	memset(&s, 0, sizeof(s));
	const spoor_origin *o = spoor_event_origin(ev);
	snprintf(s.path, sizeof(s.path), "%s", o->path ? o->path : "");
	s.off = o->offset;
	s.line = o->line;
	spoor_sv raw = spoor_event_raw(ev);
	s.raw = hash_bytes(raw.p, raw.n, 1);
	s.fields = 1;
	for (size_t i = 0; i < spoor_event_count(ev); i++) {
		spoor_sv name;
		spoor_value v;
		unsigned fl;
		if (spoor_event_at(ev, i, &name, &v, &fl) < 0)
			continue;
		s.fields = hash_bytes(name.p, name.n, s.fields);
		s.fields = hash_bytes(v.sv.p, v.sv.n, s.fields);
	}
	return s;
}

/* Lines of many lengths (some near 200 KB, so that the 1 MB window is
 * refilled in the middle of batches), bad lines and blank lines. */
static void write_json(const char *path, unsigned seed, int lines)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	uint64_t x = seed;
	char *pad = malloc(200001);
	assert_non_null(pad);
	for (int i = 0; i < lines; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned k = (unsigned)(x >> 33);
		if (k % 23 == 0) {
			fputs("{\"broken\": \n", f);
			continue;
		}
		if (k % 31 == 0) {
			fputs("\n", f);
			continue;
		}
		size_t n = k % 97 == 0 ? 150000 + k % 50000 : k % 3000;
		memset(pad, 'a' + (int)(k % 26), n);
		pad[n] = 0;
		fprintf(f,
			"{\"EventID\":%u,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Image\":"
			"\"C:\\\\Windows\\\\System32\\\\cmd%d.exe\",\"CommandLine\":\"%s\",\"n\":%d}\n",
			1 + k % 20, i, pad, i);
	}
	free(pad);
	fclose(f);
}

static size_t collect(const char *const *paths, size_t np, size_t max, sig *out, size_t cap,
		      size_t *maxn, spoor_scan_stats *st)
{
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, NULL), 0);
	for (size_t i = 0; i < np; i++)
		assert_int_equal(spoor_scanner_add(sc, paths[i]), 0);
	size_t k = 0;
	*maxn = 0;
	for (;;) {
		spoor_event *evs[SPOOR_SCAN_BATCH];
		size_t n = 0;
		int r;
		if (max == 0) {
			r = spoor_scanner_next(sc, evs, NULL);
			n = r > 0;
		} else {
			r = spoor_scanner_next_batch(sc, evs, max, &n, NULL);
		}
		assert_true(r >= 0);
		if (r == 0)
			break;
		assert_true(n >= 1 && n <= (max ? max : 1));
		*maxn = n > *maxn ? n : *maxn;
		/* signed after the whole batch was read: each must still hold */
		for (size_t i = 0; i < n; i++) {
			assert_true(k < cap);
			out[k++] = sign(evs[i]);
		}
	}
	spoor_scanner_stats(sc, st);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	return k;
}

static void on_rej(const spoor_rejected *r, const spoor_diag *d, void *payload)
{
	(void)r;
	(void)d;
	(*(int *)payload)++;
}

static void test_batch_same_events(void **state)
{
	(void)state;
	char dir[] = "/tmp/spoor-test-scanner-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char a[300], b[300], c[300];
	snprintf(a, sizeof(a), "%s/a.jsonl", dir);
	snprintf(b, sizeof(b), "%s/b.jsonl", dir);
	snprintf(c, sizeof(c), "%s/c.log", dir);
	write_json(a, 1, 3000);
	write_json(b, 2, 40);
	FILE *f = fopen(c, "w"); /* a line format between the two JSON files */
	assert_non_null(f);
	for (int i = 0; i < 50; i++)
		fprintf(f, "Jan  1 00:00:%02d host sshd[1]: Accepted password for u%d from 10.0.0.%d port 22 ssh2\n",
			i % 60, i, i % 250);
	fclose(f);
	/* EVTX too (names and values copied into the events), when the shared
	 * data is there: two files of the mitre corpus between the others, one
	 * of 3 MB (the window is refilled under its chunks) */
	const char *shared = getenv("SPOOR_SHARED_DATA");
	char e1[4400] = "", e2[4400] = "";
	const char *paths[5] = {a, c, b, NULL, NULL};
	size_t np = 3;
	if (shared && *shared) {
		snprintf(e1, sizeof(e1), "%s/evtx/mitre-attack-cc0/TA0005-Defense Evasion/T1562.004-Impair Defenses-Disable or Modify System Firewall/ID4688-5447-4950-Firewall disabled (command).evtx", shared);
		snprintf(e2, sizeof(e2), "%s/evtx/mitre-attack-cc0/EVTX_full_APT_attack_steps/ID4688,5140,5145-WMIexec execution via SMB (GLOBAL).evtx", shared);
		if (access(e1, R_OK) == 0 && access(e2, R_OK) == 0) {
			paths[1] = e1;
			paths[3] = c;
			paths[4] = e2;
			np = 5;
		}
	}
	if (np == 3)
		printf("test-scanner: SPOOR_SHARED_DATA unset or without the mitre EVTX files; JSON and syslog only\n");
	enum { CAP = 40000 };
	sig *one = calloc(CAP, sizeof(sig)), *many = calloc(CAP, sizeof(sig));
	assert_non_null(one);
	assert_non_null(many);
	size_t m1 = 0, m2 = 0;
	spoor_scan_stats s1, s2;
	size_t n1 = collect(paths, np, 0, one, CAP, &m1, &s1);
	size_t n2 = collect(paths, np, SPOOR_SCAN_BATCH, many, CAP, &m2, &s2);
	assert_true(n1 > 2500);
	assert_int_equal(n1, n2);
	assert_int_equal(m2, SPOOR_SCAN_BATCH); /* batches did fill */
	for (size_t i = 0; i < n1; i++)
		if (memcmp(&one[i], &many[i], sizeof(sig)))
			fail_msg("event %zu differs: %s@%llu against %s@%llu", i, one[i].path,
				 (unsigned long long)one[i].off, many[i].path, (unsigned long long)many[i].off);
	assert_int_equal(s1.records, s2.records);
	assert_int_equal(s1.records_bad, s2.records_bad);
	assert_true(s1.records_bad > 50);

	/* with an on_rejected callback: one event at a time (evidence keeps
	 * good and rejected records in input order) */
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	int nrej = 0;
	so.on_rejected = on_rej;
	so.rejected_payload = &nrej;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, NULL), 0);
	assert_int_equal(spoor_scanner_add(sc, a), 0);
	spoor_event *evs[SPOOR_SCAN_BATCH];
	size_t n, total = 0;
	while (spoor_scanner_next_batch(sc, evs, SPOOR_SCAN_BATCH, &n, NULL) > 0) {
		assert_int_equal(n, 1);
		total++;
	}
	assert_true(total > 2000);
	assert_true(nrej > 50);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);

	free(one);
	free(many);
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_same_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
