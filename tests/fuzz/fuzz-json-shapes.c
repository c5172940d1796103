/* fuzz-json-shapes — the whole JSON format: framing (JSON lines, streams,
 * top-level arrays), json_flatten, shape detection and normalization, and
 * the JSON-lines writer.
 *
 * parser_json's `next` is driven over the input as the scanner drives it:
 * a window that grows by fixed-size reads, PARSE_MORE to ask for more,
 * eof at the end.  It runs twice, once with the whole input in the window
 * and once with small reads, and the two runs must find the same records
 * (a file's events may not depend on where read() happened to stop).
 * FUZZ_TRACE=1 prints every call of next() with its window.
 * Every event goes through spoor_out, and every output line must be valid
 * JSON (json_validate) and valid UTF-8.  Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/base.h"
#include "event/event-int.h"
#include "parse/json-scan.h"
#include "parse/parser.h"
#include "spoor/output.h"
#include "spoor/scan.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (64u << 10)
#define MAX_RECS 4096

typedef struct rec {
	uint64_t off;  /* record start in the stream */
	uint64_t len;  /* raw length (events), 0 for bad records */
	uint32_t nf;   /* fields */
	int kind;      /* 1 event, 2 bad */
} rec;

typedef struct run {
	rec r[MAX_RECS];
	size_t n;
	bool overflow;
} run;

static int out_fd = -1;
static bool trace; /* FUZZ_TRACE=1: print every call of next() */
static char *obuf;
static size_t ocap;

static void check_output(void)
{
	off_t len = lseek(out_fd, 0, SEEK_END);
	CHECK(len >= 0);
	if (len == 0)
		return;
	if ((size_t)len > ocap) {
		free(obuf);
		ocap = (size_t)len;
		obuf = malloc(ocap);
		CHECK(obuf != NULL);
	}
	CHECK(pread(out_fd, obuf, (size_t)len, 0) == len);
	CHECK(ftruncate(out_fd, 0) == 0);
	CHECK(lseek(out_fd, 0, SEEK_SET) == 0);
	/* Exactly one line per event. */
	CHECK(obuf[len - 1] == '\n');
	CHECK(memchr(obuf, '\n', (size_t)len - 1) == NULL);
	size_t used = 0;
	json_err e = {0, NULL};
	int r = json_validate(obuf, (size_t)len - 1, 1000, &used, &e);
	if (r != 0 || used != (size_t)len - 1) {
		fprintf(stderr, "fuzz-json-shapes: invalid output (%s at %zu): %.*s\n", e.msg ? e.msg : "trailing data",
			e.pos, (int)len, obuf);
		abort();
	}
	if (!utf8_valid((const unsigned char *)obuf, (size_t)len)) {
		fprintf(stderr, "fuzz-json-shapes: output is not UTF-8: %.*s\n", (int)len, obuf);
		abort();
	}
}

static void check_event(spoor_event *ev, spoor_out *o)
{
	size_t n = spoor_event_count(ev);
	for (size_t i = 0; i < n; i++) {
		spoor_sv name, t;
		spoor_value v, g;
		unsigned fl;
		CHECK(spoor_event_at(ev, i, &name, &v, &fl) == 0);
		CHECK(name.p != NULL || name.n == 0);
		CHECK((unsigned)v.type < _SPOOR_VT_MAX);
		CHECK(v.sv.p != NULL || v.sv.n == 0);
		CHECK(spoor_event_text(ev, &v, &t) == 0);
		if (name.p && !(ev->f[i].flags & EF_DEAD))
			CHECK(spoor_event_get(ev, name.p, name.n, &g) == 0);
	}
	int64_t ts;
	if (spoor_event_time(ev, &ts)) {
		char b[40];
		size_t tl = time_format(ts, b);
		CHECK(tl > 0 && tl < 40);
	}
	CHECK(spoor_event_format(ev) != NULL && spoor_event_shape(ev) != NULL);
	CHECK(spoor_out_event(o, ev) == 0);
	CHECK(spoor_out_flush(o) == 0);
	check_output();
}

static void add_rec(run *ru, int kind, uint64_t off, uint64_t len, uint32_t nf)
{
	if (ru->n == MAX_RECS) {
		ru->overflow = true;
		return;
	}
	ru->r[ru->n++] = (rec){off, len, nf, kind};
}

/* Drive parser_json over data as the scanner does (next_framed), with
 * reads of `chunk` bytes.  Without a record limit: the window may hold the
 * whole input. */
