/* Fuzz target: the generic CSV parser, line by line (header first). */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_lines("csv", d, n);
}
