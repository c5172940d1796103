/* sigma-num — numeric comparison (lt/lte/gt/gte) and cidr.
 *
 * Numbers are compared as doubles; a value that is not entirely a number
 * (after trimming spaces) never matches a numeric modifier.  IP addresses
 * are parsed with inet_pton; an IPv4-mapped IPv6 address is not folded to
 * IPv4. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

bool sigma_parse_num(const char *s, size_t n, double *out)
{
	char tmp[64];
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	/* no hex, inf or nan: Sigma numbers are decimal */
	for (size_t i = 0; i < n; i++) {
		char c = tmp[i];
		if (!(isdigit((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
			return false;
	}
	char *end;
	double d = strtod(tmp, &end);
	if (end != tmp + n || !isfinite(d))
		return false;
	*out = d;
	return true;
}

bool sigma_parse_ip(const char *s, size_t n, uint8_t *fam, uint8_t addr[16])
{
	char tmp[64];
	if (!n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	memset(addr, 0, 16);
	if (memchr(tmp, ':', n)) {
		/* drop an IPv6 zone ("fe80::1%eth0") */
		char *pc = strchr(tmp, '%');
		if (pc)
			*pc = 0;
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return false;
		*fam = 6;
		return true;
	}
	if (inet_pton(AF_INET, tmp, addr) != 1)
		return false;
	*fam = 4;
	return true;
}

bool sigma_parse_cidr(const char *s, size_t n, cidr *out)
{
	const char *sl = memchr(s, '/', n);
	size_t an = sl ? (size_t)(sl - s) : n;
	if (!sigma_parse_ip(s, an, &out->fam, out->addr))
		return false;
	unsigned max = out->fam == 4 ? 32 : 128;
	unsigned bits = max;
	if (sl) {
		int64_t b;
		if (!sv_to_i64(sv_make(sl + 1, n - an - 1), &b) || b < 0 || b > (int64_t)max)
			return false;
		bits = (unsigned)b;
	}
	out->bits = (uint8_t)bits;
	/* clear host bits so the comparison is a masked compare */
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits > i * 8 ? MIN(8u, bits - i * 8) : 0;
		out->addr[i] &= (uint8_t)(keep ? 0xFF << (8 - keep) : 0);
	}
	return true;
}

bool cidr_match(const cidr *c, const char *s, size_t n)
{
	uint8_t fam, a[16];
	if (!sigma_parse_ip(s, n, &fam, a) || fam != c->fam)
		return false;
	unsigned bits = c->bits;
	for (unsigned i = 0; i < 16 && bits; i++) {
		unsigned keep = MIN(8u, bits);
		uint8_t mask = (uint8_t)(0xFF << (8 - keep));
		if ((a[i] & mask) != c->addr[i])
			return false;
		bits -= keep;
	}
	return true;
}
