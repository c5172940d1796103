/* tracks-gap — records deleted from a live log.  Per stream (source file,
 * host, channel) the EventRecordIDs of a live Windows log go up by one.
 * A jump means records in between were removed (or never written: the
 * service was stopped); a step back means records were reordered or an
 * old log was put back.  Filtered exports (the usual way EVTX samples are
 * shared) have jumps everywhere, so a stream counts as a live log only
 * once it has gap_min_transitions transitions of which gap_min_density are
 * +1 steps; gaps are reported at the end of the run, each with its record
 * ids and the record after it.  ATT&CK T1070.001.
 *
 * The same pass feeds tracks-time.c (event time going backwards). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/alert.h"
#include "event/event-int.h"
#include "evidence/tracks.h"

#define GAPS_KEPT 16 /* per stream; the rest are counted */

typedef struct gap_rec {
	uint64_t from, to; /* last id before, first id after */
	int64_t ts;
	uint64_t offset;
} gap_rec;

typedef struct stream {
	uint64_t key; /* 0 = empty slot */
	char *path, *host, *chan;
	uint64_t last;
	int64_t last_ts;
	uint64_t transitions, steps, ngaps, nback;
	gap_rec gaps[GAPS_KEPT];
} stream;

struct track_gap {
	stream *v;
	size_t cap, n;
	bool full_reported;
};

int track_gap_new(track_gap **out)
{
	*out = xcalloc(1, sizeof(**out));
	return *out ? 0 : SPOOR_ENOMEM;
}

void track_gap_free(track_gap *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->cap; i++) {
		free(g->v[i].path);
		free(g->v[i].host);
		free(g->v[i].chan);
	}
	free(g->v);
	free(g);
}

static uint64_t mix(uint64_t h, spoor_sv s)
{
	return hash_bytes(s.p, s.n, h ^ 0x9e3779b97f4a7c15ull) * 31 + s.n;
}

static stream *find(track_gap *g, uint64_t key, size_t max)
{
	void *v = g->v;
	stream *st = tracks_stream_slot(&v, &g->cap, &g->n, sizeof(stream), key, max);
	g->v = v;
	return st;
}

static char *dup_sv(spoor_sv s)
{
	return xstrndup(s.p ? s.p : "", MIN(s.n, (size_t)1024));
}

int track_gap_event(track_gap *g, tracks *t, spoor_event *ev)
{
	const spoor_origin *o = spoor_event_origin(ev);
	uint64_t rid = o->record_id;
	if (!rid) {
		spoor_sv s = tracks_field(ev, "EventRecordID");
		if (!s.n || !sv_to_u64(s, &rid) || !rid)
			return 0;
	}
	spoor_sv host = tracks_field(ev, "host.name");
	char hostbuf[256];
	snprintf(hostbuf, sizeof(hostbuf), "%.*s", (int)MIN(host.n, sizeof(hostbuf) - 1), host.p);
	const spoor_logsource *ls = spoor_event_logsource(ev);
	spoor_sv chan = ls->channel.n ? ls->channel : tracks_field(ev, "Channel");
	uint64_t key = mix(mix(mix(1, sv_cstr(o->path)), sv_cstr(hostbuf)), chan) | 1;
	stream *s = find(g, key, tracks_opts(t)->max_streams);
	if (!s)
		return g->v ? 0 : SPOOR_ENOMEM; /* over max_streams: not tracked */
	int64_t ts = ev->has_ts ? ev->ts : 0;
	if (!s->path) {
		s->path = dup_sv(sv_cstr(o->path));
		s->host = dup_sv(sv_cstr(hostbuf));
		s->chan = dup_sv(chan);
		if (!s->path || !s->host || !s->chan)
			return SPOOR_ENOMEM;
		s->last = rid;
		s->last_ts = ts;
		return 0;
	}
	s->transitions++;
	int rc = 0;
	if (rid == s->last + 1) {
		s->steps++;
	} else if (rid > s->last + 1 || rid <= s->last) {
		if (rid <= s->last)
			s->nback++;
		if (s->ngaps < GAPS_KEPT) {
			gap_rec *r = &s->gaps[s->ngaps];
			r->from = s->last;
			r->to = rid;
			r->ts = ts;
			r->offset = o->offset;
		}
		s->ngaps++;
	}
	if (rid > s->last && ts && s->last_ts)
		rc = track_time_check(t, ev, s->last_ts, ts, s->last, rid);
	s->last = rid;
	if (ts)
		s->last_ts = ts;
	return rc;
}

int track_gap_finish(track_gap *g, tracks *t)
{
	const spoor_tracks_options *o = tracks_opts(t);
	int rc = 0;
	for (size_t i = 0; i < g->cap && rc == 0; i++) {
		stream *s = &g->v[i];
		if (!s->key || !s->ngaps || s->transitions < o->gap_min_transitions)
			continue;
		if ((double)s->steps < o->gap_min_density * (double)s->transitions)
			continue;
		for (uint64_t k = 0; k < s->ngaps && k < GAPS_KEPT && rc == 0; k++) {
			gap_rec *r = &s->gaps[k];
			bool back = r->to <= r->from;
			buf x;
			buf_init(&x, 8192);
			rc = buf_adds(&x, "\"host.name\":");
			if (rc == 0)
				rc = json_str(&x, s->host, strlen(s->host));
			if (rc == 0)
				rc = buf_adds(&x, ",\"winlog.channel\":");
			if (rc == 0)
				rc = json_str(&x, s->chan, strlen(s->chan));
			if (rc == 0)
				rc = buf_adds(&x, ",\"log.file.path\":");
			if (rc == 0)
				rc = json_str(&x, s->path, strlen(s->path));
			if (rc == 0)
				rc = buf_printf(
				    &x,
				    ",\"log.offset\":%" PRIu64 ",\"spoor.record_id.before\":%" PRIu64
				    ",\"spoor.record_id.after\":%" PRIu64 ",\"spoor.records_missing\":%" PRIu64
				    ",\"spoor.stream.transitions\":%" PRIu64 ",\"spoor.stream.gaps\":%" PRIu64,
				    r->offset, r->from, r->to, back ? 0 : r->to - r->from - 1, s->transitions,
				    s->ngaps);
			char details[256];
			snprintf(details, sizeof(details), "EventRecordID %" PRIu64 " -> %" PRIu64 " \xC2\xA6 %s",
				 r->from, r->to, s->chan);
			track_hit h = {
			    .id = back ? "spoor-tracks-record-id-reversed" : "spoor-tracks-record-id-gap",
			    .name = back ? "Event records out of order in a live log"
					 : "Event records deleted from a live log",
			    .level = SPOOR_LEVEL_HIGH,
			    .technique = "T1070.001",
			    .tactic = "Defense Evasion",
			    .ts = r->ts,
			    .extra = x.p,
			    .extralen = x.len,
			    .details = details,
			};
			if (rc == 0)
				rc = tracks_emit(t, &h);
			buf_done(&x);
		}
	}
	return rc;
}
