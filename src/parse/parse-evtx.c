/* parse-evtx — Windows EVTX files as a self-framed format.
 *
 * The window is the file as a byte stream.  The 4096-byte file header is
 * read and skipped; then each 64 KiB chunk is copied into a slot once whole
 * (or at end of file, truncated), decoded whole into a tape (evtx.h) by a
 * worker thread or by this one, and its records are replayed and mapped
 * to events here, one per call, in file order.  Each call consumes up to
 * the end of the record it reports, so origins and raw bytes are exact;
 * decoding works on the slot's copy of the chunk because templates and
 * names are addressed by chunk offset (often in earlier records) and the
 * scanner's window moves.  With -j N, up to 4N chunks are in flight; the
 * output does not depend on N (docs/internals/evtx.md, "Parallel
 * decoding").
 *
 * Field names follow spoor's naming of evtx_dump JSON: System.<E> -> E,
 * System.<E>@<A> -> E_A, EventData <Data Name="X"> -> X (plus an alias
 * without spaces), unnamed Data -> Data.0, Data.1... (a lone one: Data),
 * UserData/<C>/<X> -> X (deeper: X.Y), other sections (RenderingInfo, ...)
 * -> Event.<Section>.<path>.  See docs/internals/evtx.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"
#include "parse/evtx/evtx.h"
#include "parse/parser.h"
#include "parse/shape.h"

enum { SEC_NONE = 0, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

#define NAME_MAX_LEN 512
#define ID_CACHE     1024
#define DNAME_CACHE	32
#define DNAME_CACHE_LEN 47

/* Field ids by (element name, attribute name) pointers: names live in the
 * decoder's per-chunk name table, so within a chunk equal pointers mean
 * equal names; entries are tagged with the chunk number. */
typedef struct id_cache_ent {
	const char *a, *b;
	uint64_t chunk;
	uint32_t id;
} id_cache_ent;

/* One chunk in flight: its bytes (copied out of the scanner's window,
 * which may move) and, once decoded, its tape. */
enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

typedef struct evtx_slot {
	evtx_tape t;
	uint64_t chunkno;
	uint32_t clen;
	int state; /* under the pool mutex */
	int rc;
	uint8_t chunk[EVTX_CHUNK_SIZE];
} evtx_slot;

struct evtx_state;

typedef struct evtx_worker {
	struct evtx_state *s;
	pthread_t th;
	evtx_dec dec;
	bool started;
} evtx_worker;

typedef struct evtx_state {
	evtx_dec dec; /* the calling thread's decoder */
	const parse_env *env;
	bool header_done;
	evtx_file_header fh;
	bool fh_ok;
	/* Chunks in flight: a ring of nslots, sequence numbers
	 * cons_seq <= claim_seq <= sub_seq. */
	evtx_slot *slots;
	unsigned nslots;
	uint64_t sub_seq, claim_seq, cons_seq;
	uint64_t sub_off; /* stream offset of the next chunk to submit */
	size_t item;	  /* next item of the slot being consumed */
	uint32_t cu;	  /* bytes of that chunk consumed */
	uint64_t nchunk;  /* chunks submitted */
	uint64_t bad_crc; /* chunks with a bad header or data CRC (decoded anyway) */
	/* Worker threads (jobs - 1; the calling thread decodes too). */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool sync_ok;
	bool quit;
	evtx_worker *workers;
	unsigned nworkers;
	bool started;
	uint32_t recovered_id;
	/* Set up by the first open(); kept across files (parser.h: finish). */
	bool ready;
	unsigned jobs;
	size_t max_record;
	const codepage_def *codepage;
	bool no_carve;
	uint64_t chunk_base; /* chunks of earlier files, for map_chunk */
	/* Per-record mapping state. */
	spoor_event *ev;
	uint64_t map_chunk; /* chunk number of the names being mapped */
	int depth;
	int sec;
	unsigned data_unnamed;
	size_t data0_idx;
	bool had_attr[EVTX_MAX_DEPTH + 1];
	bool had_child[EVTX_MAX_DEPTH + 1];
	spoor_sv names[EVTX_MAX_DEPTH + 1];
	char data_name[NAME_MAX_LEN];
	size_t data_name_len;
	unsigned data_named; /* named Data elements of this record so far */
	/* Field ids of the named Data elements by their position in the
	 * record: consecutive records of one event type name them alike,
	 * so a compare replaces the hash lookup. */
	struct {
		uint32_t id;
		uint8_t len;
		char name[DNAME_CACHE_LEN];
	} dname[DNAME_CACHE];
	bool has_data_name;
	bool has_time;
	int64_t time_ns;
	id_cache_ent idc[ID_CACHE];
} evtx_state;

