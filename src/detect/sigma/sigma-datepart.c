/* sigma-datepart — the time modifiers minute, hour, day, week, month,
 * year (modifiers appendix v2.1: "extracts a numeric value from a date
 * ... not designed to handle timezone or format conversions").
 *
 * The part is read from the value as written: "2024-03-05T23:10:00+02:00"
 * has hour 23 (not 21 UTC).  Accepted: "YYYY-MM-DD" or "YYYY/MM/DD",
 * then optionally [T or space]"HH:MM[:SS[.frac]]" and a zone that is
 * ignored; and epoch seconds/milliseconds/... (all digits), read as UTC.
 * A date without a time has no minute or hour.  week is the ISO 8601
 * week (1-53; the spec's "1 to 52" forgets years with 53 ISO weeks). */
#include <string.h>

#include "base/timeparse.h"
#include "detect/sigma/sigma-int.h"

static bool digits(const char *s, size_t n, size_t at, size_t k, int *out)
{
	if (at + k > n)
		return false;
	int v = 0;
	for (size_t i = 0; i < k; i++) {
		char c = s[at + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

static int iso_week(int64_t y, unsigned m, unsigned d)
{
	int64_t days = days_from_civil(y, m, d);
	int wd = (int)(((days + 3) % 7 + 7) % 7) + 1; /* Monday 1 .. Sunday 7; 1970-01-01 was a Thursday */
	int doy = (int)(days - days_from_civil(y, 1, 1)) + 1;
	int w = (doy - wd + 10) / 7;
	if (w < 1) {
		/* the last week of the previous year */
		int64_t jan1 = days_from_civil(y - 1, 1, 1);
		int j = (int)(((jan1 + 3) % 7 + 7) % 7) + 1;
		bool leap = ((y - 1) % 4 == 0 && (y - 1) % 100 != 0) || (y - 1) % 400 == 0;
		return j == 4 || (leap && j == 3) ? 53 : 52;
	}
	int64_t jan1 = days_from_civil(y, 1, 1);
	int j = (int)(((jan1 + 3) % 7 + 7) % 7) + 1;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int weeks = j == 4 || (leap && j == 3) ? 53 : 52;
	return w > weeks ? 1 : w;
}

bool sigma_datepart(const char *s, size_t n, int part, int64_t *out)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	int64_t y;
	int mo, d, hh = -1, mi = -1;
	int yy;
	if (n >= 10 && digits(s, n, 0, 4, &yy) && (s[4] == '-' || s[4] == '/') && s[7] == s[4] &&
	    digits(s, n, 5, 2, &mo) && digits(s, n, 8, 2, &d)) {
		y = yy;
		if (n > 10) {
			if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, n, 11, 2, &hh) || n < 16 ||
			    s[13] != ':' || !digits(s, n, 14, 2, &mi))
				return false;
			if (hh > 23 || mi > 59)
				return false;
		}
	} else {
		size_t i = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (!i || (i < n && s[i] != '.'))
			return false;
		int64_t ns;
		if (!time_parse_epoch((spoor_sv){s, n}, &ns))
			return false;
		int64_t sec = ns / 1000000000LL - (ns % 1000000000LL < 0);
		int64_t days = sec / 86400 - (sec % 86400 < 0);
		int64_t rem = sec - days * 86400;
		unsigned um, ud;
		civil_from_days(days, &y, &um, &ud);
		mo = (int)um;
		d = (int)ud;
		hh = (int)(rem / 3600);
		mi = (int)(rem / 60 % 60);
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	switch (part) {
	case DP_MINUTE:
		*out = mi;
		return mi >= 0;
	case DP_HOUR:
		*out = hh;
		return hh >= 0;
	case DP_DAY:
		*out = d;
		return true;
	case DP_WEEK:
		*out = iso_week(y, (unsigned)mo, (unsigned)d);
		return true;
	case DP_MONTH:
		*out = mo;
		return true;
	case DP_YEAR:
		*out = y;
		return true;
	default:
		return false;
	}
}

bool sigma_datepart_match(const vmatch *m, const char *s, size_t n)
{
	int64_t v;
	if (!sigma_datepart(s, n, m->part, &v))
		return false;
	double x = (double)v;
	switch (m->op) {
	case NUM_LT:
		return x < m->num;
	case NUM_LTE:
		return x <= m->num;
	case NUM_GT:
		return x > m->num;
	case NUM_GTE:
		return x >= m->num;
	default:
		return x == m->num;
	}
}
