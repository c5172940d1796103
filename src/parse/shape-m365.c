/* shape-m365 — Microsoft 365 Unified Audit Log records (Office 365
 * Management Activity API schema), also as Microsoft Sentinel's
 * OfficeActivity table and with Panther's lowercased keys.
 *
 * Recognized by CreationTime + Operation + Workload/RecordType (or
 * TimeGenerated + OfficeWorkload + Operation for Sentinel), in either
 * spelling.  Name/value lists are also exposed by name:
 *   Parameters.<i>.Name = N, Parameters.<i>.Value = V  ->  Parameters.N = V
 * (likewise OperationProperties, ExtendedProperties, ModifiedProperties,
 * DeviceProperties).
 *
 * ECS: @timestamp (CreationTime, UTC), event.action (Operation), user.*
 * (UserId), source.ip (ClientIP, else ClientIPAddress; port and brackets
 * dropped), event.outcome
 * (ResultStatus), user_agent.original, organization.id, cloud.provider
 * "microsoft", cloud.service.name (Workload).  Logsource: product m365,
 * service = the workload lowercased (exchange, sharepoint, onedrive,
 * azureactivedirectory, microsoftteams ...). */
#include <strings.h>

#include "parse/shape-util.h"

static int m365_match(const spoor_event *ev)
{
	bool op = shu_pick(ev, F_M365_OPERATION, F_M365_OPERATION_LC) != 0;
	if (!op)
		return 0;
	if (shu_pick(ev, F_M365_CREATION_TIME, F_M365_CREATION_TIME_LC) &&
	    (shu_pick(ev, F_M365_WORKLOAD, F_M365_WORKLOAD_LC) ||
	     shu_pick(ev, F_M365_RECORD_TYPE, F_M365_RECORD_TYPE_LC)))
		return 95;
	if (shu_has(ev, F_M365_OFFICE_WORKLOAD) && shu_has(ev, F_SN_TIME_GENERATED))
		return 95;
	return 0;
}

/* Name/value list members: "<List>.<digits>.Name" -> the sibling value id
 * (MEMO_NV_VALUE) and the list's id (MEMO_NV_PREFIX). */
static const char *const nv_lists[] = {"Parameters", "OperationProperties", "ExtendedProperties", "ModifiedProperties",
				       "DeviceProperties"};

static uint32_t nv_value_id(spoor_ctx *ctx, uint32_t id, uint32_t *prefix)
{
	uint32_t m = ctx_memo_get(ctx, MEMO_NV_VALUE, id);
	if (m) {
		if (m == MEMO_NONE)
			return 0;
		*prefix = ctx_memo_get(ctx, MEMO_NV_PREFIX, id) - 1;
		return m - 1;
	}
	uint32_t val = 0, pre = 0;
	spoor_sv n = field_name(&ctx->ft, id);
	const char *d1 = memchr(n.p, '.', n.n);
	if (d1) {
		size_t ln = (size_t)(d1 - n.p);
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(nv_lists); i++) {
			if (strlen(nv_lists[i]) == ln && !strncasecmp(n.p, nv_lists[i], ln))
				known = true;
		}
		const char *q = d1 + 1, *end = n.p + n.n;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		spoor_sv last = sv_make(q + 1, q < end ? (size_t)(end - q - 1) : 0);
		if (known && q > d1 + 1 && q < end && *q == '.' &&
		    (sv_eq_cstr(last, "Name") || sv_eq_cstr(last, "name"))) {
			char tmp[256];
			size_t k = (size_t)(q + 1 - n.p);
			if (k + 5 < sizeof(tmp)) {
				memcpy(tmp, n.p, k);
				memcpy(tmp + k, last.p[0] == 'N' ? "Value" : "value", 5);
				/* intern the prefix first: n views the table, which the
				 * second intern may move */
				pre = field_intern(&ctx->ft, n.p, ln);
				val = field_intern(&ctx->ft, tmp, k + 5);
			}
		}
	}
	if (!val || !pre) {
		ctx_memo_put(ctx, MEMO_NV_VALUE, id, MEMO_NONE);
		return 0;
	}
	ctx_memo_put(ctx, MEMO_NV_PREFIX, id, pre + 1);
	ctx_memo_put(ctx, MEMO_NV_VALUE, id, val + 1);
	*prefix = pre;
	return val;
}

static int expose_name_values(spoor_event *ev)
{
	size_t n = ev->n;
	for (size_t i = 0; i < n; i++) {
		efield nf = ev->f[i];
		if (!nf.id || (nf.flags & (SPOOR_FF_ECS | SPOOR_FF_ALIAS)) || nf.type == SPOOR_VT_NULL)
			continue;
		uint32_t pre = 0;
		uint32_t vid = nv_value_id(ev->ctx, nf.id, &pre);
		if (!vid)
			continue;
		const efield *vf = event_find(ev, vid);
		spoor_sv key;
		if (!vf || !event_text(ev, &nf, &key))
			continue;
		if (!key.n)
			continue;
		uint32_t to = field_child(&ev->ctx->ft, pre, key.p, key.n);
		if (!to || event_find(ev, to))
			continue;
		efield v = *vf;
		int r = event_add(ev, to, (spoor_vtype)v.type, v.val, (v.flags & EF_HI) | SPOOR_FF_ALIAS);
		if (r < 0)
			return r;
	}
	return 0;
}

