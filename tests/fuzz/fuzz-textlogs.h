/* fuzz-textlogs — shared driver for the line-format fuzz targets: the
 * input is split into lines (LF, trailing CR dropped) and each goes to one
 * parser_vt, as the scanner would feed it.  The first byte picks the file
 * mtime / year mode so year-less syslog paths are reached too. */
#ifndef SPOOR_FUZZ_TEXTLOGS_H
#define SPOOR_FUZZ_TEXTLOGS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"
#include "parse/parser.h"
#include "spoor/scan.h"

static inline int fuzz_lines(const char *format, const uint8_t *d, size_t n)
{
	static spoor_ctx *ctx;
	static spoor_event ev;
	if (!ctx) {
		spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
		o.tz = "+02:00";
		if (spoor_ctx_new(&ctx, &o, NULL) < 0 || event_init(&ev, ctx) < 0)
			abort();
	}
	const parser_vt *vt = parser_find(format);
	if (!vt)
		abort();
	spoor_diag diag;
	memset(&diag, 0, sizeof(diag));
	parse_env env = {ctx, "fuzz", n && (d[0] & 1) ? 1136073600 : 0, &diag};
	void *st = calloc(1, vt->state_size ? vt->state_size : 1);
	if (!st)
		return 0;
	if (vt->open && vt->open(st, &env) < 0) {
		free(st);
		return 0;
	}
	(void)vt->sniff(sv_make((const char *)d, n < 4096 ? n : 4096));
	const char *p = (const char *)d, *e = p + n;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len) {
			event_reset(&ev);
			ev.raw = sv_make(p, len);
			(void)vt->parse_line(st, &env, sv_make(p, len), &ev);
			/* read back every field so views into the line are touched */
			for (size_t i = 0; i < ev.n; i++) {
				volatile char sink = 0;
				for (size_t k = 0; k < ev.f[i].val.n; k++)
					sink ^= ev.f[i].val.p[k];
				(void)sink;
			}
		}
		p = nl ? nl + 1 : e;
	}
	if (vt->close)
		vt->close(st);
	free(st);
	return 0;
}

/* A self-framed format over the whole input: once with the window cut in
 * half (not at eof), then to the end, as the scanner would call it. */
static inline int fuzz_framed(const char *format, const uint8_t *d, size_t n)
{
	static spoor_ctx *ctx;
	static spoor_event ev;
	if (!ctx) {
		spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
		o.limits.max_record = 1 << 16;
		if (spoor_ctx_new(&ctx, &o, NULL) < 0 || event_init(&ev, ctx) < 0)
			abort();
	}
	const parser_vt *vt = parser_find(format);
	if (!vt || !vt->next)
		abort();
	spoor_diag diag;
	memset(&diag, 0, sizeof(diag));
	parse_env env = {ctx, "fuzz", 1136073600, &diag};
	void *st = calloc(1, vt->state_size ? vt->state_size : 1);
	if (!st)
		return 0;
	if (vt->open && vt->open(st, &env) < 0) {
		free(st);
		return 0;
	}
	size_t off = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t lim = pass == 0 ? n / 2 : n;
		for (int guard = 0; guard < 100000 && off < lim; guard++) {
			parse_window w = {(const char *)d + off, lim - off, pass == 1, off};
			size_t consumed = 0, rs = 0;
			event_reset(&ev);
			int rc = vt->next(st, &env, &w, &ev, &consumed, &rs);
			if (consumed > w.len)
				abort();
			if (rc == PARSE_BAD && consumed == 0) {
				const char *nl = memchr(w.p, '\n', w.len);
				consumed = nl ? (size_t)(nl - w.p) + 1 : w.len;
			}
			if (rc == PARSE_MORE && consumed == 0)
				break;
			off += consumed;
		}
	}
	if (vt->close)
		vt->close(st);
	free(st);
	return 0;
}

#endif
