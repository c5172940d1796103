/* sim — PRNG, buffered output and the small formatters every writer uses. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "base/fsutil.h"
#include "sim-int.h"

const char sim_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char sim_hex[] = "0123456789abcdef";

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

double rng_exp(rng *r, double mean)
{
	double u = rng_unit(r);
	return -log1p(-u) * mean;
}

uint64_t rng_size(rng *r, uint64_t median)
{
	/* exp(N(0, 0.9)) approximated by a sum of uniforms (Irwin-Hall, n = 4) */
	double z = (rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r) - 2.0) * 1.732;
	double v = (double)median * exp(0.9 * z);
	return v < 1 ? 1 : (uint64_t)v;
}

void rng_chars(rng *r, char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[rng_below(r, (uint32_t)k)];
}

void rand_guid(rng *r, char *out)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	char *p = out;
	for (int g = 0; g < 5; g++) {
		if (g)
			*p++ = '-';
		rng_chars(r, p, (size_t)groups[g], sim_hex);
		p += groups[g];
	}
	*p = 0;
}

/* ---- output ------------------------------------------------------------- */

int simf_open(simf *f, const char *root, const char *rel, spoor_diag *d)
{
	char path[1024];
	memset(f, 0, sizeof(*f));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path) || strlen(rel) >= sizeof(f->rel))
		return diag_set(d, SPOOR_ELIMIT, "simulate: path too long: %s/%s", root, rel);
	snprintf(f->rel, sizeof(f->rel), "%s", rel);
	if (mkdir_parents(path, 0, 0755))
		return diag_set(d, SPOOR_EIO, "simulate: cannot create the folder of %s: %s", path, strerror(errno));
	f->fp = fopen(path, "wb");
	if (!f->fp)
		return diag_set(d, SPOOR_EIO, "simulate: cannot write %s: %s", path, strerror(errno));
	f->cap = 256 * 1024;
	f->buf = xmalloc(f->cap);
	if (!f->buf) {
		fclose(f->fp);
		f->fp = NULL;
		return diag_set(d, SPOOR_ENOMEM, "simulate: out of memory");
	}
	return 0;
}

void simf_flush(simf *f)
{
	if (f->len && fwrite(f->buf, 1, f->len, f->fp) != f->len)
		f->err = 1;
	f->len = 0;
}

int simf_close(simf *f, int64_t mtime, spoor_diag *d)
{
	int rc = 0;
	if (!f->fp)
		return 0;
	simf_flush(f);
	if (fflush(f->fp) || f->err)
		rc = diag_set(d, SPOOR_EIO, "simulate: write failed: %s", f->rel);
	if (mtime > 0) {
		/* year-less syslog times take the year of the file's mtime */
		struct timeval tv[2] = {{(time_t)(mtime / 1000), 0}, {(time_t)(mtime / 1000), 0}};
		(void)futimes(fileno(f->fp), tv);
	}
	if (fclose(f->fp) && !rc)
		rc = diag_set(d, SPOOR_EIO, "simulate: close failed: %s", f->rel);
	f->fp = NULL;
	free(f->buf);
	f->buf = NULL;
	return rc;
}

void o_u64(simf *f, uint64_t v)
{
	char t[24];
	int n = 0;
	do {
		t[23 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	o_mem(f, t + 24 - n, (size_t)n);
}

void o_i64(simf *f, int64_t v)
{
	if (v < 0) {
		o_ch(f, '-');
		o_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		o_u64(f, (uint64_t)v);
	}
}

void o_u64w(simf *f, uint64_t v, int width)
{
	char t[24];
	for (int i = width - 1; i >= 0; i--) {
		t[i] = (char)('0' + v % 10);
		v /= 10;
	}
	o_mem(f, t, (size_t)width);
}

void ip_str(char *out, uint32_t ip)
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

void o_ip(simf *f, uint32_t ip)
{
	for (int i = 3; i >= 0; i--) {
		o_u64(f, (ip >> (i * 8)) & 255);
		if (i)
			o_ch(f, '.');
	}
}

bool ip_public(uint32_t ip)
{
	uint8_t a = (uint8_t)(ip >> 24), b = (uint8_t)(ip >> 16);
	return !(a == 10 || a == 127 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168));
}

void o_json(simf *f, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\\' || *p == '"') {
			o_ch(f, '\\');
			o_ch(f, *p);
		} else if (*p == '\t') {
			O_LIT(f, "\\t");
		} else if ((unsigned char)*p < 0x20) {
			o_fmt(f, "\\u%04x", (unsigned char)*p);
		} else {
			o_ch(f, *p);
		}
	}
}

