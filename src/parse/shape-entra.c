/* shape-entra — Entra ID (Azure AD) sign-in and audit records in the
 * three shapes they are exported in:
 *   - Azure Monitor diagnostic settings (Event Hub, storage):
 *     {time, operationName, category, properties:{...}}, categories
 *     SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs,
 *     ManagedIdentitySignInLogs, AuditLogs (and Panther's lowercased
 *     top-level keys);
 *   - Microsoft Graph API: signIns (createdDateTime, userPrincipalName,
 *     ipAddress, status.errorCode, appDisplayName, clientAppUsed,
 *     location.countryOrRegion) and directoryAudits (activityDateTime,
 *     activityDisplayName, initiatedBy, loggedByService, result);
 *   - Microsoft Sentinel tables SigninLogs / AuditLogs (TimeGenerated,
 *     UserPrincipalName, IPAddress, ResultType, OperationName, InitiatedBy
 *     as a JSON string).
 *
 * ECS: @timestamp, event.action (operationName / activityDisplayName),
 * user.* (userPrincipalName, or the initiating user of an audit record),
 * source.ip, event.outcome (errorCode / ResultType 0 = success, audit
 * result), user_agent.original, event.category (authentication / iam),
 * cloud.provider "azure".  Logsource: product azure, service signinlogs or
 * auditlogs. */
#include "parse/shape-util.h"

enum { EK_NONE = 0, EK_SIGNIN, EK_AUDIT };

/* Which kind an Azure Monitor category or Sentinel Type names. */
static int kind_of(spoor_sv c)
{
	if (sv_eq_cstr(c, "SignInLogs") || sv_eq_cstr(c, "NonInteractiveUserSignInLogs") ||
	    sv_eq_cstr(c, "ServicePrincipalSignInLogs") || sv_eq_cstr(c, "ManagedIdentitySignInLogs") ||
	    sv_eq_cstr(c, "SigninLogs") || sv_eq_cstr(c, "AADNonInteractiveUserSignInLogs") ||
	    sv_eq_cstr(c, "AADServicePrincipalSignInLogs") || sv_eq_cstr(c, "AADManagedIdentitySignInLogs"))
		return EK_SIGNIN;
	if (sv_eq_cstr(c, "AuditLogs") || sv_eq_cstr(c, "Audit"))
		return EK_AUDIT;
	return EK_NONE;
}

static bool aadiam(spoor_sv rid)
{
	static const char k[] = "/providers/Microsoft.aadiam";
	if (rid.n < sizeof(k) - 1)
		return false;
	for (size_t i = 0; i + sizeof(k) - 1 <= rid.n; i++) {
		if (sv_ieq(sv_make(rid.p + i, sizeof(k) - 1), sv_make(k, sizeof(k) - 1)))
			return true;
	}
	return false;
}

/* Kind of the record and how confident (score); 0 when not Entra. */
static int classify(const spoor_event *ev, int *kind)
{
	*kind = EK_NONE;
	/* Azure Monitor diagnostic record */
	if (shu_pick(ev, F_AZ_OPERATION_NAME, F_AZ_OPERATION_NAME_LC) && shu_has(ev, F_SRC_TIME) &&
	    shu_has(ev, F_AZ_CATEGORY)) {
		*kind = kind_of(shu_raw(ev, F_AZ_CATEGORY));
		if (*kind)
			return 95;
		/* other Entra audit categories (Policy, DirectoryManagement ...) */
		if (aadiam(shu_raw(ev, shu_pick(ev, F_AZ_RESOURCE_ID, F_AZ_RESOURCE_ID_LC)))) {
			*kind = EK_AUDIT;
			return 90;
		}
		return 0;
	}
	/* Sentinel tables */
	if (shu_has(ev, F_SN_TIME_GENERATED)) {
		int k = kind_of(shu_raw(ev, F_SN_TYPE));
		if (!k && shu_has(ev, F_SE_OPERATION_NAME))
			k = kind_of(shu_raw(ev, F_SE_CATEGORY));
		if (k) {
			*kind = k;
			return 95;
		}
		return 0;
	}
	/* Graph API */
	if (shu_has(ev, F_GR_CREATED) && shu_has(ev, F_GR_UPN) &&
	    (shu_has(ev, F_GR_ERROR_CODE) || shu_has(ev, F_GR_APP) || shu_has(ev, F_GR_IP))) {
		*kind = EK_SIGNIN;
		return 92;
	}
	if (shu_has(ev, F_GR_ACTIVITY_TIME) && shu_has(ev, F_GR_LOGGED_BY) && shu_has(ev, F_GR_ACTIVITY)) {
		*kind = EK_AUDIT;
		return 92;
	}
	return 0;
}

static int entra_match(const spoor_event *ev)
{
	int kind;
	return classify(ev, &kind);
}

/* "userPrincipalName":"x" inside a JSON text (Sentinel's InitiatedBy is a
 * string holding JSON); a view into s, escapes left as they are. */
static spoor_sv json_str_member(spoor_sv s, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 < s.n; i++) {
		if (s.p[i] != '"' || memcmp(s.p + i + 1, key, kl) || s.p[i + 1 + kl] != '"')
			continue;
		size_t j = i + kl + 2;
		while (j < s.n && (s.p[j] == ' ' || s.p[j] == ':'))
			j++;
		if (j >= s.n || s.p[j] != '"')
			continue;
		size_t b = ++j;
		while (j < s.n && s.p[j] != '"')
			j += s.p[j] == '\\' ? 2 : 1;
		if (j <= s.n)
			return sv_make(s.p + b, MIN(j, s.n) - b);
	}
	return sv_make(NULL, 0);
}

