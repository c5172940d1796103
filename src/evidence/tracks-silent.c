/* tracks-silent — a host (or a log source without a host name) that stops
 * logging while others go on: the event log or the forwarder was stopped,
 * the log deleted as it was written, the agent unplugged.  Judged against
 * the stream's own baseline, at the end of the run, whatever the order of
 * the input files:
 *
 *   stream    host.name of the event, else its source file (one per path)
 *   baseline  the stream's largest gaps between consecutive events (in
 *             input order), its span and event count; a stream whose time
 *             jumps back by more than silent_min_seconds (files read out
 *             of time order, exports stitched together) has no reliable
 *             gaps and is neither judged nor counted as logging on
 *   silent    (a) trailing: the stream's last event is followed by a
 *             silence to the end of the data (the latest event of any
 *             stream) of at least silent_min_seconds and silent_factor
 *             times the longest gap it ever had;
 *             (b) interior: its longest gap is at least silent_min_seconds
 *             and silent_factor times its second longest;
 *             and at least silent_min_others other streams logged through
 *             that silence: they began before it, ended after it, and
 *             none of their gaps covers it (known for sure: either all
 *             their gaps are shorter than the silence, or every gap as
 *             long is among the ones kept and none of those covers it).
 *
 * A host quiet every night has night-long gaps in its baseline, so a
 * night (or an evening at the end of the data) is not silence; a
 * low-volume host has long gaps all the time.  The stream must have
 * silent_min_events events over silent_baseline_seconds before it is
 * judged.  ATT&CK T1562.006 (Impair Defenses: Indicator Blocking): the
 * events are kept from being collected. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/timeparse.h"
#include "detect/alert.h"
#include "event/event-int.h"
#include "evidence/tracks.h"

#define TOP_GAPS 3

typedef struct sgap {
	int64_t from, to; /* the last event before, the first after */
} sgap;

typedef struct sstream {
	uint64_t key; /* 0 = empty slot */
	char *name;   /* host name, or the path */
	bool by_path;
	char *path; /* the source file of its latest event */
	const char *path_id;
	uint64_t n, unordered; /* unordered: jumps back in time > silent_min_seconds */
	int64_t first, last, prev;
	unsigned ntop;
	sgap top[TOP_GAPS]; /* longest first */
} sstream;

struct track_silent {
	sstream *v;
	size_t cap, n;
};

int track_silent_new(track_silent **out)
{
	*out = xcalloc(1, sizeof(**out));
	return *out ? 0 : SPOOR_ENOMEM;
}

void track_silent_free(track_silent *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		free(s->v[i].name);
		free(s->v[i].path);
	}
	free(s->v);
	free(s);
}

static sstream *find(track_silent *s, uint64_t key, size_t max)
{
	void *v = s->v;
	sstream *st = tracks_stream_slot(&v, &s->cap, &s->n, sizeof(sstream), key, max);
	s->v = v;
	return st;
}

static void add_gap(sstream *st, int64_t from, int64_t to)
{
	int64_t len = to - from;
	unsigned i = st->ntop;
	if (i == TOP_GAPS) {
		if (len <= st->top[TOP_GAPS - 1].to - st->top[TOP_GAPS - 1].from)
			return;
		i = TOP_GAPS - 1;
	} else {
		st->ntop++;
	}
	while (i > 0 && st->top[i - 1].to - st->top[i - 1].from < len) {
		st->top[i] = st->top[i - 1];
		i--;
	}
	st->top[i].from = from;
	st->top[i].to = to;
}

int track_silent_event(track_silent *s, tracks *t, spoor_event *ev)
{
	const spoor_tracks_options *o = tracks_opts(t);
	if (o->silent_factor <= 0 || !ev->has_ts)
		return 0;
	const spoor_origin *org = spoor_event_origin(ev);
	spoor_sv host = tracks_field(ev, "host.name");
	bool by_path = host.n == 0;
	if (by_path) {
		if (!org->path || !strcmp(org->path, "<stdin>"))
			return 0;
		host = sv_cstr(org->path);
	}
	host.n = MIN(host.n, (size_t)1024);
	uint64_t key = (hash_bytes(host.p, host.n, by_path ? 0x51u : 0x48u) * 31 + host.n) | 1;
	sstream *st = find(s, key, o->max_streams);
	if (!st)
		return s->v ? 0 : SPOOR_ENOMEM; /* over max_streams: not tracked */
	int64_t ts = ev->ts;
	if (!st->name) {
		st->name = xstrndup(host.p, host.n);
		if (!st->name)
			return SPOOR_ENOMEM;
		st->by_path = by_path;
		st->first = st->last = st->prev = ts;
	} else {
		if (ts > st->prev)
			add_gap(st, st->prev, ts);
		else if ((double)(st->prev - ts) > o->silent_min_seconds * 1e9)
			st->unordered++;
		st->prev = ts;
		if (ts > st->last)
			st->last = ts;
		if (ts < st->first)
			st->first = ts;
	}
	st->n++;
	if (org->path && org->path != st->path_id && ts >= st->last) {
		if (!st->path || strcmp(st->path, org->path)) {
			char *np = xstrndup(org->path, strlen(org->path));
			if (!np)
				return SPOOR_ENOMEM;
			free(st->path);
			st->path = np;
		}
		st->path_id = org->path;
	}
	return 0;
}

