/* fuzz-scanner — the public reading API over a file holding the input.
 *
 * The input's bytes go into a memfd read through "/proc/self/fd/N", as
 * they are (format detected by content), then gzip- and zstd-compressed in
 * memory (magic-byte detection, the JSON format forced).  Small limits
 * (records of 4096 bytes, depth 8, 64 fields) make the limit paths
 * reachable.  Checks: every event's origin and raw bytes match the input,
 * records and bad records add up with the stats and the on_bad callback,
 * field texts decode, rejected records handed out (on_rejected) are the
 * input's bytes at their offset and no more than the bad records, and the
 * scan ends.  Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "spoor/spoor.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (256u << 10)
#define MAX_RECORD 4096

typedef struct counts {
	uint64_t bad_record, bad_limit, bad_file, skip_file;
	uint64_t rejected;
	const uint8_t *plain;
	size_t psize;
} counts;

static void on_rejected(const spoor_rejected *r, const spoor_diag *d, void *payload)
{
	counts *c = payload;
	CHECK(d != NULL && d->msg[0] != 0);
	CHECK(r->raw.p != NULL && r->raw.n > 0 && r->path != NULL);
	c->rejected++;
	CHECK(c->rejected <= c->bad_record + c->bad_limit); /* after its on_bad */
	if (c->plain && r->format && !strcmp(r->format, "json")) {
		CHECK(r->offset + r->raw.n <= c->psize);
		CHECK(memcmp(c->plain + r->offset, r->raw.p, r->raw.n) == 0);
	}
}

static void on_bad(spoor_bad_kind kind, const spoor_diag *d, void *payload)
{
	counts *c = payload;
	CHECK(d != NULL && d->msg[0] != 0);
	CHECK(memchr(d->msg, 0, sizeof(d->msg)) != NULL);
	switch (kind) {
	case SPOOR_BAD_RECORD: c->bad_record++; break;
	case SPOOR_BAD_LIMIT: c->bad_limit++; break;
	case SPOOR_BAD_FILE: c->bad_file++; break;
	case SPOOR_SKIP_FILE: c->skip_file++; break;
	default: CHECK(!"bad kind");
	}
}

static int file_of(const void *p, size_t n, char *path, size_t pathsz)
{
	int fd = memfd_create("fuzz-scan", 0);
	CHECK(fd >= 0);
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, (const char *)p + off, n - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	snprintf(path, pathsz, "/proc/self/fd/%d", fd);
	return fd;
}

