/* shape-winlogbeat — Windows events shipped by Winlogbeat / Elastic Agent
 * (ECS documents with `winlog.*`).
 *
 *   winlog.event_id       -> EventID        (alias; the winlog name stays)
 *   winlog.channel        -> Channel
 *   winlog.provider_name  -> Provider_Name
 *   winlog.computer_name  -> Computer
 *   winlog.record_id      -> EventRecordID
 *   winlog.event_data.<N> -> <N>            (renamed, as evtx_dump's EventData)
 *   winlog.user_data.<N>  -> <N>
 * plus the no-spaces alias of every EventData name, then the shared
 * Windows ECS mapping.  ECS fields the document already carries
 * (host.name, user.name, event.action ...) are kept as they are. */
#include "parse/shape-util.h"

static int wlb_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_WINLOG_EVENT_ID))
		return 0;
	return shu_has(ev, F_WINLOG_CHANNEL) || shu_has(ev, F_WINLOG_PROVIDER_NAME) ? 100 : 90;
}

/* "winlog.event_data.<N>" / "winlog.user_data.<N>" -> "<N>" (memoized). */
static uint32_t wlb_derived(spoor_ctx *ctx, uint32_t id)
{
	uint32_t m = ctx_memo_get(ctx, MEMO_WINLOGBEAT, id);
	if (m)
		return m == MEMO_NONE ? 0 : m - 1;
	static const char ed[] = "winlog.event_data.", ud[] = "winlog.user_data.";
	spoor_sv n = field_name(&ctx->ft, id);
	uint32_t d = 0;
	size_t skip = sv_starts(n, ed) ? sizeof(ed) - 1 : sv_starts(n, ud) ? sizeof(ud) - 1 : 0;
	if (skip && n.n > skip)
		d = field_intern(&ctx->ft, n.p + skip, n.n - skip);
	ctx_memo_put(ctx, MEMO_WINLOGBEAT, id, d ? d + 1 : MEMO_NONE);
	return d;
}

static const uint32_t kept_ecs[] = {
    F_HOST_NAME,     F_USER_NAME,	   F_USER_DOMAIN,	   F_USER_ID,	 F_EVENT_ACTION,
    F_EVENT_OUTCOME, F_EVENT_CODE,	   F_EVENT_PROVIDER,	   F_SOURCE_IP,	 F_SOURCE_PORT,
    F_PROCESS_PID,   F_PROCESS_EXECUTABLE, F_PROCESS_COMMAND_LINE, F_EVENT_KIND, 0,
};

static const struct {
	uint32_t from, to;
} sys_alias[] = {
    {F_WINLOG_EVENT_ID, F_WIN_EVENT_ID},	   {F_WINLOG_CHANNEL, F_WIN_CHANNEL},
    {F_WINLOG_PROVIDER_NAME, F_WIN_PROVIDER_NAME}, {F_WINLOG_COMPUTER_NAME, F_WIN_COMPUTER},
    {F_WINLOG_RECORD_ID, F_WIN_EVENT_RECORD_ID},
};

static int wlb_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	shu_keep keep;
	shu_keep_save(ev, &keep, kept_ecs);
	for (size_t i = 0; i < ev->n; i++) {
		efield *f = &ev->f[i];
		if (!f->id || (f->flags & SPOOR_FF_ECS))
			continue;
		uint32_t d = wlb_derived(ev->ctx, f->id);
		if (d)
			event_rename(ev, i, d);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sys_alias); i++) {
		const efield *f = event_find(ev, sys_alias[i].from);
		if (f && !event_find(ev, sys_alias[i].to)) {
			efield c = *f;
			if ((r = event_add(ev, sys_alias[i].to, (spoor_vtype)c.type, c.val,
					   (c.flags & EF_HI) | SPOOR_FF_ALIAS)) < 0)
				return r;
		}
	}
	if ((r = shape_windows_alias_spaces(ev)) < 0)
		return r;
	spoor_sv ts = shu_text(ev, F_TIMESTAMP);
	if (ts.n)
		ecs_set_time(ev, ts);
	if ((r = shape_windows_normalize(ev)) < 0)
		return r;
	return shu_keep_restore(ev, &keep);
}

const shape_vt shape_winlogbeat = {
    .name = "winlogbeat",
    .summary = "Windows events from Winlogbeat / Elastic Agent (winlog.event_id, winlog.event_data.*) -> Sigma "
	       "names (EventID, Channel, Provider_Name, Computer, EventData names)",
    .match = wlb_match,
    .normalize = wlb_normalize,
};
