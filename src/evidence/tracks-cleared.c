/* tracks-cleared — a Windows event log was cleared: Security 1102 ("The
 * audit log was cleared", provider Microsoft-Windows-Eventlog) and System
 * 104 ("The <name> log file was cleared").  ATT&CK T1070.001. */
#include <stdio.h>

#include "event/event-int.h"
#include "evidence/tracks.h"

int track_cleared_event(tracks *t, spoor_event *ev)
{
	long id = tracks_event_id(ev);
	if (id != 1102 && id != 104)
		return 0;
	const spoor_logsource *ls = spoor_event_logsource(ev);
	spoor_sv prov = tracks_field(ev, "Provider_Name");
	if (!prov.n)
		prov = ls->provider;
	/* 1102 and 104 of other providers mean other things */
	if (prov.n && !sv_ieq_cstr(prov, "Microsoft-Windows-Eventlog") && !sv_ieq_cstr(prov, "Eventlog"))
		return 0;
	spoor_sv chan = ls->channel.n ? ls->channel : tracks_field(ev, "Channel");
	if (id == 1102 && chan.n && !sv_ieq_cstr(chan, "Security"))
		return 0;
	if (id == 104 && chan.n && !sv_ieq_cstr(chan, "System"))
		return 0;
	spoor_sv user = tracks_field(ev, "SubjectUserName");
	char details[512];
	spoor_sv logname = id == 104 ? (chan.n ? chan : sv_cstr("System")) : sv_cstr("Security");
	snprintf(details, sizeof(details), "EventID: %ld \xC2\xA6 log: %.*s \xC2\xA6 by: %.*s", id,
		 (int)MIN(logname.n, 200), logname.p, (int)MIN(user.n, 200), user.p);
	track_hit h = {
	    .id = id == 1102 ? "spoor-tracks-security-log-cleared" : "spoor-tracks-event-log-cleared",
	    .name = id == 1102 ? "Security event log cleared" : "Windows event log cleared",
	    .level = SPOOR_LEVEL_HIGH,
	    .technique = "T1070.001",
	    .tactic = "Defense Evasion",
	    .ev = ev,
	    .details = details,
	};
	return tracks_emit(t, &h);
}
