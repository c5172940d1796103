/* fuzz-sigma-match — the prefilter changes no alert.
 *
 * The input's bytes are read as a log file (format detected by content,
 * as `spoor hunt` reads one) and every event is matched twice: by a rule
 * set with the Vectorscan prefilter and candidate check, and by the same
 * rules with SPOOR_SIGMA_NO_PREFILTER=1 (every rule of every selected
 * logsource group runs).  Both must give the same alerts, in the same
 * order, with the same matched fields; the alert JSON must build.  A
 * difference aborts with the rule ids.
 *
 * The rules are tests/fuzz/sigma-match-rules/ (written for this target:
 * keyword scans over raw JSON with escapes and factors, atoms of globs and
 * regexes, `all`, negations, long values), plus SigmaHQ's rules* folders
 * of the shared data when SPOOR_SHARED_DATA names it (FUZZ_SIGMAHQ=0 leaves
 * them out).  Compiled once per process. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoor/rules.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

#ifndef FUZZ_SRC_DIR
#define FUZZ_SRC_DIR "tests/fuzz"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (64u << 10)

static spoor_ctx *base;
static spoor_ruleset *rs_fast, *rs_slow;
static spoor_matcher *m_fast, *m_slow;

static void add_rules(spoor_ruleset *rs)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ruleset_add(rs, FUZZ_SRC_DIR "/sigma-match-rules", &d) < 0) {
		fprintf(stderr, "fuzz-sigma-match: %s\n", d.msg);
		abort();
	}
	const char *data = getenv("SPOOR_SHARED_DATA"), *hq = getenv("FUZZ_SIGMAHQ");
	if (!data || !*data || (hq && !strcmp(hq, "0")))
		return;
	static const char *const dirs[] = {
	    "rules",	  "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance",
	    "rules-dfir",
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[4096];
		struct stat st;
		snprintf(p, sizeof(p), "%s/sigma/%s", data, dirs[i]);
		/* a rule that does not load is `spoor rules check`'s business */
		if (stat(p, &st) == 0)
			(void)spoor_ruleset_add(rs, p, &d);
	}
}

static void init(void)
{
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.year = 2024; /* never the memfd's mtime: keep runs deterministic */
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_new(&base, &co, &d) == 0);
	/* spoor_ruleset_new reads SPOOR_SIGMA_NO_PREFILTER: off for the first
	 * set whatever the caller's environment says, on for the second */
	const char *old = getenv("SPOOR_SIGMA_NO_PREFILTER");
	char *keep = old ? strdup(old) : NULL;
	setenv("SPOOR_SIGMA_NO_PREFILTER", "0", 1);
	CHECK(spoor_ruleset_new(&rs_fast, base, NULL, &d) == 0);
	add_rules(rs_fast);
	setenv("SPOOR_SIGMA_NO_PREFILTER", "1", 1);
	CHECK(spoor_ruleset_new(&rs_slow, base, NULL, &d) == 0);
	if (keep) {
		setenv("SPOOR_SIGMA_NO_PREFILTER", keep, 1);
		free(keep);
	} else {
		unsetenv("SPOOR_SIGMA_NO_PREFILTER");
	}
	add_rules(rs_slow);
	CHECK(spoor_matcher_new(&m_fast, rs_fast, &d) == 0);
	CHECK(spoor_matcher_new(&m_slow, rs_slow, &d) == 0);
	spoor_rules_stats sf, ss;
	spoor_ruleset_stats(rs_fast, &sf);
	spoor_ruleset_stats(rs_slow, &ss);
	/* the two sets hold the same rules; only the first is prefiltered */
	CHECK(sf.active == ss.active && sf.active > 0);
	CHECK(sf.prefiltered > 0 && ss.prefiltered == 0);
}

static void compare(spoor_event *ev)
{
	int a = spoor_matcher_match(m_fast, ev), b = spoor_matcher_match(m_slow, ev);
	CHECK(a >= 0 && b >= 0);
	bool same = a == b;
	for (int k = 0; same && k < a; k++) {
		spoor_alert x, y;
		CHECK(spoor_matcher_alert(m_fast, (size_t)k, &x) == 0);
		CHECK(spoor_matcher_alert(m_slow, (size_t)k, &y) == 0);
		same = x.rule == y.rule && x.nfields == y.nfields &&
		       (!x.nfields || !memcmp(x.fields, y.fields, x.nfields * sizeof(uint32_t)));
	}
	if (!same) {
		fprintf(stderr, "fuzz-sigma-match: %d alerts with the prefilter, %d without\n", a, b);
		for (int k = 0; k < a || k < b; k++) {
			spoor_alert x;
			spoor_rule_info ri;
			if (k < a && spoor_matcher_alert(m_fast, (size_t)k, &x) == 0 &&
			    spoor_ruleset_rule(rs_fast, x.rule, &ri) == 0)
				fprintf(stderr, "  prefilter: %s %s\n", ri.id ? ri.id : "-", ri.title ? ri.title : "");
			if (k < b && spoor_matcher_alert(m_slow, (size_t)k, &x) == 0 &&
			    spoor_ruleset_rule(rs_slow, x.rule, &ri) == 0)
				fprintf(stderr, "  all rules: %s %s\n", ri.id ? ri.id : "-", ri.title ? ri.title : "");
		}
		abort();
	}
	for (int k = 0; k < a; k++) {
		spoor_sv j;
		CHECK(spoor_matcher_alert_json(m_fast, (size_t)k, ev, &j) == 0);
		CHECK(j.n >= 2 && j.p[0] == '{');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!base)
		init();
	int fd = memfd_create("fuzz-sigma-match", 0);
	CHECK(fd >= 0);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* a copy of the context per input: names the input interns stay in it */
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_clone(&ctx, base, &d) == 0);
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	spoor_scanner *sc = NULL;
	CHECK(spoor_scanner_new(&sc, ctx, &so, &d) == 0);
	CHECK(spoor_scanner_add(sc, path) == 0);
	spoor_event *ev;
	int r;
	while ((r = spoor_scanner_next(sc, &ev, &d)) > 0)
		compare(ev);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	close(fd);
	return 0;
}
