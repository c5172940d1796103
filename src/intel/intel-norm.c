/* intel-norm — one normal form per indicator type, for indicators and for
 * the event values compared with them. */
#include <arpa/inet.h>
#include <string.h>

#include "intel/intel-int.h"

static spoor_sv trim(spoor_sv v)
{
	while (v.n && (v.p[0] == ' ' || v.p[0] == '\t' || v.p[0] == '\r' || v.p[0] == '\n'))
		v.p++, v.n--;
	while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t' || v.p[v.n - 1] == '\r' || v.p[v.n - 1] == '\n'))
		v.n--;
	return v;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool parse_u(const char *p, size_t n, unsigned max, unsigned *out)
{
	if (!n || n > 3)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max || (n > 1 && p[0] == '0' && max == 255))
		return false;
	*out = v;
	return true;
}

static bool parse_v4(spoor_sv v, uint8_t out[4])
{
	size_t part = 0, i = 0;
	while (part < 4) {
		size_t s = i;
		while (i < v.n && v.p[i] != '.')
			i++;
		unsigned x;
		if (!parse_u(v.p + s, i - s, 255, &x))
			return false;
		out[part++] = (uint8_t)x;
		if (part < 4) {
			if (i >= v.n)
				return false;
			i++;
		}
	}
	return i == v.n;
}

int norm_ip(spoor_sv v, uint8_t out[16], uint8_t *plen, bool allow_prefix)
{
	v = trim(v);
	if (!v.n || v.n > 64)
		return -1;
	unsigned pl = 128;
	const char *slash = memchr(v.p, '/', v.n);
	spoor_sv a = v;
	if (slash) {
		if (!allow_prefix)
			return -1;
		a.n = (size_t)(slash - v.p);
		if (!parse_u(slash + 1, v.n - a.n - 1, 128, &pl))
			return -1;
	}
	if (a.n >= 2 && a.p[0] == '[' && a.p[a.n - 1] == ']')
		a.p++, a.n -= 2;
	memset(out, 0, 16);
	uint8_t v4[4];
	if (parse_v4(a, v4)) {
		if (slash && pl > 32)
			return -1;
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		pl = slash ? pl + 96 : 128;
	} else {
		char tmp[65];
		const char *pct = memchr(a.p, '%', a.n);
		if (pct)
			a.n = (size_t)(pct - a.p); /* zone index */
		if (!a.n || a.n >= sizeof(tmp) || !memchr(a.p, ':', a.n))
			return -1;
		memcpy(tmp, a.p, a.n);
		tmp[a.n] = 0;
		if (inet_pton(AF_INET6, tmp, out) != 1)
			return -1;
	}
	/* clear the host bits */
	for (unsigned b = pl; b < 128; b++)
		out[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	*plen = (uint8_t)pl;
	return 16;
}

/* RFC 3492 Punycode of one label of code points. */
static long punycode(const uint32_t *cp, size_t n, char *out)
{
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
	size_t o = 0;
	memcpy(out, "xn--", 4);
	o = 4;
	size_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (cp[i] < 0x80) {
			out[o++] = lower((char)cp[i]);
			b++;
		}
	size_t h = b;
	if (b)
		out[o++] = '-';
	uint32_t m = 0x80, delta = 0, bias = 72;
	while (h < n) {
		uint32_t next = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cp[i] >= m && cp[i] < next)
				next = cp[i];
		if ((uint64_t)(next - m) * (h + 1) > UINT32_MAX - delta)
			return -1;
		delta += (next - m) * (uint32_t)(h + 1);
		m = next;
		for (size_t i = 0; i < n; i++) {
			if (cp[i] < m && ++delta == 0)
				return -1;
			if (cp[i] != m)
				continue;
			uint32_t q = delta;
			for (uint32_t k = BASE;; k += BASE) {
				uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
				if (q < t)
					break;
				uint32_t d = t + (q - t) % (BASE - t);
				out[o++] = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				q = (q - t) / (BASE - t);
			}
			out[o++] = (char)(q < 26 ? 'a' + q : '0' + q - 26);
			/* adapt */
			uint32_t dd = h == b ? delta / DAMP : delta / 2;
			dd += dd / (uint32_t)(h + 1);
			uint32_t k = 0;
			while (dd > ((BASE - TMIN) * TMAX) / 2) {
				dd /= BASE - TMIN;
				k += BASE;
			}
			bias = k + (BASE - TMIN + 1) * dd / (dd + SKEW);
			delta = 0;
			h++;
		}
		delta++;
		m++;
	}
	return (long)o;
}

