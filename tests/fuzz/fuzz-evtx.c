/* fuzz-evtx — the EVTX format and its Binary XML decoder.
 *
 * The input is read three ways:
 *  1. as an EVTX file through the format's `next` over one window holding
 *     it all (eof set);
 *  2. the same through a window that grows by a step taken from the input
 *     (PARSE_MORE paths, partial chunks), with two decoding threads for
 *     odd-sized inputs; both runs must agree;
 *  3. as one bare chunk (after the 4096-byte file header when there is
 *     one, else from byte 0): every record decoded with a sink that checks
 *     the callbacks' invariants, then the same chunk through a tape
 *     (evtx_tape_chunk) replayed into that sink.
 * Checks: consumed bytes stay in the window, an event is only reported
 * with progress, bad records carry a reason, runs agree.  Violations
 * abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"
#include "parse/evtx/evtx.h"
#include "parse/parser.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (1u << 20)

typedef struct totals {
	long good, bad;
	uint64_t digest;
} totals;

static void run(spoor_ctx *ctx, const uint8_t *p, size_t n, size_t step, unsigned jobs, totals *t)
{
	const parser_vt *vt = parser_find("evtx");
	CHECK(vt != NULL);
	spoor_event ev;
	CHECK(event_init(&ev, ctx) == 0);
	void *st = calloc(1, vt->state_size);
	CHECK(st != NULL);
	spoor_diag diag;
	memset(&diag, 0, sizeof(diag));
	parse_env env = {ctx, "fuzz", 0, &diag, jobs, NULL, NULL};
	CHECK(vt->open(st, &env) == 0);
	memset(t, 0, sizeof(*t));
	size_t off = 0, avail = step ? MIN(step, n) : n;
	for (long guard = 0;; guard++) {
		CHECK(guard < 10000000);
		event_reset(&ev);
		diag.msg[0] = 0;
		parse_window w = {(const char *)p + off, avail - off, avail == n, off};
		size_t c = 0, rs = 0;
		int r = vt->next(st, &env, &w, &ev, &c, &rs);
		CHECK(c <= w.len);
		if (r == PARSE_MORE) {
			off += c;
			if (w.eof && !c)
				break;
			if (!c)
				avail = MIN(n, avail + step);
			continue;
		}
		CHECK(r == PARSE_EVENT || r == PARSE_BAD || r == PARSE_SKIP);
		if (r == PARSE_EVENT) {
			CHECK(c > 0 && rs < c);
			CHECK(!strcmp(ev.format, "evtx"));
			t->good++;
			t->digest = t->digest * 1000003u + ev.origin.record_id * 31u + ev.n;
			for (size_t i = 0; i < ev.n; i++) {
				spoor_sv s;
				CHECK(event_text(&ev, &ev.f[i], &s));
			}
		} else if (r == PARSE_BAD) {
			CHECK(c > 0);
			CHECK(diag.msg[0] != 0);
			t->bad++;
		}
		off += c ? c : 1;
	}
	vt->close(st);
	free(st);
	event_done(&ev);
}

/* A sink that checks balance and copies nothing. */
typedef struct sink_state {
	int depth;
	long calls;
} sink_state;

static int s_start(void *u, spoor_sv name)
{
	sink_state *s = u;
	CHECK(name.n == 0 || name.p != NULL);
	s->depth++;
	CHECK(s->depth <= EVTX_MAX_DEPTH);
	s->calls++;
	return 0;
}

static int s_attr(void *u, spoor_sv name, spoor_sv val, int kind)
{
	sink_state *s = u;
	CHECK(s->depth > 0);
	CHECK(kind >= EVTX_V_NONE && kind <= EVTX_V_BOOL);
	if (val.n) {
		volatile char c0 = val.p[0], c1 = val.p[val.n - 1];
		(void)c0;
		(void)c1;
	}
	(void)name;
	s->calls++;
	return 0;
}

static int s_end(void *u, spoor_sv text, int kind)
{
	sink_state *s = u;
	CHECK(s->depth > 0);
	CHECK(kind >= EVTX_V_NONE && kind <= EVTX_V_BOOL);
	if (text.n) {
		volatile char c0 = text.p[0], c1 = text.p[text.n - 1];
		(void)c0;
		(void)c1;
	}
	s->depth--;
	s->calls++;
	return 0;
}

static void bare_chunk(const uint8_t *p, size_t n)
{
	if (n > EVTX_CHUNK_SIZE)
		n = EVTX_CHUNK_SIZE;
	/* The decoder reads only inside the chunk it is given: an exact-size
	 * heap copy lets ASan catch any overread. */
	uint8_t *c = malloc(n ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	evtx_chunk_info ci;
	evtx_chunk_inspect(c, n, &ci);
	if (ci.state == EVTX_CHUNK_OK) {
		evtx_dec d;
		CHECK(evtx_dec_init(&d) == 0);
		evtx_chunk_begin(&d, c, (uint32_t)n);
		sink_state ss = {0, 0};
		evtx_sink sink = {s_start, s_attr, s_end, NULL, &ss};
		uint32_t pos = EVTX_CHUNK_HEADER_SIZE, last = 0;
		evtx_record rec;
		int r;
		while ((r = evtx_chunk_next_record(c, &ci, &pos, &rec)) != EVTX_REC_END) {
			CHECK(pos > last);
			last = pos;
			CHECK(rec.off + (uint64_t)rec.size <= n);
			if (r == EVTX_REC_OK) {
				ss.depth = 0;
				int rc = evtx_record_decode(&d, &rec, &sink);
				CHECK(rc == 0 || rc == SPOOR_EPARSE || rc == SPOOR_ELIMIT);
				if (rc == SPOOR_EPARSE)
					CHECK(d.err != NULL);
				if (rc == 0)
					CHECK(ss.depth == 0);
			}
		}
		/* The same chunk through a tape, replayed. */
		evtx_tape t;
		evtx_tape_init(&t);
		CHECK(evtx_tape_chunk(&d, c, (uint32_t)n, &t) == 0);
		uint32_t prev_end = 0;
		for (size_t i = 0; i < t.nitems; i++) {
			const evtx_item *it = &t.items[i];
			CHECK(it->off >= prev_end && it->off + (uint64_t)it->size <= n);
			prev_end = it->off + it->size;
			if (it->kind != EVTX_ITEM_RECORD)
				continue;
			ss.depth = 0;
			int rc = evtx_tape_replay(&t, it, &sink);
			CHECK(rc == it->rc);
			if (rc == 0)
				CHECK(ss.depth == 0);
		}
		evtx_tape_done(&t);
		evtx_dec_done(&d);
	}
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	spoor_ctx *ctx = NULL;
	spoor_diag dg;
	CHECK(spoor_ctx_new(&ctx, NULL, &dg) == 0);
	totals a, b;
	run(ctx, data, size, 0, 1, &a);
	size_t step = size ? 512 + (size_t)data[size - 1] * 97 : 1;
	/* Windows that grow, and chunks decoded by worker threads: the same
	 * records, in the same order. */
	run(ctx, data, size, step, 1 + (size & 1), &b);
	CHECK(a.good == b.good && a.bad == b.bad && a.digest == b.digest);
	spoor_ctx_free(ctx);
	if (size >= EVTX_FILE_HEADER_SIZE && !memcmp(data, "ElfFile", 7))
		bare_chunk(data + EVTX_FILE_HEADER_SIZE, size - EVTX_FILE_HEADER_SIZE);
	else
		bare_chunk(data, size);
	return 0;
}
