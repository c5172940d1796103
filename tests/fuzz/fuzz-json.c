/* fuzz-json — the JSON scanner: json_flatten and json_validate.
 *
 * The input is one record (as the JSON format hands it to json_flatten).
 * Both functions must agree on accept/reject, on the bytes used and on the
 * error code (except when json_flatten stops at the field limit, which
 * json_validate does not count).  Every field of an accepted record is
 * checked: its value lies inside the input, its type matches its bytes,
 * and its decoded text (JSTR) fits the documented bound and stays valid
 * UTF-8 when the raw bytes were.  Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "event/event-int.h"
#include "parse/json-scan.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(spoor_sv v, const char *p, size_t n)
{
	if (v.n == 0)
		return true; /* an empty view may point anywhere (or be NULL) */
	return v.p >= p && v.p <= p + n && v.n <= (size_t)(p + n - v.p);
}

static bool num_ok(spoor_sv v)
{
	size_t i = 0;
	if (i < v.n && v.p[i] == '-')
		i++;
	if (i >= v.n)
		return false;
	if (v.p[i] == '0') {
		i++;
	} else if (v.p[i] >= '1' && v.p[i] <= '9') {
		while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < v.n && v.p[i] == '.') {
		size_t d = ++i;
		while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < v.n && (v.p[i] == 'e' || v.p[i] == 'E')) {
		i++;
		if (i < v.n && (v.p[i] == '+' || v.p[i] == '-'))
			i++;
		size_t d = i;
		while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == v.n;
}

static bool has_hi(spoor_sv v)
{
	for (size_t k = 0; k < v.n; k++)
		if ((unsigned char)v.p[k] >= 0x80)
			return true;
	return false;
}

static void check_fields(spoor_event *ev, const char *p, size_t used)
{
	size_t n = spoor_event_count(ev);
	CHECK(n <= ev->ctx->lim.max_fields);
	for (size_t i = 0; i < n; i++) {
		const efield *f = &ev->f[i];
		spoor_sv name;
		spoor_value val;
		unsigned flags;
		CHECK(spoor_event_at(ev, i, &name, &val, &flags) == 0);
		CHECK(name.p != NULL || name.n == 0);
		if (f->id)
			CHECK(f->id < ev->ctx->ft.count);
		/* Values are views into the record, never copies. */
		CHECK(inside(f->val, p, used));
		CHECK(!(f->flags & EF_DEAD));
		switch (f->type) {
		case SPOOR_VT_NULL:
			CHECK(sv_eq_cstr(f->val, "null"));
			break;
		case SPOOR_VT_BOOL:
			CHECK(sv_eq_cstr(f->val, "true") || sv_eq_cstr(f->val, "false"));
			break;
		case SPOOR_VT_NUM:
			CHECK(num_ok(f->val));
			break;
		case SPOOR_VT_STR:
			for (size_t k = 0; k < f->val.n; k++) {
				unsigned char c = (unsigned char)f->val.p[k];
				CHECK(c != '"' && c != '\\' && c >= 0x20);
			}
			CHECK(f->val.p > p && f->val.p[-1] == '"' && f->val.p[f->val.n] == '"');
			CHECK(!!(f->flags & EF_HI) == has_hi(f->val));
			break;
		case SPOOR_VT_JSTR: {
			CHECK(memchr(f->val.p, '\\', f->val.n) != NULL);
			CHECK(!!(f->flags & EF_HI) == has_hi(f->val));
			CHECK(f->val.p > p && f->val.p[-1] == '"' && f->val.p[f->val.n] == '"');
			spoor_sv t;
			CHECK(event_text(ev, f, &t));
			CHECK(t.n <= f->val.n + f->val.n / 2 + 4);
			/* Escapes decode to valid UTF-8 (bad ones to U+FFFD), so
			 * valid raw bytes give valid text. */
			if (utf8_valid((const unsigned char *)f->val.p, f->val.n))
				CHECK(utf8_valid((const unsigned char *)t.p, t.n));
			/* The public accessor agrees. */
			spoor_sv t2;
			CHECK(spoor_event_text(ev, &val, &t2) == 0);
			CHECK(sv_eq(t, t2));
			break;
		}
		default:
			CHECK(!"unknown value type");
		}
		/* Lookups by id find a field with that id (the first one). */
		if (f->id) {
			const efield *g = event_find(ev, f->id);
			CHECK(g != NULL && g->id == f->id && g <= f);
		}
	}
}

static bool is_fields_limit(const json_err *e)
{
	return e->msg && !strcmp(e->msg, "too many fields");
}

static void one(const char *p, size_t n, unsigned max_depth, size_t max_fields)
{
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.limits.max_depth = max_depth;
	co.limits.max_fields = max_fields;
	co.limits.max_names = 256; /* small: also exercise un-interned names */
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_new(&ctx, &co, &d) == 0);
	spoor_event ev;
	event_init(&ev, ctx);
	event_reset(&ev);

	size_t used_f = 0, used_v = 0;
	json_err ef = {0, NULL}, evl = {0, NULL};
	int rf = json_flatten(&ev, p, n, &used_f, &ef);
	int rv = json_validate(p, n, max_depth, &used_v, &evl);

	CHECK(rf == 0 || rf == SPOOR_EAGAIN || rf == SPOOR_EPARSE || rf == SPOOR_ELIMIT);
	CHECK(rv == 0 || rv == SPOOR_EAGAIN || rv == SPOOR_EPARSE || rv == SPOOR_ELIMIT);
	if (rf == SPOOR_ELIMIT && is_fields_limit(&ef)) {
		/* json_validate does not count fields: it went further. */
		CHECK(rv == 0 || evl.pos >= ef.pos || rv == SPOOR_ELIMIT);
	} else {
		CHECK(rf == rv);
		if (rf == 0) {
			CHECK(used_f == used_v);
		} else {
			CHECK(ef.pos == evl.pos);
		}
	}
	CHECK(!is_fields_limit(&evl));
	if (rf == 0) {
		CHECK(used_f >= 2 && used_f <= n);
		CHECK(p[0] == '{' && p[used_f - 1] == '}');
		check_fields(&ev, p, used_f);
		/* A prefix of an accepted object is truncated (or, cut inside a
		 * number at the end, still incomplete): never accepted. */
		size_t cut = used_f - 1, u2 = 0;
		json_err e2 = {0, NULL};
		int r2 = json_validate(p, cut, max_depth, &u2, &e2);
		CHECK(r2 == SPOOR_EAGAIN);
	} else {
		CHECK(ef.pos <= n);
		CHECK(ef.msg != NULL);
		if (rf == SPOOR_EAGAIN && n > 0) {
			/* Truncated input: the scanner reported its end. */
			CHECK(ef.pos <= n);
		}
	}
	event_done(&ev);
	spoor_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	const char *p = (const char *)data;
	/* Generous limits, then small ones that the fuzzer can hit. */
	one(p, size, 64, 8192);
	one(p, size, 3, 16);
	return 0;
}
