/* Fuzz target: the Exim main-log parser, line by line. */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_lines("exim", d, n);
}
