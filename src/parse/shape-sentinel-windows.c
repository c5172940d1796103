/* shape-sentinel-windows — Windows events exported from Microsoft
 * Sentinel / Log Analytics: the SecurityEvent table (Type=SecurityEvent,
 * EventSourceName, Computer, EventID, EventData names as columns, EventData
 * as an XML string) and the WindowsEvent table (Type=WindowsEvent,
 * Provider, Channel, EventData as an object).
 *
 *   EventSourceName / Provider -> Provider_Name  (alias)
 *   EventData.<N> (object)     -> <N>            (renamed, as evtx_dump's)
 *   TimeGenerated              -> the event time
 * A SecurityEvent's EventData XML string is left as it is. */
#include "parse/shape-util.h"

static int sn_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_WIN_EVENT_ID) || !shu_has(ev, F_WIN_COMPUTER))
		return 0;
	spoor_sv type = shu_raw(ev, F_SN_TYPE);
	if (sv_eq_cstr(type, "SecurityEvent") || sv_eq_cstr(type, "WindowsEvent") || sv_eq_cstr(type, "Event"))
		return 98;
	if (shu_has(ev, F_SN_EVENT_SOURCE_NAME))
		return 96;
	return 0;
}

/* "EventData.<N>" -> "<N>" (memoized). */
static uint32_t sn_derived(spoor_ctx *ctx, uint32_t id)
{
	uint32_t m = ctx_memo_get(ctx, MEMO_EVENTDATA, id);
	if (m)
		return m == MEMO_NONE ? 0 : m - 1;
	static const char ed[] = "EventData.";
	spoor_sv n = field_name(&ctx->ft, id);
	uint32_t d = 0;
	if (sv_starts(n, ed) && n.n > sizeof(ed) - 1)
		d = field_intern(&ctx->ft, n.p + sizeof(ed) - 1, n.n - (sizeof(ed) - 1));
	ctx_memo_put(ctx, MEMO_EVENTDATA, id, d ? d + 1 : MEMO_NONE);
	return d;
}

static int sn_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	for (size_t i = 0; i < ev->n; i++) {
		const efield *f = &ev->f[i];
		if (!f->id || (f->flags & SPOOR_FF_ECS))
			continue;
		uint32_t d = sn_derived(ev->ctx, f->id);
		if (d)
			event_rename(ev, i, d);
	}
	if ((r = shu_alias(ev, F_SN_EVENT_SOURCE_NAME, F_WIN_PROVIDER_NAME)) < 0)
		return r;
	if ((r = shu_alias(ev, F_SN_PROVIDER, F_WIN_PROVIDER_NAME)) < 0)
		return r;
	if ((r = shape_windows_alias_spaces(ev)) < 0)
		return r;
	spoor_sv ts = shu_text(ev, F_SN_TIME_GENERATED);
	if (ts.n)
		ecs_set_time(ev, ts);
	return shape_windows_normalize(ev);
}

const shape_vt shape_windows_sentinel = {
    .name = "windows-sentinel",
    .summary = "Windows events from Microsoft Sentinel (SecurityEvent, WindowsEvent: EventSourceName/Provider, "
	       "Computer, EventID, TimeGenerated) -> Provider_Name",
    .match = sn_match,
    .normalize = sn_normalize,
};
