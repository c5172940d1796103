/* sigma-encode — value-transforming modifiers: windash, utf16le/utf16be/
 * utf16/wide, base64, base64offset (modifiers appendix v2.1; the exact
 * slicing of base64offset follows pySigma sigma/modifiers.py). */
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

static bool wordch(const sstr *s, size_t i)
{
	if (s->w[i])
		return false;
	unsigned char c = (unsigned char)s->b[i];
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* `\B[-/]\b`: a dash or slash not preceded by a word character and
 * followed by one; each becomes - / – — ―. */
int sigma_windash(const sstr *in, sstr_list *out)
{
	static const char *const dash[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
	size_t pos[8], k = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (in->w[i] || (in->b[i] != '-' && in->b[i] != '/'))
			continue;
		bool prev_word = i > 0 && wordch(in, i - 1);
		bool next_word = i + 1 < in->n && wordch(in, i + 1);
		if (prev_word || !next_word)
			continue;
		if (k == ARRAY_SIZE(pos))
			return SPOOR_ELIMIT;
		pos[k++] = i;
	}
	size_t total = 1;
	for (size_t i = 0; i < k; i++)
		total *= 5;
	if (total > SIGMA_MAX_VARIANTS)
		return SPOOR_ELIMIT;
	for (size_t v = 0; v < total; v++) {
		sstr s;
		sstr_init(&s);
		size_t code = v, pi = 0, start = 0;
		int r = 0;
		for (size_t i = 0; i < in->n && r == 0; i++) {
			if (pi < k && pos[pi] == i) {
				/* flush the run before, then the dash variant */
				for (size_t j = start; j < i && r == 0; j++)
					r = sstr_add(&s, &in->b[j], 1, in->w[j]);
				const char *d = dash[code % 5];
				code /= 5;
				if (r == 0)
					r = sstr_add(&s, d, strlen(d), SW_LIT);
				start = i + 1;
				pi++;
			}
		}
		for (size_t j = start; j < in->n && r == 0; j++)
			r = sstr_add(&s, &in->b[j], 1, in->w[j]);
		if (r == 0 && !s.b)
			r = sstr_add(&s, "", 0, SW_LIT);
		if (r == 0)
			r = sstr_list_push(out, &s);
		if (r < 0) {
			sstr_done(&s);
			return r;
		}
	}
	return 0;
}

/* Decode one UTF-8 character (an invalid byte stands for itself). */
static uint32_t u8dec(const char *p, size_t n, size_t *len)
{
	unsigned char c = (unsigned char)p[0];
	uint32_t cp;
	size_t l;
	if (c < 0x80) {
		*len = 1;
		return c;
	} else if (c >= 0xF0 && c < 0xF5) {
		l = 4;
		cp = c & 7;
	} else if (c >= 0xE0) {
		l = 3;
		cp = c & 15;
	} else if (c >= 0xC2) {
		l = 2;
		cp = c & 31;
	} else {
		*len = 1;
		return c;
	}
	if (l > n) {
		*len = 1;
		return c;
	}
	for (size_t i = 1; i < l; i++) {
		if (((unsigned char)p[i] & 0xC0) != 0x80) {
			*len = 1;
			return c;
		}
		cp = (cp << 6) | ((unsigned char)p[i] & 0x3F);
	}
	*len = l;
	return cp;
}

static int put16(sstr *o, uint16_t u, bool be)
{
	char b[2];
	b[be ? 1 : 0] = (char)(u & 0xFF);
	b[be ? 0 : 1] = (char)(u >> 8);
	return sstr_add(o, b, 2, SW_LIT);
}

int sigma_utf16(const sstr *in, int which, sstr *out)
{
	bool be = which == 1;
	sstr_init(out);
	int r = 0;
	if (which == 2)
		r = sstr_add(out, "\xFF\xFE", 2, SW_LIT);
	for (size_t i = 0; i < in->n && r == 0;) {
		if (in->w[i]) {
			r = sstr_add(out, &in->b[i], 1, in->w[i]);
			i++;
			continue;
		}
		size_t j = i;
		while (j < in->n && !in->w[j])
			j++;
		size_t l;
		uint32_t cp = u8dec(in->b + i, j - i, &l);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			r = put16(out, (uint16_t)(0xD800 | (cp >> 10)), be);
			if (r == 0)
				r = put16(out, (uint16_t)(0xDC00 | (cp & 0x3FF)), be);
		} else {
			r = put16(out, (uint16_t)cp, be);
		}
		i += l;
	}
	if (r == 0 && !out->b)
		r = sstr_add(out, "", 0, SW_LIT);
	if (r < 0)
		sstr_done(out);
	return r;
}

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64(const unsigned char *p, size_t n, sstr *out)
{
	sstr_init(out);
	int r = 0;
	size_t i = 0;
	for (; i + 2 < n && r == 0; i += 3) {
		char q[4] = {b64tab[p[i] >> 2], b64tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			     b64tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], b64tab[p[i + 2] & 63]};
		r = sstr_add(out, q, 4, SW_LIT);
	}
	if (r == 0 && n - i == 1) {
		char q[4] = {b64tab[p[i] >> 2], b64tab[(p[i] & 3) << 4], '=', '='};
		r = sstr_add(out, q, 4, SW_LIT);
	} else if (r == 0 && n - i == 2) {
		char q[4] = {b64tab[p[i] >> 2], b64tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			     b64tab[(p[i + 1] & 15) << 2], '='};
		r = sstr_add(out, q, 4, SW_LIT);
	}
	if (r == 0 && !out->b)
		r = sstr_add(out, "", 0, SW_LIT);
	if (r < 0)
		sstr_done(out);
	return r;
}

int sigma_base64(const sstr *in, sstr *out)
{
	if (sstr_has_wild(in))
		return SPOOR_EINVAL;
	return b64((const unsigned char *)in->b, in->n, out);
}

int sigma_base64offset(const sstr *in, sstr_list *out)
{
	static const size_t start[3] = {0, 2, 3};
	static const size_t endcut[3] = {0, 3, 2};
	if (sstr_has_wild(in))
		return SPOOR_EINVAL;
	unsigned char *tmp = xmalloc(in->n + 3);
	if (!tmp)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < 3; i++) {
		memset(tmp, ' ', i);
		if (in->n)
			memcpy(tmp + i, in->b, in->n);
		sstr full, cut;
		int r = b64(tmp, in->n + i, &full);
		if (r < 0) {
			free(tmp);
			return r;
		}
		size_t s = start[i], e = full.n >= endcut[(in->n + i) % 3] ? full.n - endcut[(in->n + i) % 3] : 0;
		if (s > e)
			s = e;
		/* a variant that is empty (a one-byte value at some offsets) would
		 * match everything under `contains`: left out */
		if (e == s) {
			sstr_done(&full);
			continue;
		}
		r = sstr_lit(&cut, full.b + s, e - s);
		sstr_done(&full);
		if (r == 0)
			r = sstr_list_push(out, &cut);
		if (r < 0) {
			free(tmp);
			return r;
		}
	}
	free(tmp);
	return 0;
}
