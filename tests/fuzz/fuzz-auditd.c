/* Fuzz target: the Linux audit log parser (parse-auditd.c), line by line. */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_lines("auditd", d, n);
}
