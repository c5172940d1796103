/* textlogs-util — helpers for the text-log integration tests: the shared
 * data folder, whole-file reads, and driving one parser_vt line by line
 * the way the scanner does (LF framing, trailing CR dropped). */
#ifndef SPOOR_TEXTLOGS_UTIL_H
#define SPOOR_TEXTLOGS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event/event-int.h"
#include "parse/parser.h"
#include "spoor/scan.h"

static inline const char *tl_data_root(void)
{
	const char *d = getenv("SPOOR_SHARED_DATA");
	struct stat st;
	if (!d || !*d || stat(d, &st) != 0) {
		printf("shared data not found: set SPOOR_SHARED_DATA\n");
		exit(77);
	}
	return d;
}

/* Whole file, NUL-terminated; NULL if unreadable. */
static inline char *tl_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	size_t k;
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	if (b) {
		b[n] = 0;
		*len = n;
	}
	return b;
}

typedef struct tl_run {
	spoor_ctx *ctx;
	const parser_vt *vt;
	void *state;
	parse_env env;
	spoor_event ev;
	spoor_diag diag;
	unsigned long parsed, skipped, bad;
} tl_run;

static inline int tl_open(tl_run *r, const char *format, const char *path, int64_t mtime, const char *tz)
{
	memset(r, 0, sizeof(*r));
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.tz = tz;
	if (spoor_ctx_new(&r->ctx, &o, &r->diag) < 0)
		return -1;
	r->vt = parser_find(format);
	if (!r->vt)
		return -1;
	r->state = calloc(1, r->vt->state_size ? r->vt->state_size : 1);
	r->env.ctx = r->ctx;
	r->env.path = path;
	r->env.file_mtime = mtime;
	r->env.diag = &r->diag;
	if (event_init(&r->ev, r->ctx) < 0)
		return -1;
	if (r->vt->open && r->vt->open(r->state, &r->env) < 0)
		return -1;
	return 0;
}

/* One line (without its LF); the parser's result. */
static inline int tl_line(tl_run *r, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	event_reset(&r->ev);
	r->ev.format = r->vt->name;
	r->ev.raw = sv_make(p, n);
	int rc = r->vt->parse_line(r->state, &r->env, sv_make(p, n), &r->ev);
	if (rc == 0)
		r->parsed++;
	else if (rc == 1)
		r->skipped++;
	else
		r->bad++;
	return rc;
}

static inline void tl_close(tl_run *r)
{
	if (r->vt && r->vt->close)
		r->vt->close(r->state);
	free(r->state);
	event_done(&r->ev);
	spoor_ctx_free(r->ctx);
}

/* Field text by id into buf (NUL-terminated); "" when absent. */
static inline const char *tl_get(tl_run *r, uint32_t id, char *buf, size_t cap)
{
	spoor_sv v;
	buf[0] = 0;
	if (event_get_text(&r->ev, id, &v)) {
		size_t n = v.n < cap - 1 ? v.n : cap - 1;
		memcpy(buf, v.p, n);
		buf[n] = 0;
	}
	return buf;
}

/* Field text by name (interned lookup). */
static inline const char *tl_get_name(tl_run *r, const char *name, char *buf, size_t cap)
{
	uint32_t id = field_find(&r->ctx->ft, name, strlen(name));
	buf[0] = 0;
	if (!id)
		return buf;
	return tl_get(r, id, buf, cap);
}

/* Event time as "YYYY-MM-DDTHH:MM:SS" (UTC), "" when none. */
static inline const char *tl_time(tl_run *r, char *buf, size_t cap)
{
	buf[0] = 0;
	if (!r->ev.has_ts || cap < 40)
		return buf;
	char t[40];
	size_t n = time_format(r->ev.ts, t);
	if (n > 19)
		n = 19;
	memcpy(buf, t, n);
	buf[n] = 0;
	return buf;
}

/* Unquote a Go string literal in place ("a\"b" -> a"b), as crowdsec's
 * test expectations write values. */
static inline void tl_go_unquote(char *s)
{
	size_t n = strlen(s);
	if (n < 2 || s[0] != '"')
		return;
	size_t k = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] == '\\' && i + 2 < n)
			i++;
		s[k++] = s[i];
	}
	s[k] = 0;
}

#endif
