/* timeparse — timestamps to UTC nanoseconds; TZif zones.  See timeparse.h. */
#include "base/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm. */
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ---- zones ---- */

static bool parse_fixed(const char *s, int32_t *off)
{
	int sign;
	unsigned h = 0, mi = 0;
	size_t n = strlen(s), i = 1;
	if (n < 2 || (s[0] != '+' && s[0] != '-'))
		return false;
	sign = s[0] == '-' ? -1 : 1;
	/* +H, +HH, +HHMM, +HH:MM */
	size_t nd = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && nd < 2) {
		h = h * 10 + (unsigned)(s[i] - '0');
		i++;
		nd++;
	}
	if (nd == 0)
		return false;
	if (i < n && s[i] == ':')
		i++;
	if (i < n) {
		if (n - i != 2 || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9')
			return false;
		mi = (unsigned)((s[i] - '0') * 10 + (s[i + 1] - '0'));
	}
	if (h > 18 || mi > 59)
		return false;
	*off = sign * (int32_t)(h * 3600 + mi * 60);
	return true;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Read a TZif file (RFC 8536), version 2+ 64-bit section when present. */
static int tzif_load(spoor_tz *tz, const unsigned char *d, size_t n)
{
	for (int pass = 0; pass < 2; pass++) {
		if (n < 44 || memcmp(d, "TZif", 4) != 0)
			return SPOOR_EPARSE;
		uint32_t isutcnt = be32(d + 20), isstdcnt = be32(d + 24), leapcnt = be32(d + 28);
		uint32_t timecnt = be32(d + 32), typecnt = be32(d + 36), charcnt = be32(d + 40);
		size_t tsz = pass == 0 ? 4 : 8;
		if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || leapcnt > 10000)
			return SPOOR_EPARSE;
		size_t body = timecnt * tsz + timecnt + typecnt * 6 + charcnt + leapcnt * (tsz + 4) + isstdcnt + isutcnt;
		if (44 + body > n)
			return SPOOR_EPARSE;
		if (pass == 0 && d[4] >= '2') {
			d += 44 + body;
			n -= 44 + body;
			continue;
		}
		const unsigned char *times = d + 44, *idx = times + timecnt * tsz, *types = idx + timecnt;
		tz_trans *tr = xcalloc(timecnt + 1, sizeof(*tr));
		if (!tr)
			return SPOOR_ENOMEM;
		/* First entry: the first non-DST type (or type 0) before all transitions. */
		size_t first = 0;
		for (size_t k = 0; k < typecnt; k++) {
			if (!types[k * 6 + 4]) {
				first = k;
				break;
			}
		}
		tr[0].at = INT64_MIN;
		tr[0].off = (int32_t)be32(types + first * 6);
		for (size_t k = 0; k < timecnt; k++) {
			uint8_t ti = idx[k];
			if (ti >= typecnt) {
				free(tr);
				return SPOOR_EPARSE;
			}
			tr[k + 1].at = tsz == 4 ? (int64_t)(int32_t)be32(times + 4 * k) : be64(times + 8 * k);
			tr[k + 1].off = (int32_t)be32(types + ti * 6);
		}
		tz->trans = tr;
		tz->ntrans = timecnt + 1;
		tz->fixed = tr[timecnt].off;
		return 0;
	}
	return SPOOR_EPARSE;
}

int tz_load(spoor_tz *tz, const char *spec, const char *zonedir)
{
	memset(tz, 0, sizeof(*tz));
	if (!spec || !*spec || !strcmp(spec, "UTC") || !strcmp(spec, "Z") || !strcmp(spec, "utc") || !strcmp(spec, "GMT")) {
		snprintf(tz->name, sizeof(tz->name), "UTC");
		return 0;
	}
	snprintf(tz->name, sizeof(tz->name), "%s", spec);
	const char *s = spec;
	if (!strncmp(s, "UTC", 3) || !strncmp(s, "GMT", 3))
		s += 3;
	if (parse_fixed(s, &tz->fixed))
		return 0;
	/* IANA name: no "..", no leading '/'. */
	if (spec[0] == '/' || strstr(spec, "..") || strlen(spec) > 64)
		return SPOOR_EINVAL;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", zonedir ? zonedir : "/usr/share/zoneinfo", spec);
	FILE *f = fopen(path, "rb");
	if (!f)
		return SPOOR_ENOTFOUND;
	unsigned char *data = xmalloc(1 << 20);
	size_t n = data ? fread(data, 1, 1 << 20, f) : 0;
	fclose(f);
	if (!data)
		return SPOOR_ENOMEM;
	int r = tzif_load(tz, data, n);
	free(data);
	return r;
}