static int evtx_sniff(spoor_sv head)
{
	return head.n >= 8 && memcmp(head.p, "ElfFile\0", 8) == 0 ? 100 : 0;
}

static void *worker_main(void *arg);

static void evtx_close(void *state);

/* The memory kept from file to file (decoder scratch, slots, tapes, sync),
 * allocated by the first open() of a state. */
static int evtx_setup(evtx_state *s, const parse_env *env)
{
	int rc = evtx_dec_init(&s->dec);
	if (rc < 0)
		return rc;
	if (env->codepage)
		s->dec.cp = env->codepage;
	s->dec.no_carve = env->no_carve;
	unsigned jobs = env->jobs > 1 ? env->jobs : 1;
	/* Chunks decoded ahead stay in the scanner's window until consumed:
	 * keep them within the record limit (the window's guaranteed size). */
	size_t room = env->ctx->lim.max_record / EVTX_CHUNK_SIZE;
	unsigned n = jobs == 1 ? 1 : 4 * jobs;
	if (n > room - 1 && room > 2)
		n = (unsigned)(room - 1);
	if (room <= 2)
		n = 1;
	s->nslots = n;
	s->slots = xcalloc(n, sizeof(*s->slots));
	if (!s->slots)
		return SPOOR_ENOMEM;
	for (unsigned i = 0; i < n; i++)
		evtx_tape_init(&s->slots[i].t);
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return SPOOR_ENOMEM;
	if (pthread_cond_init(&s->work, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		return SPOOR_ENOMEM;
	}
	if (pthread_cond_init(&s->done, NULL) != 0) {
		pthread_cond_destroy(&s->work);
		pthread_mutex_destroy(&s->mu);
		return SPOOR_ENOMEM;
	}
	s->sync_ok = true;
	if (n > 1) {
		s->workers = xcalloc(jobs - 1, sizeof(*s->workers));
		if (!s->workers)
			return SPOOR_ENOMEM;
		s->nworkers = jobs - 1;
	}
	s->jobs = env->jobs;
	s->max_record = env->ctx->lim.max_record;
	s->codepage = env->codepage;
	s->no_carve = env->no_carve;
	s->ready = true;
	return 0;
}

static int evtx_open(void *state, const parse_env *env)
{
	evtx_state *s = state;
	if (s->ready && (s->jobs != env->jobs || s->max_record != env->ctx->lim.max_record ||
			 s->codepage != env->codepage || s->no_carve != env->no_carve)) {
		evtx_close(s); /* another set-up: start afresh */
		memset(s, 0, sizeof(*s));
	}
	if (!s->ready) {
		int rc = evtx_setup(s, env);
		if (rc < 0) {
			evtx_close(s);
			memset(s, 0, sizeof(*s));
			return rc;
		}
	}
	/* Per-file state.  The field-id cache is tagged with chunk numbers:
	 * those of this file start past the previous file's. */
	s->env = env;
	s->header_done = false;
	memset(&s->fh, 0, sizeof(s->fh));
	s->fh_ok = false;
	s->sub_seq = s->claim_seq = s->cons_seq = 0;
	s->sub_off = 0;
	s->item = 0;
	s->cu = 0;
	s->nchunk = 0;
	s->bad_crc = 0;
	s->quit = false;
	s->started = false;
	s->recovered_id = 0;
	s->ev = NULL;
	return 0;
}

/* Threads start with the second chunk in flight: a one-chunk file costs
 * no thread. */
static void start_workers(evtx_state *s)
{
	s->started = true;
	for (unsigned i = 0; i < s->nworkers; i++) {
		evtx_worker *w = &s->workers[i];
		w->s = s;
		if (evtx_dec_init(&w->dec) < 0)
			break;
		if (s->env->codepage)
			w->dec.cp = s->env->codepage;
		w->dec.no_carve = s->env->no_carve;
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			evtx_dec_done(&w->dec);
			break; /* fewer workers: the calling thread decodes the rest */
		}
		w->started = true;
	}
}

