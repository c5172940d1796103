/* fuzz-shapes — every JSON shape recognizer and normalizer on any record.
 *
 * The input is flattened as a JSON record; then each shape of shapes.def
 * is asked to match it and, whatever it answers, to normalize a fresh
 * copy of it: a normalizer must cope with any field set (missing fields,
 * wrong types, hostile values), not only with the records it matches.
 * (fuzz-json-shapes covers detection plus JSON output end to end.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "event/event-int.h"
#include "parse/json-scan.h"
#include "parse/shape.h"
#include "spoor/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.limits.max_fields = 512;
	o.limits.max_depth = 16;
	spoor_ctx *ctx = NULL;
	if (spoor_ctx_new(&ctx, &o, NULL) < 0)
		abort();
	spoor_event ev;
	event_init(&ev, ctx);
	spoor_diag d = SPOOR_DIAG_INIT;
	parse_env env = {ctx, "<fuzz>", 1700000000, &d};
	for (size_t s = 0; s < shape_count(); s++) {
		const shape_vt *sh = shape_at(s);
		event_reset(&ev);
		size_t used;
		json_err e;
		if (json_flatten(&ev, (const char *)data, size, &used, &e) != 0)
			break;
		(void)sh->match(&ev);
		ev.shape = sh->name;
		ev.format = "json";
		ev.origin.path = "<fuzz>";
		if (sh->normalize(&ev, &env) == SPOOR_ENOMEM)
			abort();
		/* every field must still be readable */
		for (size_t i = 0; i < ev.n; i++) {
			spoor_sv name, t;
			spoor_value v;
			if (spoor_event_at(&ev, i, &name, &v, NULL) < 0 || spoor_event_text(&ev, &v, &t) < 0)
				abort();
		}
	}
	event_done(&ev);
	spoor_ctx_free(ctx);
	return 0;
}
