/* delegation — someone given the right to read or send as a mailbox.
 *
 * Add-MailboxPermission with FullAccess, Add-RecipientPermission with
 * SendAs, Set-Mailbox with GrantSendOnBehalfTo (Elastic
 * persistence_exchange_suspicious_mailbox_permission_delegation; Hawk);
 * Add-/Set-MailboxFolderPermission giving Default or Anonymous anything
 * but None (Mandiant: Inbox and the root folder; high), or giving one
 * person a role that reads the folder's items (Reviewer and up: the
 * folder-level FullAccess; medium), outside Calendar / Contacts, and folder permission
 * audit records (ModifyFolderPermissions, AddFolderPermissions) granting
 * ReadAny outside Calendar / Contacts (Splunk
 * o365_mailbox_folder_read_permission_assigned).  Service actors (NT
 * AUTHORITY\SYSTEM) and `allowed_delegates` are left out. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "event/field.h"

typedef struct dl_cfg {
	an_list allowed;
} dl_cfg;

static const an_param params[] = {
    {"allowed_delegates", P_LIST, offsetof(dl_cfg, allowed),
     "delegates that are expected (assistants, archive services)"},
};

static void defaults(void *c)
{
	(void)c;
}

typedef struct deleg {
	const dl_cfg *c;
} deleg;

static void *create(an_engine *e, const void *cfg)
{
	(void)e;
	deleg *s = xcalloc(1, sizeof(*s));
	if (s)
		s->c = cfg;
	return s;
}

static void destroy(void *st)
{
	free(st);
}

static bool has_ci(spoor_sv s, const char *w)
{
	an_list l = {(char **)&w, 1};
	return an_list_contains(&l, s);
}

/* Folder roles that let the delegate read the folder's items (ReadItems):
 * every role but None, Contributor and the free/busy ones; a list of
 * single rights counts when it names ReadItems. */
static bool reads_items(spoor_sv rights)
{
	static const char *const roles[] = {"Owner",  "PublishingEditor", "Editor",   "PublishingAuthor",
					    "Author", "NonEditingAuthor", "Reviewer", "ReadItems"};
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		if (has_ci(rights, roles[i]))
			return true;
	return false;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	deleg *s = st;
	if (id->kind != IK_ADMIN || id->outcome == 0 || !id->ev)
		return 0;
	if (sv_starts(id->user, "nt authority") || sv_ieq_cstr(ident_field(id->ev, F_USER_DOMAIN), "NT AUTHORITY"))
		return 0;
	spoor_event *ev = id->ev;
	spoor_sv a = id->action, who = {"", 0}, rights = {"", 0}, what = {"", 0};
	spoor_level lv = SPOOR_LEVEL_MEDIUM;
	if (sv_ieq_cstr(a, "Add-MailboxPermission")) {
		rights = ident_param(ev, "AccessRights");
		if (!has_ci(rights, "FullAccess"))
			return 0;
		who = ident_param(ev, "User");
		what = SPOOR_SV("FullAccess");
	} else if (sv_ieq_cstr(a, "Add-RecipientPermission")) {
		rights = ident_param(ev, "AccessRights");
		if (!has_ci(rights, "SendAs"))
			return 0;
		who = ident_param(ev, "Trustee");
		what = SPOOR_SV("SendAs");
	} else if (sv_ieq_cstr(a, "Set-Mailbox")) {
		who = ident_param(ev, "GrantSendOnBehalfTo");
		if (!who.n)
			return 0;
		what = SPOOR_SV("SendOnBehalf");
	} else if (sv_ieq_cstr(a, "Add-MailboxFolderPermission") || sv_ieq_cstr(a, "Set-MailboxFolderPermission")) {
		who = ident_param(ev, "User");
		rights = ident_param(ev, "AccessRights");
		if (!who.n || !rights.n || sv_ieq_cstr(rights, "None"))
			return 0;
		spoor_sv folder = ident_param(ev, "Identity");
		if (has_ci(folder, "calendar") || has_ci(folder, "contacts"))
			return 0;
		if (sv_ieq_cstr(who, "Default") || sv_ieq_cstr(who, "Anonymous")) {
			what = SPOOR_SV("FolderOpenToEveryone");
			lv = SPOOR_LEVEL_HIGH;
		} else if (reads_items(rights)) {
			/* one person given the mail of a folder: FullAccess on
			 * a folder (APT29 gave its own accounts Reviewer) */
			what = SPOOR_SV("FolderDelegated");
		} else {
			return 0;
		}
	} else if (sv_ieq_cstr(a, "ModifyFolderPermissions") || sv_ieq_cstr(a, "AddFolderPermissions")) {
		spoor_sv raw = spoor_event_raw(ev);
		if (!has_ci(raw, "ReadAny") || has_ci(raw, "\\Calendar") || has_ci(raw, "\\Contacts") ||
		    has_ci(raw, "PersonMetadata"))
			return 0;
		what = SPOOR_SV("FolderReadAny");
		lv = SPOOR_LEVEL_HIGH;
	} else {
		return 0;
	}
	if (who.n && an_list_has(&s->c->allowed, who))
		return 0;
	if (lv == SPOOR_LEVEL_HIGH) {
		unsigned idx = an_index(e, &an_delegation);
		an_mark_account(e, an_name(e, id->user), id->ts, id->ts, idx);
		an_mark_source(e, an_name(e, id->src), id->ts, id->ts, idx);
	}
	spoor_sv mbox = ident_param(ev, "Identity");
	int r = an_alert_begin(e, &an_delegation, id->ts, ev, lv);
	if (r == 0)
		r = an_alert_str(e, "event.action", a);
	if (r == 0)
		r = an_alert_str(e, "spoor.permission", what);
	if (r == 0 && who.n)
		r = an_alert_str(e, "spoor.delegate", who);
	if (r == 0 && mbox.n)
		r = an_alert_str(e, "spoor.mailbox", mbox);
	if (r == 0 && rights.n)
		r = an_alert_str(e, "spoor.access_rights", rights);
	an_detail(e, "by", id->user);
	an_detail(e, "permission", what);
	an_detail(e, "to", who);
	an_detail(e, "on", mbox);
	return r ? r : an_alert_end(e, &an_delegation, id->ts, ev, lv);
}

const an_def an_delegation = {
    .name = "delegation",
    .rule_id = "spoor-analytic-mailbox-delegation",
    .title = "Mailbox permission or delegation granted",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1098.002",
    .tactic = "Persistence",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(dl_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
};
