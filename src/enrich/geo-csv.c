/* geo-csv — a GeoIP table from CSV: cidr,country,city,lat,lon,asn,asn_org,
 * and optionally anonymizer (vpn, proxy, tor, relay, hosting: what a
 * privacy / anonymous-IP database says of the network; other values are
 * ignored).
 *
 * One hash table keyed by (family, prefix length, masked address); a
 * lookup masks the address with each prefix length present, longest
 * first (at most 33 / 129 probes, usually a handful).  Cells are RFC 4180
 * values (quotes allowed, for AS names with commas).  Untrusted input: a
 * row that is not a network, a latitude outside [-90, 90], a longitude
 * outside [-180, 180] or a non-numeric ASN is counted and skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "enrich/geo.h"

typedef struct gnet {
	uint8_t fam, bits;
	uint8_t a[16];
	geo_rec rec;
} gnet;

struct geo_csv {
	gnet *v;
	size_t n, cap;
	uint32_t *tab; /* index + 1 */
	size_t tcap;
	bool lens4[33], lens6[129];
};

static void mask(uint8_t *a, int bits, int len)
{
	for (int i = 0; i < len; i++) {
		int keep = bits - 8 * i;
		if (keep >= 8)
			continue;
		a[i] &= keep <= 0 ? 0 : (uint8_t)(0xff00 >> keep);
	}
}

static uint64_t gkey(int fam, int bits, const uint8_t *a)
{
	uint8_t k[18];
	k[0] = (uint8_t)fam;
	k[1] = (uint8_t)bits;
	memcpy(k + 2, a, 16);
	return hash_bytes(k, sizeof(k), 0x9e0);
}

static size_t slot(const geo_csv *g, int fam, int bits, const uint8_t *a)
{
	size_t j = gkey(fam, bits, a) & (g->tcap - 1);
	while (g->tab[j]) {
		const gnet *x = &g->v[g->tab[j] - 1];
		if (x->fam == fam && x->bits == bits && memcmp(x->a, a, 16) == 0)
			break;
		j = (j + 1) & (g->tcap - 1);
	}
	return j;
}

static bool rehash(geo_csv *g)
{
	size_t nc = g->tcap ? g->tcap * 2 : 1024;
	uint32_t *nt = xcalloc(nc, sizeof(*nt));
	if (!nt)
		return false;
	free(g->tab);
	g->tab = nt;
	g->tcap = nc;
	for (size_t i = 0; i < g->n; i++)
		g->tab[slot(g, g->v[i].fam, g->v[i].bits, g->v[i].a)] = (uint32_t)(i + 1);
	return true;
}

/* one RFC 4180 cell of s[*i..n) up to ',' or the end, into out (cut at cap) */
static size_t cell(const char *s, size_t n, size_t *i, char *out, size_t cap)
{
	size_t o = 0, k = *i;
	bool q = k < n && s[k] == '"';
	if (q)
		k++;
	while (k < n) {
		char c = s[k];
		if (q && c == '"') {
			if (k + 1 < n && s[k + 1] == '"') {
				if (o + 1 < cap)
					out[o++] = '"';
				k += 2;
				continue;
			}
			q = false;
			k++;
			continue;
		}
		if (!q && c == ',')
			break;
		if (o + 1 < cap)
			out[o++] = c;
		k++;
	}
	if (k < n && s[k] == ',')
		k++;
	*i = k;
	while (o && (out[o - 1] == ' ' || out[o - 1] == '\r'))
		o--;
	out[o] = 0;
	char *p = out;
	while (*p == ' ')
		p++;
	if (p != out)
		memmove(out, p, strlen(p) + 1);
	return strlen(out);
}

static bool num(const char *s, double lo, double hi, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s || *end || errno || !(x >= lo && x <= hi))
		return false;
	*v = x;
	return true;
}

/* parse one row; false = bad */
static bool row(const char *s, size_t n, gnet *g)
{
	char c[8][GEO_CSV_MAX_LINE];
	size_t i = 0;
	memset(g, 0, sizeof(*g));
	for (int k = 0; k < 8; k++)
		cell(s, n, &i, c[k], sizeof(c[k]));
	char *sl = strchr(c[0], '/');
	if (sl)
		*sl = 0;
	int fam = strchr(c[0], ':') ? 6 : 4;
	if (inet_pton(fam == 6 ? AF_INET6 : AF_INET, c[0], g->a) != 1)
		return false;
	long bits = fam == 4 ? 32 : 128;
	if (sl) {
		char *end;
		bits = strtol(sl + 1, &end, 10);
		if (end == sl + 1 || *end || bits < 0 || bits > (fam == 4 ? 32 : 128))
			return false;
	}
	g->fam = (uint8_t)fam;
	g->bits = (uint8_t)bits;
	mask(g->a, (int)bits, 16);
	if (strlen(c[1]) >= sizeof(g->rec.country))
		return false;
	strcpy(g->rec.country, c[1]);
	size_t k = MIN(strlen(c[2]), sizeof(g->rec.city) - 1);
	memcpy(g->rec.city, c[2], k);
	g->rec.city[k] = 0;
	if (c[3][0] || c[4][0]) {
		if (!num(c[3], -90, 90, &g->rec.lat) || !num(c[4], -180, 180, &g->rec.lon))
			return false;
		g->rec.has_loc = true;
	}
	if (c[5][0]) {
		const char *a = c[5];
		if ((a[0] == 'A' || a[0] == 'a') && (a[1] == 'S' || a[1] == 's'))
			a += 2;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(a, &end, 10);
		if (end == a || *end || errno || v > UINT32_MAX)
			return false;
		g->rec.asn = v;
	}
	k = MIN(strlen(c[6]), sizeof(g->rec.asorg) - 1);
	memcpy(g->rec.asorg, c[6], k);
	g->rec.asorg[k] = 0;
	/* anonymizer: one of the known flags, any case; anything else (a
	 * 7-column file whose unquoted AS name had a comma) is not one */
	static const char *const anon[] = {"vpn", "proxy", "tor", "relay", "hosting"};
	for (size_t j = 0; j < ARRAY_SIZE(anon); j++)
		if (!strcasecmp(c[7], anon[j]))
			snprintf(g->rec.anon, sizeof(g->rec.anon), "%s", anon[j]);
	return true;
}