/* Decode one UTF-8 sequence; 0 on error. */
static size_t utf8_get(const unsigned char *p, size_t n, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t l = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (!l || l > n || !utf8_valid(p, l))
		return 0;
	uint32_t c = p[0] & (0x7F >> l);
	for (size_t i = 1; i < l; i++)
		c = (c << 6) | (p[i] & 0x3F);
	*cp = c;
	return l;
}

/* bytes of a domain label: the byte lower-cased (letters, digits, '-',
 * '_', '*'), 0 for any other ASCII byte */
static const uint8_t dns_char[128] = {
    ['-'] = '-', ['_'] = '_', ['*'] = '*', ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c',
    ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k',
    ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's',
    ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z', ['A'] = 'a',
    ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i',
    ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q',
    ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
    ['Z'] = 'z',
};

long norm_domain(spoor_sv v, char *out)
{
	v = trim(v);
	while (v.n && v.p[v.n - 1] == '.')
		v.n--;
	while (v.n && v.p[0] == '.')
		v.p++, v.n--;
	if (!v.n || v.n > 1024)
		return -1;
	size_t o = 0;
	size_t i = 0;
	while (i <= v.n) {
		size_t s = i;
		bool hi = false;
		/* an ASCII label is written lower-cased as it is checked, after
		 * the '.' to come (a label with other bytes is rewritten below) */
		size_t wo = o + (o ? 1 : 0);
		while (i < v.n && v.p[i] != '.') {
			unsigned char c = (unsigned char)v.p[i];
			if (c >= 0x80) {
				hi = true;
			} else {
				if (!dns_char[c])
					return -1;
				out[wo + (i - s)] = (char)dns_char[c];
			}
			i++;
		}
		if (i == s)
			return -1; /* empty label */
		if (o)
			out[o++] = '.';
		if (!hi) {
			o += i - s;
		} else {
			uint32_t cps[256];
			size_t ncp = 0;
			for (size_t k = s; k < i;) {
				uint32_t c;
				size_t l = utf8_get((const unsigned char *)v.p + k, i - k, &c);
				if (!l || ncp == ARRAY_SIZE(cps))
					return -1;
				/* ASCII and Latin-1/Latin Extended-A upper case to lower */
				if (c < 0x80)
					c = (uint32_t)lower((char)c);
				else if ((c >= 0xC0 && c <= 0xDE && c != 0xD7))
					c += 0x20;
				cps[ncp++] = c;
				k += l;
			}
			long l = punycode(cps, ncp, out + o);
			if (l < 0)
				return -1;
			o += (size_t)l;
		}
		i++;
	}
	return (long)o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long norm_url(spoor_sv v, char *out)
{
	v = trim(v);
	if (!v.n || v.n > NORM_MAX_IN)
		return -1;
	/* scheme: dropped (http and https sightings of one URL are one sighting) */
	const char *p = v.p, *e = v.p + v.n;
	for (const char *q = p; q < e && q - p < 16; q++) {
		if (*q == ':' && q + 2 < e && q[1] == '/' && q[2] == '/') {
			p = q + 3;
			break;
		}
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '+' ||
		      *q == '-' || *q == '.'))
			break;
	}
	if (p == v.p && e - p >= 2 && p[0] == '/' && p[1] == '/')
		p += 2;
	/* authority */
	const char *ae = p;
	while (ae < e && *ae != '/' && *ae != '?' && *ae != '#')
		ae++;
	const char *at = NULL;
	for (const char *q = p; q < ae; q++)
		if (*q == '@')
			at = q;
	if (at)
		p = at + 1;
	const char *port = NULL;
	if (p < ae && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(ae - p));
		if (rb && rb + 1 < ae && rb[1] == ':')
			port = rb + 1;
	} else {
		for (const char *q = p; q < ae && !port; q++)
			if (*q == ':')
				port = q;
	}
	const char *he = port ? port : ae;
	if (he == p)
		return -1;
	size_t o = 0;
	long hl = norm_domain(sv_make(p, (size_t)(he - p)), out);
	if (hl < 0) {
		/* an IP literal or something odd: lower-case it as is */
		for (const char *q = p; q < he; q++)
			out[o++] = lower(*q);
	} else {
		o = (size_t)hl;
	}
	if (port) {
		spoor_sv ps = sv_make(port + 1, (size_t)(ae - port - 1));
		if (ps.n && !sv_eq_cstr(ps, "80") && !sv_eq_cstr(ps, "443")) {
			out[o++] = ':';
			memcpy(out + o, ps.p, ps.n);
			o += ps.n;
		}
	}
	/* path and query; the fragment never reaches a server */
	const char *pe = ae;
	while (pe < e && *pe != '#')
		pe++;
	if (ae == pe || *ae != '/')
		out[o++] = '/';
	for (const char *q = ae; q < pe; q++) {
		if (*q == '%' && pe - q >= 3 && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
			int c = hexval(q[1]) * 16 + hexval(q[2]);
			bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
					  c == '-' || c == '.' || c == '_' || c == '~';
			if (unreserved) {
				out[o++] = (char)c;
			} else {
				out[o++] = '%';
				out[o++] = (char)(q[1] >= 'a' ? q[1] - 32 : q[1]);
				out[o++] = (char)(q[2] >= 'a' ? q[2] - 32 : q[2]);
			}
			q += 2;
			continue;
		}
		out[o++] = *q;
	}
	return (long)o;
}