static const shu_map workloads[] = {
    {"Exchange", "exchange"},
    {"SharePoint", "sharepoint"},
    {"OneDrive", "onedrive"},
    {"AzureActiveDirectory", "azureactivedirectory"},
    {"MicrosoftTeams", "microsoftteams"},
    {"SecurityComplianceCenter", "securitycompliancecenter"},
    {"ThreatIntelligence", "threatintelligence"},
    {"PowerBI", "powerbi"},
    {"Yammer", "yammer"},
    {"MicrosoftFlow", "microsoftflow"},
    {"PowerApps", "powerapps"},
    {"MicrosoftForms", "microsoftforms"},
    {"MicrosoftStream", "microsoftstream"},
    {"Dynamics365", "dynamics365"},
    {"Compliance", "compliance"},
    {"Sway", "sway"},
    {"Planner", "planner"},
    {"Kaizala", "kaizala"},
    {"MicrosoftDefenderForIdentity", "microsoftdefenderforidentity"},
};

/* RecordType numbers of the common workloads, for records without one. */
static const char *workload_of_record_type(int64_t rt)
{
	switch (rt) {
	case 1:
	case 2:
	case 3:
	case 50:
	case 104:
		return "exchange";
	case 4:
	case 6:
	case 14:
	case 36:
	case 37:
		return "sharepoint";
	case 8:
	case 9:
	case 15:
	case 54:
		return "azureactivedirectory";
	case 25:
	case 26:
	case 27:
	case 28:
	case 29:
	case 30:
		return "microsoftteams";
	case 18:
		return "securitycompliancecenter";
	case 20:
		return "powerbi";
	default:
		return NULL;
	}
}

static int m365_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	if ((r = expose_name_values(ev)) < 0)
		return r;

	static const uint32_t t_ids[] = {F_M365_CREATION_TIME, F_M365_CREATION_TIME_LC, F_SN_TIME_GENERATED, 0};
	spoor_sv t = shu_text_any(ev, t_ids);
	if (t.n)
		ecs_set_time(ev, t);

	static const uint32_t op_ids[] = {F_M365_OPERATION, F_M365_OPERATION_LC, 0};
	spoor_sv op = shu_text_any(ev, op_ids);
	if ((r = ecs_set(ev, F_EVENT_ACTION, op)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;

	static const uint32_t u_ids[] = {F_M365_USER_ID, F_M365_USER_ID_LC, 0};
	if ((r = ecs_set_user(ev, shu_text_any(ev, u_ids))) < 0)
		return r;

	/* ClientIP (every record; with a port on admin records), the
	 * mailbox audit records' ClientIPAddress, Sentinel's Client_IPAddress */
	static const uint32_t ip_ids[] = {F_M365_CLIENT_IP,
					  F_M365_CLIENT_IP_LC,
					  F_M365_CLIENT_IPADDR,
					  F_M365_CLIENT_IPADDR_LC,
					  F_M365_CLIENT_IPADDRESS,
					  F_M365_ACTOR_IP,
					  0};
	if ((r = shu_set_ip_port(ev, F_SOURCE_IP, shu_text_any(ev, ip_ids))) < 0)
		return r;

	/* Outcome: ResultStatus, but a failed logon says "Success" there. */
	static const uint32_t rs_ids[] = {F_M365_RESULT_STATUS, F_M365_RESULT_STATUS_LC, 0};
	spoor_sv rs = shu_text_any(ev, rs_ids);
	int outcome = -1;
	if (sv_ieq_cstr(op, "UserLoginFailed"))
		outcome = 0;
	else if (sv_ieq_cstr(rs, "Succeeded") || sv_ieq_cstr(rs, "Success") || sv_ieq_cstr(rs, "True") ||
		 sv_ieq_cstr(rs, "PartiallySucceeded"))
		outcome = 1;
	else if (sv_ieq_cstr(rs, "Failed") || sv_ieq_cstr(rs, "Failure") || sv_ieq_cstr(rs, "False"))
		outcome = 0;
	if (outcome >= 0 && (r = ecs_set_outcome(ev, outcome)) < 0)
		return r;
	if ((sv_ieq_cstr(op, "UserLoggedIn") || sv_ieq_cstr(op, "UserLoginFailed")) &&
	    (r = ecs_set_cstr(ev, F_EVENT_CATEGORY, "authentication")) < 0)
		return r;

	if ((r = ecs_copy_id(ev, F_USER_AGENT_ORIGINAL, F_M365_USER_AGENT)) < 0)
		return r;
	static const uint32_t org_ids[] = {F_M365_ORGANIZATION_ID, F_M365_ORGANIZATION_ID_LC, 0};
	if ((r = ecs_set(ev, F_ORGANIZATION_ID, shu_text_any(ev, org_ids))) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_CLOUD_PROVIDER, "microsoft")) < 0)
		return r;

	static const uint32_t w_ids[] = {F_M365_WORKLOAD, F_M365_WORKLOAD_LC, F_M365_OFFICE_WORKLOAD,
					 F_M365_EVENT_SOURCE, 0};
	spoor_sv wl = shu_text_any(ev, w_ids);
	const char *svc = wl.n ? shu_lookup(workloads, ARRAY_SIZE(workloads), wl) : NULL;
	if (!wl.n) {
		static const uint32_t rt_ids[] = {F_M365_RECORD_TYPE, F_M365_RECORD_TYPE_LC, 0};
		int64_t rt = -1;
		if (sv_to_i64(shu_text_any(ev, rt_ids), &rt))
			svc = workload_of_record_type(rt);
	}
	if ((r = ecs_set(ev, F_CLOUD_SERVICE_NAME, wl)) < 0)
		return r;
	ev->ls.product = SPOOR_SV("m365");
	ev->ls.service = svc ? sv_cstr(svc) : shu_lower(ev, wl);
	return 0;
}

const shape_vt shape_m365 = {
    .name = "m365",
    .summary = "Microsoft 365 Unified Audit Log (Management Activity API; Sentinel OfficeActivity; lowercased keys): "
	       "Operation, UserId, ClientIP, ResultStatus, Parameters.<Name>",
    .match = m365_match,
    .normalize = m365_normalize,
};
