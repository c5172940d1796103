/* test-evtx — the native EVTX decoder on real and damaged files.
 *
 * Needs the shared data (SPOOR_SHARED_DATA, normally ../shared/data):
 *  - evtx/parser-edgecases: record counts per file, against the Rust evtx
 *    crate's expected counts (EXPECTED_COUNTS.tsv) and spoor's own, exact;
 *  - sigma/regression_data: every .evtx read natively gives the same
 *    fields as its evtx_dump JSON read by spoor's JSON parser;
 *  - evtx/mitre-attack-cc0: per-file counts (LABELS.tsv), totals, and
 *    values checked against evtxexport;
 *  - damaged copies of security.evtx built in memory.
 * Exits 77 (skip) when the data is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>
#include <zlib.h>

#include "event/event-int.h"
#include "parse/evtx/evtx.h"
#include "parse/parser.h"
#include "spoor/scan.h"

static const char *shared;

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static uint8_t *load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(sz > 0 ? (size_t)sz : 1);
	assert_non_null(p);
	size_t r = fread(p, 1, (size_t)sz, f);
	fclose(f);
	assert_int_equal(r, (size_t)sz);
	*n = r;
	return p;
}

static bool field_text(spoor_event *ev, const char *name, spoor_sv *out)
{
	uint32_t id = field_find(&ev->ctx->ft, name, strlen(name));
	return id && event_get_text(ev, id, out);
}

/* ---- driving the format directly over a buffer ---- */

typedef struct run_res {
	long good, bad; /* good: records of the log (slack carvings not included) */
	long slack;	/* records carved from slack space (spoor.recovered = slack) */
	long resync, unindexed, beyond; /* good records with other recovery marks */
	uint64_t digest;	   /* over record ids, EventIDs and field counts */
	uint64_t hash;		   /* over every field's name, type and text, and origins */
} run_res;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

typedef void (*each_fn)(spoor_event *ev, void *u);

/* Feed p[0..n) as a stream: with step > 0 the window grows step bytes at
 * a time (the scanner's refill), exercising PARSE_MORE. */
static const codepage_def *run_cp; /* ANSI code page for run_mem (NULL: default) */
static bool run_no_carve;	   /* --no-carve for run_mem */

