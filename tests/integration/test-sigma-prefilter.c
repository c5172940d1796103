/* Integration test: the Vectorscan prefilter changes no result.
 *
 * All SigmaHQ rules (sigma/rules*) are loaded twice into the same context:
 * once as usual, once with SPOOR_SIGMA_NO_PREFILTER=1 (every rule's
 * program runs on every event its logsource selects).  Every event of
 * sigma/regression_data and evtx/ is matched by both; the alert lists
 * (rule and matched fields) must be identical, event by event.  Prints
 * how many rule programs the prefilter skipped.  Skips (77) without
 * SPOOR_SHARED_DATA. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spoor/rules.h"
#include "spoor/scan.h"

static int load(spoor_ctx *ctx, const char *sigma_dir, spoor_ruleset **out, spoor_matcher **m)
{
	static const char *const dirs[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
					   "rules-placeholder", "rules-compliance"};
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ruleset_new(out, ctx, NULL, &d) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[1200];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", sigma_dir, dirs[i]);
		if (stat(p, &st) == 0 && spoor_ruleset_add(*out, p, &d) < 0) {
			fprintf(stderr, "%s\n", d.msg);
			return -1;
		}
	}
	if (spoor_matcher_new(m, *out, &d) < 0) {
		fprintf(stderr, "%s\n", d.msg);
		return -1;
	}
	return 0;
}

int main(void)
{
	const char *data = getenv("SPOOR_SHARED_DATA");
	if (!data || !*data) {
		printf("SKIP: SPOOR_SHARED_DATA is not set (it names ../shared/data with sigma/)\n");
		return 77;
	}
	char sigma_dir[1024], reg[1100], evtx[1100];
	snprintf(sigma_dir, sizeof(sigma_dir), "%s/sigma", data);
	snprintf(reg, sizeof(reg), "%s/regression_data", sigma_dir);
	snprintf(evtx, sizeof(evtx), "%s/evtx", data);
	struct stat st;
	if (stat(reg, &st) < 0) {
		printf("SKIP: %s not found (shared data absent)\n", reg);
		return 77;
	}
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ctx_new(&ctx, &co, &d) < 0)
		return 1;
	spoor_ruleset *fast = NULL, *slow = NULL;
	spoor_matcher *mf = NULL, *ms = NULL;
	if (load(ctx, sigma_dir, &fast, &mf) < 0)
		return 1;
	setenv("SPOOR_SIGMA_NO_PREFILTER", "1", 1);
	if (load(ctx, sigma_dir, &slow, &ms) < 0)
		return 1;
	unsetenv("SPOOR_SIGMA_NO_PREFILTER");
	spoor_rules_stats sf, ss;
	spoor_ruleset_stats(fast, &sf);
	spoor_ruleset_stats(slow, &ss);
	printf("prefilter: %" PRIu64 " of %" PRIu64 " running rules gated by %" PRIu64 " atoms in %" PRIu64
	       " databases (control: %" PRIu64 " gated)\n",
	       sf.prefiltered, sf.active, sf.atoms, sf.atom_dbs, ss.prefiltered);
	if (ss.prefiltered != 0 || sf.prefiltered == 0)
		return 1;

	spoor_scanner *sc = NULL;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	if (spoor_scanner_new(&sc, ctx, &so, &d) < 0 || spoor_scanner_add(sc, reg) < 0)
		return 1;
	if (stat(evtx, &st) == 0)
		spoor_scanner_add(sc, evtx);
	uint64_t events = 0, alerts = 0, diff = 0;
	spoor_event *ev;
	int r;
	while ((r = spoor_scanner_next(sc, &ev, &d)) > 0) {
		events++;
		int a = spoor_matcher_match(mf, ev), b = spoor_matcher_match(ms, ev);
		if (a < 0 || b < 0)
			return 1;
		bool same = a == b;
		for (int k = 0; same && k < a; k++) {
			spoor_alert x, y;
			spoor_matcher_alert(mf, (size_t)k, &x);
			spoor_matcher_alert(ms, (size_t)k, &y);
			same = x.rule == y.rule && x.nfields == y.nfields &&
			       (!x.nfields || !memcmp(x.fields, y.fields, x.nfields * sizeof(uint32_t)));
		}
		alerts += (uint64_t)b;
		if (!same) {
			const spoor_origin *o = spoor_event_origin(ev);
			if (diff < 20)
				printf("DIFF %s offset %" PRIu64 ": %d alerts with prefilter, %d without\n", o->path,
				       o->offset, a, b);
			diff++;
		}
	}
	printf("%" PRIu64 " events, %" PRIu64 " alerts, %" PRIu64 " events with different alerts\n", events, alerts,
	       diff);
	spoor_scanner_free(sc);
	spoor_matcher_free(mf);
	spoor_matcher_free(ms);
	spoor_ruleset_free(fast);
	spoor_ruleset_free(slow);
	spoor_ctx_free(ctx);
	return r < 0 || diff ? 1 : 0;
}