/* raw: the input is the file's exact content (offsets can be checked). */
static void scan(const uint8_t *file, size_t fsize, const uint8_t *plain, size_t psize, const char *format)
{
	/* Without the plain bytes, bound by what the file could decompress to. */
	size_t bound = plain ? psize : (size_t)1 << 40;
	char path[64];
	int fd = file_of(file, fsize, path, sizeof(path));

	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.limits.max_record = MAX_RECORD;
	co.limits.max_depth = 8;
	co.limits.max_fields = 64;
	co.limits.max_names = 128;
	co.year = 2024; /* never the memfd's mtime: keep runs deterministic */
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_new(&ctx, &co, &d) == 0);

	counts c = {0, 0, 0, 0, 0, plain, psize};
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	so.format = format;
	so.on_bad = on_bad;
	so.payload = &c;
	so.on_rejected = on_rejected;
	so.rejected_payload = &c;
	spoor_scanner *sc = NULL;
	CHECK(spoor_scanner_new(&sc, ctx, &so, &d) == 0);
	CHECK(spoor_scanner_add(sc, path) == 0);

	uint64_t nev = 0, last_off = 0;
	spoor_event *ev;
	int r;
	while ((r = spoor_scanner_next(sc, &ev, &d)) == 1) {
		nev++;
		CHECK(nev <= bound + 1); /* every event consumes input */
		const spoor_origin *o = spoor_event_origin(ev);
		CHECK(o->path != NULL && !strcmp(o->path, path));
		CHECK(o->offset <= bound);
		CHECK(nev == 1 || o->offset >= last_off);
		last_off = o->offset;
		spoor_sv raw = spoor_event_raw(ev);
		bool is_json = !strcmp(spoor_event_format(ev), "json");
		if (is_json && plain) {
			/* The record's bytes, offset and line are the input's. */
			CHECK(o->offset + raw.n <= psize);
			CHECK(raw.n == 0 || memcmp(plain + o->offset, raw.p, raw.n) == 0);
			uint64_t line = 1;
			for (uint64_t k = 0; k < o->offset; k++)
				line += plain[k] == '\n';
			CHECK(o->line == line);
		}
		if (is_json)
			CHECK(raw.n <= MAX_RECORD); /* the record limit holds */
		size_t nf = spoor_event_count(ev);
		CHECK(nf <= 64); /* every field, ECS and aliases included */
		for (size_t i = 0; i < nf; i++) {
			spoor_sv name, t;
			spoor_value v;
			CHECK(spoor_event_at(ev, i, &name, &v, NULL) == 0);
			CHECK(spoor_event_text(ev, &v, &t) == 0);
			CHECK(t.p != NULL || t.n == 0);
		}
		const spoor_logsource *ls = spoor_event_logsource(ev);
		CHECK(ls != NULL);
	}
	CHECK(r == 0);
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	CHECK(st.files == 1);
	CHECK(st.records == nev);
	CHECK(st.records_bad == c.bad_record + c.bad_limit);
	CHECK(c.rejected <= st.records_bad);
	CHECK(st.files_bad == c.bad_file);
	CHECK(st.files_skipped == c.skip_file);
	if (plain && c.bad_file == 0)
		CHECK(st.bytes == psize);

	spoor_scanner_free(sc);

	/* Again in batches (no on_rejected: JSON then batches): the same
	 * number of events, and every event of a batch still holds its own
	 * bytes when the whole batch is out (the window is not refilled under
	 * a batch). */
	so.on_rejected = NULL;
	CHECK(spoor_scanner_new(&sc, ctx, &so, &d) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(spoor_scanner_add(sc, path) == 0);
	size_t max = 1 + fsize % SPOOR_SCAN_BATCH;
	uint64_t nb = 0;
	spoor_event *evs[SPOOR_SCAN_BATCH];
	size_t n;
	while ((r = spoor_scanner_next_batch(sc, evs, max, &n, &d)) == 1) {
		CHECK(n >= 1 && n <= max);
		for (size_t i = 0; i < n; i++) {
			const spoor_origin *o = spoor_event_origin(evs[i]);
			spoor_sv raw = spoor_event_raw(evs[i]);
			if (plain && !strcmp(spoor_event_format(evs[i]), "json")) {
				CHECK(o->offset + raw.n <= psize);
				CHECK(raw.n == 0 || memcmp(plain + o->offset, raw.p, raw.n) == 0);
			}
		}
		nb += n;
	}
	CHECK(r == 0);
	CHECK(nb == nev);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	close(fd);
}

static void gzip_scan(const uint8_t *data, size_t size)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	size_t cap = deflateBound(&z, size) + 64;
	uint8_t *out = malloc(cap);
	CHECK(out != NULL);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	size_t n = cap - z.avail_out;
	deflateEnd(&z);
	scan(out, n, data, size, "json");
	/* A truncated gzip stream: a bad file or a truncated record, never
	 * a crash. */
	if (n > 20)
		scan(out, n - 9, NULL, 0, "json");
	free(out);
}

static void zstd_scan(const uint8_t *data, size_t size)
{
	size_t cap = ZSTD_compressBound(size);
	uint8_t *out = malloc(cap);
	CHECK(out != NULL);
	size_t n = ZSTD_compress(out, cap, data, size, 1);
	CHECK(!ZSTD_isError(n));
	scan(out, n, data, size, "json");
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* As it is, format detected from content (compression too: then the
	 * file's bytes are not the records'). */
	bool packed = (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) ||
		      (size >= 4 && !memcmp(data, "\x28\xb5\x2f\xfd", 4));
	scan(data, size, packed ? NULL : data, packed ? 0 : size, NULL);
	if (size == 0)
		return 0;
	gzip_scan(data, size);
	zstd_scan(data, size);
	return 0;
}