static void run_mem_j(const uint8_t *p, size_t n, size_t step, unsigned jobs, run_res *res, each_fn each, void *u)
{
	const parser_vt *vt = parser_find("evtx");
	assert_non_null(vt);
	spoor_ctx *ctx = NULL;
	spoor_diag dg;
	assert_int_equal(spoor_ctx_new(&ctx, NULL, &dg), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	void *st = calloc(1, vt->state_size);
	assert_non_null(st);
	spoor_diag diag;
	memset(&diag, 0, sizeof(diag));
	uint64_t recovered = 0;
	parse_env env = {ctx, "mem", 0, &diag, jobs, run_cp, &recovered, run_no_carve};
	assert_int_equal(vt->open(st, &env), 0);
	memset(res, 0, sizeof(*res));
	size_t off = 0, avail = step ? MIN(step, n) : n;
	for (int guard = 0; guard < 10000000; guard++) {
		event_reset(&ev);
		parse_window w = {(const char *)p + off, avail - off, avail == n, off};
		size_t c = 0, rs = 0;
		int r = vt->next(st, &env, &w, &ev, &c, &rs);
		assert_true(c <= w.len);
		if (r == PARSE_MORE) {
			off += c;
			if (w.eof && !c)
				break;
			if (!c)
				avail = MIN(n, avail + step);
			continue;
		}
		assert_true(r == PARSE_EVENT || r == PARSE_BAD || r == PARSE_SKIP);
		if (r == PARSE_EVENT) {
			assert_true(c > 0);
			spoor_sv rv = SPOOR_SV_NULL;
			field_text(&ev, "spoor.recovered", &rv);
			if (sv_eq_cstr(rv, "slack"))
				res->slack++;
			else
				res->good++;
			res->resync += sv_eq_cstr(rv, "resync");
			res->unindexed += sv_eq_cstr(rv, "unindexed");
			res->beyond += sv_eq_cstr(rv, "beyond-header");
			res->digest = res->digest * 1000003u + ev.origin.record_id * 31u + ev.n;
			for (size_t i = 0; i < spoor_event_count(&ev); i++) {
				spoor_sv name, text;
				spoor_value val;
				unsigned fl;
				assert_int_equal(spoor_event_at(&ev, i, &name, &val, &fl), 0);
				assert_int_equal(spoor_event_text(&ev, &val, &text), 0);
				res->hash = fnv(res->hash, name.p, name.n);
				res->hash = fnv(res->hash, &val.type, sizeof(val.type));
				res->hash = fnv(res->hash, text.p, text.n);
			}
			res->hash = fnv(res->hash, &ev.origin.offset, sizeof(ev.origin.offset));
			res->hash = fnv(res->hash, &rs, sizeof(rs));
			res->hash = fnv(res->hash, &c, sizeof(c));
			if (each && !sv_eq_cstr(rv, "slack"))
				each(&ev, u);
		} else if (r == PARSE_BAD) {
			res->bad++;
			assert_true(diag.msg[0] != 0);
			assert_true(c > 0);
			res->hash = fnv(res->hash, diag.msg, strlen(diag.msg));
			res->hash = fnv(res->hash, &off, sizeof(off));
		}
		if (!c)
			c = 1;
		off += c;
	}
	vt->close(st);
	free(st);
	event_done(&ev);
	spoor_ctx_free(ctx);
	assert_int_equal((long)recovered, res->slack + res->resync + res->unindexed + res->beyond);
}

static void run_mem(const uint8_t *p, size_t n, size_t step, run_res *res, each_fn each, void *u)
{
	run_mem_j(p, n, step, 1, res, each, u);
}


/* ---- formatting helpers ---- */

static void test_format(void **state)
{
	(void)state;
	char b[80];
	size_t n = evtx_fmt_filetime(116444736000000000ull, b);
	assert_int_equal(n, 27);
	assert_string_equal(b, "1970-01-01T00:00:00.000000Z");
	n = evtx_fmt_filetime(132792107527319042ull, b);
	assert_string_equal(b, "2021-10-20T13:39:12.731904Z");
	static const uint8_t g[16] = {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43,
				      0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9};
	evtx_fmt_guid(g, b);
	assert_string_equal(b, "5770385F-C22A-43E0-BF4C-06F5698FFBD9");
	static const uint8_t sid[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
	n = evtx_fmt_sid(sid, sizeof(sid), b, sizeof(b));
	assert_string_equal(b, "S-1-5-18");
	/* An incomplete SID renders what is there. */
	n = evtx_fmt_sid(sid, 8, b, sizeof(b));
	assert_string_equal(b, "S-1-5");
	(void)n;
}

static void test_sniff(void **state)
{
	(void)state;
	assert_ptr_equal(parser_detect(SPOOR_SV("ElfFile\0\0\0\0\0\0\0\0")), parser_find("evtx"));
	assert_int_equal(parser_find("evtx")->sniff(SPOOR_SV("ElfChnk\0")), 0);
}

/* ---- a hand-built chunk: every token and value type ---- */

typedef struct bld {
	uint8_t *c;
	uint32_t pos;
} bld;

static void b8(bld *b, uint8_t v)
{
	b->c[b->pos++] = v;
}
static void b16(bld *b, uint16_t v)
{
	b8(b, (uint8_t)v);
	b8(b, (uint8_t)(v >> 8));
}
static void b32(bld *b, uint32_t v)
{
	b16(b, (uint16_t)v);
	b16(b, (uint16_t)(v >> 16));
}
static void b64(bld *b, uint64_t v)
{
	b32(b, (uint32_t)v);
	b32(b, (uint32_t)(v >> 32));
}
static void bput(bld *b, const void *p, size_t n)
{
	memcpy(b->c + b->pos, p, n);
	b->pos += (uint32_t)n;
}
static void butf16(bld *b, const char *s)
{
	for (; *s; s++)
		b16(b, (uint8_t)*s);
}
/* An inline name: the reference points right after itself. */
static void bname(bld *b, const char *s)
{
	b32(b, b->pos + 4);
	b32(b, 0);
	b16(b, 0);
	b16(b, (uint16_t)strlen(s));
	butf16(b, s);
	b16(b, 0);
}
static void bopen(bld *b, const char *name, bool attrs, bool dep)
{
	b8(b, attrs ? 0x41 : 0x01);
	if (dep)
		b16(b, 0xffff);
	b32(b, 0);
	bname(b, name);
	if (attrs)
		b32(b, 0);
}
static void battr(bld *b, const char *name)
{
	b8(b, 0x06);
	bname(b, name);
}
static void bstr(bld *b, const char *s)
{
	b8(b, 0x05);
	b8(b, 0x01);
	b16(b, (uint16_t)strlen(s));
	butf16(b, s);
}
static void bsub(bld *b, uint16_t id, uint8_t type, bool optional)
{
	b8(b, optional ? 0x0e : 0x0d);
	b16(b, id);
	b8(b, type);
}
/* <Data Name="name">{sub id}</Data> */
static void bdata(bld *b, const char *name, uint16_t id, uint8_t type)
{
	bopen(b, "Data", name != NULL, true);
	if (name) {
		battr(b, "Name");
		bstr(b, name);
	}
	b8(b, 0x02);
	bsub(b, id, type, false);
	b8(b, 0x04);
}

typedef struct subv {
	uint8_t type;
	uint8_t bytes[64];
	uint16_t n;
} subv;

/* extra: 0 = one fragment; 1 = a second fragment with <Data Name="second">;
 * 2 = a second fragment that does not decode (dropped, record kept). */
static size_t build_file(uint8_t *f, int extra)
{
	memset(f, 0, EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE);
	memcpy(f, "ElfFile\0", 8);
	uint8_t *c = f + EVTX_FILE_HEADER_SIZE;
	memcpy(c, "ElfChnk\0", 8);
	bld b = {c, 8};
	b64(&b, 1);
	b64(&b, 1);
	b64(&b, 77);
	b64(&b, 77);
	b.pos = 512;
	uint32_t rec = b.pos;
	bput(&b, "\x2a\x2a\0\0", 4);
	b32(&b, 0); /* size, patched */
	b64(&b, 77);
	b64(&b, 132792107527319042ull);
	bput(&b, "\x0f\x01\x01\x00", 4);
	b8(&b, 0x0c);
	b8(&b, 0x01);
	b32(&b, 0x1234);
	b32(&b, b.pos + 4); /* inline definition */
	b32(&b, 0);
	bput(&b, "0123456789abcdef", 16);
	uint32_t dsz_at = b.pos;
	b32(&b, 0);
	uint32_t body = b.pos;
	bput(&b, "\x0f\x01\x01\x00", 4);
	bopen(&b, "Event", true, true);
	battr(&b, "xmlns");
	bstr(&b, "http://schemas.microsoft.com/win/2004/08/events/event");
	b8(&b, 0x02);
	bopen(&b, "System", false, true);
	b8(&b, 0x02);
	bopen(&b, "EventID", false, true);
	b8(&b, 0x02);
	bsub(&b, 0, 0x06, false);
	b8(&b, 0x04);
	bopen(&b, "Channel", false, true);
	b8(&b, 0x02);
	bsub(&b, 1, 0x01, false);
	b8(&b, 0x04);
	/* <Computer>host<![CDATA[-x]]>&amp;&#65;</Computer> */
	bopen(&b, "Computer", false, true);
	b8(&b, 0x02);
	bstr(&b, "host");
	b8(&b, 0x07);
	b16(&b, 2);
	butf16(&b, "-x");
	b8(&b, 0x09);
	bname(&b, "amp");
	b8(&b, 0x08);
	b16(&b, 65);
	b8(&b, 0x04);
	bopen(&b, "TimeCreated", true, true);
	battr(&b, "SystemTime");
	bsub(&b, 2, 0x11, false);
	b8(&b, 0x03);
	bopen(&b, "Correlation", true, true);
	battr(&b, "ActivityID");
	bsub(&b, 3, 0x0f, true); /* NULL value: attribute dropped */
	b8(&b, 0x03);
	bopen(&b, "EventRecordID", false, true);
	b8(&b, 0x02);
	bsub(&b, 4, 0x0a, false);
	b8(&b, 0x04);
	b8(&b, 0x04); /* </System> */
	bopen(&b, "EventData", false, true);
	b8(&b, 0x02);
	bdata(&b, "i8", 5, 0x03);
	bdata(&b, "r64", 6, 0x0c);
	bdata(&b, "b", 7, 0x0d);
	bdata(&b, "bin", 8, 0x0e);
	bdata(&b, "guid", 9, 0x0f);
	bdata(&b, "sz", 10, 0x10);
	bdata(&b, "st", 11, 0x12);
	bdata(&b, "sid", 12, 0x13);
	bdata(&b, "h32", 13, 0x14);
	bdata(&b, NULL, 14, 0x81);
	bdata(&b, "ansi", 15, 0x02);
	bdata(&b, "Product Name", 16, 0x07);
	bdata(&b, "h64", 17, 0x15);
	bdata(&b, "nested", 18, 0x21);
	/* <?pi data?> */
	b8(&b, 0x0a);
	bname(&b, "pi");
	b8(&b, 0x0b);
	b16(&b, 4);
	butf16(&b, "data");
	b8(&b, 0x04); /* </EventData> */
	b8(&b, 0x04); /* </Event> */
	b8(&b, 0x00);
	uint32_t dsz = b.pos - body;
	c[dsz_at] = (uint8_t)dsz;
	c[dsz_at + 1] = (uint8_t)(dsz >> 8);
	/* Substitution values. */
	subv v[19];
	memset(v, 0, sizeof(v));
	v[0] = (subv){0x06, {0xd0, 0x11}, 2}; /* 4560 */
	/* "Sec", U+1F600 as a surrogate pair, a lone surrogate (U+FFFD) */
	v[1] = (subv){0x01, {'S', 0, 'e', 0, 'c', 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8}, 12};
	v[2] = (subv){0x11, {0x02, 0x2e, 0x24, 0xde, 0xb7, 0xc5, 0xd7, 0x01}, 8};
	v[3] = (subv){0x00, {0}, 0};
	v[4] = (subv){0x0a, {77}, 8};
	v[5] = (subv){0x03, {0xfb}, 1};				/* -5 */
	v[6] = (subv){0x0c, {0, 0, 0, 0, 0, 0, 0xf8, 0x3f}, 8}; /* 1.5 */
	v[7] = (subv){0x0d, {1, 0, 0, 0}, 4};
	v[8] = (subv){0x0e, {0x01, 0xab}, 2};
	v[9] = (subv){
	    0x0f, {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9}, 16};
	v[10] = (subv){0x10, {0x1f}, 8};
	v[11] = (subv){
	    0x12, {0xe5, 0x07, 10, 0, 3, 0, 20, 0, 13, 0, 39, 0, 12, 0, 0x7b, 0}, 16}; /* 2021-10-20 13:39:12.123 */
	v[12] = (subv){0x13, {1, 2, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 7, 0, 0, 0}, 16};
	v[13] = (subv){0x14, {0xff}, 4};
	v[14] = (subv){0x81, {'a', 0, 0, 0, 'b', 0, 0, 0}, 8};
	v[15] = (subv){0x02, {'h', 'i', 0xe9, 0x80, 0x93, 0}, 6}; /* ANSI */
	v[16] = (subv){0x07, {0xf9, 0xff, 0xff, 0xff}, 4}; /* -7 */
	v[17] = (subv){0x15, {0, 0, 0, 0, 0, 0, 0, 0x80}, 8};
	/* Nested Binary XML: <Inner>v</Inner> (no dependency ids). */
	b32(&b, 19);
	uint32_t desc = b.pos;
	for (int i = 0; i < 19; i++)
		b32(&b, 0);
	for (int i = 0; i < 19; i++) {
		uint32_t start = b.pos;
		if (i == 18) {
			bput(&b, "\x0f\x01\x01\x00", 4);
			bopen(&b, "Inner", false, false);
			b8(&b, 0x02);
			bstr(&b, "v");
			b8(&b, 0x04);
			b8(&b, 0x00);
			v[i].type = 0x21;
		} else {
			bput(&b, v[i].bytes, v[i].n);
		}
		uint32_t n = b.pos - start;
		c[desc + 4 * i] = (uint8_t)n;
		c[desc + 4 * i + 1] = (uint8_t)(n >> 8);
		c[desc + 4 * i + 2] = v[i].type;
	}
	b8(&b, 0x00);
	if (extra) {
		bput(&b, "\x0f\x01\x01\x00", 4);
		bopen(&b, "Event", false, false);
		b8(&b, 0x02);
		bopen(&b, "EventData", false, false);
		b8(&b, 0x02);
		bopen(&b, "Data", true, false);
		battr(&b, "Name");
		bstr(&b, "second");
		b8(&b, 0x02);
		bstr(&b, "x");
		b8(&b, extra == 2 ? 0x33 : 0x04); /* 0x33: no such token */
		b8(&b, 0x04);
		b8(&b, 0x04);
		b8(&b, 0x00);
	}
	uint32_t size = b.pos + 4 - rec;
	b32(&b, size);
	c[rec + 4] = (uint8_t)size;
	c[rec + 5] = (uint8_t)(size >> 8);
	uint32_t free_off = b.pos;
	c[48] = (uint8_t)free_off;
	c[49] = (uint8_t)(free_off >> 8);
	return EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE;
}

static void expect(spoor_event *ev, const char *name, int type, const char *val)
{
	uint32_t id = field_find(&ev->ctx->ft, name, strlen(name));
	const efield *f = id ? event_find(ev, id) : NULL;
	if (!f)
		fail_msg("field %s missing", name);
	if (f->type != type || !sv_eq_cstr(f->val, val))
		fail_msg("field %s: type %d '%.*s', expected %d '%s'", name, f->type, (int)f->val.n, f->val.p, type,
			 val);
}

static void check_built(spoor_event *ev, void *u)
{
	int *seen = u;
	(*seen)++;
	expect(ev, "EventID", SPOOR_VT_NUM, "4560");
	expect(ev, "Channel", SPOOR_VT_STR, "Sec\xf0\x9f\x98\x80\xef\xbf\xbd");
	expect(ev, "Computer", SPOOR_VT_STR, "host-x&A");
	expect(ev, "TimeCreated_SystemTime", SPOOR_VT_STR, "2021-10-20T13:39:12.731904Z");
	expect(ev, "Correlation", SPOOR_VT_NULL, "");
	expect(ev, "EventRecordID", SPOOR_VT_NUM, "77");
	expect(ev, "i8", SPOOR_VT_NUM, "-5");
	expect(ev, "r64", SPOOR_VT_NUM, "1.5");
	expect(ev, "b", SPOOR_VT_BOOL, "true");
	expect(ev, "bin", SPOOR_VT_STR, "01AB");
	expect(ev, "guid", SPOOR_VT_STR, "5770385F-C22A-43E0-BF4C-06F5698FFBD9");
	expect(ev, "sz", SPOOR_VT_STR, "0x1f");
	expect(ev, "st", SPOOR_VT_STR, "2021-10-20T13:39:12.123000Z");
	expect(ev, "sid", SPOOR_VT_STR, "S-1-5-21-7");
	expect(ev, "h32", SPOOR_VT_STR, "0xff");
	expect(ev, "Data.0", SPOOR_VT_STR, "a");
	expect(ev, "Data.1", SPOOR_VT_STR, "b");
	/* windows-1252 by default: 0x80 is the euro sign, 0x93 a quote. */
	expect(ev, "ansi", SPOOR_VT_STR, run_cp ? "hi\xd0\xb9\xd0\x82\xe2\x80\x9c" : "hi\xc3\xa9\xe2\x82\xac\xe2\x80\x9c");
	expect(ev, "Product Name", SPOOR_VT_NUM, "-7");
	expect(ev, "ProductName", SPOOR_VT_NUM, "-7");
	expect(ev, "h64", SPOOR_VT_STR, "0x8000000000000000");
	expect(ev, "nested.Inner", SPOOR_VT_STR, "v");
	assert_int_equal(field_find(&ev->ctx->ft, "nested", 6), 0);
	assert_int_equal(ev->origin.record_id, 77);
	assert_true(sv_eq_cstr(ev->ls.channel, "Sec\xf0\x9f\x98\x80\xef\xbf\xbd"));
	int64_t ts;
	assert_int_equal(spoor_event_time(ev, &ts), 1);
	assert_true(ts == 1634737152731904000LL);
}

static void check_second(spoor_event *ev, void *u)
{
	check_built(ev, u);
	expect(ev, "second", SPOOR_VT_STR, "x");
}

static void check_not_second(spoor_event *ev, void *u)
{
	check_built(ev, u);
	assert_int_equal(field_find(&ev->ctx->ft, "second", 6) ? event_find(ev, field_find(&ev->ctx->ft, "second", 6)) != NULL : 0, 0);
}

static void test_built_chunk(void **state)
{
	(void)state;
	uint8_t *f = calloc(1, EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE);
	assert_non_null(f);
	size_t n = build_file(f, 0);
	int seen = 0;
	run_res r;
	run_mem(f, n, 0, &r, check_built, &seen);
	assert_int_equal(r.good, 1);
	assert_int_equal(r.bad, 0);
	assert_int_equal(seen, 1);
	/* ANSI text in another code page (windows-1251: 0xe9 is U+0439). */
	run_cp = codepage_find("cp1251");
	assert_non_null(run_cp);
	run_mem(f, n, 0, &r, check_built, &seen);
	assert_int_equal(seen, 2);
	run_cp = NULL;
	/* A second top-level fragment is read; one that does not decode is
	 * dropped and the record stays good. */
	for (int extra = 1; extra <= 2; extra++) {
		n = build_file(f, extra);
		seen = 0;
		run_mem(f, n, 0, &r, extra == 1 ? check_second : check_not_second, &seen);
		assert_int_equal(r.good, 1);
		assert_int_equal(r.bad, 0);
		assert_int_equal(seen, 1);
	}
	n = build_file(f, 0);
	/* Every truncation of the record is bad or partial, never a crash. */
	for (size_t cut = EVTX_FILE_HEADER_SIZE; cut < EVTX_FILE_HEADER_SIZE + 2000; cut += 7)
		run_mem(f, cut, 0, &r, NULL, NULL);
	free(f);
}

/* ---- edge cases: counts ---- */

typedef struct count_case {
	const char *file;
	long tsv_ok, tsv_err; /* EXPECTED_COUNTS.tsv (-1: not listed / "some") */
	long ok, bad;	      /* spoor, exact (records of the log) */
	long slack;	      /* records carved from slack space, exact */
} count_case;

/* Where spoor's counts differ from the Rust crate's, spoor produces more
 * good records: it resynchronises after a damaged record instead of
 * abandoning the chunk, and reads a record whose trailing size copy is torn.
 * Every extra record lies within its chunk header's record range and
 * decodes fully (see docs/internals/evtx.md). */
static const count_case counts[] = {
    {"sample-with-irregular-bool-values.evtx", 3028, 0, 3028, 0, 65},
    {"2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", 1910, 4, 1964, 13, 29},
    {"2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", 1774, 2, 1795, 2, 245},
    {"2-vss_7-System.evtx", 1160, 0, 1160, 0, 25},
    {"sample_with_a_bad_chunk_magic.evtx", 270, 2, 301, 3, 50},
    {"Microsoft-Windows-HelloForBusiness%4Operational.evtx", 6, 0, 6, 0, 0},
    {"Microsoft-Windows-LanguagePackSetup%4Operational.evtx", 17, 0, 17, 0, 15},
    {"E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx", 1146, 0, 1146, 0, 128},
    {"E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx", 459, 0, 459, 0, 0},
    {"E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx", 340, 0, 340, 0, 0},
    {"Application_no_crc32.evtx", 17, 0, 17, 0, 22},
    {"post-Security.evtx", 126, 0, 126, 0, 0},
    /* "336 total iterations, some errors" (the crate stops the chunk at
     * the zero-size record; spoor resynchronises on the next record). */
    {"sample-with-zero-data-size-event.evtx", -1, -1, 449, 1, 33},
    {"2-system-Microsoft-Windows-LiveId%4Operational.evtx", -1, -1, 399, 0, 4},
    {"MSExchange_Management_wec.evtx", -1, -1, 1, 0, 9},
    {"Security_short_selected.evtx", -1, -1, 7, 0, 0},
    {"Security_with_size_t.evtx", -1, -1, 636, 0, 0},
    {"issue_201.evtx", -1, -1, 1, 0, 9},
    {"new-user-security.evtx", -1, -1, 4, 0, 3},
    {"security.evtx", -1, -1, 2261, 0, 5},
    {"security_bad_string_cache.evtx", -1, -1, 2261, 0, 5},
    /* 8 chunks of non-zero filler past the last written chunk: each is
     * reported as a bad chunk, as the crate does. */
    {"sysmon.evtx", -1, -1, 358, 8, 0},
    {"system.evtx", -1, -1, 1881, 0, 28},
};

static void test_edgecase_counts(void **state)
{
	(void)state;
	char *dir = path_join(shared, "evtx/parser-edgecases/samples");
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		const count_case *c = &counts[i];
		char *p = path_join(dir, c->file);
		size_t n;
		uint8_t *buf = load(p, &n);
		if (!buf)
			fail_msg("missing %s", p);
		run_res r;
		run_mem(buf, n, 0, &r, NULL, NULL);
		if (r.good != c->ok || r.bad != c->bad || r.slack != c->slack)
			fail_msg("%s: %ld good / %ld bad / %ld slack, expected %ld / %ld / %ld", c->file, r.good, r.bad,
				 r.slack, c->ok, c->bad, c->slack);
		if (c->tsv_ok >= 0)
			assert_true(r.good >= c->tsv_ok);
		/* The same through a window that grows 7000 bytes at a time. */
		run_res r2;
		run_mem(buf, n, 7000, &r2, NULL, NULL);
		assert_int_equal(r2.good, r.good);
		assert_int_equal(r2.bad, r.bad);
		assert_true(r2.digest == r.digest);
		assert_true(r2.hash == r.hash);
		/* Chunks decoded by three threads: the same events, in order. */
		run_mem_j(buf, n, 7000, 3, &r2, NULL, NULL);
		assert_int_equal(r2.good, r.good);
		assert_int_equal(r2.slack, r.slack);
		assert_true(r2.hash == r.hash);
		free(buf);
		free(p);
	}
	free(dir);
}

/* The TSV file itself: every file it lists with numbers is in the table. */
static void test_edgecase_tsv(void **state)
{
	(void)state;
	char *p = path_join(shared, "evtx/parser-edgecases/EXPECTED_COUNTS.tsv");
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char line[1024];
	int checked = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || strncmp(line, "samples/", 8) != 0)
			continue;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		long ok = strtol(tab + 1, NULL, 10);
		const char *name = line + 8;
		bool found = false;
		for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
			if (!strcmp(counts[i].file, name)) {
				found = true;
				if (counts[i].tsv_ok >= 0) {
					assert_int_equal(counts[i].tsv_ok, ok);
					assert_true(counts[i].ok >= ok);
					checked++;
				}
			}
		}
		if (!found)
			fail_msg("EXPECTED_COUNTS.tsv lists %s, not in the test table", name);
	}
	fclose(f);
	free(p);
	assert_int_equal(checked, 12);
}

