/* scanner — paths -> byte streams -> formats -> events.  See spoor/scan.h.
 *
 * The scanner owns one window over the current file's decompressed bytes.
 * The window holds at most limits.max_record bytes plus one read, so memory
 * does not grow with file size.  Line formats get lines framed here; other
 * formats frame their own records from the window (parser.h). */
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "base/codepage.h"
#include "event/event-int.h"
#include "input/input.h"
#include "parse/parser.h"

#define READ_SIZE (1u << 20)
#define HEAD_SIZE 4096
#define WIN_ALIGN 4096u
#define MAX_DIR_DEPTH 64

struct spoor_scanner {
	spoor_ctx *ctx;
	spoor_scan_options opts;
	const parser_vt *forced;
	unsigned jobs;
	const codepage_def *codepage;
	pathlist paths;
	size_t next_path;
	spoor_scan_stats st;

	/* the current file */
	bool open;
	instream in;
	const char *path; /* display path */
	const parser_vt *fmt;
	void *fstate;
	/* A finished file's format state, kept for the next file of that
	 * format (parser.h: finish) */
	const parser_vt *spare_fmt;
	void *spare;
	parse_env env;
	spoor_diag rdiag;
	char *buf;
	size_t cap, start, end, max_window;
	uint64_t base; /* stream offset of buf[start] */
	uint64_t line; /* line number of buf[start] */
	bool eof;
	bool discarding;

	/* Events: cur is the one being parsed; a batch (spoor_scanner_next_batch)
	 * hands out ev[0..held), whose bytes stay in the window until the next
	 * call (fill waits); pend is a file's end or error met after a batch
	 * had begun, handled on the next call */
	spoor_event ev[SPOOR_SCAN_BATCH];
	spoor_event *cur;
	size_t held;
	int pend;
	bool pend_set;
};

/* next_line/next_framed: the window must be refilled, and held events
 * still point into it: the batch ends here. */
#define SCAN_HELD 2

SPOOR_API int spoor_scanner_new(spoor_scanner **out, spoor_ctx *ctx, const spoor_scan_options *opts, spoor_diag *diag)
{
	spoor_scan_options def = SPOOR_SCAN_OPTIONS_INIT;
	if (!opts)
		opts = &def;
	if (opts->version != SPOOR_SCAN_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "spoor_scan_options version %u not supported", opts->version);
	const parser_vt *forced = NULL;
	if (opts->format && *opts->format && strcmp(opts->format, "auto") != 0) {
		forced = parser_find(opts->format);
		if (!forced)
			return diag_set(diag, SPOOR_ENOTFOUND, "unknown format '%s' (see `spoor formats`)", opts->format);
	}
	const codepage_def *cp = codepage_find(opts->codepage);
	if (!cp)
		return diag_set(diag, SPOOR_EINVAL, "unknown code page '%s' (known: %s)", opts->codepage,
				codepage_names());
	unsigned jobs = opts->jobs;
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n > 0 ? (unsigned)n : 1;
	}
	if (jobs > SPOOR_MAX_JOBS)
		jobs = SPOOR_MAX_JOBS;
	spoor_scanner *sc = xcalloc(1, sizeof(*sc));
	if (!sc)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	sc->ctx = ctx;
	sc->jobs = jobs;
	sc->codepage = cp;
	sc->opts = *opts;
	sc->forced = forced;
	sc->max_window = ctx->lim.max_record + READ_SIZE;
	for (size_t i = 0; i < SPOOR_SCAN_BATCH; i++)
		event_init(&sc->ev[i], ctx);
	sc->cur = &sc->ev[0];
	*out = sc;
	return 0;
}

static void report(spoor_scanner *sc, spoor_bad_kind kind, spoor_diag *d)
{
	if (kind == SPOOR_BAD_FILE)
		sc->st.files_bad++;
	else if (kind == SPOOR_SKIP_FILE)
		sc->st.files_skipped++;
	else
		sc->st.records_bad++;
	if (sc->opts.on_bad)
		sc->opts.on_bad(kind, d, sc->opts.payload);
}

static void report_msg(spoor_scanner *sc, spoor_bad_kind kind, uint64_t off, uint64_t line, int code, const char *msg)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	diag_set(&d, code, "%s", msg);
	diag_where(&d, sc->path, off, line);
	report(sc, kind, &d);
}

