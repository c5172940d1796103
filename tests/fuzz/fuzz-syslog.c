/* Fuzz target: the syslog parser and its program parsers, line by line,
 * and the same bytes as an RFC 6587 octet-counted stream. */
#include "fuzz-textlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	fuzz_lines("syslog", d, n);
	return fuzz_framed("syslog-octet", d, n);
}