/* ---- differential: .evtx natively vs its evtx_dump JSON ---- */

typedef struct flat_ev {
	uint64_t rid;
	char *text; /* "name\ttype\tvalue\n" lines, in field order */
} flat_ev;

typedef struct flat_set {
	flat_ev *v;
	size_t n, cap;
} flat_set;

static void flat_add(flat_set *s, spoor_event *ev, uint64_t rid)
{
	size_t cap = 1024, len = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t nf = spoor_event_count(ev);
	for (size_t i = 0; i < nf; i++) {
		spoor_sv name, text;
		spoor_value val;
		unsigned fl;
		assert_int_equal(spoor_event_at(ev, i, &name, &val, &fl), 0);
		/* evtx_dump's Event.#attributes (xmlns) has no EVTX counterpart. */
		if (name.n >= 6 && !memcmp(name.p, "Event.", 6))
			continue;
		assert_int_equal(spoor_event_text(ev, &val, &text), 0);
		if (val.type == SPOOR_VT_NULL)
			text = SPOOR_SV(""); /* JSON null reads back as "null" */
		int type = val.type == SPOOR_VT_JSTR ? SPOOR_VT_STR : (int)val.type;
		size_t need = name.n + text.n + 16;
		if (len + need > cap) {
			while (len + need > cap)
				cap *= 2;
			t = realloc(t, cap);
			assert_non_null(t);
		}
		len += (size_t)snprintf(t + len, cap - len, "%.*s\t%d\t%.*s\n", (int)name.n, name.p, type, (int)text.n,
					text.p);
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n].rid = rid;
	s->v[s->n].text = t;
	s->n++;
}

