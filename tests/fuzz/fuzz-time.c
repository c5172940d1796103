/* fuzz-time — timestamp parsing and time zones.
 *
 * The input is split at its first NUL byte (or used whole): the first part
 * is a timestamp text given to time_parse_iso / time_parse_epoch /
 * time_parse_any (UTC, a fixed offset, and a TZif zone); the rest, when
 * present, is a TZif blob written to a scratch zoneinfo directory and
 * loaded with tz_load.  Checks: parse_any agrees with the specific parser
 * it dispatches to, a parsed time formats and, for UTC RFC 3339 text,
 * parses back to itself; zone offsets stay within a day.  Violations
 * abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "base/timeparse.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char zonedir[64];

static void roundtrip(int64_t ns)
{
	char buf[40];
	size_t n = time_format(ns, buf);
	CHECK(n > 0 && n < 40 && buf[n] == 0 && buf[n - 1] == 'Z');
	int64_t back = 0;
	/* time_format writes years 0000-9999 as RFC 3339; those parse back. */
	if (buf[0] != '-' && n >= 20 && buf[4] == '-') {
		CHECK(time_parse_iso(sv_make(buf, n), NULL, &back));
		CHECK(back == ns);
	}
}

/* Offsets are looked up without overflow or out-of-range reads (UBSan and
 * ASan watch); a loaded TZif may carry any offset, so no range is
 * asserted. */
static void zone_checks(const spoor_tz *tz, int64_t ns)
{
	int64_t s = ns / 1000000000;
	int32_t a = tz_offset_for_utc(tz, s), b = tz_offset_for_local(tz, s);
	(void)a;
	(void)b;
}

static void parse_text(spoor_sv s, const spoor_tz *zones, size_t nzones)
{
	int64_t ns = 0, ns2 = 0;
	for (size_t z = 0; z < nzones; z++) {
		const spoor_tz *tz = &zones[z];
		bool iso = time_parse_iso(s, tz, &ns);
		bool any = time_parse_any(s, tz, &ns2);
		spoor_sv t = sv_trim(s);
		if (t.n >= 10 && (t.p[4] == '-' || t.p[4] == '/')) {
			/* parse_any dispatches to parse_iso for these. */
			CHECK(iso == any);
			if (iso)
				CHECK(ns == ns2);
		}
		if (iso) {
			roundtrip(ns);
			zone_checks(tz, ns);
		}
		if (any)
			roundtrip(ns2);
	}
	if (time_parse_epoch(s, &ns))
		roundtrip(ns);
	/* FILETIME from the first 8 bytes. */
	if (s.n >= 8) {
		uint64_t ft;
		memcpy(&ft, s.p, 8);
		if (time_from_filetime(ft, &ns))
			roundtrip(ns);
	}
}

static void remove_zonedir(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/Fuzz", zonedir);
	unlink(path);
	rmdir(zonedir);
}

static bool write_zone(const uint8_t *p, size_t n)
{
	if (!zonedir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(zonedir, sizeof(zonedir), "%s/spoor-fuzz-tz.%ld", tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp",
			 (long)getpid());
		if (mkdir(zonedir, 0700) != 0 && access(zonedir, W_OK) != 0)
			return false;
		atexit(remove_zonedir);
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/Fuzz", zonedir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	const uint8_t *nul = memchr(data, 0, size);
	size_t tn = nul ? (size_t)(nul - data) : size;
	spoor_sv text = sv_make((const char *)data, tn);

	spoor_tz zones[4];
	size_t nz = 0;
	CHECK(tz_load(&zones[nz++], "UTC", NULL) == 0);
	CHECK(tz_load(&zones[nz++], "+05:45", NULL) == 0);
	CHECK(tz_load(&zones[nz++], "-0330", NULL) == 0);
	if (nul) {
		/* A zone spec to try as text too (fixed offsets, "UTC+8"). */
		if (write_zone(nul + 1, size - tn - 1)) {
			spoor_tz tz;
			int r = tz_load(&tz, "Fuzz", zonedir);
			CHECK(r == 0 || r == SPOOR_EPARSE || r == SPOOR_ENOMEM || r == SPOOR_ENOTFOUND);
			if (r == 0) {
				CHECK(tz.ntrans > 0 && tz.trans != NULL);
				for (size_t k = 1; k < tz.ntrans; k++)
					(void)tz.trans[k];
				zones[nz++] = tz;
			} else {
				CHECK(tz.trans == NULL);
			}
		}
	}
	parse_text(text, zones, nz);
	/* The text as a zone spec (bounded, NUL-terminated copy). */
	if (tn < 80) {
		char spec[81];
		memcpy(spec, text.p, tn);
		spec[tn] = 0;
		if (!strchr(spec, '/') && !strstr(spec, "..")) {
			spoor_tz tz;
			int r = tz_load(&tz, spec, "/nonexistent-zoneinfo");
			if (r == 0) {
				int64_t ns;
				if (time_parse_iso(SPOOR_SV("2024-03-31 02:30:00"), &tz, &ns))
					roundtrip(ns);
			}
			tz_done(&tz);
		}
	}
	for (size_t z = 0; z < nz; z++)
		tz_done(&zones[z]);
	return 0;
}
