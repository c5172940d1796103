/* inboxrule — inbox rules that delete or hide mail (an intruder hiding
 * the replies and security warnings), with or without forwarding.
 *
 * New-InboxRule / Set-InboxRule / UpdateInboxRules.  The rule hides when
 * it deletes (DeleteMessage) or moves to a folder nobody reads
 * (MoveToFolder containing Deleted, Junk, RSS, Calendar, Conversation
 * History: Elastic defense_evasion_exchange_new_inbox_rule_delete_or_move,
 * Hawk Test-SuspiciousInboxRule).  It is worse when its conditions look
 * for words an intruder wants hidden (Elastic + Sentinel Malicious_Inbox_Rule
 * keyword lists), when its name is only special characters (Elastic
 * inbox_rule_obfuscated_name), or when it was made from a source address
 * the account had not signed in from before (Elastic new_terms on
 * [user, source.ip]). */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct ir_cfg {
	an_list folders, keywords;
	int64_t new_source_age;
} ir_cfg;

static const an_param params[] = {
    {"hide_folders", P_LIST, offsetof(ir_cfg, folders), "MoveToFolder substrings that hide mail (Elastic, Hawk)"},
    {"keywords", P_LIST, offsetof(ir_cfg, keywords), "condition words an intruder hides (Elastic and Sentinel lists)"},
    {"new_source_age", P_DUR, offsetof(ir_cfg, new_source_age),
     "a source is new when the account's first success from it is younger than this"},
};

static void defaults(void *c)
{
	ir_cfg *s = c;
	an_list_set(&s->folders, "Deleted\0Junk\0RSS\0Calendar\0Conversation History\0");
	an_list_set(&s->keywords, "phish\0hack\0alert\0malware\0security\0invoice\0payment\0wire\0transfer\0fraud\0"
				  "reset\0unusual\0protection\0login\0suspicious\0helpdesk\0fake\0malicious\0spam\0"
				  "do not click\0do not open\0hijacked\0fatal\0password\0");
	s->new_source_age = 3600ll * 1000000000;
}

typedef struct irule {
	const ir_cfg *c;
} irule;

static void *create(an_engine *e, const void *cfg)
{
	(void)e;
	irule *s = xcalloc(1, sizeof(*s));
	if (s)
		s->c = cfg;
	return s;
}

static void destroy(void *st)
{
	free(st);
}

static bool only_special(spoor_sv n)
{
	if (!n.n)
		return false;
	for (size_t i = 0; i < n.n; i++) {
		unsigned char c = (unsigned char)n.p[i];
		if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80)
			return false;
	}
	return true;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	irule *s = st;
	if (id->kind != IK_ADMIN || id->outcome == 0 || !id->ev)
		return 0;
	if (!sv_ieq_cstr(id->action, "New-InboxRule") && !sv_ieq_cstr(id->action, "Set-InboxRule") &&
	    !sv_ieq_cstr(id->action, "UpdateInboxRules"))
		return 0;
	spoor_event *ev = id->ev;
	spoor_sv del = ident_param(ev, "DeleteMessage"), mv = ident_param(ev, "MoveToFolder");
	bool deletes = sv_ieq_cstr(del, "True");
	bool hides = mv.n && an_list_contains(&s->c->folders, mv);
	static const char *const cond[] = {"SubjectContainsWords", "BodyContainsWords", "SubjectOrBodyContainsWords",
					   "FromAddressContainsWords"};
	spoor_sv hit = {"", 0};
	for (size_t i = 0; i < ARRAY_SIZE(cond) && !hit.n; i++) {
		spoor_sv w = ident_param(ev, cond[i]);
		if (w.n && an_list_contains(&s->c->keywords, w))
			hit = w;
	}
	spoor_sv name = ident_param(ev, "Name");
	bool obf = only_special(name);
	sid acct = an_name(e, id->user), src = an_name(e, id->src);
	const an_succ *su = acct && src ? idmap_find(&e->succ, pair_key(acct, src)) : NULL;
	bool newsrc = src && (!su || su->first > id->ts - s->c->new_source_age);
	if (!deletes && !hides && !obf)
		return 0;
	spoor_level lv = SPOOR_LEVEL_MEDIUM;
	if ((deletes || hides) && (hit.n || obf || newsrc))
		lv = SPOOR_LEVEL_HIGH;
	if (lv == SPOOR_LEVEL_HIGH) {
		unsigned idx = an_index(e, &an_inboxrule);
		an_mark_account(e, acct, id->ts, id->ts, idx);
		an_mark_source(e, src, id->ts, id->ts, idx);
	}
	int r = an_alert_begin(e, &an_inboxrule, id->ts, ev, lv);
	if (r == 0)
		r = an_alert_str(e, "event.action", id->action);
	if (r == 0 && name.n)
		r = an_alert_str(e, "spoor.rule_name", name);
	if (r == 0 && deletes)
		r = an_alert_str(e, "spoor.rule_deletes", SPOOR_SV("true"));
	if (r == 0 && mv.n)
		r = an_alert_str(e, "spoor.rule_moves_to", mv);
	if (r == 0 && hit.n)
		r = an_alert_str(e, "spoor.rule_words", hit);
	if (r == 0 && obf)
		r = an_alert_str(e, "spoor.rule_name_obfuscated", SPOOR_SV("true"));
	if (r == 0 && newsrc)
		r = an_alert_str(e, "spoor.new_source", SPOOR_SV("true"));
	an_detail(e, "user", id->user);
	an_detail(e, "rule", name);
	an_detail(e, "moves to", deletes ? SPOOR_SV("(deletes)") : mv);
	return r ? r : an_alert_end(e, &an_inboxrule, id->ts, ev, lv);
}

const an_def an_inboxrule = {
    .name = "inboxrule",
    .rule_id = "spoor-analytic-hiding-inbox-rule",
    .title = "Inbox rule that deletes or hides mail",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1564.008",
    .tactic = "Defense Evasion",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(ir_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
};