static void flat_read(const char *path, flat_set *s, const char *want_format)
{
	spoor_ctx *ctx = NULL;
	spoor_diag dg;
	assert_int_equal(spoor_ctx_new(&ctx, NULL, &dg), 0);
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, NULL, &dg), 0);
	assert_int_equal(spoor_scanner_add(sc, path), 0);
	spoor_event *ev;
	int r;
	while ((r = spoor_scanner_next(sc, &ev, &dg)) == 1) {
		assert_string_equal(spoor_event_format(ev), want_format);
		spoor_value v;
		uint64_t rid = 0;
		spoor_sv t;
		if (spoor_event_get(ev, "EventRecordID", 13, &v) == 0 && spoor_event_text(ev, &v, &t) == 0)
			sv_to_u64(t, &rid);
		flat_add(s, ev, rid);
	}
	assert_int_equal(r, 0);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
}

static void flat_free(flat_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Is every line of the JSON event in the EVTX event? */
static bool lines_subset(const char *json, const char *evtx, char *why, size_t whylen)
{
	const char *p = json;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = (size_t)(e - p) + 1;
		bool found = false;
		for (const char *q = evtx; *q;) {
			const char *qe = strchr(q, '\n');
			if ((size_t)(qe - q) + 1 == n && !memcmp(p, q, n)) {
				found = true;
				break;
			}
			q = qe + 1;
		}
		if (!found) {
			snprintf(why, whylen, "%.*s", (int)MIN(n - 1, (size_t)200), p);
			return false;
		}
		p = e + 1;
	}
	return true;
}

