/* shape-okta — Okta System Log events (/api/v1/logs; Panther
 * Okta.SystemLog, which may lowercase top-level keys).  Recognized by
 * eventType + (published, legacyEventType or displayMessage) + (actor.alternateId,
 * uuid or outcome.result).
 *
 * ECS: @timestamp (published), event.action (eventType), user.*
 * (actor.alternateId), source.ip (client.ipAddress), event.outcome
 * (outcome.result: SUCCESS / ALLOW -> success, FAILURE / DENY -> failure),
 * user_agent.original (client.userAgent.rawUserAgent), message
 * (displayMessage).  Logsource: product okta, service okta (as SigmaHQ's
 * rules spell it). */
#include "parse/shape-util.h"

static int okta_match(const spoor_event *ev)
{
	if (!shu_pick(ev, F_OK_EVENT_TYPE, F_OK_EVENT_TYPE_LC))
		return 0;
	bool okta = shu_has(ev, F_OK_PUBLISHED) || shu_pick(ev, F_OK_LEGACY, F_OK_LEGACY_LC) ||
		    shu_pick(ev, F_OK_DISPLAY_MESSAGE, F_OK_DISPLAY_MESSAGE_LC);
	bool who = shu_has(ev, F_OK_ACTOR_ID) || shu_has(ev, F_OK_UUID) || shu_has(ev, F_OK_OUTCOME);
	return okta && who ? 95 : 0;
}

static int okta_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	spoor_sv t = shu_text(ev, F_OK_PUBLISHED);
	if (t.n)
		ecs_set_time(ev, t);
	static const uint32_t et_ids[] = {F_OK_EVENT_TYPE, F_OK_EVENT_TYPE_LC, 0};
	spoor_sv et = shu_text_any(ev, et_ids);
	if ((r = ecs_set(ev, F_EVENT_ACTION, et)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;
	if ((r = ecs_set_user(ev, shu_text(ev, F_OK_ACTOR_ID))) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, shu_text(ev, F_OK_CLIENT_IP))) < 0)
		return r;
	spoor_sv res = shu_text(ev, F_OK_OUTCOME);
	int outcome = -1;
	if (sv_ieq_cstr(res, "SUCCESS") || sv_ieq_cstr(res, "ALLOW"))
		outcome = 1;
	else if (sv_ieq_cstr(res, "FAILURE") || sv_ieq_cstr(res, "DENY"))
		outcome = 0;
	if (outcome >= 0 && (r = ecs_set_outcome(ev, outcome)) < 0)
		return r;
	if (sv_starts(et, "user.session.") || sv_starts(et, "user.authentication.")) {
		if ((r = ecs_set_cstr(ev, F_EVENT_CATEGORY, "authentication")) < 0)
			return r;
	}
	if ((r = ecs_set(ev, F_USER_AGENT_ORIGINAL, shu_text(ev, F_OK_UA))) < 0)
		return r;
	static const uint32_t msg_ids[] = {F_OK_DISPLAY_MESSAGE, F_OK_DISPLAY_MESSAGE_LC, 0};
	if (!event_find(ev, F_MESSAGE) && (r = ecs_set(ev, F_MESSAGE, shu_text_any(ev, msg_ids))) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_CLOUD_PROVIDER, "okta")) < 0)
		return r;
	ev->ls.product = SPOOR_SV("okta");
	ev->ls.service = SPOOR_SV("okta");
	return 0;
}

const shape_vt shape_okta = {
    .name = "okta",
    .summary = "Okta System Log (eventType, published, actor.alternateId, client.ipAddress, outcome.result)",
    .match = okta_match,
    .normalize = okta_normalize,
};
