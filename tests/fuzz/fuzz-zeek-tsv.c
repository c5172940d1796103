/* Fuzz target: the zeek parser, line by line (headers included). */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_lines("zeek", d, n);
}