typedef struct walk_state {
	int pairs, events, mismatches;
} walk_state;

/* This JSON was produced by another evtx_dump build (nanosecond times) and
 * differs in one value's case: not a rendering of this .evtx byte for byte. */
static const char *const known_foreign[] = {"ad691d92-15f2-4181-9aa4-723c74f9ddc3.json"};

static void diff_pair(const char *evtx, const char *json, walk_state *ws)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_foreign); i++) {
		const char *b = strrchr(json, '/');
		if (b && !strcmp(b + 1, known_foreign[i]))
			return;
	}
	flat_set fe = {0}, fj = {0};
	flat_read(evtx, &fe, "evtx");
	flat_read(json, &fj, "json");
	ws->pairs++;
	for (size_t i = 0; i < fj.n; i++) {
		bool ok = false;
		char why[256] = "no EVTX record with this EventRecordID";
		for (size_t k = 0; k < fe.n && !ok; k++) {
			if (fe.v[k].rid == fj.v[i].rid)
				ok = lines_subset(fj.v[i].text, fe.v[k].text, why, sizeof(why));
		}
		ws->events++;
		if (!ok) {
			ws->mismatches++;
			print_message("MISMATCH %s record %llu: %s\n", evtx, (unsigned long long)fj.v[i].rid, why);
		}
	}
	flat_free(&fe);
	flat_free(&fj);
}

static void walk_regression(const char *dir, walk_state *ws)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = path_join(dir, de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_regression(p, ws);
		} else {
			size_t n = strlen(p);
			if (n > 5 && !strcmp(p + n - 5, ".evtx")) {
				char *j = strdup(p);
				strcpy(j + n - 5, ".json");
				if (stat(j, &st) == 0)
					diff_pair(p, j, ws);
				free(j);
			}
		}
		free(p);
	}
	closedir(d);
}

static void test_regression_differential(void **state)
{
	(void)state;
	char *dir = path_join(shared, "sigma/regression_data");
	walk_state ws = {0};
	walk_regression(dir, &ws);
	free(dir);
	print_message("regression: %d pairs, %d events, %d mismatches\n", ws.pairs, ws.events, ws.mismatches);
	assert_true(ws.pairs >= 200);
	assert_true(ws.events >= ws.pairs);
	assert_int_equal(ws.mismatches, 0);
}

/* ---- values checked against evtxexport ---- */

typedef struct mitre_check {
	int seen;
	int checked;
} mitre_check;

static void check_pth(spoor_event *ev, void *u)
{
	mitre_check *m = u;
	spoor_sv t;
	m->seen++;
	assert_true(field_text(ev, "Channel", &t));
	assert_true(sv_eq_cstr(t, "Security"));
	assert_true(field_text(ev, "Computer", &t));
	assert_true(sv_eq_cstr(t, "FS03.offsec.lan"));
	if (ev->origin.record_id == 67099) {
		assert_true(field_text(ev, "EventID", &t) && sv_eq_cstr(t, "1102"));
		/* UserData/LogFileCleared/SubjectUserName */
		assert_true(field_text(ev, "SubjectUserName", &t) && sv_eq_cstr(t, "admmig"));
		assert_true(field_text(ev, "TimeCreated_SystemTime", &t) &&
			    sv_eq_cstr(t, "2021-10-20T13:39:12.731904Z"));
		int64_t ts;
		assert_int_equal(spoor_event_time(ev, &ts), 1);
		assert_true(ts == 1634737152731904000LL);
		m->checked++;
	} else if (ev->origin.record_id == 67100) {
		assert_true(field_text(ev, "EventID", &t) && sv_eq_cstr(t, "4964"));
		assert_true(field_text(ev, "LogonGuid", &t) && sv_eq_cstr(t, "438B6156-A481-8BB7-01F5-A86C88180217"));
		assert_true(field_text(ev, "TargetLogonId", &t) && sv_eq_cstr(t, "0x266e045"));
		assert_true(field_text(ev, "SidList", &t) &&
			    sv_eq_cstr(t, "%{S-1-5-21-4230534742-2542757381-3142984815-1613}"));
		assert_true(field_text(ev, "Provider_Guid", &t) &&
			    sv_eq_cstr(t, "54849625-5478-4994-A5BA-3E3B0328C30D"));
		const efield *f = event_find(ev, field_find(&ev->ctx->ft, "Execution_ProcessID", 19));
		assert_non_null(f);
		assert_int_equal(f->type, SPOOR_VT_NUM);
		assert_true(sv_eq_cstr(f->val, "512"));
		m->checked++;
	}
	assert_true(sv_eq_cstr(ev->ls.channel, "Security"));
	assert_string_equal(ev->format, "evtx");
}

