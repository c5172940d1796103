/* CHECK(cond) for the fuzz targets: an invariant that must hold.  On
 * failure it prints the condition and its place, and aborts, so that
 * libFuzzer keeps the input and the replay test fails. */
#ifndef SPOOR_FUZZ_CHECK_H
#define SPOOR_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                  \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

#endif
