/* shape-nxlog — flat Windows events as NXLog (im_msvistalog) writes them,
 * the shape of the OTRF / Mordor datasets: EventData names at the top
 * level next to EventID, Channel, SourceName, Hostname, EventTime.
 *
 *   SourceName   -> Provider_Name  (alias)
 *   Hostname     -> Computer       (alias)
 *   RecordNumber -> EventRecordID  (alias)
 * plus no-spaces aliases and the shared Windows ECS mapping.  Time: the
 * shipper's UTC "@timestamp" when present, else EventTime (local time of
 * the collector, read in the context zone). */
#include "parse/shape-util.h"

static int nx_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_WIN_EVENT_ID))
		return 0;
	/* Sentinel rows have the same names plus these (and a file's previous
	 * shape is tried first, so say no rather than a lower score) */
	if (shu_has(ev, F_SN_EVENT_SOURCE_NAME) || shu_has(ev, F_SN_TIME_GENERATED))
		return 0;
	bool src = shu_has(ev, F_NX_SOURCE_NAME) || shu_has(ev, F_WIN_CHANNEL);
	if (!src)
		return 0;
	return shu_has(ev, F_NX_HOSTNAME) || shu_has(ev, F_WIN_COMPUTER) ? 95 : 80;
}

static int nx_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	if ((r = shu_alias(ev, F_NX_SOURCE_NAME, F_WIN_PROVIDER_NAME)) < 0)
		return r;
	if ((r = shu_alias(ev, F_NX_HOSTNAME, F_WIN_COMPUTER)) < 0)
		return r;
	if ((r = shu_alias(ev, F_NX_RECORD_NUMBER, F_WIN_EVENT_RECORD_ID)) < 0)
		return r;
	if ((r = shape_windows_alias_spaces(ev)) < 0)
		return r;
	spoor_sv ts = shu_text(ev, F_TIMESTAMP);
	if (!ts.n || !ecs_set_time(ev, ts)) {
		ts = shu_text(ev, F_NX_EVENT_TIME);
		if (ts.n)
			ecs_set_time(ev, ts);
	}
	return shape_windows_normalize(ev);
}

const shape_vt shape_windows_nxlog = {
    .name = "windows-nxlog",
    .summary = "flat Windows events from NXLog / OTRF (EventID, Channel, SourceName, Hostname, EventData names at "
	       "the top) -> Provider_Name, Computer",
    .match = nx_match,
    .normalize = nx_normalize,
};