static void drive(spoor_ctx *ctx, spoor_out *o, const char *data, size_t size, size_t chunk, run *ru)
{
	const parser_vt *vt = parser_find("json");
	CHECK(vt != NULL && vt->next != NULL);
	void *st = calloc(1, vt->state_size ? vt->state_size : 1);
	CHECK(st != NULL);
	spoor_diag rd = SPOOR_DIAG_INIT;
	parse_env env = {ctx, "fuzz", 0, &rd};
	CHECK(!vt->open || vt->open(st, &env) == 0);
	spoor_event ev;
	event_init(&ev, ctx);

	/* The window is a heap copy of exactly the bytes read so far, so ASan
	 * sees any read past its end. */
	size_t start = 0, end = MIN(chunk, size);
	bool discarding = false;
	unsigned stall = 0;
	for (;;) {
		bool eof = end == size;
		size_t wl = end - start;
		char *win = malloc(wl ? wl : 1);
		CHECK(win != NULL);
		memcpy(win, data + start, wl);
		parse_window w = {win, wl, eof, start};
		size_t consumed = 0, rec_start = 0;
		if (discarding) {
			char *nl = memchr(win, '\n', wl);
			size_t skip = nl ? (size_t)(nl - win) + 1 : 0;
			free(win);
			if (nl) {
				start += skip;
				discarding = false;
				continue;
			}
			start = end;
			if (eof)
				break;
			end = MIN(end + chunk, size);
			continue;
		}
		event_reset(&ev);
		ev.format = vt->name;
		ev.origin.path = "fuzz";
		int r = vt->next(st, &env, &w, &ev, &consumed, &rec_start);
		if (trace)
			fprintf(stderr, "  chunk %zu: window [%zu,%zu)%s -> r=%d consumed=%zu rec_start=%zu\n", chunk, start, end,
				eof ? " eof" : "", r, consumed, rec_start);
		CHECK(r == PARSE_EVENT || r == PARSE_MORE || r == PARSE_BAD || r == PARSE_SKIP ||
		      r == SPOOR_EPARSE);
		CHECK(consumed <= wl);
		if (r != PARSE_MORE)
			CHECK(rec_start <= consumed);
		switch (r) {
		case PARSE_EVENT:
			CHECK(consumed > 0 && consumed > rec_start);
			ev.origin.offset = start + rec_start;
			/* The raw record view must be inside the window. */
			ev.raw = sv_make(win + rec_start, consumed - rec_start);
			add_rec(ru, 1, start + rec_start, consumed - rec_start, (uint32_t)spoor_event_count(&ev));
			check_event(&ev, o);
			start += consumed;
			stall = 0;
			break;
		case PARSE_BAD:
		case SPOOR_EPARSE:
			CHECK(rd.msg[0] != 0);
			memset(&rd, 0, sizeof(rd));
			add_rec(ru, 2, start + rec_start, 0, 0);
			if (consumed == 0)
				discarding = true;
			start += consumed;
			stall = 0;
			break;
		case PARSE_SKIP:
			/* The scanner skips at least one byte on PARSE_SKIP: there
			 * must be one (a SKIP of an empty window at eof walks the
			 * scanner's window start past its end). */
			CHECK(consumed > 0 || wl > 0);
			start += consumed ? consumed : 1;
			stall = 0;
			break;
		case PARSE_MORE:
		default:
			start += consumed;
			if (eof) {
				free(win);
				goto done;
			}
			if (!consumed)
				end = MIN(end + chunk, size);
			/* A parser that neither consumes nor gets more data loops. */
			CHECK(++stall < 100000);
			break;
		}
		free(win);
		CHECK(start <= end);
	}
done:
	if (vt->close)
		vt->close(st);
	free(st);
	event_done(&ev);
}

static bool same(const run *a, const run *b)
{
	if (a->overflow || b->overflow)
		return true;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->r[i].kind != b->r[i].kind || a->r[i].off != b->r[i].off || a->r[i].len != b->r[i].len ||
		    a->r[i].nf != b->r[i].nf)
			return false;
	}
	return true;
}

static void dump(const char *what, const run *ru)
{
	fprintf(stderr, "%s: %zu records\n", what, ru->n);
	for (size_t i = 0; i < ru->n && i < 20; i++)
		fprintf(stderr, "  %s off=%llu len=%llu fields=%u\n", ru->r[i].kind == 1 ? "event" : "bad",
			(unsigned long long)ru->r[i].off, (unsigned long long)ru->r[i].len, ru->r[i].nf);
}

static run run_a, run_b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (out_fd < 0) {
		trace = getenv("FUZZ_TRACE") != NULL;
		out_fd = memfd_create("fuzz-out", 0);
		CHECK(out_fd >= 0);
	}
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.limits.max_record = 1u << 20;
	co.limits.max_names = 512;
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_new(&ctx, &co, &d) == 0);
	spoor_out *o = NULL;
	CHECK(spoor_out_new(&o, out_fd, NULL, &d) == 0);

	memset(&run_a, 0, sizeof(run_a));
	memset(&run_b, 0, sizeof(run_b));
	drive(ctx, o, (const char *)data, size, size ? size : 1, &run_a);
	size_t chunk = 1 + (size * 2654435761u >> 7) % 61; /* deterministic, small */
	drive(ctx, o, (const char *)data, size, chunk, &run_b);
	if (!same(&run_a, &run_b)) {
		fprintf(stderr, "fuzz-json-shapes: records depend on read size (chunk %zu)\n", chunk);
		dump("whole", &run_a);
		dump("chunked", &run_b);
		abort();
	}
	spoor_out_free(o);
	spoor_ctx_free(ctx);
	return 0;
}