static int64_t gap_len(const sstream *st, unsigned i)
{
	return i < st->ntop ? st->top[i].to - st->top[i].from : 0;
}

/* Other streams that surely logged during (from, to): ordered, began by
 * from, ended at or after to, and no gap of theirs covers the interval —
 * known when every gap of theirs at least to - from long is among the
 * kept ones (the shortest kept one is shorter, or fewer are kept).  Stops
 * counting at want. */
static size_t others_through(const track_silent *s, const sstream *self, int64_t from, int64_t to, size_t want)
{
	size_t c = 0;
	for (size_t i = 0; i < s->cap && c < want; i++) {
		const sstream *y = &s->v[i];
		if (!y->key || !y->name || y == self || y->unordered || y->first > from || y->last < to)
			continue;
		if (y->ntop == TOP_GAPS && gap_len(y, TOP_GAPS - 1) >= to - from)
			continue; /* a gap as long may not be kept: unknown */
		bool covered = false;
		for (unsigned k = 0; k < y->ntop && !covered; k++)
			covered = y->top[k].from <= from && y->top[k].to >= to;
		if (!covered)
			c++;
	}
	return c;
}

static int emit(tracks *t, const sstream *st, bool trailing, int64_t from, int64_t to, int64_t baseline, size_t others)
{
	double hours = (double)(to - from) / 3600e9;
	char fb[64], tb[64];
	fb[time_format(from, fb)] = 0;
	tb[time_format(to, tb)] = 0;
	buf x;
	buf_init(&x, 8192);
	int rc = buf_adds(&x, st->by_path ? "\"log.file.path\":" : "\"host.name\":");
	if (rc == 0)
		rc = json_str(&x, st->name, strlen(st->name));
	if (rc == 0 && !st->by_path && st->path) {
		rc = buf_adds(&x, ",\"log.file.path\":");
		if (rc == 0)
			rc = json_str(&x, st->path, strlen(st->path));
	}
	if (rc == 0)
		rc =
		    buf_printf(&x,
			       ",\"spoor.silent.from\":\"%s\",\"spoor.silent.until\":\"%s\",\"spoor.silent.hours\":%.1f"
			       ",\"spoor.silent.trailing\":%s,\"spoor.baseline.longest_gap_hours\":%.1f"
			       ",\"spoor.baseline.events\":%" PRIu64 ",\"spoor.baseline.hours\":%.1f"
			       ",\"spoor.silent.others_logging\":%zu",
			       fb, tb, hours, trailing ? "true" : "false", (double)baseline / 3600e9, st->n,
			       (double)(st->last - st->first) / 3600e9, others);
	char details[1400];
	snprintf(details, sizeof(details),
		 "%s %.*s silent for %.1f h (%s -> %s%s); longest gap before: %.1f h over %.1f h, %" PRIu64
		 " events; %zu other source(s) kept logging",
		 st->by_path ? "source" : "host", (int)MIN(strlen(st->name), (size_t)512), st->name, hours, fb, tb,
		 trailing ? ", the end of the data" : "", (double)baseline / 3600e9,
		 (double)(st->last - st->first) / 3600e9, st->n, others);
	track_hit h = {
	    .id = trailing ? "spoor-tracks-source-silent" : "spoor-tracks-source-silent-gap",
	    .name = trailing ? "A log source stopped logging while others went on"
			     : "A log source was silent for longer than ever before while others went on",
	    .level = trailing ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM,
	    .technique = "T1562.006",
	    .tactic = "Defense Evasion",
	    .ts = from,
	    .extra = x.p,
	    .extralen = x.len,
	    .details = details,
	};
	if (rc == 0)
		rc = tracks_emit(t, &h);
	buf_done(&x);
	return rc;
}

int track_silent_finish(track_silent *s, tracks *t)
{
	const spoor_tracks_options *o = tracks_opts(t);
	if (o->silent_factor <= 0 || !s->n)
		return 0;
	int64_t end = INT64_MIN;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].key && s->v[i].name && s->v[i].last > end)
			end = s->v[i].last;
	int64_t minsil = (int64_t)(o->silent_min_seconds * 1e9), base = (int64_t)(o->silent_baseline_seconds * 1e9);
	size_t want = o->silent_min_others ? o->silent_min_others : 1;
	int rc = 0;
	for (size_t i = 0; i < s->cap && rc == 0; i++) {
		const sstream *st = &s->v[i];
		if (!st->key || !st->name || st->unordered || st->n < o->silent_min_events ||
		    st->last - st->first < base)
			continue;
		/* (a) silent to the end of the data */
		int64_t longest = gap_len(st, 0);
		int64_t need = MAX(minsil, (int64_t)(o->silent_factor * (double)longest));
		if (end - st->last >= need) {
			size_t c = others_through(s, st, st->last, st->last + need, want);
			if (c >= want) {
				rc = emit(t, st, true, st->last, end, longest, c);
				continue;
			}
		}
		/* (b) one gap far longer than every other */
		if (st->ntop == 0)
			continue;
		int64_t second = gap_len(st, 1);
		need = MAX(minsil, (int64_t)(o->silent_factor * (double)second));
		if (longest >= need && st->ntop >= 2) {
			size_t c = others_through(s, st, st->top[0].from, st->top[0].to, want);
			if (c >= want)
				rc = emit(t, st, false, st->top[0].from, st->top[0].to, second, c);
		}
	}
	return rc;
}