static void drop_spare(spoor_scanner *sc)
{
	if (sc->spare && sc->spare_fmt->close)
		sc->spare_fmt->close(sc->spare);
	free(sc->spare);
	sc->spare = NULL;
	sc->spare_fmt = NULL;
}

static void close_file(spoor_scanner *sc)
{
	if (!sc->open)
		return;
	if (sc->fmt && sc->fmt->finish && sc->fstate) {
		/* keep the state for the next file of this format */
		sc->fmt->finish(sc->fstate);
		drop_spare(sc);
		sc->spare = sc->fstate;
		sc->spare_fmt = sc->fmt;
	} else {
		if (sc->fmt && sc->fmt->close && sc->fstate)
			sc->fmt->close(sc->fstate);
		free(sc->fstate);
	}
	sc->fstate = NULL;
	sc->fmt = NULL;
	instream_close(&sc->in);
	sc->open = false;
}

SPOOR_API spoor_scanner *spoor_scanner_free(spoor_scanner *sc)
{
	if (!sc)
		return NULL;
	close_file(sc);
	drop_spare(sc);
	pathlist_done(&sc->paths);
	for (size_t i = 0; i < SPOOR_SCAN_BATCH; i++)
		event_done(&sc->ev[i]);
	free(sc->buf);
	free(sc);
	return NULL;
}

SPOOR_API int spoor_scanner_add(spoor_scanner *sc, const char *path)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	int r = pathlist_add(&sc->paths, path, MAX_DIR_DEPTH, &d);
	if (r == SPOOR_ENOMEM)
		return r;
	if (r < 0) {
		/* An unreadable subdirectory: report it, keep what was listed. */
		diag_where(&d, path, 0, 0);
		report(sc, SPOOR_BAD_FILE, &d);
	}
	return 0;
}

SPOOR_API const char *spoor_scanner_path(const spoor_scanner *sc, size_t i)
{
	return i < sc->paths.n ? sc->paths.v[i] : NULL;
}

SPOOR_API void spoor_scanner_stats(const spoor_scanner *sc, spoor_scan_stats *out)
{
	*out = sc->st;
}

/* The window's buffer: page-aligned, reads land on page boundaries. */
static char *buf_alloc(size_t n)
{
	void *p = NULL;
	return posix_memalign(&p, WIN_ALIGN, n) == 0 ? p : NULL;
}

/* Read more bytes into the window.  0 ok (maybe eof), < 0 read error
 * (reported, file closed), SPOOR_ELIMIT when the window is full. */
static int fill(spoor_scanner *sc)
{
	if (sc->eof)
		return 0;
	if (sc->held)
		return SCAN_HELD;
	if (sc->start > 0) {
		/* Keep what is left so that the read lands on a page
		 * boundary when there is room to spare for it (the kernel's
		 * copy is much slower to a misaligned buffer); else at 0, so
		 * that the window's size limit is exactly as before. */
		size_t left = sc->end - sc->start;
		size_t at = (WIN_ALIGN - left % WIN_ALIGN) % WIN_ALIGN;
		if (left + at + READ_SIZE > sc->cap)
			at = 0;
		if (sc->start != at)
			memmove(sc->buf + at, sc->buf + sc->start, left);
		sc->start = at;
		sc->end = at + left;
	}
	if (sc->end == sc->cap) {
		if (sc->cap >= sc->max_window)
			return SPOOR_ELIMIT;
		size_t ncap = MIN(MAX(sc->cap * 2, (size_t)2 * READ_SIZE), sc->max_window);
		char *nb = buf_alloc(ncap);
		if (!nb)
			return SPOOR_ENOMEM;
		memcpy(nb, sc->buf, sc->end);
		free(sc->buf);
		sc->buf = nb;
		sc->cap = ncap;
	}
	spoor_diag d = SPOOR_DIAG_INIT;
	ssize_t r = instream_read(&sc->in, sc->buf + sc->end, MIN(sc->cap - sc->end, (size_t)READ_SIZE), &d);
	if (r < 0) {
		diag_where(&d, sc->path, sc->base + (sc->end - sc->start), 0);
		report(sc, SPOOR_BAD_FILE, &d);
		sc->eof = true;
		return (int)r;
	}
	if (r == 0)
		sc->eof = true;
	sc->end += (size_t)r;
	sc->st.bytes += (uint64_t)r;
	return 0;
}

