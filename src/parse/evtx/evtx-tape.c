/* evtx-tape — whole chunks decoded into replayable tapes (see evtx.h).
 *
 * Tape ops, native byte order (a tape never leaves the process):
 *   'S' u32 name_off u32 name_len                    element start
 *   'A' u32 name_off u32 name_len u8 kind u32 n [n]  attribute
 *   'E' u8 kind u32 n [n]                            element end + text
 * name_off indexes the chunk's name text (t->names), copied from the
 * decoder when the chunk is done, so equal names of one chunk replay as
 * equal pointers (the format's field-id cache relies on it). */
#include "parse/evtx/evtx.h"

#include <stdlib.h>
#include <string.h>

void evtx_tape_init(evtx_tape *t)
{
	memset(t, 0, sizeof(*t));
}

void evtx_tape_done(evtx_tape *t)
{
	free(t->items);
	free(t->ops);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

typedef struct rec_ctx {
	evtx_tape *t;
	const evtx_dec *d;
	bool over; /* the tape limit was hit */
	bool nomem;
} rec_ctx;

static int ops_grow(rec_ctx *r, size_t n);

/* Room for n more bytes of ops (the common case inline). */
static inline int ops_room(rec_ctx *r, size_t n)
{
	evtx_tape *t = r->t;
	if (t->ops_len + n <= t->ops_cap)
		return 0;
	return ops_grow(r, n);
}

static __attribute__((noinline)) int ops_grow(rec_ctx *r, size_t n)
{
	evtx_tape *t = r->t;
	if (t->ops_len + n > EVTX_MAX_TAPE) {
		r->over = true;
		return SPOOR_ELIMIT;
	}
	size_t cap = t->ops_cap ? t->ops_cap : 65536;
	while (cap < t->ops_len + n)
		cap *= 2;
	if (cap > EVTX_MAX_TAPE)
		cap = EVTX_MAX_TAPE;
	uint8_t *p = xrealloc(t->ops, cap);
	if (!p) {
		r->nomem = true;
		return SPOOR_ENOMEM;
	}
	t->ops = p;
	t->ops_cap = cap;
	return 0;
}

static inline void put32(evtx_tape *t, uint32_t v)
{
	memcpy(t->ops + t->ops_len, &v, 4);
	t->ops_len += 4;
}

static inline int put_name(rec_ctx *r, spoor_sv name)
{
	const evtx_dec *d = r->d;
	/* Names always come from the decoder's chunk table. */
	if (name.p < d->names || name.p + name.n > d->names + d->names_len)
		return SPOOR_EPARSE;
	put32(r->t, (uint32_t)(name.p - d->names));
	put32(r->t, (uint32_t)name.n);
	return 0;
}

static int rec_start(void *u, spoor_sv name)
{
	rec_ctx *r = u;
	int rc = ops_room(r, 9);
	if (rc < 0)
		return rc;
	r->t->ops[r->t->ops_len++] = 'S';
	return put_name(r, name);
}

static int rec_attr(void *u, spoor_sv name, spoor_sv val, int kind)
{
	rec_ctx *r = u;
	int rc = ops_room(r, 14 + val.n);
	if (rc < 0)
		return rc;
	evtx_tape *t = r->t;
	t->ops[t->ops_len++] = 'A';
	rc = put_name(r, name);
	if (rc < 0)
		return rc;
	t->ops[t->ops_len++] = (uint8_t)kind;
	put32(t, (uint32_t)val.n);
	memcpy(t->ops + t->ops_len, val.p, val.n);
	t->ops_len += val.n;
	return 0;
}

static int rec_end(void *u, spoor_sv text, int kind)
{
	rec_ctx *r = u;
	int rc = ops_room(r, 6 + text.n);
	if (rc < 0)
		return rc;
	evtx_tape *t = r->t;
	t->ops[t->ops_len++] = 'E';
	t->ops[t->ops_len++] = (uint8_t)kind;
	put32(t, (uint32_t)text.n);
	memcpy(t->ops + t->ops_len, text.p, text.n);
	t->ops_len += text.n;
	return 0;
}

static int rec_frag(void *u, int what)
{
	rec_ctx *r = u;
	if (what == EVTX_FRAG_BEGIN)
		r->t->frag_mark = r->t->ops_len;
	else
		r->t->ops_len = r->t->frag_mark;
	return 0;
}

static evtx_item *new_item(evtx_tape *t)
{
	if (t->nitems == t->items_cap) {
		size_t cap = t->items_cap ? t->items_cap * 2 : 256;
		evtx_item *v = xreallocarray(t->items, cap, sizeof(*v));
		if (!v)
			return NULL;
		t->items = v;
		t->items_cap = cap;
	}
	evtx_item *it = &t->items[t->nitems++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* Decode rec into the tape as a new item.  0, or SPOOR_ENOMEM. */
static int decode_item(evtx_dec *d, evtx_tape *t, const evtx_record *rec, evtx_item **out)
{
	evtx_item *it = new_item(t);
	if (!it)
		return SPOOR_ENOMEM;
	it->kind = EVTX_ITEM_RECORD;
	it->off = rec->off;
	it->size = rec->size;
	it->id = rec->id;
	it->written = rec->written;
	it->ops = t->ops_len;
	rec_ctx r = {t, d, false, false};
	evtx_sink sink = {rec_start, rec_attr, rec_end, rec_frag, &r};
	int rc = evtx_record_decode(d, rec, &sink);
	if (r.nomem || rc == SPOOR_ENOMEM)
		return SPOOR_ENOMEM;
	if (rc < 0) {
		it->rc = r.over ? SPOOR_ELIMIT : SPOOR_EPARSE;
		it->err = r.over ? "chunk renders more text than the tape limit" : d->err;
		it->err_off = d->err ? d->err_off : rec->off;
		if (!it->err)
			it->err = "record could not be decoded";
	}
	it->ops_end = t->ops_len;
	*out = it;
	return 0;
}

int evtx_tape_chunk(evtx_dec *d, const uint8_t *c, uint32_t clen, evtx_tape *t)
{
	t->nitems = 0;
	t->ops_len = 0;
	t->names_len = 0;
	t->clen = clen;
	evtx_chunk_inspect(c, clen, &t->ci);
	if (t->ci.state != EVTX_CHUNK_OK)
		return 0;
	const evtx_chunk_info *ci = &t->ci;
	evtx_chunk_begin(d, c, clen);
	uint32_t pos = EVTX_CHUNK_HEADER_SIZE;
	bool resynced = false;
	/* The header's last record offset, when it is one. */
	uint32_t last = ci->last_rec_off >= EVTX_CHUNK_HEADER_SIZE && ci->last_rec_off < ci->end ? ci->last_rec_off : 0;
	for (;;) {
		evtx_record rec;
		int r = evtx_chunk_next_record(c, ci, &pos, &rec);
		if (r == EVTX_REC_END)
			break;
		if (r == EVTX_REC_BAD) {
			evtx_item *it = new_item(t);
			if (!it)
				return SPOOR_ENOMEM;
			it->kind = EVTX_ITEM_GARBAGE;
			it->off = rec.off;
			it->size = rec.size;
			it->ops = it->ops_end = t->ops_len;
			resynced = true;
			continue;
		}
		evtx_item *it;
		int rc = decode_item(d, t, &rec, &it);
		if (rc < 0)
			return rc;
		if (resynced)
			it->recovered = EVTX_RECOV_RESYNC;
		else if (last && rec.off > last)
			it->recovered = EVTX_RECOV_UNINDEXED;
		if (it->rc < 0 && rec.torn) {
			/* A record without its trailing size copy that does not
			 * decode: its size is suspect, so look for the next
			 * record from its start instead of skipping the size. */
			uint32_t q = evtx_chunk_resync(c, ci, rec.off);
			if (q < rec.off + rec.size) {
				pos = q;
				it->size = q - rec.off;
			}
		}
	}
	/* Slack: records of an earlier use of the chunk past the used area.
	 * Only records that decode are kept; the rest of the slack is not
	 * part of the log and is not counted as bad. */
	uint32_t size = 0;
	uint32_t q = ci->end < clen && !d->no_carve ? evtx_chunk_carve(c, clen, ci->end, &size) : clen;
	while (q < clen) {
		evtx_record rec = {q, size, 0, 0, false};
		memcpy(&rec.id, c + q + 8, 8);
		memcpy(&rec.written, c + q + 16, 8);
		size_t mark = t->ops_len;
		evtx_item *it;
		int rc = decode_item(d, t, &rec, &it);
		if (rc < 0)
			return rc;
		if (it->rc < 0) {
			t->nitems--;
			t->ops_len = mark;
			q = evtx_chunk_carve(c, clen, q + 8, &size);
			continue;
		}
		it->recovered = EVTX_RECOV_SLACK;
		q = evtx_chunk_carve(c, clen, q + size, &size);
	}
	if (d->names_len) {
		char *n = xrealloc(t->names, d->names_len);
		if (!n)
			return SPOOR_ENOMEM;
		t->names = n;
		memcpy(t->names, d->names, d->names_len);
	}
	t->names_len = d->names_len;
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int evtx_tape_replay(const evtx_tape *t, const evtx_item *it, const evtx_sink *sink)
{
	/* an item that wrote nothing: the tape may have no ops buffer at all,
	 * and NULL + 0 is undefined (clang's UBSan says so; fuzz-evtx) */
	if (it->ops_end <= it->ops)
		return it->rc;
	const uint8_t *p = t->ops + it->ops, *end = t->ops + it->ops_end;
	int rc = 0;
	while (p < end && rc >= 0) {
		uint8_t op = *p++;
		spoor_sv name = SPOOR_SV_NULL;
		if (op == 'S' || op == 'A') {
			name = sv_make(t->names ? t->names + get32(p) : "", get32(p + 4));
			p += 8;
		}
		if (op == 'S') {
			rc = sink->elem_start(sink->u, name);
			continue;
		}
		int kind = *p++;
		uint32_t n = get32(p);
		p += 4;
		spoor_sv v = sv_make((const char *)p, n);
		p += n;
		rc = op == 'A' ? sink->attr(sink->u, name, v, kind) : sink->elem_end(sink->u, v, kind);
	}
	return rc < 0 ? rc : it->rc;
}
