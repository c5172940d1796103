/* consent — OAuth consent to an application, worst when it can read or
 * send mail.
 *
 * "Consent to application", "Add OAuth2PermissionGrant", "Add delegated
 * permission grant", "Add app role assignment grant to user" (Sparrow,
 * Hawk, Mandiant; Entra audit and the M365 UAL alike), successful.  One
 * alert per (user, application), the first (Elastic illicit consent
 * new_terms on [UserId, ObjectId]); high when the record names a mail or
 * control permission (Hawk / Mandiant risk lists: Mail.Read,
 * Mail.ReadWrite, Mail.Send, MailboxSettings.ReadWrite,
 * full_access_as_user, EWS.AccessAsUser.All, IMAP / POP
 * .AccessAsUser.All, AppRoleAssignment.ReadWrite.All,
 * RoleManagement.ReadWrite.Directory, Files.ReadWrite.All ...) or is an
 * admin consent for all principals. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "event/event-int.h"
#include "event/field.h"

typedef struct cs_cfg {
	an_list scopes;
	an_list allowed_apps;
} cs_cfg;

static const an_param params[] = {
    {"risky_permissions", P_LIST, offsetof(cs_cfg, scopes), "permissions that make a consent high (Hawk, Mandiant)"},
    {"allowed_apps", P_LIST, offsetof(cs_cfg, allowed_apps), "application ids or names that are expected"},
};

static void defaults(void *c)
{
	cs_cfg *s = c;
	an_list_set(&s->scopes, "Mail.Read\0Mail.ReadWrite\0Mail.Send\0MailboxSettings.ReadWrite\0full_access_as_user\0"
				"EWS.AccessAsUser.All\0IMAP.AccessAsUser.All\0POP.AccessAsUser.All\0"
				"AppRoleAssignment.ReadWrite.All\0RoleManagement.ReadWrite.Directory\0"
				"Directory.ReadWrite.All\0Files.ReadWrite.All\0Sites.Read.All\0Mail.Read.Shared\0");
}

typedef struct consent {
	const cs_cfg *c;
	idmap seen;
	uint32_t f_obj, f_obj_lc, f_target, f_target2;
} consent;

static void *create(an_engine *e, const void *cfg)
{
	consent *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	idmap_init(&s->seen, 1, (size_t)e->lim.entries);
	s->f_obj = field_intern(&e->ctx->ft, "ObjectId", strlen("ObjectId"));
	s->f_obj_lc = field_intern(&e->ctx->ft, "objectid", strlen("objectid"));
	s->f_target = field_intern(&e->ctx->ft, "properties.targetResources.0.displayName",
				   strlen("properties.targetResources.0.displayName"));
	s->f_target2 =
	    field_intern(&e->ctx->ft, "TargetResources.0.displayName", strlen("TargetResources.0.displayName"));
	return s;
}

static void destroy(void *st)
{
	consent *s = st;
	idmap_done(&s->seen);
	free(s);
}

static bool is_consent(spoor_sv a)
{
	static const char *const ops[] = {"Consent to application", "Add OAuth2PermissionGrant",
					  "Add delegated permission grant", "Add app role assignment grant to user"};
	while (a.n && a.p[a.n - 1] == '.')
		a.n--;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (sv_ieq_cstr(a, ops[i]))
			return true;
	return false;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	consent *s = st;
	if (id->kind != IK_ADMIN || id->outcome == 0 || !id->ev || !is_consent(id->action))
		return 0;
	spoor_event *ev = id->ev;
	uint32_t f[] = {s->f_target, s->f_target2, s->f_obj, s->f_obj_lc};
	spoor_sv app = {"", 0};
	for (size_t i = 0; i < ARRAY_SIZE(f) && !app.n; i++)
		app = ident_field(ev, f[i]);
	if (app.n && an_list_has(&s->c->allowed_apps, app))
		return 0;
	sid acct = an_name(e, id->user), as = an_name(e, app);
	bool created = true;
	if (acct && as && !idmap_get(&s->seen, pair_key(acct, as), &created))
		e->entries_dropped++;
	if (!created)
		return 0;
	spoor_sv raw = spoor_event_raw(ev);
	spoor_sv risky = {"", 0};
	for (size_t i = 0; i < s->c->scopes.n && !risky.n; i++) {
		an_list one = {&s->c->scopes.v[i], 1};
		if (an_list_contains(&one, raw))
			risky = sv_cstr(s->c->scopes.v[i]);
	}
	an_list adm = {(char *[]){"AllPrincipals"}, 1};
	bool all = an_list_contains(&adm, raw);
	spoor_level lv = risky.n || all ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM;
	if (lv == SPOOR_LEVEL_HIGH)
		an_mark_account(e, acct, id->ts, id->ts, an_index(e, &an_consent));
	int r = an_alert_begin(e, &an_consent, id->ts, ev, lv);
	if (r == 0)
		r = an_alert_str(e, "event.action", id->action);
	if (r == 0 && app.n)
		r = an_alert_str(e, "spoor.application", app);
	if (r == 0 && risky.n)
		r = an_alert_str(e, "spoor.permission", risky);
	if (r == 0 && all)
		r = an_alert_str(e, "spoor.consent_type", SPOOR_SV("AllPrincipals"));
	an_detail(e, "user", id->user);
	an_detail(e, "app", app);
	an_detail(e, "permission", risky);
	return r ? r : an_alert_end(e, &an_consent, id->ts, ev, lv);
}

static int save(void *st, an_engine *e, FILE *f)
{
	consent *s = st;
	an_state_pairs(f, e, "consent.application", &s->seen);
	return 0;
}

static int load(void *st, an_engine *e, const char *kind, char **fv, int nf)
{
	consent *s = st;
	return strcmp(kind, "application") ? 0 : an_state_pair_load(e, &s->seen, fv, nf);
}

const an_def an_consent = {
    .name = "consent",
    .rule_id = "spoor-analytic-oauth-consent",
    .title = "OAuth consent to an application, new for the user",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1528",
    .tactic = "Credential Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(cs_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
    .save = save,
    .load = load,
};