static int open_next(spoor_scanner *sc)
{
	while (sc->next_path < sc->paths.n) {
		const char *p = sc->paths.v[sc->next_path++];
		spoor_diag d = SPOOR_DIAG_INIT;
		sc->path = strcmp(p, "-") ? p : "<stdin>";
		sc->st.files++;
		if (instream_open(&sc->in, p, &d) < 0) {
			diag_where(&d, sc->path, 0, 0);
			report(sc, SPOOR_BAD_FILE, &d);
			continue;
		}
		sc->open = true;
		sc->start = sc->end = 0;
		sc->base = 0;
		sc->line = 1;
		sc->eof = false;
		sc->discarding = false;
		if (!sc->buf) {
			sc->cap = MIN((size_t)2 * READ_SIZE, sc->max_window);
			sc->buf = buf_alloc(sc->cap);
			if (!sc->buf)
				return SPOOR_ENOMEM;
		}
		while (!sc->eof && sc->end < HEAD_SIZE) {
			int r = fill(sc);
			if (r == SPOOR_ENOMEM)
				return r;
			if (r < 0)
				break;
		}
		if (sc->end == 0) { /* empty file, or unreadable */
			close_file(sc);
			continue;
		}
		sc->fmt = sc->forced ? sc->forced : parser_detect(sv_make(sc->buf, MIN(sc->end, (size_t)HEAD_SIZE)));
		if (!sc->fmt) {
			report_msg(sc, SPOOR_SKIP_FILE, 0, 0, SPOOR_ENOTFOUND, "skipped: no known format (use --format to force one)");
			close_file(sc);
			continue;
		}
		sc->env.ctx = sc->ctx;
		sc->env.path = sc->path;
		sc->env.file_mtime = sc->in.mtime;
		sc->env.diag = &sc->rdiag;
		sc->env.jobs = sc->jobs;
		sc->env.codepage = sc->codepage;
		sc->env.recovered = &sc->st.records_recovered;
		sc->env.no_carve = sc->opts.no_carve;
		if (sc->spare && sc->spare_fmt == sc->fmt) {
			sc->fstate = sc->spare; /* finished, not zeroed */
			sc->spare = NULL;
			sc->spare_fmt = NULL;
		} else if (sc->fmt->state_size) {
			sc->fstate = xcalloc(1, sc->fmt->state_size);
			if (!sc->fstate)
				return SPOOR_ENOMEM;
		}
		if (sc->fmt->open && sc->fmt->open(sc->fstate, &sc->env) < 0) {
			report_msg(sc, SPOOR_BAD_FILE, 0, 0, SPOOR_EPARSE, "format could not start on this file");
			close_file(sc);
			continue;
		}
		return 1;
	}
	return 0;
}

