/* Fuzz target: one STIX pattern (the whole input) into atoms. */
#include "fuzz-intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	spoor_intel *in = NULL;
	if (spoor_intel_new(&in, NULL, NULL) < 0)
		return 0;
	/* a one-line pattern list gives the pattern a source and an object */
	char *b = malloc(n + 2);
	if (b) {
		b[0] = '[';
		memcpy(b + 1, d, n);
		for (size_t i = 1; i <= n; i++)
			if (b[i] == '\n' || b[i] == '\r')
				b[i] = ' ';
		b[n + 1] = 0;
		/* the pattern itself, directly, as well */
		spoor_diag dg = SPOOR_DIAG_INIT;
		if (spoor_intel_load_mem(in, "p", "[ipv4-addr:value = '192.0.2.1']", 31, &dg) == 0 && in->objs.n)
			stix_pattern_atoms(in, 0, sv_make((const char *)d, n), SPOOR_SV("fuzz"));
		spoor_intel_load_mem(in, "q", b, n + 1, &dg);
		if (in->atoms.n)
			fuzz_match(in);
		free(b);
	}
	spoor_intel_free(in);
	return 0;
}
