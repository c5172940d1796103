/* shape-gworkspace — Google Workspace activity records (Admin SDK Reports
 * API activities.list; Panther GSuite.ActivityEvent): actor.email,
 * ipAddress, id.time, id.applicationName, and the event name either at
 * the top (name, one event per record) or in events[].name.
 *
 * ECS: @timestamp (id.time), user.* (actor.email), source.ip (ipAddress),
 * event.action (name, else events.0.name), event.outcome for login_success
 * / login_failure, organization.id (id.customerId).  Logsource as Sigma's
 * rules spell it: product gcp, service google_workspace.<applicationName>
 * (google_workspace.admin, google_workspace.login ...). */
#include "parse/shape-util.h"

static int gw_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_GW_ID_APP))
		return 0;
	if (shu_has(ev, F_GW_ACTOR_EMAIL) || shu_has(ev, F_GW_ACTOR_PROFILE) || shu_has(ev, F_GW_ID_TIME) ||
	    shu_has(ev, F_GW_KIND))
		return 95;
	return 85;
}

/* id.applicationName -> the Sigma service (product gcp). */
static const shu_map apps[] = {
    {"admin", "google_workspace.admin"},
    {"login", "google_workspace.login"},
    {"drive", "google_workspace.drive"},
    {"token", "google_workspace.token"},
    {"groups", "google_workspace.groups"},
    {"groups_enterprise", "google_workspace.groups_enterprise"},
    {"mobile", "google_workspace.mobile"},
    {"saml", "google_workspace.saml"},
    {"calendar", "google_workspace.calendar"},
    {"chat", "google_workspace.chat"},
    {"meet", "google_workspace.meet"},
    {"gplus", "google_workspace.gplus"},
    {"rules", "google_workspace.rules"},
    {"jamboard", "google_workspace.jamboard"},
    {"user_accounts", "google_workspace.user_accounts"},
    {"access_transparency", "google_workspace.access_transparency"},
    {"context_aware_access", "google_workspace.context_aware_access"},
    {"chrome", "google_workspace.chrome"},
    {"data_studio", "google_workspace.data_studio"},
    {"keep", "google_workspace.keep"},
    {"gcp", "google_workspace.gcp"},
    {"vault", "google_workspace.vault"},
    {"classroom", "google_workspace.classroom"},
    {"gmail", "google_workspace.gmail"},
    {"logout", "google_workspace.logout"},
};

static int gw_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	spoor_sv t = shu_text(ev, F_GW_ID_TIME);
	if (t.n)
		ecs_set_time(ev, t);
	if ((r = ecs_set_user(ev, shu_text(ev, F_GW_ACTOR_EMAIL))) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, shu_text(ev, F_GR_IP))) < 0)
		return r;
	spoor_sv name = shu_text(ev, F_ZK_NAME);
	if (!name.n)
		name = shu_text(ev, F_GW_EVENTS0_NAME);
	if ((r = ecs_set(ev, F_EVENT_ACTION, name)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;
	if (sv_eq_cstr(name, "login_success") && (r = ecs_set_outcome(ev, 1)) < 0)
		return r;
	if ((sv_eq_cstr(name, "login_failure") || sv_eq_cstr(name, "login_challenge")) &&
	    (r = ecs_set_outcome(ev, 0)) < 0)
		return r;
	spoor_sv app = shu_text(ev, F_GW_ID_APP);
	if (sv_eq_cstr(app, "login") && (r = ecs_set_cstr(ev, F_EVENT_CATEGORY, "authentication")) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_ORGANIZATION_ID, F_GW_ID_CUSTOMER)) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_CLOUD_PROVIDER, "google")) < 0)
		return r;
	const char *svc = shu_lookup(apps, ARRAY_SIZE(apps), app);
	ev->ls.product = SPOOR_SV("gcp");
	ev->ls.service = svc ? sv_cstr(svc) : sv_make(NULL, 0);
	if (!svc && app.n) {
		/* "google_workspace." + the application, lowercased */
		spoor_sv low = shu_lower(ev, app);
		char *p = low.n ? arena_alloc(&ev->ar, low.n + 17) : NULL;
		if (p) {
			memcpy(p, "google_workspace.", 17);
			memcpy(p + 17, low.p, low.n);
			ev->ls.service = sv_make(p, low.n + 17);
		}
	}
	return 0;
}

const shape_vt shape_gworkspace = {
    .name = "gworkspace",
    .summary = "Google Workspace activity (Admin SDK Reports: actor.email, ipAddress, id.time, id.applicationName, "
	       "name / events[].name)",
    .match = gw_match,
    .normalize = gw_normalize,
};