static int entra_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r, kind;
	classify(ev, &kind);

	static const uint32_t t_ids[] = {F_SRC_TIME, F_GR_CREATED, F_GR_ACTIVITY_TIME, F_SN_TIME_GENERATED, 0};
	spoor_sv t = shu_text_any(ev, t_ids);
	if (t.n)
		ecs_set_time(ev, t);

	static const uint32_t op_ids[] = {F_AZ_OPERATION_NAME, F_AZ_OPERATION_NAME_LC, F_SE_OPERATION_NAME,
					  F_GR_ACTIVITY,       F_AZ_P_ACTIVITY,	       0};
	spoor_sv op = shu_text_any(ev, op_ids);
	if (!op.n && kind == EK_SIGNIN)
		op = SPOOR_SV("Sign-in activity");
	if ((r = ecs_set(ev, F_EVENT_ACTION, op)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_CATEGORY, kind == EK_SIGNIN ? "authentication" : "iam")) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_CLOUD_PROVIDER, "azure")) < 0)
		return r;

	/* the user: who signed in, or who initiated the change */
	static const uint32_t u_ids[] = {F_AZ_P_UPN,	  F_GR_UPN,	 F_SE_UPN,
					 F_AZ_P_INIT_UPN, F_GR_INIT_UPN, F_AZ_P_SP_NAME,
					 F_GR_SP_NAME,	  F_AZ_IDENTITY, 0};
	spoor_sv user = shu_text_any(ev, u_ids);
	spoor_sv init = shu_text(ev, F_SE_INITIATED_BY);
	if (!user.n && init.n)
		user = json_str_member(init, "userPrincipalName");
	if ((r = ecs_set_user(ev, user)) < 0)
		return r;

	static const uint32_t ip_ids[] = {F_AZ_P_IP,	     F_GR_IP,	     F_SE_IP,	   F_AZ_CALLER_IP,
					  F_AZ_CALLER_IP_LC, F_AZ_P_INIT_IP, F_GR_INIT_IP, 0};
	spoor_sv ip = shu_text_any(ev, ip_ids);
	if (!ip.n && init.n)
		ip = json_str_member(init, "ipAddress");
	if ((r = shu_set_ip_port(ev, F_SOURCE_IP, ip)) < 0)
		return r;

	/* outcome */
	int outcome = -1;
	static const uint32_t ec_ids[] = {F_AZ_P_ERROR_CODE, F_GR_ERROR_CODE, 0};
	spoor_sv ec = shu_text_any(ev, ec_ids);
	static const uint32_t rt_ids[] = {F_SE_RESULT_TYPE, F_AZ_RESULT_TYPE, F_AZ_RESULT_TYPE_LC, 0};
	spoor_sv rt = shu_text_any(ev, rt_ids);
	static const uint32_t res_ids[] = {F_AZ_P_RESULT, F_GR_RESULT, F_SE_RESULT, 0};
	spoor_sv res = shu_text_any(ev, res_ids);
	if (ec.n) {
		outcome = sv_eq_cstr(sv_trim(ec), "0");
	} else if (rt.n && kind == EK_SIGNIN) {
		int64_t v;
		if (sv_to_i64(sv_trim(rt), &v))
			outcome = v == 0;
		else if (sv_ieq_cstr(rt, "Success"))
			outcome = 1;
		else if (sv_ieq_cstr(rt, "Failure"))
			outcome = 0;
	}
	if (outcome < 0 && res.n) {
		if (sv_ieq_cstr(res, "success"))
			outcome = 1;
		else if (sv_ieq_cstr(res, "failure") || sv_ieq_cstr(res, "timeout"))
			outcome = 0;
	}
	if (outcome < 0 && rt.n && kind == EK_AUDIT) {
		if (sv_ieq_cstr(rt, "Success") || sv_eq_cstr(rt, "0"))
			outcome = 1;
		else if (sv_ieq_cstr(rt, "Failure"))
			outcome = 0;
	}
	if (outcome >= 0 && (r = ecs_set_outcome(ev, outcome)) < 0)
		return r;

	static const uint32_t ua_ids[] = {F_AZ_P_USER_AGENT, F_GR_USER_AGENT, F_M365_USER_AGENT, 0};
	if ((r = ecs_set(ev, F_USER_AGENT_ORIGINAL, shu_text_any(ev, ua_ids))) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_ORGANIZATION_ID, F_AZ_TENANT_ID)) < 0)
		return r;

	ev->ls.product = SPOOR_SV("azure");
	ev->ls.service = kind == EK_SIGNIN ? SPOOR_SV("signinlogs") : SPOOR_SV("auditlogs");
	return 0;
}

const shape_vt shape_entra = {
    .name = "entra",
    .summary = "Entra ID (Azure AD) sign-in and audit logs: Azure Monitor diagnostic (category SignInLogs / "
	       "AuditLogs ...), Graph API signIns / directoryAudits, Sentinel SigninLogs / AuditLogs",
    .match = entra_match,
    .normalize = entra_normalize,
};
