/* tracks-service — the logging itself stopped or reconfigured:
 *   Security 1100   the event logging service shut down
 *   System 7036     "Windows Event Log" / "Sysmon*" entered the stopped state
 *   System 7040     their start type changed (to disabled / demand)
 *   Sysmon 4        Sysmon service state changed to Stopped
 *   Sysmon 16       Sysmon configuration changed
 * ATT&CK T1562.002 (event log) and T1562.001 (Sysmon, a security tool). */
#include <stdio.h>

#include "event/event-int.h"
#include "evidence/tracks.h"

static bool contains(spoor_sv s, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= s.n; i++)
		if (sv_ieq(sv_make(s.p + i, n), sv_make(needle, n)))
			return true;
	return false;
}

int track_service_event(tracks *t, spoor_event *ev)
{
	long id = tracks_event_id(ev);
	if (id != 1100 && id != 7036 && id != 7040 && id != 4 && id != 16)
		return 0;
	spoor_sv prov = tracks_field(ev, "Provider_Name");
	track_hit h = {.tactic = "Defense Evasion", .ev = ev, .level = SPOOR_LEVEL_HIGH};
	char details[512];
	details[0] = 0;
	if (id == 1100) {
		if (prov.n && !contains(prov, "Eventlog"))
			return 0;
		h.id = "spoor-tracks-eventlog-shutdown";
		h.name = "Event logging service shut down";
		h.technique = "T1562.002";
		h.level = SPOOR_LEVEL_MEDIUM; /* also at every clean shutdown */
	} else if (id == 7036 || id == 7040) {
		if (prov.n && !contains(prov, "Service Control Manager"))
			return 0;
		spoor_sv svc = tracks_field(ev, "param1");
		spoor_sv st = tracks_field(ev, "param2");
		bool eventlog = contains(svc, "Windows Event Log") || sv_ieq_cstr(svc, "EventLog");
		bool sysmon = contains(svc, "Sysmon");
		if (!eventlog && !sysmon)
			return 0;
		if (id == 7036 && !contains(st, "stopped"))
			return 0;
		if (id == 7040 && !contains(tracks_field(ev, "param3"), "disabled") &&
		    !contains(tracks_field(ev, "param3"), "demand"))
			return 0;
		h.id =
		    id == 7036 ? "spoor-tracks-logging-service-stopped" : "spoor-tracks-logging-service-start-changed";
		h.name = id == 7036 ? "Logging service stopped" : "Logging service start type changed";
		h.technique = eventlog ? "T1562.002" : "T1562.001";
		snprintf(details, sizeof(details), "service: %.*s \xC2\xA6 state: %.*s", (int)MIN(svc.n, 200), svc.p,
			 (int)MIN(st.n, 100), st.p);
	} else {
		if (!contains(prov, "Sysmon"))
			return 0;
		if (id == 4 && !contains(tracks_field(ev, "State"), "Stopped"))
			return 0;
		h.id = id == 4 ? "spoor-tracks-sysmon-stopped" : "spoor-tracks-sysmon-config-changed";
		h.name = id == 4 ? "Sysmon stopped" : "Sysmon configuration changed";
		h.technique = "T1562.001";
		h.level = id == 4 ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM;
		spoor_sv cfg = tracks_field(ev, "Configuration");
		snprintf(details, sizeof(details), "Configuration: %.*s", (int)MIN(cfg.n, 300), cfg.p);
	}
	h.details = details;
	return tracks_emit(t, &h);
}
