/* tracks-time — event time going backwards in a stream whose record ids go
 * forwards: the clock of the host was set back (to make later actions look
 * older, or to break time-based correlation).  Reported at once, with the
 * record where time jumped back; tolerance time_back_seconds.  ATT&CK
 * T1070.006 (Indicator Removal: Timestomp). */
#include <inttypes.h>
#include <stdio.h>

#include "event/event-int.h"
#include "evidence/tracks.h"

int track_time_check(tracks *t, spoor_event *ev, int64_t prev_ts, int64_t ts, uint64_t prev_rid, uint64_t rid)
{
	double back = (double)(prev_ts - ts) / 1e9;
	if (back <= tracks_opts(t)->time_back_seconds)
		return 0;
	char details[256], extra[256];
	snprintf(details, sizeof(details), "time went back %.0f s between EventRecordID %" PRIu64 " and %" PRIu64, back,
		 prev_rid, rid);
	int n = snprintf(extra, sizeof(extra), "\"spoor.time_back_seconds\":%.0f,\"spoor.record_id.before\":%" PRIu64,
			 back, prev_rid);
	track_hit h = {
	    .id = "spoor-tracks-time-backwards",
	    .name = "Event time goes backwards",
	    .level = SPOOR_LEVEL_MEDIUM,
	    .technique = "T1070.006",
	    .tactic = "Defense Evasion",
	    .ev = ev,
	    .extra = extra,
	    .extralen = (size_t)n,
	    .details = details,
	};
	return tracks_emit(t, &h);
}
