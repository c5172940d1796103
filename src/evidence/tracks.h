/* tracks — covered-track detection: one detector per file, one hunt stage
 * (tracks-stage.c) that runs them all and turns what they find into
 * findings with ATT&CK ids (docs/evidence.md §Covered tracks).
 *
 *   tracks-cleared.c  Windows log cleared (Security 1102, System 104)
 *   tracks-audit.c    audit policy changed (4719), auditing removed
 *   tracks-service.c  EventLog / Sysmon stopped, shut down or reconfigured
 *   tracks-gap.c      EventRecordID gaps and reversals in a live log
 *   tracks-time.c     event time going backwards while record ids go forwards
 *   tracks-silent.c   a host or source falling silent against its own baseline
 *   tracks-rotate.c   files truncated or replaced between two runs (evidence stage) */
#ifndef SPOOR_TRACKS_H
#define SPOOR_TRACKS_H

#include "base/buf.h"
#include "evidence/evidence.h"
#include "spoor/hunt.h"

typedef struct tracks tracks;

/* What a detector reports: one alert. */
typedef struct track_hit {
	const char *id, *name;
	spoor_level level;
	const char *technique, *tactic;
	spoor_event *ev; /* or NULL (then host/path/... go in extra) */
	int64_t ts;
	/* extra JSON members (",\"k\":v..." without the leading comma), may be empty */
	const char *extra;
	size_t extralen;
	const char *details;
} track_hit;

int tracks_emit(tracks *t, const track_hit *h);
/* field text by name ("" when absent), borrowed until the next call */
spoor_sv tracks_field(spoor_event *ev, const char *name);
/* EventID as a number, or -1 */
long tracks_event_id(spoor_event *ev);
const spoor_tracks_options *tracks_opts(const tracks *t);
/* Per-stream state of a detector: an open-addressing table of elsize-byte
 * slots whose first member is a uint64_t key (0 = empty), grown at half
 * full.  The slot of key (zeroed but for the key when new), or NULL when
 * out of memory or when a new stream would exceed max streams. */
void *tracks_stream_slot(void **v, size_t *cap, size_t *n, size_t elsize, uint64_t key, size_t max);

/* the detectors */
int track_cleared_event(tracks *t, spoor_event *ev);
int track_audit_event(tracks *t, spoor_event *ev);
int track_service_event(tracks *t, spoor_event *ev);
int track_time_check(tracks *t, spoor_event *ev, int64_t prev_ts, int64_t ts, uint64_t prev_rid, uint64_t rid);

typedef struct track_gap track_gap;
int track_gap_new(track_gap **out);
int track_gap_event(track_gap *g, tracks *t, spoor_event *ev);
int track_gap_finish(track_gap *g, tracks *t);
void track_gap_free(track_gap *g);

typedef struct track_silent track_silent;
int track_silent_new(track_silent **out);
int track_silent_event(track_silent *s, tracks *t, spoor_event *ev);
int track_silent_finish(track_silent *s, tracks *t);
void track_silent_free(track_silent *s);

/* tracks-rotate: state in the evidence store, driven by the evidence stage */
typedef struct track_rotate track_rotate;
int track_rotate_open(track_rotate **out, const char *dir, spoor_diag *diag);
/* one record (parsed or rejected) of path at offset */
int track_rotate_record(track_rotate *r, const char *path, uint64_t offset, spoor_sv raw);
int track_rotate_finish(track_rotate *r, spoor_finding_fn fn, void *payload, spoor_diag *diag);
void track_rotate_free(track_rotate *r);

#endif