static void check_ps800(spoor_event *ev, void *u)
{
	mitre_check *m = u;
	spoor_sv t;
	m->seen++;
	if (ev->origin.record_id == 472) {
		/* Classic events: an array substitution repeats <Data>. */
		assert_true(field_text(ev, "EventID", &t) && sv_eq_cstr(t, "800"));
		assert_true(field_text(ev, "Channel", &t) && sv_eq_cstr(t, "Windows PowerShell"));
		assert_true(field_text(ev, "EventID_Qualifiers", &t) && sv_eq_cstr(t, "0"));
		assert_true(field_text(ev, "Data.0", &t) && sv_starts(t, "Start-BitsTransfer -Priority foreground"));
		assert_true(field_text(ev, "Data.1", &t) && sv_starts(t, "DetailSequence=1"));
		assert_true(field_text(ev, "Data.2", &t) &&
			    sv_starts(t, "CommandInvocation(Start-BitsTransfer): \"Start-BitsTransfer\""));
		assert_false(field_text(ev, "Data.3", &t));
		m->checked++;
	}
}

static void run_file(const char *rel, size_t expect, each_fn fn, mitre_check *m)
{
	char *p = path_join(shared, rel);
	size_t n;
	uint8_t *buf = load(p, &n);
	if (!buf)
		fail_msg("missing %s", p);
	run_res r;
	run_mem(buf, n, 0, &r, fn, m);
	assert_int_equal(r.good, (long)expect);
	assert_int_equal(r.bad, 0);
	free(buf);
	free(p);
}

static void test_mitre_values(void **state)
{
	(void)state;
	mitre_check m = {0};
	run_file("evtx/mitre-attack-cc0/TA0008-Lateral Movement/T1550-Use Alternate Authentication Material/"
		 "ID4624-Mimikatz Pass the hash.evtx",
		 8, check_pth, &m);
	assert_int_equal(m.seen, 8);
	assert_int_equal(m.checked, 2);
}

/* Every mitre file decodes without a bad record (evtxexport fails on about
 * 13% of these records; spoor's values equal evtxexport's on every record
 * it does decode: checked by the differential script in the docs). */
typedef struct mitre_tot {
	long files, good, bad;
	mitre_check ps;
} mitre_tot;

static void walk_mitre(const char *dir, mitre_tot *t)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = path_join(dir, de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_mitre(p, t);
		} else {
			size_t n = strlen(p);
			if (n > 5 && !strcmp(p + n - 5, ".evtx")) {
				size_t len;
				uint8_t *buf = load(p, &len);
				assert_non_null(buf);
				run_res r;
				bool ps = strstr(p, "ID800-4103-4104-PowerShell BITS job started.evtx") != NULL;
				run_mem(buf, len, 0, &r, ps ? check_ps800 : NULL, &t->ps);
				t->files++;
				t->good += r.good;
				t->bad += r.bad;
				free(buf);
			}
		}
		free(p);
	}
	closedir(d);
}

static void test_mitre_totals(void **state)
{
	(void)state;
	char *dir = path_join(shared, "evtx/mitre-attack-cc0");
	mitre_tot t = {0};
	walk_mitre(dir, &t);
	free(dir);
	assert_int_equal(t.files, 281);
	assert_int_equal(t.good, 10015);
	assert_int_equal(t.bad, 0);
	assert_int_equal(t.ps.checked, 1);
}

/* LABELS.tsv gives each file's record count (file, tactic, technique,
 * event ids, description, records): spoor's count equals it for all. */
static void test_mitre_labels(void **state)
{
	(void)state;
	char *dir = path_join(shared, "evtx/mitre-attack-cc0");
	char *p = path_join(dir, "LABELS.tsv");
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char line[2048];
	int rows = 0;
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		char *col[6] = {0};
		int nc = 0;
		char *q = line;
		while (nc < 6) {
			col[nc++] = q;
			char *t = strchr(q, '\t');
			if (!t)
				break;
			*t = 0;
			q = t + 1;
		}
		if (nc < 6)
			continue;
		long want = strtol(col[5], NULL, 10);
		char *fp = path_join(dir, col[0]);
		size_t n;
		uint8_t *buf = load(fp, &n);
		if (!buf)
			fail_msg("missing %s", fp);
		run_res r;
		run_mem(buf, n, 0, &r, NULL, NULL);
		if (r.good != want || r.bad != 0)
			fail_msg("%s: %ld good / %ld bad, LABELS.tsv says %ld", col[0], r.good, r.bad, want);
		free(buf);
		free(fp);
		rows++;
	}
	fclose(f);
	free(p);
	free(dir);
	assert_int_equal(rows, 281);
}

/* ---- -j: byte-identical results whatever the number of threads ---- */

/* A file of every chunk of every edge-case sample (hundreds of chunks,
 * damaged ones included), behind security.evtx's file header. */
static uint8_t *all_chunks(size_t *out_n)
{
	char *dir = path_join(shared, "evtx/parser-edgecases/samples");
	size_t cap = EVTX_FILE_HEADER_SIZE, n = 0;
	uint8_t *f = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		char *p = path_join(dir, counts[i].file);
		size_t len;
		uint8_t *buf = load(p, &len);
		assert_non_null(buf);
		if (!f) {
			f = malloc(cap);
			assert_non_null(f);
		}
		if (n == 0) {
			memcpy(f, buf, EVTX_FILE_HEADER_SIZE);
			n = EVTX_FILE_HEADER_SIZE;
		}
		for (size_t o = EVTX_FILE_HEADER_SIZE; o < len; o += EVTX_CHUNK_SIZE) {
			size_t cl = MIN((size_t)EVTX_CHUNK_SIZE, len - o);
			if (n + EVTX_CHUNK_SIZE > cap) {
				cap = cap * 2 + EVTX_CHUNK_SIZE;
				f = realloc(f, cap);
				assert_non_null(f);
			}
			memset(f + n, 0, EVTX_CHUNK_SIZE);
			memcpy(f + n, buf + o, cl);
			n += EVTX_CHUNK_SIZE;
		}
		free(buf);
		free(p);
	}
	free(dir);
	*out_n = n;
	return f;
}

