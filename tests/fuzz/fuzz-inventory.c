/* fuzz-inventory — the inventory loader and the provider stages.
 *
 * The input is one inventory file (YAML or JSON).  It is loaded and
 * finished; when it is valid, a handful of events (logons by its own
 * accounts, from its own networks, onto its own hosts, at several times)
 * go through the enrichment and provider-scope stages, then the report
 * and a trace are rendered in every format.
 * Invariants: a failure carries a message, the file name and a code < 0;
 * a valid inventory never fails the stages; every report is valid JSON
 * in shape (starts with '{', ends with "}\n"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/inventory.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_finding(const spoor_finding *f, void *payload)
{
	(void)payload;
	CHECK(f->rule_id && f->json.n > 2 && f->json.p[0] == '{' && f->json.p[f->json.n - 1] == '\n');
	return 0;
}

static void run_events(const spoor_inventory *inv)
{
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_stage *enr = NULL, *pst = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ctx_new(&ctx, &co, NULL) < 0)
		return;
	CHECK(spoor_inventory_stage_new(&enr, inv, &d) == 0);
	spoor_providers_options po = SPOOR_PROVIDERS_OPTIONS_INIT;
	po.max_tracked = 8;
	po.max_edges = 64;
	po.max_violations = 8;
	CHECK(spoor_providers_stage_new(&pst, inv, &po, &d) == 0);
	spoor_event ev;
	if (event_init(&ev, ctx) == 0) {
		static const int64_t times[] = {1700000000, 1767225600, 1767312000 + 3600 * 20, 0};
		for (size_t i = 0; i < 24; i++) {
			event_reset(&ev);
			char src[48] = "203.0.113.7", host[128] = "h", user[128] = "u";
			if (inv->nhosts)
				snprintf(host, sizeof(host), "%s", inv->hosts[i % inv->nhosts].name);
			if (inv->nhosts && inv->hosts[(i + 1) % inv->nhosts].has_ip && (i & 4))
				inv_format_ip(inv->hosts[(i + 1) % inv->nhosts].ip, src, sizeof(src));
			else if (inv->nnets && (i & 2))
				inv_format_ip(inv->nets[i % inv->nnets].addr, src, sizeof(src));
			if (inv->nproviders && inv->providers[i % inv->nproviders].naccounts)
				snprintf(user, sizeof(user), "%s",
					 inv->providers[i % inv->nproviders].accounts[0].name);
			event_set_copy(&ev, F_HOST_NAME, SPOOR_VT_STR, sv_cstr(host), 0);
			event_set_copy(&ev, F_SOURCE_IP, SPOOR_VT_STR, sv_cstr(src), 0);
			event_set_copy(&ev, F_USER_NAME, SPOOR_VT_STR, sv_cstr(user), 0);
			event_set(&ev, F_EVENT_CATEGORY, SPOOR_VT_STR, sv_cstr("authentication"), 0);
			event_set(&ev, F_EVENT_OUTCOME, SPOOR_VT_STR, sv_cstr(i % 5 ? "success" : "failure"), 0);
			event_set(&ev, F_EVENT_ACTION, SPOOR_VT_STR, sv_cstr(i % 3 ? "ssh_login" : "sudo_command"), 0);
			if (times[i % 4])
				event_set_time(&ev, times[i % 4] * (int64_t)1000000000 + (int64_t)i * 60000000000);
			CHECK(spoor_stage_event(enr, &ev, on_finding, NULL) == 0);
			CHECK(spoor_stage_event(pst, &ev, on_finding, NULL) == 0);
		}
		event_done(&ev);
	}
	CHECK(spoor_stage_finish(pst, on_finding, NULL, &d) == 0);
	for (int fmt = 0; fmt < 3; fmt++) {
		char *out = NULL;
		size_t len = 0;
		CHECK(spoor_providers_report(pst, (spoor_providers_format)fmt, &out, &len, &d) == 0);
		CHECK(out && strlen(out) == len);
		if (fmt == SPOOR_PROVIDERS_JSON)
			CHECK(len > 2 && out[0] == '{' && out[len - 2] == '}' && out[len - 1] == '\n');
		free(out);
		const char *ent = inv->nproviders ? inv->providers[0].id : "nothing";
		int r = spoor_providers_trace(pst, ent, (spoor_providers_format)fmt, &out, &len, &d);
		CHECK(r == 0 || r == SPOOR_ENOTFOUND);
		if (r == 0)
			free(out);
	}
	spoor_stage_free(pst);
	spoor_stage_free(enr);
	spoor_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spoor_inventory *inv = NULL;
	spoor_inventory_limits lim = SPOOR_INVENTORY_LIMITS_INIT;
	lim.max_entries = 20000;
	if (spoor_inventory_new(&inv, &lim) < 0)
		return 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	int r = spoor_inventory_load_mem(inv, "fuzz.yaml", (const char *)data, size, &d);
	if (r == 0)
		r = spoor_inventory_finish(inv, &d);
	if (r < 0) {
		CHECK(d.code < 0 && d.msg[0]);
		CHECK(r == SPOOR_ENOMEM || !strcmp(d.source, "fuzz.yaml"));
	} else {
		run_events(inv);
	}
	spoor_inventory_free(inv);
	return 0;
}