/* Stop the worker threads (they are started again by the next file). */
static void stop_workers(evtx_state *s)
{
	if (s->sync_ok) {
		pthread_mutex_lock(&s->mu);
		s->quit = true;
		pthread_cond_broadcast(&s->work);
		pthread_mutex_unlock(&s->mu);
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		evtx_worker *w = &s->workers[i];
		if (w->started) {
			pthread_join(w->th, NULL);
			evtx_dec_done(&w->dec);
			w->started = false;
		}
	}
	s->quit = false;
	s->started = false;
}

/* parser_vt.finish: the file is over; keep the memory for the next one. */
static void evtx_finish(void *state)
{
	evtx_state *s = state;
	stop_workers(s);
	for (unsigned i = 0; s->slots && i < s->nslots; i++)
		s->slots[i].state = SLOT_FREE;
	s->chunk_base += s->nchunk + 1;
}

static void evtx_close(void *state)
{
	evtx_state *s = state;
	stop_workers(s);
	free(s->workers);
	if (s->sync_ok) {
		pthread_cond_destroy(&s->done);
		pthread_cond_destroy(&s->work);
		pthread_mutex_destroy(&s->mu);
	}
	for (unsigned i = 0; s->slots && i < s->nslots; i++)
		evtx_tape_done(&s->slots[i].t);
	free(s->slots);
	evtx_dec_done(&s->dec);
}

/* ---- mapping Binary XML to fields ---- */

static uint32_t intern(evtx_state *s, const char *p, size_t n)
{
	return field_intern(&s->ev->ctx->ft, p, n);
}

static int vtype_of(int kind)
{
	switch (kind) {
	case EVTX_V_NUM:
		return SPOOR_VT_NUM;
	case EVTX_V_BOOL:
		return SPOOR_VT_BOOL;
	case EVTX_V_NONE:
		return SPOOR_VT_NULL;
	default:
		return SPOOR_VT_STR;
	}
}

/* Add field name = val (val copied into the event arena).  *out gets the
 * stored value view. */
