/* Shared body of the intel fuzz targets: load the input as an intel file
 * (format detected from content), then, when it loaded, build the matcher
 * and match one event with a value of every indicator class. */
#ifndef SPOOR_FUZZ_INTEL_H
#define SPOOR_FUZZ_INTEL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"
#include "intel/intel-int.h"
#include "spoor/intel.h"
#include "spoor/scan.h"

static inline int fuzz_nop(const spoor_finding *f, void *payload)
{
	(void)f;
	(void)payload;
	return 0;
}

static inline void fuzz_match(spoor_intel *in)
{
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	if (spoor_ctx_new(&ctx, &co, NULL) < 0)
		return;
	spoor_stage *st = NULL;
	if (spoor_intel_stage_new(&st, in, ctx, NULL) == 0) {
		static const char *const fv[][2] = {
		    {"source.ip", "192.0.2.1"},
		    {"destination.ip", "2001:db8::1"},
		    {"dns.question.name", "a.b.evil.example"},
		    {"url.original", "/gate.php?id=1"},
		    {"destination.domain", "evil.example"},
		    {"email.from.address", "<x@evil.example>"},
		    {"Hashes", "MD5=8CF683B7D181591B91E145985F32664C,SHA256=00"},
		    {"Image", "C:\\x\\a.exe"},
		    {"CommandLine", "rundll32 x.dll,MyStart"},
		    {"user_agent.original", "Mozilla/4.0"},
		    {"tls.serial", "0C:39"},
		};
		spoor_event ev;
		if (event_init(&ev, ctx) == 0) {
			event_set_time(&ev, 1700000000LL * 1000000000LL);
			for (size_t i = 0; i < sizeof(fv) / sizeof(fv[0]); i++)
				event_add(&ev, field_intern(&ctx->ft, fv[i][0], strlen(fv[i][0])), SPOOR_VT_STR,
					  sv_cstr(fv[i][1]), 0);
			spoor_stage_event(st, &ev, fuzz_nop, NULL);
			event_done(&ev);
		}
		char *text = NULL;
		size_t tn;
		if (spoor_intel_stage_export(st, "stix", &text, &tn, NULL) == 0)
			free(text);
		spoor_stage_free(st);
	}
	spoor_ctx_free(ctx);
}

static inline int fuzz_intel(const uint8_t *d, size_t n)
{
	spoor_intel *in = NULL;
	spoor_intel_options o = SPOOR_INTEL_OPTIONS_INIT;
	o.max_indicators = 100000;
	o.max_json_values = 1000000;
	if (spoor_intel_new(&in, &o, NULL) < 0)
		return 0;
	spoor_diag dg = SPOOR_DIAG_INIT;
	if (spoor_intel_load_mem(in, "fuzz", (const char *)d, n, &dg) == 0) {
		spoor_intel_stats st;
		spoor_intel_stats_get(in, &st);
		spoor_sv t;
		spoor_intel_show(in, "BlackTech", &t);
		fuzz_match(in);
	}
	spoor_intel_free(in);
	return 0;
}

#endif
