/* Fuzz target: intel loading (misp corpus; the format is detected from
 * content, so inputs may drift to any loader), then matching. */
#include "fuzz-intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_intel(d, n);
}