static int add_field_id(evtx_state *s, uint32_t id, const char *name, size_t nlen, spoor_sv val, int kind,
			spoor_sv *out)
{
	spoor_event *ev = s->ev;
	char *v = NULL;
	if (val.n) {
		v = arena_alloc(&ev->ar, val.n);
		if (!v)
			return SPOOR_ENOMEM;
		memcpy(v, val.p, val.n);
	}
	spoor_sv sv = sv_make(v ? v : "", val.n);
	if (out)
		*out = sv;
	spoor_vtype t = (spoor_vtype)vtype_of(kind);
	unsigned fl = 0;
	size_t i = 0;
	for (; i + 8 <= val.n; i += 8) {
		uint64_t w;
		memcpy(&w, val.p + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
	for (; i < val.n; i++) {
		if ((unsigned char)val.p[i] >= 0x80) {
			fl = EF_HI;
			break;
		}
	}
	if (id == SPOOR_FIELD_NONE)
		id = intern(s, name, nlen);
	int rc;
	if (id == SPOOR_FIELD_NONE) {
		char *nm = arena_alloc(&ev->ar, nlen ? nlen : 1);
		if (!nm)
			return SPOOR_ENOMEM;
		memcpy(nm, name, nlen);
		return event_add_named(ev, sv_make(nm, nlen), t, sv, fl);
	}
	rc = event_add(ev, id, t, sv, fl);
	if (rc < 0)
		return rc;
	/* A name with spaces ("Product Name") gets an alias without them. */
	if (memchr(name, ' ', nlen)) {
		uint32_t m = ctx_memo_get(ev->ctx, MEMO_NOSPACE, id);
		if (m == 0) {
			char tmp[NAME_MAX_LEN];
			size_t k = 0;
			for (size_t j = 0; j < nlen && k < sizeof(tmp); j++) {
				if (name[j] != ' ')
					tmp[k++] = name[j];
			}
			uint32_t a = k ? intern(s, tmp, k) : SPOOR_FIELD_NONE;
			m = a ? a + 1 : MEMO_NONE;
			ctx_memo_put(ev->ctx, MEMO_NOSPACE, id, m);
		}
		if (m != MEMO_NONE)
			rc = event_add(ev, m - 1, t, sv, fl | SPOOR_FF_ALIAS);
	}
	return rc;
}

static int add_field(evtx_state *s, const char *name, size_t nlen, spoor_sv val, int kind, spoor_sv *out)
{
	return add_field_id(s, SPOOR_FIELD_NONE, name, nlen, val, kind, out);
}

/* The id of a name made of decoder names a (and b, or NULL), cached. */
static uint32_t cached_id(evtx_state *s, spoor_sv a, spoor_sv b, const char *name, size_t nlen)
{
	uintptr_t h = ((uintptr_t)a.p * 31u + (uintptr_t)b.p) * 2654435761u;
	id_cache_ent *e = &s->idc[(h >> 7) & (ID_CACHE - 1)];
	if (e->chunk == s->map_chunk && e->a == a.p && e->b == b.p)
		return e->id;
	uint32_t id = intern(s, name, nlen);
	e->a = a.p;
	e->b = b.p;
	e->chunk = s->map_chunk;
	e->id = id;
	return id;
}

/* name buffer: a + sep + b */
static size_t join(char *out, spoor_sv a, char sep, spoor_sv b)
{
	if (a.n + 1 + b.n > NAME_MAX_LEN)
		return 0;
	memcpy(out, a.p, a.n);
	out[a.n] = sep;
	memcpy(out + a.n + 1, b.p, b.n);
	return a.n + 1 + b.n;
}

/* Dotted path of names[from..depth] into out. */
static size_t path_from(const evtx_state *s, int from, char *out)
{
	size_t n = 0;
	for (int i = from; i <= s->depth; i++) {
		spoor_sv nm = s->names[i];
		if (n + nm.n + 1 > NAME_MAX_LEN)
			return 0;
		if (i > from)
			out[n++] = '.';
		memcpy(out + n, nm.p, nm.n);
		n += nm.n;
	}
	return n;
}

/* The id of the current Data Name (see dname). */
static uint32_t data_name_id(evtx_state *s)
{
	unsigned k = s->data_named++;
	size_t n = s->data_name_len;
	if (k >= DNAME_CACHE || n > DNAME_CACHE_LEN)
		return intern(s, s->data_name, n);
	if (s->dname[k].id && s->dname[k].len == n && !memcmp(s->dname[k].name, s->data_name, n))
		return s->dname[k].id;
	uint32_t id = intern(s, s->data_name, n);
	s->dname[k].id = id;
	s->dname[k].len = (uint8_t)n;
	memcpy(s->dname[k].name, s->data_name, n);
	return id;
}

static int sink_start(void *u, spoor_sv name)
{
	evtx_state *s = u;
	if (s->depth >= EVTX_MAX_DEPTH)
		return SPOOR_ELIMIT;
	s->had_child[s->depth] = true;
	s->depth++;
	s->names[s->depth] = name;
	s->had_attr[s->depth] = false;
	s->had_child[s->depth] = false;
	if (s->depth == 2) {
		if (sv_eq_cstr(name, "System"))
			s->sec = SEC_SYSTEM;
		else if (sv_eq_cstr(name, "EventData"))
			s->sec = SEC_EVENTDATA;
		else if (sv_eq_cstr(name, "UserData"))
			s->sec = SEC_USERDATA;
		else
			s->sec = SEC_OTHER;
	} else if (s->depth == 3 && s->sec == SEC_EVENTDATA) {
		s->has_data_name = false;
	}
	return 0;
}

static void system_special(evtx_state *s, spoor_sv elem, spoor_sv attr, spoor_sv val)
{
	spoor_event *ev = s->ev;
	if (attr.n) {
		if (sv_eq_cstr(elem, "TimeCreated") && sv_eq_cstr(attr, "SystemTime")) {
			int64_t ns;
			if (time_parse_iso(val, NULL, &ns)) {
				s->has_time = true;
				s->time_ns = ns;
			}
		} else if (sv_eq_cstr(elem, "Provider") && sv_eq_cstr(attr, "Name")) {
			ev->ls.provider = val;
		}
		return;
	}
	if (sv_eq_cstr(elem, "Channel")) {
		ev->ls.channel = val;
	} else if (sv_eq_cstr(elem, "EventRecordID")) {
		uint64_t id;
		if (sv_to_u64(val, &id) && id)
			ev->origin.record_id = id;
	}
}

static int sink_attr(void *u, spoor_sv name, spoor_sv val, int kind)
{
	evtx_state *s = u;
	char nb[NAME_MAX_LEN];
	size_t n;
	if (s->depth < 2 || sv_starts(name, "xmlns"))
		return 0;
	spoor_sv elem = s->names[s->depth];
	s->had_attr[s->depth] = true;
	switch (s->sec) {
	case SEC_SYSTEM:
		if (s->depth != 3)
			return 0;
		n = join(nb, elem, '_', name);
		if (!n)
			return 0;
		spoor_sv stored;
		uint32_t id = cached_id(s, elem, name, nb, n);
		int rc = add_field_id(s, id, nb, n, val, kind == EVTX_V_NONE ? EVTX_V_STR : kind, &stored);
		if (rc < 0)
			return rc;
		system_special(s, elem, name, stored);
		return 0;
	case SEC_EVENTDATA:
		if (s->depth == 3 && sv_eq_cstr(elem, "Data") && sv_eq_cstr(name, "Name")) {
			if (val.n && val.n <= sizeof(s->data_name)) {
				memcpy(s->data_name, val.p, val.n);
				s->data_name_len = val.n;
				s->has_data_name = true;
			}
		}
		return 0;
	case SEC_USERDATA:
		if (s->depth < 4)
			return 0;
		n = join(nb, elem, '_', name);
		return n ? add_field(s, nb, n, val, kind == EVTX_V_NONE ? EVTX_V_STR : kind, NULL) : 0;
	default:
		return 0;
	}
}

static int sink_end(void *u, spoor_sv text, int kind)
{
	evtx_state *s = u;
	char nb[NAME_MAX_LEN];
	size_t n = 0;
	int rc = 0;
	int d = s->depth;
	if (d <= 0)
		return 0;
	spoor_sv elem = s->names[d];
	/* evtx_dump trims whitespace around element text; so does spoor, so
	 * that rules give the same results on both. */
	if (kind == EVTX_V_STR)
		text = sv_trim(text);
	switch (s->sec) {
	case SEC_SYSTEM:
		if (d == 3 && (kind != EVTX_V_NONE || !s->had_attr[d])) {
			spoor_sv stored;
			uint32_t id = cached_id(s, elem, SPOOR_SV_NULL, elem.p, elem.n);
			rc = add_field_id(s, id, elem.p, elem.n, text, kind, &stored);
			if (rc >= 0)
				system_special(s, elem, SPOOR_SV_NULL, stored);
		}
		break;
	case SEC_EVENTDATA:
		if (d == 3) {
			if (s->had_child[d] && (kind == EVTX_V_NONE || text.n == 0)) {
				/* <Data Name="X"><Y>..</Y></Data>: only X.Y fields. */
			} else if (sv_eq_cstr(elem, "Data")) {
				if (s->has_data_name) {
					rc = add_field_id(s, data_name_id(s), s->data_name, s->data_name_len, text, kind,
							  NULL);
				} else {
					if (s->data_unnamed == 0)
						s->data0_idx = s->ev->n;
					int w = snprintf(nb, sizeof(nb), "Data.%u", s->data_unnamed++);
					rc = add_field(s, nb, (size_t)w, text, kind, NULL);
				}
			} else if (kind != EVTX_V_NONE) {
				rc = add_field(s, elem.p, elem.n, text, kind, NULL);
			}
		} else if (d >= 4 && kind != EVTX_V_NONE) {
			/* Below a Data element: <Name>.<path>, as evtx_dump's
			 * JSON nests it under the Data Name. */
			n = path_from(s, 3, nb);
			if (n && s->has_data_name && sv_eq_cstr(s->names[3], "Data")) {
				size_t rest = n - s->names[3].n;
				if (s->data_name_len + rest <= NAME_MAX_LEN) {
					memmove(nb + s->data_name_len, nb + s->names[3].n, rest);
					memcpy(nb, s->data_name, s->data_name_len);
					n = s->data_name_len + rest;
				}
			}
			if (n)
				rc = add_field(s, nb, n, text, kind, NULL);
		}
		break;
	case SEC_USERDATA:
		if (d == 4 && kind != EVTX_V_NONE) {
			uint32_t id = cached_id(s, elem, SPOOR_SV_NULL, elem.p, elem.n);
			rc = add_field_id(s, id, elem.p, elem.n, text, kind, NULL);
		} else if (d > 4 && kind != EVTX_V_NONE) {
			n = path_from(s, 4, nb);
			if (n)
				rc = add_field(s, nb, n, text, kind, NULL);
		}
		break;
	case SEC_OTHER:
		/* As spoor names evtx_dump JSON paths it does not rename:
		 * Event.RenderingInfo.Message ... */
		if (d >= 3 && kind != EVTX_V_NONE) {
			n = path_from(s, 1, nb);
			if (n)
				rc = add_field(s, nb, n, text, kind, NULL);
		}
		break;
	default:
		break;
	}
	if (d == 2) {
		/* A lone unnamed <Data> is "Data" (evtx_dump: Data.#text),
		 * several are Data.0, Data.1, ... */
		if (s->sec == SEC_EVENTDATA && s->data_unnamed == 1 && s->data0_idx < s->ev->n &&
		    s->ev->f[s->data0_idx].id) {
			uint32_t id = intern(s, "Data", 4);
			if (id)
				event_rename(s->ev, s->data0_idx, id);
		}
		s->sec = SEC_NONE;
	}
	s->depth--;
	return rc;
}

static const evtx_sink map_sink = {sink_start, sink_attr, sink_end, NULL};

/* ---- decoding chunks (any thread) ---- */

static void *worker_main(void *arg)
{
	evtx_worker *w = arg;
	evtx_state *s = w->s;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && s->claim_seq == s->sub_seq)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->quit)
			break;
		evtx_slot *sl = &s->slots[s->claim_seq++ % s->nslots];
		sl->state = SLOT_BUSY;
		pthread_mutex_unlock(&s->mu);
		int rc = evtx_tape_chunk(&w->dec, sl->chunk, sl->clen, &sl->t);
		pthread_mutex_lock(&s->mu);
		sl->rc = rc;
		sl->state = SLOT_DONE;
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Wait until the oldest chunk in flight is decoded, decoding chunks in
 * this thread while none is ready (it is then never idle). */
static evtx_slot *cons_slot(evtx_state *s)
{
	evtx_slot *want = &s->slots[s->cons_seq % s->nslots];
	pthread_mutex_lock(&s->mu);
	while (want->state != SLOT_DONE) {
		if (s->claim_seq < s->sub_seq) {
			evtx_slot *sl = &s->slots[s->claim_seq++ % s->nslots];
			sl->state = SLOT_BUSY;
			pthread_mutex_unlock(&s->mu);
			int rc = evtx_tape_chunk(&s->dec, sl->chunk, sl->clen, &sl->t);
			pthread_mutex_lock(&s->mu);
			sl->rc = rc;
			sl->state = SLOT_DONE;
		} else {
			pthread_cond_wait(&s->done, &s->mu);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return want;
}

/* Queue every whole chunk of the window (and, at end of file, the last
 * partial one) while a slot is free. */
static void submit(evtx_state *s, const parse_window *w)
{
	for (;;) {
		if (s->sub_seq - s->cons_seq >= s->nslots)
			return;
		uint64_t at = s->sub_off - w->off; /* sub_off >= w->off */
		if (at >= w->len)
			return;
		size_t left = w->len - (size_t)at;
		if (left < EVTX_CHUNK_SIZE && !w->eof)
			return;
		uint32_t clen = (uint32_t)MIN(left, (size_t)EVTX_CHUNK_SIZE);
		evtx_slot *sl = &s->slots[s->sub_seq % s->nslots];
		sl->clen = clen;
		sl->chunkno = s->nchunk++;
		sl->rc = 0;
		s->sub_off += clen;
		if (s->nslots == 1) {
			/* One slot, no workers: decode the chunk where it lies
			 * in the window, now (the tape keeps all that replay
			 * needs), instead of copying it for later. */
			sl->rc = evtx_tape_chunk(&s->dec, (const uint8_t *)w->p + at, clen, &sl->t);
			pthread_mutex_lock(&s->mu);
			sl->state = SLOT_DONE;
			s->sub_seq++;
			s->claim_seq++;
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		memcpy(sl->chunk, w->p + at, clen);
		pthread_mutex_lock(&s->mu);
		sl->state = SLOT_QUEUED;
		s->sub_seq++;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->mu);
		if (!s->started && s->nworkers && s->sub_seq - s->cons_seq >= 2)
			start_workers(s);
	}
}

static void release(evtx_state *s, evtx_slot *sl)
{
	pthread_mutex_lock(&s->mu);
	sl->state = SLOT_FREE;
	s->cons_seq++;
	pthread_mutex_unlock(&s->mu);
	s->item = 0;
	s->cu = 0;
}

/* ---- mapping a decoded record (calling thread) ---- */

static const char *const recov_name[] = {"", "resync", "unindexed", "slack", "beyond-header"};

static int record_event(evtx_state *s, const parse_env *env, const evtx_slot *sl, const evtx_item *it,
			spoor_event *ev)
{
	evtx_sink sink = map_sink;
	sink.u = s;
	s->ev = ev;
	s->map_chunk = s->chunk_base + sl->chunkno + 1;
	s->depth = 0;
	s->sec = SEC_NONE;
	s->data_unnamed = 0;
	s->data_named = 0;
	s->has_time = false;
	ev->format = "evtx";
	ev->shape = "windows";
	ev->ls.product = SPOOR_SV("windows");
	ev->origin.record_id = it->id;
	int rc = evtx_tape_replay(&sl->t, it, &sink);
	if (rc == SPOOR_ENOMEM)
		return rc;
	if (rc < 0) {
		if (rc == it->rc && it->err)
			diag_set(env->diag, it->rc == SPOOR_ELIMIT ? SPOOR_ELIMIT : SPOOR_EPARSE,
				 "evtx record %llu (chunk %llu, offset %u): %s at chunk offset %u",
				 (unsigned long long)it->id, (unsigned long long)sl->chunkno, it->off, it->err,
				 it->err_off);
		else
			diag_set(env->diag, rc, "evtx record %llu (chunk %llu, offset %u): limit exceeded",
				 (unsigned long long)it->id, (unsigned long long)sl->chunkno, it->off);
		return SPOOR_EPARSE;
	}
	if (s->has_time) {
		event_set_time(ev, s->time_ns);
	} else {
		int64_t ns;
		if (it->written && time_from_filetime(it->written, &ns))
			event_set_time(ev, ns);
	}
	int recov = it->recovered;
	if (!recov && s->fh_ok && s->fh.nchunks && sl->chunkno >= s->fh.nchunks)
		recov = 4; /* a chunk past the file header's chunk count */
	if (recov) {
		/* A carved record must be what its header says it is: the
		 * template it references may belong to a newer use of the
		 * chunk.  Others are real records in sequence. */
		if (it->recovered == EVTX_RECOV_SLACK && ev->origin.record_id != it->id)
			return 1;
		if (!s->recovered_id)
			s->recovered_id = intern(s, "spoor.recovered", 15);
		if (s->recovered_id) {
			const char *r = recov_name[recov];
			rc = event_add(ev, s->recovered_id, SPOOR_VT_STR, sv_make(r, strlen(r)), 0);
			if (rc == SPOOR_ENOMEM)
				return rc;
		}
		if (env->recovered)
			(*env->recovered)++;
	}
	rc = shape_windows_normalize(ev);
	return rc == SPOOR_ENOMEM ? rc : 0;
}

/* ---- framing ---- */

static int evtx_next(void *state, const parse_env *env, const parse_window *w, spoor_event *ev, size_t *consumed,
		     size_t *rec_start)
{
	evtx_state *s = state;
	*consumed = 0;
	*rec_start = 0;
	if (!s->header_done) {
		if (w->len < EVTX_FILE_HEADER_SIZE && !w->eof)
			return PARSE_MORE;
		if (w->len == 0)
			return PARSE_MORE;
		s->header_done = true;
		*consumed = MIN(w->len, (size_t)EVTX_FILE_HEADER_SIZE);
		s->sub_off = w->off + *consumed;
		if (evtx_file_header_parse((const uint8_t *)w->p, w->len, &s->fh) < 0) {
			diag_set(env->diag, SPOOR_EPARSE, "evtx: bad file header magic; reading chunks anyway");
			return PARSE_BAD;
		}
		s->fh_ok = true;
		return PARSE_SKIP;
	}
	for (;;) {
		submit(s, w);
		uint64_t inflight = s->sub_seq - s->cons_seq;
		uint64_t ahead = s->sub_off - w->off;
		/* Read ahead while slots are free: the next chunk is not whole
		 * in the window yet. */
		if (inflight < s->nslots && !w->eof && w->len - ahead < EVTX_CHUNK_SIZE &&
		    w->len < env->ctx->lim.max_record && (inflight == 0 || s->nslots > 1))
			return PARSE_MORE;
		if (inflight == 0)
			return PARSE_MORE; /* end of file */
		evtx_slot *sl = cons_slot(s);
		if (sl->rc == SPOOR_ENOMEM)
			return SPOOR_ENOMEM;
		evtx_tape *t = &sl->t;
		if (t->ci.state == EVTX_CHUNK_ZERO) {
			*consumed = sl->clen;
			release(s, sl);
			return PARSE_SKIP;
		}
		if (t->ci.state != EVTX_CHUNK_OK) {
			*consumed = sl->clen;
			diag_set(env->diag, SPOOR_EPARSE, "evtx chunk %llu: bad chunk magic%s",
				 (unsigned long long)sl->chunkno, sl->clen < EVTX_CHUNK_SIZE ? " (truncated)" : "");
			release(s, sl);
			return PARSE_BAD;
		}
		if (s->item == 0 && s->cu == 0 && (!t->ci.header_crc_ok || !t->ci.data_crc_ok))
			s->bad_crc++;
		if (s->item >= t->nitems) {
			size_t left = sl->clen - s->cu;
			release(s, sl);
			if (left == 0)
				continue;
			*consumed = MIN(left, w->len);
			return PARSE_SKIP;
		}
		const evtx_item *it = &t->items[s->item++];
		if (it->off < s->cu || (size_t)it->off + it->size - s->cu > w->len) {
			/* Cannot happen: the window holds every chunk in flight. */
			*consumed = MIN(w->len, (size_t)(sl->clen - s->cu));
			diag_set(env->diag, SPOOR_EPARSE, "evtx chunk %llu: window lost the chunk",
				 (unsigned long long)sl->chunkno);
			release(s, sl);
			return *consumed ? PARSE_BAD : PARSE_MORE;
		}
		*rec_start = it->off - s->cu;
		*consumed = it->off + it->size - s->cu;
		s->cu = it->off + it->size;
		if (it->kind == EVTX_ITEM_GARBAGE) {
			diag_set(env->diag, SPOOR_EPARSE, "evtx chunk %llu: %u bytes of invalid record data at offset %u",
				 (unsigned long long)sl->chunkno, it->size, it->off);
			return PARSE_BAD;
		}
		int rc = record_event(s, env, sl, it, ev);
		if (rc == SPOOR_ENOMEM)
			return rc;
		if (rc == 1)
			return PARSE_SKIP;
		return rc < 0 ? PARSE_BAD : PARSE_EVENT;
	}
}

const parser_vt parser_evtx = {
    .name = "evtx",
    .summary = "Windows XML Event Log (.evtx), decoded natively; dirty and damaged files recovered",
    .recognizes = "windows",
    .sniff = evtx_sniff,
    .state_size = sizeof(evtx_state),
    .open = evtx_open,
    .close = evtx_close,
    .finish = evtx_finish,
    .next = evtx_next,
    .batch = 4, /* names and values are copied into the event (add_field_id) */
};