static uint64_t count_nl(const char *p, size_t n)
{
	uint64_t c = 0;
	const char *end = p + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

static void consume(spoor_scanner *sc, size_t n, bool count_lines)
{
	if (count_lines)
		sc->line += count_nl(sc->buf + sc->start, n);
	sc->start += n;
	sc->base += n;
}

static void prep_event(spoor_scanner *sc, uint64_t off, uint64_t line)
{
	spoor_event *ev = sc->cur;
	event_reset(ev);
	ev->origin.path = sc->path;
	ev->origin.offset = off;
	ev->origin.line = line;
	ev->format = sc->fmt->name;
}

/* The rejected record's bytes to on_rejected (n == 0: none in hand). */
static void rejected(spoor_scanner *sc, const spoor_diag *d, uint64_t off, uint64_t line, const char *p, size_t n)
{
	if (!sc->opts.on_rejected || !n)
		return;
	/* JSON lines: a bad record's skipped bytes end with its line break,
	 * which a good record's raw bytes never hold */
	if (sc->fmt && !strcmp(sc->fmt->name, "json")) {
		if (n && p[n - 1] == '\n')
			n--;
		if (n && p[n - 1] == '\r')
			n--;
		if (!n)
			return;
	}
	spoor_rejected r = {sc->path, sc->fmt ? sc->fmt->name : NULL, off, line, sv_make(p, n)};
	sc->opts.on_rejected(&r, d, sc->opts.rejected_payload);
}

static void bad_record(spoor_scanner *sc, uint64_t off, uint64_t line, const char *raw, size_t n)
{
	spoor_diag *d = &sc->rdiag;
	if (!d->msg[0])
		diag_set(d, SPOOR_EPARSE, "malformed record");
	diag_where(d, sc->path, off, line);
	report(sc, d->code == SPOOR_ELIMIT ? SPOOR_BAD_LIMIT : SPOOR_BAD_RECORD, d);
	rejected(sc, d, off, line, raw, n);
	memset(d, 0, sizeof(*d));
}

/* Line formats.  1 = event, 0 = file done, < 0 fatal. */
static int next_line(spoor_scanner *sc)
{
	size_t maxrec = sc->ctx->lim.max_record;
	for (;;) {
		size_t avail = sc->end - sc->start;
		char *s = sc->buf + sc->start;
		char *nl = memchr(s, '\n', avail);
		if (sc->discarding) {
			if (nl) {
				consume(sc, (size_t)(nl - s) + 1, false);
				sc->line++;
				sc->discarding = false;
				continue;
			}
			consume(sc, avail, false);
			if (sc->eof)
				return 0;
			int r = fill(sc);
			if (r == SPOOR_ENOMEM || r == SCAN_HELD)
				return r;
			continue;
		}
		size_t len;
		if (nl) {
			len = (size_t)(nl - s);
		} else if (sc->eof) {
			if (avail == 0)
				return 0;
			len = avail;
		} else if (avail >= maxrec) {
			report_msg(sc, SPOOR_BAD_LIMIT, sc->base, sc->line, SPOOR_ELIMIT, "line longer than the record limit");
			sc->discarding = true;
			continue;
		} else {
			int r = fill(sc);
			if (r == SPOOR_ENOMEM || r == SCAN_HELD)
				return r;
			if (r == SPOOR_ELIMIT) {
				report_msg(sc, SPOOR_BAD_LIMIT, sc->base, sc->line, SPOOR_ELIMIT, "line longer than the record limit");
				sc->discarding = true;
			}
			continue;
		}
		uint64_t off = sc->base, line = sc->line;
		consume(sc, nl ? len + 1 : len, false);
		sc->line++;
		if (len > maxrec) {
			spoor_diag ld = SPOOR_DIAG_INIT;
			diag_set(&ld, SPOOR_ELIMIT, "line longer than the record limit");
			diag_where(&ld, sc->path, off, line);
			report(sc, SPOOR_BAD_LIMIT, &ld);
			rejected(sc, &ld, off, line, s, len);
			continue;
		}
		spoor_sv l = sv_make(s, len);
		if (l.n && l.p[l.n - 1] == '\r')
			l.n--;
		if (sv_trim(l).n == 0)
			continue;
		prep_event(sc, off, line);
		sc->cur->raw = l;
		int r = sc->fmt->parse_line(sc->fstate, &sc->env, l, sc->cur);
		if (r == 0) {
			sc->st.records++;
			return 1;
		}
		if (r == SPOOR_ENOMEM)
			return r;
		if (r < 0)
			bad_record(sc, off, line, l.p, l.n);
	}
}

/* Self-framed formats. */
static int next_framed(spoor_scanner *sc)
{
	for (;;) {
		parse_window w = {sc->buf + sc->start, sc->end - sc->start, sc->eof, sc->base};
		size_t consumed = 0, rec_start = 0;
		if (sc->discarding) {
			char *nl = memchr(w.p, '\n', w.len);
			if (nl) {
				consume(sc, (size_t)(nl - w.p) + 1, false);
				sc->line++;
				sc->discarding = false;
				continue;
			}
			consume(sc, w.len, false);
			if (sc->eof)
				return 0;
			int r = fill(sc);
			if (r == SPOOR_ENOMEM || r == SCAN_HELD)
				return r;
			continue;
		}
		prep_event(sc, 0, 0);
		int r = sc->fmt->next(sc->fstate, &sc->env, &w, sc->cur, &consumed, &rec_start);
		if (r < 0 && r != SPOOR_EPARSE)
			return r;
		if (consumed > w.len)
			consumed = w.len;
		if (rec_start > consumed && r != PARSE_MORE)
			rec_start = consumed;
		uint64_t off = sc->base + rec_start;
		uint64_t line = sc->line + count_nl(w.p, MIN(rec_start, w.len));
		switch (r) {
		case PARSE_EVENT:
			consume(sc, consumed, true);
			if (consumed - rec_start > sc->ctx->lim.max_record) {
				spoor_diag ld = SPOOR_DIAG_INIT;
				diag_set(&ld, SPOOR_ELIMIT, "record longer than the record limit");
				diag_where(&ld, sc->path, off, line);
				report(sc, SPOOR_BAD_LIMIT, &ld);
				rejected(sc, &ld, off, line, w.p + rec_start, consumed - rec_start);
				continue;
			}
			sc->cur->origin.offset = off;
			sc->cur->origin.line = line;
			sc->cur->raw = sv_make(w.p + rec_start, consumed - rec_start);
			sc->st.records++;
			return 1;
		case PARSE_BAD:
		case SPOOR_EPARSE:
			if (consumed > rec_start) {
				bad_record(sc, off, line, w.p + rec_start, consumed - rec_start);
			} else if (consumed == 0) {
				/* nothing consumed: the rest of the line is dropped below */
				const char *nl = memchr(w.p, '\n', w.len);
				bad_record(sc, off, line, w.p, nl ? (size_t)(nl - w.p) : 0);
			} else {
				bad_record(sc, off, line, NULL, 0);
			}
			if (consumed == 0) {
				/* Guarantee progress: drop the rest of this line. */
				if (w.len == 0 && sc->eof)
					return 0;
				sc->discarding = true;
				continue;
			}
			consume(sc, consumed, true);
			continue;
		case PARSE_SKIP:
			if (consumed == 0) {
				if (w.len == 0) {
					if (sc->eof)
						return 0;
					int fr = fill(sc);
					if (fr == SPOOR_ENOMEM || fr == SCAN_HELD)
						return fr;
					continue;
				}
				consumed = 1; /* guarantee progress */
			}
			consume(sc, consumed, true);
			continue;
		case PARSE_MORE:
		default:
			consume(sc, consumed, true);
			if (sc->eof) {
				if (sc->end > sc->start) {
					spoor_diag td = SPOOR_DIAG_INIT;
					diag_set(&td, SPOOR_EPARSE, "truncated record at end of file");
					diag_where(&td, sc->path, sc->base, sc->line);
					report(sc, SPOOR_BAD_RECORD, &td);
					rejected(sc, &td, sc->base, sc->line, sc->buf + sc->start, sc->end - sc->start);
				}
				return 0;
			}
			if (consumed)
				continue;
			int fr = fill(sc);
			if (fr == SPOOR_ENOMEM || fr == SCAN_HELD)
				return fr;
			if (fr == SPOOR_ELIMIT) {
				report_msg(sc, SPOOR_BAD_LIMIT, sc->base, sc->line, SPOOR_ELIMIT, "record longer than the record limit");
				sc->discarding = true;
			} else if (fr < 0) {
				return 0; /* read error: reported; end this file */
			}
			continue;
		}
	}
}

SPOOR_API int spoor_scanner_next_batch(spoor_scanner *sc, spoor_event **out, size_t max, size_t *n,
				       spoor_diag *diag)
{
	*n = 0;
	sc->held = 0; /* the previous batch is done with */
	if (max > SPOOR_SCAN_BATCH)
		max = SPOOR_SCAN_BATCH;
	if (max == 0)
		max = 1;
	for (;;) {
		int r;
		if (sc->pend_set) {
			r = sc->pend;
			sc->pend_set = false;
		} else {
			if (!sc->open) {
				r = open_next(sc);
				if (r < 0)
					return diag_set(diag, r, "out of memory");
				if (r == 0)
					return 0;
			}
			/* formats whose events hold nothing of the format's state,
			 * and no rejected-record callback (evidence keeps records in
			 * input order, bad ones included) */
			size_t lim = sc->fmt->batch > 1 && !sc->opts.on_rejected ? MIN(max, (size_t)sc->fmt->batch) : 1;
			sc->cur = &sc->ev[*n];
			r = sc->fmt->next ? next_framed(sc) : next_line(sc);
			if (r == 1) {
				out[(*n)++] = sc->cur;
				sc->held = *n;
				if (*n >= lim)
					return 1;
				continue;
			}
			if (r == SCAN_HELD)
				return 1; /* held > 0: the batch has events */
			if (*n) {
				/* the file's end or error after the batch */
				sc->pend = r;
				sc->pend_set = true;
				return 1;
			}
		}
		if (r < 0 && r != SPOOR_EIO && r != SPOOR_ECORRUPT)
			return diag_set(diag, r, "%s: %s", sc->path, r == SPOOR_ENOMEM ? "out of memory" : spoor_strerror(r));
		close_file(sc);
	}
}

SPOOR_API int spoor_scanner_next(spoor_scanner *sc, spoor_event **out, spoor_diag *diag)
{
	size_t n;
	return spoor_scanner_next_batch(sc, out, 1, &n, diag);
}
