/* unit — shared helpers for the cmocka unit tests. */
#ifndef SPOOR_UNIT_H
#define SPOOR_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spoor/common.h"

/* Compare a view with a C string, printing both on failure. */
#define assert_sv_equal(sv, cstr)                                                                                      \
	do {                                                                                                           \
		spoor_sv _s = (sv);                                                                                    \
		const char *_c = (cstr);                                                                               \
		if (_s.n != strlen(_c) || memcmp(_s.p, _c, _s.n) != 0)                                                 \
			fail_msg("got \"%.*s\", expected \"%s\"", (int)_s.n, _s.p ? _s.p : "", _c);                   \
	} while (0)

/* The mapping holding address p (/proc/self/maps): its permissions
 * ("r--p", ...) in perm[8] and its file (or "[heap]", "" when anonymous)
 * in name; both "" when p is not mapped. */
static inline void unit_mapping_of(const void *p, char *perm, char *name, size_t cap)
{
	perm[0] = name[0] = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[4200];
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int at = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perm, &at) < 3)
			continue;
		if ((uintptr_t)p < lo || (uintptr_t)p >= hi) {
			perm[0] = 0;
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		snprintf(name, cap, "%s", at ? line + at : "");
		break;
	}
	fclose(f);
}

#endif
