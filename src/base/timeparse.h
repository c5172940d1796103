/* timeparse — timestamps to UTC nanoseconds since 1970. */
#ifndef SPOOR_TIMEPARSE_H
#define SPOOR_TIMEPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "spoor/common.h"

/* A time zone: fixed offset or a table of transitions read from TZif. */
typedef struct tz_trans {
	int64_t at;   /* UTC seconds when this offset starts */
	int32_t off;  /* seconds east of UTC */
} tz_trans;

typedef struct spoor_tz {
	int32_t fixed;   /* used when ntrans == 0 */
	size_t ntrans;
	tz_trans *trans; /* sorted by at */
	char name[64];
} spoor_tz;

/* "UTC", "Z", "+08:00", "-0500", "UTC+8" or an IANA name under zonedir
 * (NULL = /usr/share/zoneinfo).  0, SPOOR_EINVAL or SPOOR_ENOTFOUND. */
int tz_load(spoor_tz *tz, const char *spec, const char *zonedir);
void tz_done(spoor_tz *tz);
/* Offset (seconds east) to apply to local wall-clock seconds `local`. */
int32_t tz_offset_for_local(const spoor_tz *tz, int64_t local);
int32_t tz_offset_for_utc(const spoor_tz *tz, int64_t utc);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* RFC 3339 / ISO 8601: "YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|±HH[:]MM]".
 * Without a zone the time is local to tz (NULL = UTC).  Also accepts
 * "YYYY/MM/DD" dates.  Requires s to be wholly consumed (trailing space
 * allowed). */
bool time_parse_iso(spoor_sv s, const spoor_tz *tz, int64_t *ns);
/* Windows FILETIME: 100 ns ticks since 1601-01-01 UTC. */
bool time_from_filetime(uint64_t ft, int64_t *ns);
/* Epoch seconds, millis, micros or nanos chosen by magnitude, with an
 * optional fraction ("1591746656.537"). */
bool time_parse_epoch(spoor_sv s, int64_t *ns);
/* Any of the above. */
bool time_parse_any(spoor_sv s, const spoor_tz *tz, int64_t *ns);
/* Format as RFC 3339 UTC with nanoseconds trimmed to what is non-zero in
 * groups of 3 ("2020-06-10T02:50:56.537Z"); out needs 40 bytes.  Returns
 * length. */
size_t time_format(int64_t ns, char *out);

#endif
