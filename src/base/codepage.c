/* codepage — see codepage.h. */
#include "base/codepage.h"

#include <strings.h>

#include "base/base.h"

#include "base/codepage-tables.h"

const codepage_def codepage_utf8 = {"utf-8", "utf8 65001", {0}};

static bool word_in(const char *list, const char *w, size_t wn)
{
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == wn && strncasecmp(p, w, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

const codepage_def *codepage_find(const char *name)
{
	if (!name || !*name)
		return &codepage_defs[0];
	size_t n = strlen(name);
	if (!strcasecmp(name, codepage_utf8.name) || word_in(codepage_utf8.aliases, name, n))
		return &codepage_utf8;
	for (size_t i = 0; i < ARRAY_SIZE(codepage_defs); i++) {
		if (!strcasecmp(name, codepage_defs[i].name) || word_in(codepage_defs[i].aliases, name, n))
			return &codepage_defs[i];
	}
	return NULL;
}

const char *codepage_names(void)
{
	return "windows-1250..1258, windows-874, iso-8859-1, iso-8859-2, iso-8859-5, iso-8859-15, koi8-r, "
	       "ibm437, ibm850, ibm866, utf-8 (also cp1252, 1252, latin1, 65001, ...)";
}

static size_t put_cp(char *o, uint32_t u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | (u >> 6));
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | (u >> 12));
	o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

/* Length of a valid UTF-8 sequence at p (of at most n bytes), else 0. */
static size_t seq_len(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t len;
	uint32_t min;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	uint32_t u = b & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		u = u << 6 | (p[i] & 0x3f);
	}
	if (u < min || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
		return 0;
	return len;
}

size_t codepage_decode(const codepage_def *cp, const uint8_t *p, size_t n, char *out)
{
	char *o = out;
	size_t i = 0;
	while (i < n && p[i]) {
		uint8_t b = p[i];
		if (b < 0x80) {
			*o++ = (char)b;
			i++;
			continue;
		}
		if (cp == &codepage_utf8) {
			size_t l = seq_len(p + i, n - i);
			/* A NUL inside a sequence is never valid: l stops before it. */
			if (l) {
				memcpy(o, p + i, l);
				o += l;
				i += l;
			} else {
				o += put_cp(o, 0xfffd);
				i++;
			}
			continue;
		}
		o += put_cp(o, cp->hi[b - 0x80]);
		i++;
	}
	return (size_t)(o - out);
}
