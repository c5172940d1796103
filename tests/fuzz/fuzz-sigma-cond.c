/* fuzz-sigma-cond — the condition parser.
 *
 * The input is a condition text, compiled against six search identifiers
 * (sel, sel_a, sel_b, filter, filter_x, _hidden).  When it compiles, the
 * program is run for all 64 truth assignments of the identifiers; jumps
 * go forward only, EVAL names an existing identifier, and a failure
 * always comes with a message.  Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "detect/sigma/sigma-int.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool eval(void *payload, uint32_t i)
{
	unsigned bits = *(unsigned *)payload;
	return (bits >> i) & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"sel", "sel_a", "sel_b", "filter", "filter_x", "_hidden"};
	sigma_search s[6];
	memset(s, 0, sizeof(s));
	for (size_t i = 0; i < 6; i++)
		s[i].name = names[i];
	if (size > 4096)
		return 0;
	sigma_text t = {(const char *)data, size, 1, 1};
	arena ar;
	arena_init(&ar, 4096, 1u << 20);
	sigma_cprog p;
	spoor_diag d = SPOOR_DIAG_INIT;
	int r = sigma_cond_compile(&ar, &t, 1, s, 6, &p, &d);
	if (r < 0) {
		CHECK(d.msg[0] != 0);
	} else {
		for (size_t k = 0; k < p.n; k++) {
			if (p.ops[k].op == COP_JF || p.ops[k].op == COP_JT)
				CHECK(p.ops[k].arg > k && p.ops[k].arg <= p.n);
			if (p.ops[k].op == COP_EVAL)
				CHECK(p.ops[k].arg < 6);
		}
		for (unsigned bits = 0; bits < 64; bits++)
			(void)sigma_cprog_run(&p, eval, &bits);
	}
	arena_done(&ar);
	return 0;
}
