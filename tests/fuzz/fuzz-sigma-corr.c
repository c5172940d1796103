/* fuzz-sigma-corr — the Sigma correlation state (sigma-corr.c).
 *
 * A fixed rule set (every correlation type, group-by on two fields,
 * aliases, generate, a chain of three) runs in the Sigma stage over
 * events the input describes: byte 0 picks the caps (groups, entries,
 * total, related) and the reorder tolerance; then each 4 bytes are one
 * event: which rule it matches (or none, or no timestamp), the user and
 * host, a signed time step in minutes (so events go back and forth in
 * time), a value.  Invariants: every alert is one JSON object line; a
 * correlation alert has a time and lists at most `related` records;
 * nothing leaks (ASan).  Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/hunt.h"
#include "spoor/rules.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
    "title: F\nname: f\nlogsource: {product: windows, service: security}\n"
    "detection: {s: {EventID: 4625}, condition: s}\n---\n"
    "title: S\nname: s\nlogsource: {product: windows, service: security}\n"
    "detection: {s: {EventID: 4624}, condition: s}\n---\n"
    "title: C\nname: c\nlogsource: {product: windows, service: security}\n"
    "detection: {s: {EventID: 4720}, condition: s}\n---\n"
    "title: EC\nname: ec\ncorrelation: {type: event_count, rules: [f], group-by: [U, H], timespan: 10m, "
    "condition: {gte: 3}}\n---\n"
    "title: VC\ncorrelation: {type: value_count, rules: [f, s], group-by: [H], timespan: 30m, "
    "condition: {field: U, gt: 2, lte: 6}}\n---\n"
    "title: T\ncorrelation: {type: temporal, rules: [f, s, c], group-by: [who], timespan: 5m, generate: true,\n"
    "  aliases: {who: {f: U, s: U, c: V}}}\n---\n"
    "title: TO\nname: to\ncorrelation: {type: temporal_ordered, rules: [ec, s], group-by: [U], timespan: 1h}\n---\n"
    "title: TO2\ncorrelation: {type: temporal_ordered, rules: [to, c], group-by: [x], timespan: 2h,\n"
    "  aliases: {x: {to: U, c: V}}}\n---\n"
    "title: VS\ncorrelation: {type: value_sum, rules: [f, s, c], group-by: [H], timespan: 20m, "
    "condition: {field: N, gte: 300}}\n---\n"
    "title: VA\ncorrelation: {type: value_avg, rules: [s], group-by: [U], timespan: 20m, "
    "condition: {field: N, lt: 20}}\n---\n"
    "title: VP\ncorrelation: {type: value_percentile, rules: [f], group-by: [H], timespan: 1h, "
    "condition: {field: N, percentile: 75, neq: 7}}\n---\n"
    "title: VR\ncorrelation: {type: value_percentile, rules: [c, f], group-by: [H], timespan: 1h, "
    "condition: {field: U, lte: 20}}\n";

static size_t related_max;

static int on_finding(const spoor_finding *f, void *payload)
{
	(void)payload;
	CHECK(f->json.n >= 3 && f->json.p[0] == '{' && f->json.p[f->json.n - 2] == '}' &&
	      f->json.p[f->json.n - 1] == '\n');
	CHECK(memchr(f->json.p, '\n', f->json.n - 1) == NULL);
	if (!f->ev) {
		CHECK(f->ts != 0);
		size_t k = 0;
		for (const char *p = f->json.p;
		     (p = memmem(p, (size_t)(f->json.p + f->json.n - p), "\"log.offset\"", 12)); p++)
			k++;
		/* the related records, plus the value_origin of rare values */
		CHECK(k <= related_max + 1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* the rule set is immutable once used: built once, shared by every
	 * input (only the stage and its correlation state are per input) */
	static spoor_ctx *ctx;
	static spoor_ruleset *rs;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (!ctx) {
		spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
		CHECK(spoor_ctx_new(&ctx, &co, NULL) == 0);
		CHECK(spoor_ruleset_new(&rs, ctx, NULL, &d) == 0);
		CHECK(spoor_ruleset_add_buffer(rs, "fuzz.yml", rules, strlen(rules), &d) == 0);
		spoor_rules_stats st;
		spoor_ruleset_stats(rs, &st);
		CHECK(st.failed == 0 && st.active == st.loaded);
	}
	uint8_t h = data[0];
	spoor_sigma_stage_options o = SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	o.corr_max_groups = 1 + (h & 3);
	o.corr_max_entries = 1 + (h >> 2 & 7);
	o.corr_max_total = h & 0x20 ? 64 : 6;
	o.corr_max_related = 1 + (h >> 6 & 1) * 3;
	o.corr_reorder_s = h & 0x80 ? (int64_t)(h & 0x1f) * 60 : -1;
	related_max = o.corr_max_related;
	spoor_stage *stg = NULL;
	CHECK(spoor_sigma_stage_new_opts(&stg, rs, &o, &d) == 0);
	static const char *const users[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	static const int eids[] = {4625, 4624, 4720, 4625, 4624, 4625, 4688, 4720};
	uint32_t fU = field_intern(&ctx->ft, "U", 1), fH = field_intern(&ctx->ft, "H", 1),
		 fV = field_intern(&ctx->ft, "V", 1), fN = field_intern(&ctx->ft, "N", 1);
	int64_t t = 1700000000LL * 1000000000LL;
	for (size_t i = 1; i + 4 <= size; i += 4) {
		const uint8_t *r = data + i;
		spoor_event ev;
		if (event_init(&ev, ctx) < 0)
			break;
		ev.ls.product = SPOOR_SV("windows");
		ev.ls.service = SPOOR_SV("security");
		ev.ls.channel = SPOOR_SV("Security");
		ev.origin.path = i & 4 ? "one.json" : "two.json";
		ev.origin.offset = i;
		ev.origin.line = i / 4 + 1;
		t += (int64_t)(int8_t)r[2] * 60 * 1000000000LL;
		if (!(r[0] & 0x80))
			event_set_time(&ev, t);
		char num[16], val[16];
		snprintf(num, sizeof(num), "%d", eids[r[0] & 7]);
		snprintf(val, sizeof(val), "%d", r[3] & 0x40 ? r[3] & 0x3f : -(int)(r[3] & 0x3f));
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, sv_cstr(num), 0);
		if (!(r[1] & 0x80))
			event_add(&ev, fU, SPOOR_VT_STR, sv_cstr(users[r[1] & 7]), 0);
		event_add(&ev, fH, SPOOR_VT_STR, sv_cstr(users[r[1] >> 3 & 3]), 0);
		if (r[0] & 0x40)
			event_add(&ev, fV, SPOOR_VT_STR, sv_cstr(users[r[3] & 7]), 0);
		if (!(r[3] & 0x80))
			event_add(&ev, fN, SPOOR_VT_NUM, sv_cstr(val), 0);
		int rc = spoor_stage_event(stg, &ev, on_finding, NULL);
		event_done(&ev);
		CHECK(rc == 0);
	}
	CHECK(spoor_stage_finish(stg, on_finding, NULL, &d) == 0);
	CHECK(spoor_stage_summary(stg)[0] != 0);
	spoor_stage_free(stg);
	return 0;
}
