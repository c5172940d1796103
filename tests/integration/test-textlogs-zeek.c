/* Integration: Zeek TSV logs through the public scanner (detection, gzip,
 * directories) over network/zeek-btest (Zeek's own regression baselines)
 * and network/zeek-wrccdc (a real capture's logs, gzip).
 *  - every data line of a TSV log parses (0 bad records);
 *  - values are typed per #types: ports and counts are numbers, bools are
 *    booleans, ts is a number unless btest masked it (XXXXXXXXXX.XXXXXX);
 *  - the logsource is product zeek, service = #path, and id.orig_h is
 *    source.ip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-util.h"

static char root[1024];

typedef struct zstats {
	unsigned long events, zeek, bad, skipped_files, ports, ports_num, bools, bools_ok, ts, ts_num, ts_masked, src_ok,
		src_n, svc_ok;
} zstats;

static void on_bad(spoor_bad_kind kind, const spoor_diag *d, void *payload)
{
	zstats *z = payload;
	if (kind == SPOOR_SKIP_FILE) {
		z->skipped_files++;
		return;
	}
	z->bad++;
	if (z->bad <= 10)
		printf("  bad: %s:%llu %s\n", d->source, (unsigned long long)d->line, d->msg);
}

static void scan(const char *sub, zstats *z)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	memset(z, 0, sizeof(*z));
	spoor_ctx *ctx = NULL;
	spoor_diag diag;
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(spoor_ctx_new(&ctx, NULL, &diag), 0);
	spoor_scan_options o = SPOOR_SCAN_OPTIONS_INIT;
	o.on_bad = on_bad;
	o.payload = z;
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, &o, &diag), 0);
	assert_int_equal(spoor_scanner_add(sc, path), 0);
	spoor_event *ev;
	while (spoor_scanner_next(sc, &ev, &diag) == 1) {
		z->events++;
		if (strcmp(spoor_event_format(ev), "zeek") != 0)
			continue;
		z->zeek++;
		for (size_t i = 0; i < ev->n; i++) {
			const efield *f = &ev->f[i];
			if (f->id == F_ZK_ORIG_P || f->id == F_ZK_RESP_P) {
				z->ports++;
				z->ports_num += f->type == SPOOR_VT_NUM;
			} else if (f->id == F_ZK_AUTH_SUCCESS) {
				z->bools++;
				z->bools_ok += f->type == SPOOR_VT_BOOL;
			} else if (f->id == F_SRC_TS) {
				z->ts++;
				if (f->type == SPOOR_VT_NUM)
					z->ts_num++;
				else if (f->val.n && f->val.p[0] == 'X')
					z->ts_masked++;
			}
		}
		spoor_sv oh, sip, path_v;
		if (event_get_text(ev, F_ZK_ORIG_H, &oh)) {
			z->src_n++;
			if (event_get_text(ev, F_SOURCE_IP, &sip) && sv_eq(oh, sip))
				z->src_ok++;
		}
		if (event_get_text(ev, F_ZK_PATH, &path_v) && sv_eq_cstr(ev->ls.product, "zeek") && sv_eq(ev->ls.service, path_v))
			z->svc_ok++;
	}
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	printf("%s: files %llu (skipped, not TSV/JSON: %lu) records %llu zeek %lu bad %lu | ports numeric %lu/%lu, "
	       "bools %lu/%lu, ts numeric %lu/%lu (+%lu masked by btest), source.ip = id.orig_h %lu/%lu, "
	       "service = #path %lu\n",
	       sub, (unsigned long long)st.files, z->skipped_files, (unsigned long long)st.records, z->zeek, z->bad,
	       z->ports_num, z->ports, z->bools_ok, z->bools, z->ts_num, z->ts, z->ts_masked, z->src_ok, z->src_n, z->svc_ok);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
}

static void test_btest(void **s)
{
	(void)s;
	zstats z;
	scan("network/zeek-btest/Baseline", &z);
	assert_int_equal(z.bad, 0);
	assert_true(z.zeek >= 8000);
	assert_int_equal(z.ports_num, z.ports);
	assert_int_equal(z.bools_ok, z.bools);
	assert_int_equal(z.ts_num + z.ts_masked, z.ts);
	/* a few baselines log deliberately invalid addresses */
	assert_true(z.src_ok + 20 >= z.src_n);
}

