/* Fuzz target: Windows event XML lines (parse-winxml.c). */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_lines("winxml", d, n);
}
