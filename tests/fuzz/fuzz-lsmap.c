/* fuzz-lsmap — the logsource map loader (--logsource-map FILE,
 * sigma_lsmap_load).  A map either loads or fails with a message and a
 * line; a loaded map resolves a few logsources and selects against an
 * empty event without crashing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SIGMA_MAX_FILE)
		return 0;
	sigma_lsmap *m = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = sigma_lsmap_load(&m, "fuzz.yml", (const char *)data, size, &d);
	CHECK(rc == 0 ? m != NULL : (m == NULL && d.msg[0]));
	if (!m)
		return 0;
	static const char r0[] =
	    "title: t\nlogsource: {product: linux, service: myapp}\ndetection: {s: {a: 1}, condition: s}\n";
	static const char r1[] = "title: t\nlogsource: {product: windows, category: process_creation}\n"
				 "detection: {s: {a: 1}, condition: s}\n";
	static const char r2[] = "title: t\nlogsource: {category: proxy}\ndetection: {s: {c-uri: 1}, condition: s}\n";
	static const char *const rules[] = {r0, r1, r2};

	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	if (spoor_ctx_new(&ctx, &co, NULL) == 0) {
		for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
			sigma_file *f = NULL;
			if (sigma_file_load(&f, "r.yml", rules[i], strlen(rules[i]), NULL, NULL) < 0 || !f)
				continue;
			if (f->n == 1) {
				f->rules[0]->lsmap = m;
				spoor_diag cd = SPOOR_DIAG_INIT;
				if (sigma_compile(f->rules[0], &ctx->ft, &cd) == 0 && f->rules[0]->plan->ls) {
					spoor_event ev;
					if (event_init(&ev, ctx) == 0) {
						(void)sigma_ls_match(f->rules[0]->plan->ls, &ev);
						(void)sigma_ls_fed(f->rules[0]->plan->ls);
						event_done(&ev);
					}
				}
			}
			sigma_file_free(f);
		}
		spoor_ctx_free(ctx);
	}
	sigma_lsmap_free(m);
	return 0;
}