void o_fmt(simf *f, const char *fmt, ...)
{
	char t[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t, sizeof(t), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o_mem(f, t, MIN((size_t)n, sizeof(t) - 1));
}

/* ---- time ---------------------------------------------------------------- */

int64_t sim_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_of(int64_t ms, civil *c)
{
	int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	c->ms = (int)(ms - s * 1000);
	int64_t z = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t sod = s - z * 86400;
	c->h = (int)(sod / 3600);
	c->mi = (int)(sod / 60 % 60);
	c->s = (int)(sod % 60);
	c->wday = (int)((z + 4) % 7 + 7) % 7;
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->y = (int)(yoe + era * 400 + (c->mo <= 2));
}

static void o_date(simf *f, const civil *c)
{
	o_u64w(f, (uint64_t)c->y, 4);
	o_ch(f, '-');
	o_u64w(f, (uint64_t)c->mo, 2);
	o_ch(f, '-');
	o_u64w(f, (uint64_t)c->d, 2);
}

static void o_clock(simf *f, const civil *c)
{
	o_u64w(f, (uint64_t)c->h, 2);
	o_ch(f, ':');
	o_u64w(f, (uint64_t)c->mi, 2);
	o_ch(f, ':');
	o_u64w(f, (uint64_t)c->s, 2);
}

void o_iso(simf *f, int64_t ms, int frac, int tzmin)
{
	civil c;
	civil_of(ms + (int64_t)tzmin * 60000, &c);
	o_date(f, &c);
	o_ch(f, 'T');
	o_clock(f, &c);
	if (frac == 3) {
		o_ch(f, '.');
		o_u64w(f, (uint64_t)c.ms, 3);
	} else if (frac == 7) {
		o_ch(f, '.');
		o_u64w(f, (uint64_t)c.ms * 10000 + ((uint64_t)ms * 7919u) % 10000, 7);
	}
	if (tzmin == 0) {
		o_ch(f, 'Z');
	} else {
		int a = tzmin < 0 ? -tzmin : tzmin;
		o_ch(f, tzmin < 0 ? '-' : '+');
		o_u64w(f, (uint64_t)(a / 60), 2);
		o_ch(f, ':');
		o_u64w(f, (uint64_t)(a % 60), 2);
	}
}

void iso_str(char *out, size_t n, int64_t ms)
{
	civil c;
	civil_of(ms, &c);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.y, c.mo, c.d, c.h, c.mi, c.s);
}

void o_bsd(simf *f, int64_t ms, int tzmin)
{
	static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	civil c;
	civil_of(ms + (int64_t)tzmin * 60000, &c);
	o_mem(f, mon[c.mo - 1], 3);
	o_ch(f, ' ');
	if (c.d < 10)
		o_ch(f, ' ');
	o_u64(f, (uint64_t)c.d);
	o_ch(f, ' ');
	o_clock(f, &c);
}

void o_w3c(simf *f, int64_t ms)
{
	civil c;
	civil_of(ms, &c);
	o_date(f, &c);
	o_ch(f, ' ');
	o_clock(f, &c);
}

void o_epoch(simf *f, int64_t ms)
{
	o_i64(f, ms / 1000);
	o_ch(f, '.');
	/* microseconds: ms plus a stable sub-ms part */
	o_u64w(f, (uint64_t)(ms % 1000) * 1000 + ((uint64_t)ms * 2654435761u) % 1000, 6);
}

sim_user *sim_pick_user(sim_agency *a, rng *r, int64_t t)
{
	sim_user *u = &a->users[rng_below(r, a->nusers)];
	for (int k = 0; k < 16 && u->traveller &&
			((t >= u->trip0 - SIM_FLIGHT_MS && t < u->trip0) || (t >= u->trip1 && t < u->trip1 + SIM_FLIGHT_MS));
	     k++)
		u = &a->users[rng_below(r, a->nusers)];
	return u;
}
