/* tracks-audit — the audit policy changed (Security 4719).  Removing
 * success or failure auditing (%%8448, %%8450 in AuditPolicyChanges) is
 * how an intruder stops a category from being logged at all: high; other
 * changes: medium.  ATT&CK T1562.002 (Disable Windows Event Logging). */
#include <stdio.h>

#include "event/event-int.h"
#include "evidence/tracks.h"

int track_audit_event(tracks *t, spoor_event *ev)
{
	if (tracks_event_id(ev) != 4719)
		return 0;
	spoor_sv prov = tracks_field(ev, "Provider_Name");
	if (prov.n && !sv_ieq_cstr(prov, "Microsoft-Windows-Security-Auditing"))
		return 0;
	spoor_sv ch = tracks_field(ev, "AuditPolicyChanges");
	spoor_sv sub = tracks_field(ev, "SubcategoryGuid");
	spoor_sv user = tracks_field(ev, "SubjectUserName");
	/* "%%8448, %%8450" or the rendered "Success removed, Failure removed" */
	bool removed = false;
	for (size_t i = 0; i + 6 <= ch.n && !removed; i++)
		removed = !memcmp(ch.p + i, "%%8448", 6) || !memcmp(ch.p + i, "%%8450", 6) ||
			  (i + 7 <= ch.n && !memcmp(ch.p + i, "removed", 7));
	char details[512];
	snprintf(details, sizeof(details), "AuditPolicyChanges: %.*s \xC2\xA6 SubcategoryGuid: %.*s \xC2\xA6 by: %.*s",
		 (int)MIN(ch.n, 100), ch.p, (int)MIN(sub.n, 64), sub.p, (int)MIN(user.n, 200), user.p);
	track_hit h = {
	    .id = removed ? "spoor-tracks-audit-removed" : "spoor-tracks-audit-changed",
	    .name = removed ? "Audit policy: auditing removed" : "Audit policy changed",
	    .level = removed ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM,
	    .technique = "T1562.002",
	    .tactic = "Defense Evasion",
	    .ev = ev,
	    .details = details,
	};
	return tracks_emit(t, &h);
}