void tz_done(spoor_tz *tz)
{
	free(tz->trans);
	tz->trans = NULL;
	tz->ntrans = 0;
}

int32_t tz_offset_for_utc(const spoor_tz *tz, int64_t utc)
{
	if (!tz || tz->ntrans == 0)
		return tz ? tz->fixed : 0;
	size_t lo = 0, hi = tz->ntrans; /* find last at <= utc */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid].at <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return tz->trans[lo].off;
}

int32_t tz_offset_for_local(const spoor_tz *tz, int64_t local)
{
	if (!tz || tz->ntrans == 0)
		return tz ? tz->fixed : 0;
	/* Try the offset at (local - off) iteratively; for gaps/overlaps take
	 * the earlier offset, as most log shippers do. */
	int32_t off = tz_offset_for_utc(tz, local);
	int32_t off2 = tz_offset_for_utc(tz, local - off);
	if (off2 == off)
		return off;
	int32_t off3 = tz_offset_for_utc(tz, local - off2);
	return off3 == off2 ? off2 : MAX(off, off2);
}

/* ---- parsing ---- */

static inline bool dig(spoor_sv s, size_t i, size_t n, unsigned *out)
{
	unsigned v = 0;
	if (i + n > s.n)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned c = (unsigned char)s.p[i + k] - '0';
		if (c > 9)
			return false;
		v = v * 10 + c;
	}
	*out = v;
	return true;
}