long norm_email(spoor_sv v, char *out)
{
	v = trim(v);
	if (v.n >= 7 && !strncasecmp(v.p, "mailto:", 7))
		v.p += 7, v.n -= 7;
	const char *lt = memchr(v.p, '<', v.n);
	if (lt) {
		const char *gt = memchr(lt, '>', v.n - (size_t)(lt - v.p));
		if (!gt)
			return -1;
		v = sv_make(lt + 1, (size_t)(gt - lt - 1));
	}
	v = trim(v);
	const char *at = NULL;
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] == '@')
			at = v.p + i;
	if (!at || at == v.p || v.n > NORM_MAX_IN)
		return -1;
	size_t ln = (size_t)(at - v.p);
	for (size_t i = 0; i < ln; i++) {
		if (v.p[i] == ' ' || v.p[i] == '\t')
			return -1;
		out[i] = lower(v.p[i]);
	}
	out[ln] = '@';
	long d = norm_domain(sv_make(at + 1, v.n - ln - 1), out + ln + 1);
	if (d < 0)
		return -1;
	return (long)ln + 1 + d;
}

/* bytes of a hex value: the digit lower-cased, 1 for a separator left
 * out (':', ' ', '-'), 0 for anything else */
static const uint8_t hex_char[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7',
    ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', [':'] = 1, [' '] = 1,
    ['-'] = 1,
};

long norm_hex(spoor_sv v, char *out)
{
	v = trim(v);
	size_t o = 0;
	for (size_t i = 0; i < v.n; i++) {
		uint8_t d = hex_char[(unsigned char)v.p[i]];
		if (d == 1)
			continue;
		if (!d)
			return -1;
		out[o++] = (char)d;
	}
	return o ? (long)o : -1;
}

long norm_lower(spoor_sv v, char *out)
{
	v = trim(v);
	if (!v.n || v.n > NORM_MAX_IN)
		return -1;
	for (size_t i = 0; i < v.n; i++)
		out[i] = lower(v.p[i]);
	return (long)v.n;
}

int hash_type_by_len(size_t n)
{
	switch (n) {
	case 32:
		return IOC_MD5;
	case 40:
		return IOC_SHA1;
	case 64:
		return IOC_SHA256;
	case 128:
		return IOC_SHA512;
	default:
		return -1;
	}
}

long norm_value(ioc_type t, spoor_sv v, char *out)
{
	if (v.n > NORM_MAX_IN)
		return -1;
	switch (t) {
	case IOC_IPV4:
	case IOC_IPV6: {
		uint8_t pl;
		return norm_ip(v, (uint8_t *)out, &pl, true);
	}
	case IOC_DOMAIN:
		return norm_domain(v, out);
	case IOC_URL:
		return norm_url(v, out);
	case IOC_EMAIL:
		return norm_email(v, out);
	case IOC_MD5:
	case IOC_SHA1:
	case IOC_SHA256:
	case IOC_SHA512: {
		long l = norm_hex(v, out);
		return l > 0 && hash_type_by_len((size_t)l) == (int)t ? l : -1;
	}
	case IOC_X509_HASH: {
		long l = norm_hex(v, out);
		return l > 0 && hash_type_by_len((size_t)l) >= 0 ? l : -1;
	}
	case IOC_X509_SERIAL: {
		long l = norm_hex(v, out);
		if (l <= 0)
			return -1;
		long z = 0;
		while (z < l - 1 && out[z] == '0')
			z++;
		memmove(out, out + z, (size_t)(l - z));
		return l - z;
	}
	case IOC_FILENAME: {
		v = trim(v);
		for (size_t i = v.n; i > 0; i--)
			if (v.p[i - 1] == '\\' || v.p[i - 1] == '/') {
				v = sv_make(v.p + i, v.n - i);
				break;
			}
		return norm_lower(v, out);
	}
	case IOC_FILEPATH:
	case IOC_USER_AGENT:
	case IOC_CMDLINE:
		return norm_lower(v, out);
	default:
		return -1;
	}
}
