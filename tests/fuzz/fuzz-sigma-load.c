/* fuzz-sigma-load — the Sigma loader and compiler.
 *
 * The input is one rule file (YAML, any number of documents).  It is
 * loaded (libyaml -> tree -> collections -> AST), every detection rule
 * that loads is compiled against a context, and the compiled plan is run
 * against a small event so the matcher walks every kind of item.
 * Invariants: every failed document is reported with a message and a
 * 1-based line; the number of rules plus failures covers the documents
 * seen; a compiled plan's condition program only jumps forward and only
 * names existing search identifiers.  Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t nerr;

static void on_err(const spoor_diag *d, void *payload)
{
	(void)payload;
	CHECK(d->msg[0] != 0);
	CHECK(d->code < 0);
	CHECK(!strcmp(d->source, "fuzz.yml"));
	nerr++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spoor_ctx *ctx = NULL;
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.limits.max_names = 4096;
	if (spoor_ctx_new(&ctx, &o, NULL) < 0)
		return 0;
	sigma_file *f = NULL;
	nerr = 0;
	if (sigma_file_load(&f, "fuzz.yml", (const char *)data, size, on_err, NULL) < 0) {
		spoor_ctx_free(ctx);
		return 0;
	}
	CHECK(nerr == f->nbad);
	spoor_event ev;
	CHECK(event_init(&ev, ctx) == 0);
	static const char *const names[] = {"Image", "CommandLine", "EventID", "User", "A", "B"};
	static const char *const vals[] = {"C:\\Windows\\cmd.exe", "cmd /c whoami -all", "4688", "", "x", "10.1.2.3"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		event_add(&ev, field_intern(&ctx->ft, names[i], strlen(names[i])), i == 2 ? SPOOR_VT_NUM : SPOOR_VT_STR,
			  sv_cstr(vals[i]), 0);
	ev.ls.product = SPOOR_SV("windows");
	ev.ls.service = SPOOR_SV("sysmon");
	ev.ls.channel = SPOOR_SV("Microsoft-Windows-Sysmon/Operational");
	sigma_re_scratch *re = sigma_re_scratch_new();
	for (size_t i = 0; i < f->n && re; i++) {
		sigma_rule *r = f->rules[i];
		CHECK(r->title != NULL);
		if (r->kind != SIGMA_RULE)
			continue;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (sigma_compile(r, &ctx->ft, &d) < 0) {
			CHECK(d.msg[0] != 0);
			continue;
		}
		const sigma_cprog *p = &r->plan->prog;
		for (size_t k = 0; k < p->n; k++) {
			if (p->ops[k].op == COP_JF || p->ops[k].op == COP_JT)
				CHECK(p->ops[k].arg > k && p->ops[k].arg <= p->n);
			if (p->ops[k].op == COP_EVAL)
				CHECK(p->ops[k].arg < r->plan->ns);
		}
		uint32_t hits[SIGMA_MAX_HITS];
		size_t nh;
		(void)sigma_match_detection(r->plan, &ev, re, NULL, hits, &nh);
		CHECK(nh <= SIGMA_MAX_HITS);
		(void)sigma_match(r->plan, &ev, re, hits, &nh);
	}
	sigma_re_scratch_free(re);
	event_done(&ev);
	sigma_file_free(f);
	spoor_ctx_free(ctx);
	return 0;
}