static void test_wrccdc(void **s)
{
	(void)s;
	zstats z;
	scan("network/zeek-wrccdc/zeek-default", &z);
	assert_int_equal(z.bad, 0);
	assert_int_equal(z.zeek, 158439);
	assert_int_equal(z.ports_num, z.ports);
	assert_int_equal(z.bools_ok, z.bools);
	assert_int_equal(z.ts_num, z.ts);
	assert_int_equal(z.src_ok, z.src_n);
	assert_int_equal(z.svc_ok, z.zeek);
}

/* Hand-written TSV through parser_vt: sets, (empty), unset, escapes. */
static void test_sets(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "zeek", "unit", 0, NULL), 0);
	static const char *const lines[] = {
		"#separator \\x09",
		"#set_separator\t,",
		"#empty_field\t(empty)",
		"#unset_field\t-",
		"#path\tsmtp",
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tmailfrom\trcptto\tsubject\ttls\tpath",
		"#types\ttime\tstring\taddr\tport\tstring\tset[string]\tstring\tbool\tvector[addr]",
		"1521911799.739898\tCx1\t10.0.0.1\t25\tbob@example.org\ta@x.org,b@y.org\tHi\\x09there\tT\t(empty)",
	};
	char b[256];
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		int rc = tl_line(&r, lines[i], strlen(lines[i]));
		assert_int_equal(rc, i + 1 < ARRAY_SIZE(lines) ? 1 : 0);
	}
	assert_string_equal(tl_get_name(&r, "rcptto.0", b, sizeof(b)), "a@x.org");
	assert_string_equal(tl_get_name(&r, "rcptto.1", b, sizeof(b)), "b@y.org");
	assert_string_equal(tl_get_name(&r, "subject", b, sizeof(b)), "Hi\tthere");
	assert_string_equal(tl_get_name(&r, "tls", b, sizeof(b)), "true");
	assert_string_equal(tl_get(&r, F_SOURCE_IP, b, sizeof(b)), "10.0.0.1");
	assert_string_equal(tl_get(&r, F_EMAIL_FROM_ADDRESS, b, sizeof(b)), "bob@example.org");
	assert_string_equal(tl_get(&r, F_EMAIL_TO_ADDRESS, b, sizeof(b)), "a@x.org");
	assert_string_equal(tl_time(&r, b, sizeof(b)), "2018-03-24T17:16:39");
	assert_null(event_find(&r.ev, field_find(&r.ctx->ft, "path.0", 6)));
	assert_true(sv_eq_cstr(r.ev.ls.service, "smtp"));
	/* \xNN escapes that decode to bytes >= 0x80 are flagged for UTF-8
	 * validation even when the line itself is ASCII */
	const char *esc = "1.0\tCx3\t10.0.0.3\t25\t\\xff@x\t-\t-\t-\t-";
	assert_int_equal(tl_line(&r, esc, strlen(esc)), 0);
	const efield *mf = event_find(&r.ev, F_ZK_MAILFROM);
	assert_non_null(mf);
	assert_int_equal(mf->val.n, 3);
	assert_true(mf->flags & EF_HI);
	/* wrong number of values */
	const char *bad = "1.0\tCx2\t10.0.0.2";
	assert_true(tl_line(&r, bad, strlen(bad)) < 0);
	tl_close(&r);
}

int main(void)
{
	snprintf(root, sizeof(root), "%s", tl_data_root());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_btest),
		cmocka_unit_test(test_wrccdc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