static void test_jobs_identical(void **state)
{
	(void)state;
	size_t n;
	uint8_t *f = all_chunks(&n);
	assert_true(n > 100 * (size_t)EVTX_CHUNK_SIZE);
	run_res one, r;
	run_mem_j(f, n, 0, 1, &one, NULL, NULL);
	assert_true(one.good > 15000);
	assert_true(one.bad > 0 && one.slack > 0 && one.resync > 0);
	static const struct {
		unsigned jobs;
		size_t step;
	} runs[] = {{2, 0}, {4, 0}, {2, 1u << 20}, {3, 70000}, {8, 1u << 16}, {1, 100000}};
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		run_mem_j(f, n, runs[i].step, runs[i].jobs, &r, NULL, NULL);
		if (r.good != one.good || r.bad != one.bad || r.slack != one.slack || r.hash != one.hash)
			fail_msg("-j %u (window step %zu): %ld/%ld/%ld differs from -j 1: %ld/%ld/%ld", runs[i].jobs,
				 runs[i].step, r.good, r.bad, r.slack, one.good, one.bad, one.slack);
	}
	free(f);
}

/* ---- files one after another: the scanner keeps the format state ---- */

/* Read the given paths with one scanner: a hash of every event (fields,
 * origin offset) per run of events of one file into seg[] (returns how
 * many), events and bad records counted. */
static size_t scan_paths(const char *const *paths, size_t np, unsigned jobs, uint64_t *seg, size_t maxseg,
			 long *events, long *bad)
{
	spoor_ctx *ctx = NULL;
	spoor_diag dg = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, NULL, &dg), 0);
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	so.jobs = jobs;
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, &dg), 0);
	for (size_t i = 0; i < np; i++)
		assert_int_equal(spoor_scanner_add(sc, paths[i]), 0);
	spoor_event *ev;
	int r;
	size_t ns = 0;
	const char *cur = NULL;
	*events = 0;
	while ((r = spoor_scanner_next(sc, &ev, &dg)) == 1) {
		(*events)++;
		const spoor_origin *o = spoor_event_origin(ev);
		if (!cur || o->path != cur) {
			assert_true(ns < maxseg);
			seg[ns++] = 14695981039346656037ull;
			cur = o->path;
		}
		uint64_t h = seg[ns - 1];
		h = fnv(h, &o->offset, sizeof(o->offset));
		h = fnv(h, &o->record_id, sizeof(o->record_id));
		for (size_t i = 0; i < spoor_event_count(ev); i++) {
			spoor_sv name, text;
			spoor_value val;
			unsigned fl;
			assert_int_equal(spoor_event_at(ev, i, &name, &val, &fl), 0);
			assert_int_equal(spoor_event_text(ev, &val, &text), 0);
			h = fnv(h, name.p, name.n);
			h = fnv(h, &val.type, sizeof(val.type));
			h = fnv(h, text.p, text.n);
		}
		seg[ns - 1] = h;
	}
	assert_int_equal(r, 0);
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	*bad = (long)st.records_bad;
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	return ns;
}

static void test_scanner_reuse(void **state)
{
	(void)state;
	/* EVTX files (damaged ones too) with a JSON file between them (the
	 * kept EVTX state waits across it: the JSON parser has no finish(),
	 * so it does not replace the spare), one file twice
	 * (its chunk numbers repeat), then the 281 files of mitre-attack-cc0
	 * (many logs, providers and name tables): every file gives the same
	 * events as when it is read by a scanner of its own, at -j 1 and -j 3. */
	const char *names[] = {"evtx/parser-edgecases/samples/sample_with_a_bad_chunk_magic.evtx",
			       "evtx/parser-edgecases/samples/security.evtx",
			       "evtx/parser-edgecases/samples/2-vss_7-System.evtx",
			       "sigma/regression_data/rules-threat-hunting/windows/image_load/"
			       "image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.json",
			       "evtx/parser-edgecases/samples/sample_with_a_bad_chunk_magic.evtx",
			       "evtx/parser-edgecases/samples/"
			       "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
			       "evtx/mitre-attack-cc0"};
	/* the list of files, directories walked (as the scanner does) */
	spoor_ctx *ctx = NULL;
	spoor_diag dg = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, NULL, &dg), 0);
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, NULL, &dg), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = path_join(shared, names[i]);
		assert_int_equal(spoor_scanner_add(sc, p), 0);
		free(p);
	}
	size_t nf = 0;
	while (spoor_scanner_path(sc, nf))
		nf++;
	assert_true(nf > 281);
	const char **paths = calloc(nf, sizeof(*paths));
	uint64_t *alone = calloc(nf, sizeof(*alone)), *joined = calloc(nf + 1, sizeof(*joined));
	assert_true(paths && alone && joined);
	for (size_t i = 0; i < nf; i++)
		paths[i] = spoor_scanner_path(sc, i);
	for (unsigned jobs = 1; jobs <= 3; jobs += 2) {
		long ev_alone = 0, bad_alone = 0, e, b;
		size_t na = 0;
		for (size_t i = 0; i < nf; i++) {
			uint64_t h;
			size_t k = scan_paths(&paths[i], 1, jobs, &h, 1, &e, &b);
			if (k)
				alone[na++] = h; /* files without events make no run */
			ev_alone += e;
			bad_alone += b;
		}
		assert_true(alone[0] == alone[4]);
		assert_int_equal(scan_paths(paths, nf, jobs, joined, nf + 1, &e, &b), na);
		assert_int_equal(e, ev_alone);
		assert_int_equal(b, bad_alone);
		assert_true(bad_alone > 0);
		for (size_t i = 0; i < na; i++)
			if (joined[i] != alone[i])
				fail_msg("-j %u: run %zu of events differs when read after other files", jobs, i);
	}
	free(paths);
	free(alone);
	free(joined);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
}

/* ---- CRC-32: the folded x86-64 path equals zlib's ---- */

static void test_crc32(void **state)
{
	(void)state;
	enum { N = 6000 };
	uint8_t *b = malloc(N + 64);
	assert_non_null(b);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < N + 64; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)x;
	}
	for (size_t al = 0; al < 16; al += 3) {
		for (size_t n = 0; n <= N; n += n < 300 ? 1 : 97) {
			uint32_t want = (uint32_t)crc32(0L, b + al, (uInt)n);
			assert_int_equal(evtx_crc32(0, b + al, n), want);
			/* continued from a running value */
			uint32_t part = (uint32_t)crc32(0L, b, 7);
			assert_int_equal(evtx_crc32(part, b + al, n), (uint32_t)crc32(part, b + al, (uInt)n));
		}
	}
	memset(b, 0, N);
	assert_int_equal(evtx_crc32(0, b, 65536 < N ? 65536 : N), (uint32_t)crc32(0L, b, N));
	free(b);
}

/* ---- damage built in memory from security.evtx ---- */

static uint8_t *sec;
static size_t sec_n;

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static long chunk_records(const uint8_t *f, int ci)
{
	const uint8_t *c = f + EVTX_FILE_HEADER_SIZE + (size_t)ci * EVTX_CHUNK_SIZE;
	return (long)(rd64(c + 16) - rd64(c + 8) + 1);
}

