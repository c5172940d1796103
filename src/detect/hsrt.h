/* hsrt — the Vectorscan runtime spoor compiles for and scans with.
 *
 * Vectorscan 5.4.9 (Debian 12's libvectorscan5) misses matches in the
 * AVX-512 build of its runtime, depending on where the scanned bytes lie:
 * the literals "c" and "\xc3" "b\xc3" "a:.c", caseless, over a 100-byte
 * value holding "c" three times, report no match when the value starts at
 * offsets 0-3 or 53-63 of a 64-byte line (tests/unit/test-sigma-tiny.c,
 * test_vectorscan_alignment); the AVX2 build of the same library finds it
 * at every offset.  The library is built with a "fat" runtime: one copy per
 * instruction set (core2_, corei7_, avx2_, avx512_hs_scan ...), the best
 * one for the CPU chosen when hs_scan is first resolved.  On a CPU where
 * that would be the AVX-512 copy, spoor compiles its databases for the
 * AVX2 platform and scans with avx2_hs_scan; elsewhere, or with a library
 * built without that copy (a weak reference, NULL then), it uses hs_scan
 * and the host platform as before.  SPOOR_HS_NATIVE=1 restores the
 * library's own choice (to check a fixed library).
 *
 * hsrt_scanner reads the environment: call it when databases are built,
 * keep the function with them, and derive their platform from it. */
#ifndef SPOOR_DETECT_HSRT_H
#define SPOOR_DETECT_HSRT_H

#include <hs.h>

typedef hs_error_t (*hsrt_scan_fn)(const hs_database_t *db, const char *data, unsigned length, unsigned flags,
				   hs_scratch_t *scratch, match_event_handler on_event, void *ctx);

/* hs_scan, or the AVX2 copy of it (see above). */
hsrt_scan_fn hsrt_scanner(void);
/* The platform databases scanned with `scan` are compiled for: NULL (the
 * host's) for hs_scan; for the AVX2 copy, *buf filled with the host's
 * minus AVX-512. */
const hs_platform_info_t *hsrt_platform(hsrt_scan_fn scan, hs_platform_info_t *buf);

#endif
