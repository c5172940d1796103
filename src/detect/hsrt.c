/* hsrt — the Vectorscan runtime spoor compiles for and scans with
 * (hsrt.h says why). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detect/hsrt.h"

#if defined(__x86_64__) && defined(__GNUC__)
/* The AVX2 copy of hs_scan in Vectorscan's fat runtime; NULL when the
 * library has none (a build for one instruction set). */
extern hs_error_t avx2_hs_scan(const hs_database_t *db, const char *data, unsigned length, unsigned flags,
			       hs_scratch_t *scratch, match_event_handler on_event, void *ctx) __attribute__((weak));
#endif

/* Whether hs_scan would run the AVX-512 copy and the AVX2 one is there. */
static bool use_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!avx2_hs_scan || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("avx512f"))
		return false;
	const char *e = getenv("SPOOR_HS_NATIVE");
	return !(e && *e && strcmp(e, "0"));
#else
	return false;
#endif
}

hsrt_scan_fn hsrt_scanner(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (use_avx2())
		return avx2_hs_scan;
#endif
	return hs_scan;
}

const hs_platform_info_t *hsrt_platform(hsrt_scan_fn scan, hs_platform_info_t *buf)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (avx2_hs_scan && scan == avx2_hs_scan && hs_populate_platform(buf) == HS_SUCCESS) {
		buf->cpu_features &= ~(unsigned long long)(HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI);
		return buf;
	}
#else
	(void)scan;
	(void)buf;
#endif
	return NULL;
}