bool time_parse_iso(spoor_sv s, const spoor_tz *tz, int64_t *ns)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	size_t i = 0;
	int64_t frac = 0;
	s = sv_trim(s);
	if (!dig(s, 0, 4, &y) || s.n < 10 || (s.p[4] != '-' && s.p[4] != '/') || s.p[7] != s.p[4])
		return false;
	if (!dig(s, 5, 2, &mo) || !dig(s, 8, 2, &d))
		return false;
	i = 10;
	if (i < s.n && (s.p[i] == 'T' || s.p[i] == ' ' || s.p[i] == 't')) {
		i++;
		if (!dig(s, i, 2, &h) || i + 5 > s.n || s.p[i + 2] != ':' || !dig(s, i + 3, 2, &mi))
			return false;
		i += 5;
		if (i < s.n && s.p[i] == ':') {
			if (!dig(s, i + 1, 2, &sec))
				return false;
			i += 3;
			if (i < s.n && (s.p[i] == '.' || s.p[i] == ',')) {
				i++;
				size_t nd = 0;
				while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
					if (nd < 9) {
						frac = frac * 10 + (s.p[i] - '0');
						nd++;
					}
					i++;
				}
				if (nd == 0)
					return false;
				for (; nd < 9; nd++)
					frac *= 10;
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	int64_t local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	int64_t off = 0;
	bool zoned = false;
	if (i < s.n && s.p[i] == ' ')
		i++;
	if (i < s.n) {
		char c = s.p[i];
		if (c == 'Z' || c == 'z') {
			zoned = true;
			i++;
		} else if (s.n - i >= 3 && (s.p[i] == 'U' || s.p[i] == 'G') && (!memcmp(s.p + i, "UTC", 3) || !memcmp(s.p + i, "GMT", 3))) {
			zoned = true;
			i += 3;
		} else if (c == '+' || c == '-') {
			unsigned oh, om = 0;
			if (!dig(s, i + 1, 2, &oh))
				return false;
			i += 3;
			if (i < s.n && s.p[i] == ':')
				i++;
			if (i < s.n) {
				if (!dig(s, i, 2, &om))
					return false;
				i += 2;
			}
			if (oh > 23 || om > 59)
				return false;
			off = (int64_t)(oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
			zoned = true;
		}
	}
	if (i != s.n)
		return false;
	if (!zoned)
		off = tz_offset_for_local(tz, local);
	/* int64 nanoseconds cover 1677-09-21 .. 2262-04-11 */
	int64_t utc = local - off, r;
	if (utc < 0 && frac > 0) {
		/* near INT64_MIN the whole second alone would overflow */
		utc += 1;
		frac -= 1000000000;
	}
	if (__builtin_mul_overflow(utc, (int64_t)1000000000, &r) || __builtin_add_overflow(r, frac, &r))
		return false;
	*ns = r;
	return true;
}

bool time_from_filetime(uint64_t ft, int64_t *ns)
{
	/* 1601-01-01 to 1970-01-01: 11644473600 s */
	const uint64_t epoch = 116444736000000000ull;
	if (ft < epoch) {
		int64_t diff = (int64_t)(epoch - ft);
		if (diff > INT64_MAX / 100)
			return false;
		*ns = -diff * 100;
		return true;
	}
	uint64_t t = ft - epoch;
	if (t > (uint64_t)INT64_MAX / 100)
		return false;
	*ns = (int64_t)t * 100;
	return true;
}

bool time_parse_epoch(spoor_sv s, int64_t *ns)
{
	s = sv_trim(s);
	size_t dot = s.n;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '.') {
			dot = i;
			break;
		}
	}
	uint64_t ip;
	if (!sv_to_u64(sv_make(s.p, dot), &ip))
		return false;
	int64_t frac = 0;
	if (dot < s.n) {
		size_t nd = 0;
		for (size_t i = dot + 1; i < s.n; i++) {
			if (s.p[i] < '0' || s.p[i] > '9')
				return false;
			if (nd < 9) {
				frac = frac * 10 + (s.p[i] - '0');
				nd++;
			}
		}
		for (; nd < 9; nd++)
			frac *= 10;
	}
	/* Magnitude picks the unit: seconds up to 2262 (the int64 ns limit),
	 * then milliseconds, microseconds, nanoseconds; each branch bounded so
	 * the multiplication cannot overflow. */
	if (ip <= 9223372035ull) {
		*ns = (int64_t)ip * 1000000000 + frac;
	} else if (ip < 100000000000ull) {
		return false; /* seconds past 2262 */
	} else if (ip <= 9223372036853ull) {
		*ns = (int64_t)ip * 1000000 + frac / 1000;
	} else if (ip < 100000000000000ull) {
		return false;
	} else if (ip <= 9223372036853774ull) {
		*ns = (int64_t)ip * 1000 + frac / 1000000;
	} else if (ip < 100000000000000000ull) {
		return false;
	} else if (ip <= (uint64_t)INT64_MAX) {
		*ns = (int64_t)ip;
	} else {
		return false;
	}
	return true;
}

bool time_parse_any(spoor_sv s, const spoor_tz *tz, int64_t *ns)
{
	s = sv_trim(s);
	if (s.n >= 10 && s.p[4] == '-')
		return time_parse_iso(s, tz, ns);
	if (s.n >= 10 && s.p[4] == '/')
		return time_parse_iso(s, tz, ns);
	return time_parse_epoch(s, ns);
}

static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

static char *putn(char *o, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + digits;
}

size_t time_format(int64_t ns, char *out)
{
	int64_t sec = ns / 1000000000, sub = ns % 1000000000;
	if (sub < 0) {
		sub += 1000000000;
		sec--;
	}
	int64_t days = sec / 86400, rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	char *o = out;
	if (y < 0 || y > 9999)
		y = 0; /* not reachable for int64 nanoseconds (1677..2262) */
	o = putn(o, (uint64_t)y, 4);
	*o++ = '-';
	o = put2(o, m);
	*o++ = '-';
	o = put2(o, d);
	*o++ = 'T';
	o = put2(o, (unsigned)(rem / 3600));
	*o++ = ':';
	o = put2(o, (unsigned)(rem / 60 % 60));
	*o++ = ':';
	o = put2(o, (unsigned)(rem % 60));
	if (sub) {
		*o++ = '.';
		if (sub % 1000000 == 0)
			o = putn(o, (uint64_t)sub / 1000000, 3);
		else if (sub % 1000 == 0)
			o = putn(o, (uint64_t)sub / 1000, 6);
		else
			o = putn(o, (uint64_t)sub, 9);
	}
	*o++ = 'Z';
	*o = 0;
	return (size_t)(o - out);
}
