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

#endif