static uint8_t *sec_copy(void)
{
	uint8_t *p = malloc(sec_n);
	assert_non_null(p);
	memcpy(p, sec, sec_n);
	return p;
}

static void test_damage(void **state)
{
	(void)state;
	run_res base, r;
	run_mem(sec, sec_n, 0, &base, NULL, NULL);
	assert_int_equal(base.good, 2261);
	assert_int_equal(base.bad, 0);
	assert_int_equal(chunk_records(sec, 0), 91);
	long n1 = chunk_records(sec, 1), n2 = chunk_records(sec, 2);

	/* A zeroed chunk: its records are gone, nothing is "bad". */
	uint8_t *p = sec_copy();
	memset(p + EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE, 0, EVTX_CHUNK_SIZE);
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261 - n1);
	assert_int_equal(r.bad, 0);
	free(p);

	/* Bad chunk and data CRCs: decoded anyway. */
	p = sec_copy();
	p[EVTX_FILE_HEADER_SIZE + 124] ^= 0xff;
	p[EVTX_FILE_HEADER_SIZE + 52] ^= 0x55;
	p[124] ^= 0xff; /* file header CRC too */
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261);
	assert_int_equal(r.bad, 0);
	assert_true(r.digest == base.digest);
	free(p);

	/* Bad chunk magic: one bad chunk, the rest survive. */
	p = sec_copy();
	p[EVTX_FILE_HEADER_SIZE + 2 * EVTX_CHUNK_SIZE] = 'X';
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261 - n2);
	assert_int_equal(r.bad, 1);
	free(p);

	/* A smashed record header: one bad span, resynchronised after it. */
	p = sec_copy();
	uint8_t *c0 = p + EVTX_FILE_HEADER_SIZE;
	uint32_t off = 512;
	for (int i = 0; i < 2; i++)
		off += (uint32_t)c0[off + 4] | (uint32_t)c0[off + 5] << 8 | (uint32_t)c0[off + 6] << 16;
	c0[off] = 0;
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2260);
	assert_int_equal(r.bad, 1);
	free(p);

	/* Slack: free-space offset moved back over the last 31 records of
	 * chunk 0; they are carved, marked and still produced. */
	uint32_t offs[91];
	{
		const uint8_t *k0 = sec + EVTX_FILE_HEADER_SIZE;
		uint32_t o = 512;
		for (int i = 0; i < 91; i++) {
			offs[i] = o;
			o += (uint32_t)k0[o + 4] | (uint32_t)k0[o + 5] << 8 | (uint32_t)k0[o + 6] << 16;
		}
	}
	p = sec_copy();
	c0 = p + EVTX_FILE_HEADER_SIZE;
	c0[48] = (uint8_t)offs[60];
	c0[49] = (uint8_t)(offs[60] >> 8);
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261 - 31);
	assert_int_equal(r.slack, base.slack + 31);
	assert_int_equal(r.bad, 0);
	run_res rj;
	run_mem_j(p, sec_n, 5000, 2, &rj, NULL, NULL);
	assert_true(rj.hash == r.hash);
	run_no_carve = true; /* --no-carve: the log as its headers describe it */
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	run_no_carve = false;
	assert_int_equal(r.good, 2261 - 31);
	assert_int_equal(r.slack, 0);
	free(p);

	/* The chunk header's last record offset left behind (header not
	 * updated): the 30 records after it are read and marked. */
	p = sec_copy();
	c0 = p + EVTX_FILE_HEADER_SIZE;
	c0[44] = (uint8_t)offs[60];
	c0[45] = (uint8_t)(offs[60] >> 8);
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261);
	assert_int_equal(r.unindexed, 30);
	free(p);

	/* A broken chain (smashed header of record 2): the 88 records found
	 * by resynchronising are marked. */
	p = sec_copy();
	c0 = p + EVTX_FILE_HEADER_SIZE;
	c0[offs[2]] = 0;
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2260);
	assert_int_equal(r.resync, 88);
	free(p);

	/* Chunks past the header's count (dirty, stale header): recovered. */
	p = sec_copy();
	p[42] = 1;
	p[43] = 0;
	p[16] = 0;
	p[120] |= 1;
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 2261);
	assert_int_equal(r.beyond, 2261 - 91);
	free(p);

	/* Truncated in chunk 1: chunk 0 whole, part of chunk 1. */
	run_mem(sec, EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE + 30000, 0, &r, NULL, NULL);
	assert_true(r.good > 91 && r.good < 91 + n1);
	assert_true(r.bad <= 1);
	run_mem(sec, EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE + 30000, 4096, &r, NULL, NULL);
	assert_true(r.good > 91 && r.good < 91 + n1);

	/* Tiny inputs. */
	run_mem(sec, 0, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 0);
	run_mem(sec, 100, 0, &r, NULL, NULL);
	assert_int_equal(r.good, 0);
	run_mem(sec, EVTX_FILE_HEADER_SIZE, 0, &r, NULL, NULL);
	assert_int_equal(r.good + r.bad, 0);
	run_mem(sec, EVTX_FILE_HEADER_SIZE + 600, 0, &r, NULL, NULL);
	assert_true(r.good <= 1);

	/* Random byte damage in record data: no crash, most records survive. */
	p = sec_copy();
	uint32_t x = 12345;
	for (int i = 0; i < 400; i++) {
		x = x * 1103515245u + 12345u;
		size_t at = EVTX_FILE_HEADER_SIZE + (size_t)(x >> 8) % (sec_n - EVTX_FILE_HEADER_SIZE);
		if (at % EVTX_CHUNK_SIZE < 512)
			continue;
		p[at] ^= (uint8_t)(x >> 3) | 1;
	}
	run_mem(p, sec_n, 0, &r, NULL, NULL);
	assert_true(r.good > 1500);
	run_mem(p, sec_n, 3000, &r, NULL, NULL);
	assert_true(r.good > 1500);
	free(p);
}

int main(void)
{
	shared = getenv("SPOOR_SHARED_DATA");
	char *probe = shared ? path_join(shared, "evtx/parser-edgecases/samples/security.evtx") : NULL;
	if (!probe || !(sec = load(probe, &sec_n))) {
		printf("test-evtx: SPOOR_SHARED_DATA unset or without evtx/ (%s); skipping\n",
		       shared ? shared : "unset");
		free(probe);
		return 77;
	}
	free(probe);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),	 cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_built_chunk),	 cmocka_unit_test(test_edgecase_counts),
	    cmocka_unit_test(test_edgecase_tsv), cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_jobs_identical), cmocka_unit_test(test_scanner_reuse),
	    cmocka_unit_test(test_crc32),
	    cmocka_unit_test(test_mitre_values), cmocka_unit_test(test_mitre_totals),
	    cmocka_unit_test(test_mitre_labels), cmocka_unit_test(test_regression_differential),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(sec);
	return rc;
}