int geo_csv_parse(geo_csv **out, const char *text, size_t n, uint64_t *bad, uint64_t *bad_line, spoor_diag *diag)
{
	*out = NULL;
	*bad = 0;
	*bad_line = 0;
	geo_csv *g = xcalloc(1, sizeof(*g));
	if (!g)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	uint64_t line = 0;
	size_t i = 0;
	while (i < n) {
		const char *e = memchr(text + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (text + i)) : n - i;
		const char *s = text + i;
		i += len + (e ? 1 : 0);
		line++;
		if (len && s[len - 1] == '\r')
			len--;
		if (!len || s[0] == '#')
			continue;
		if (line == 1 && len >= 4 && strncmp(s, "cidr", 4) == 0)
			continue;
		gnet x;
		if (len >= GEO_CSV_MAX_LINE || !row(s, len, &x)) {
			if (!*bad)
				*bad_line = line;
			(*bad)++;
			continue;
		}
		if (g->n >= GEO_CSV_MAX_ROWS) {
			geo_csv_free(g);
			return diag_set(diag, SPOOR_ELIMIT, "more than %u networks", GEO_CSV_MAX_ROWS);
		}
		if (2 * (g->n + 1) > g->tcap && !rehash(g)) {
			geo_csv_free(g);
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
		size_t j = slot(g, x.fam, x.bits, x.a);
		if (g->tab[j]) { /* the same network again: the later row wins */
			g->v[g->tab[j] - 1] = x;
			continue;
		}
		if (g->n == g->cap) {
			size_t nc = g->cap ? g->cap * 2 : 256;
			gnet *nv = xreallocarray(g->v, nc, sizeof(*nv));
			if (!nv) {
				geo_csv_free(g);
				return diag_set(diag, SPOOR_ENOMEM, "out of memory");
			}
			g->v = nv;
			g->cap = nc;
		}
		g->v[g->n++] = x;
		g->tab[j] = (uint32_t)g->n;
		if (x.fam == 4)
			g->lens4[x.bits] = true;
		else
			g->lens6[x.bits] = true;
	}
	*out = g;
	return 0;
}

int geo_csv_load(geo_csv **out, const char *path, uint64_t *bad, uint64_t *bad_line, spoor_diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(diag, SPOOR_EIO, "%s: %s", path, strerror(errno));
	size_t cap = 1u << 20, n = 0;
	char *t = xmalloc(cap);
	int r = 0;
	while (t) {
		if (n == cap) {
			if (cap >= (1ull << 31)) {
				r = diag_set(diag, SPOOR_ELIMIT, "%s: larger than 2 GiB", path);
				break;
			}
			char *nt = xrealloc(t, cap * 2);
			if (!nt)
				break;
			t = nt;
			cap *= 2;
		}
		size_t k = fread(t + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	bool err = ferror(f);
	fclose(f);
	if (!t || (r == 0 && n == cap)) {
		free(t);
		return r ? r : diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (r == 0 && err)
		r = diag_set(diag, SPOOR_EIO, "%s: read error", path);
	if (r == 0) {
		r = geo_csv_parse(out, t, n, bad, bad_line, diag);
		if (r < 0 && diag && !strstr(diag->msg, path)) {
			char m[sizeof(diag->msg)];
			snprintf(m, sizeof(m), "%s", diag->msg);
			diag_set(diag, r, "%s: %s", path, m);
		}
	}
	free(t);
	return r;
}

const geo_rec *geo_csv_lookup(const geo_csv *g, const uint8_t *addr, int fam)
{
	if (!g || !g->n)
		return NULL;
	int max = fam == 4 ? 32 : 128;
	const bool *lens = fam == 4 ? g->lens4 : g->lens6;
	for (int b = max; b >= 0; b--) {
		if (!lens[b])
			continue;
		uint8_t a[16] = {0};
		memcpy(a, addr, fam == 4 ? 4 : 16);
		mask(a, b, 16);
		size_t j = slot(g, fam, b, a);
		if (g->tab[j])
			return &g->v[g->tab[j] - 1].rec;
	}
	return NULL;
}

size_t geo_csv_count(const geo_csv *g)
{
	return g ? g->n : 0;
}

void geo_csv_free(geo_csv *g)
{
	if (!g)
		return;
	free(g->v);
	free(g->tab);
	free(g);
}
