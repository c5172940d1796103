/* shape-azure-activity — Azure Monitor activity log records (subscription
 * control-plane operations: Administrative, Policy, Security, ServiceHealth,
 * Alert, Recommendation, ResourceHealth, Autoscale) as diagnostic settings
 * export them: {time, resourceId "/subscriptions/...", operationName,
 * category, resultType, callerIpAddress, identity ...}.  Entra ID's own
 * categories are the `entra` shape's.
 *
 * ECS: @timestamp (time), event.action (operationName), user.* (caller,
 * identity.claims.name or its upn claim), source.ip (callerIpAddress),
 * event.outcome (resultType Success / Succeeded -> success, Failure /
 * Failed -> failure), organization.id (tenantId), cloud.provider azure.
 * Logsource: product azure, service activitylogs. */
#include "parse/shape-util.h"

static bool subscription_path(spoor_sv rid)
{
	static const char k[] = "/subscriptions/";
	return rid.n > sizeof(k) - 1 && sv_ieq(sv_make(rid.p, sizeof(k) - 1), sv_make(k, sizeof(k) - 1));
}

static int aza_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_SRC_TIME) || !shu_pick(ev, F_AZ_OPERATION_NAME, F_AZ_OPERATION_NAME_LC))
		return 0;
	uint32_t rid = shu_pick(ev, F_AZ_RESOURCE_ID, F_AZ_RESOURCE_ID_LC);
	return rid && subscription_path(shu_raw(ev, rid)) ? 90 : 0;
}

static int aza_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	spoor_sv t = shu_text(ev, F_SRC_TIME);
	if (t.n)
		ecs_set_time(ev, t);
	static const uint32_t op_ids[] = {F_AZ_OPERATION_NAME, F_AZ_OPERATION_NAME_LC, 0};
	if ((r = ecs_set(ev, F_EVENT_ACTION, shu_text_any(ev, op_ids))) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;
	static const uint32_t u_ids[] = {F_AZA_CALLER, F_AZA_CLAIMS_UPN, F_AZA_CLAIMS_NAME, 0};
	if ((r = ecs_set_user(ev, shu_text_any(ev, u_ids))) < 0)
		return r;
	static const uint32_t ip_ids[] = {F_AZ_CALLER_IP, F_AZ_CALLER_IP_LC, 0};
	if ((r = shu_set_ip_port(ev, F_SOURCE_IP, shu_text_any(ev, ip_ids))) < 0)
		return r;
	static const uint32_t rt_ids[] = {F_AZ_RESULT_TYPE, F_AZ_RESULT_TYPE_LC, 0};
	spoor_sv rt = shu_text_any(ev, rt_ids);
	if ((sv_ieq_cstr(rt, "Success") || sv_ieq_cstr(rt, "Succeeded")) && (r = ecs_set_outcome(ev, 1)) < 0)
		return r;
	if ((sv_ieq_cstr(rt, "Failure") || sv_ieq_cstr(rt, "Failed")) && (r = ecs_set_outcome(ev, 0)) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_ORGANIZATION_ID, F_AZ_TENANT_ID)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_CLOUD_PROVIDER, "azure")) < 0)
		return r;
	ev->ls.product = SPOOR_SV("azure");
	ev->ls.service = SPOOR_SV("activitylogs");
	return 0;
}

const shape_vt shape_azure_activity = {
    .name = "azure-activity",
    .summary = "Azure Monitor activity log (time, resourceId /subscriptions/..., operationName, category, "
	       "resultType, callerIpAddress)",
    .match = aza_match,
    .normalize = aza_normalize,
};
