/* legacyauth — a successful cloud sign-in over a legacy (basic auth)
 * protocol, the first for the identity.
 *
 * Entra / M365 sign-ins whose client app is a legacy protocol (Elastic
 * unusual_legacy_auth_client_signin: Authenticated SMTP, Autodiscover,
 * Exchange ActiveSync, Exchange Online PowerShell, Exchange Web Services,
 * IMAP4, MAPI Over HTTP, Offline Address Book, Outlook Anywhere, Outlook
 * Service, POP3, Reporting Web Services, Other clients) or whose user
 * agent is BAV2ROPC / CBAInPROD (Panther azure_legacyauth), with success.
 * One alert per (identity, client): the first; later ones are that
 * identity's habit.  On-premises IMAP / POP / SMTP logons are not legacy
 * in this sense and are left to the other analytics. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "detect/alert.h"

typedef struct la_cfg {
	an_list clients, agents, exempt_accounts;
	int64_t baseline;
} la_cfg;

static const an_param params[] = {
    {"clients", P_LIST, offsetof(la_cfg, clients), "legacy client apps (Elastic's list)"},
    {"user_agents", P_LIST, offsetof(la_cfg, agents), "legacy user agents (Panther: BAV2ROPC, CBAInPROD)"},
    {"exempt_accounts", P_LIST, offsetof(la_cfg, exempt_accounts), "accounts allowed to use legacy auth"},
    {"baseline", P_DUR, offsetof(la_cfg, baseline),
     "history of the identity (any sign-in) before a legacy client counts as new (Elastic 7d); 0 = always"},
};

static void defaults(void *c)
{
	la_cfg *s = c;
	an_list_set(&s->clients, "Authenticated SMTP\0Autodiscover\0Exchange ActiveSync\0Exchange Online PowerShell\0"
				 "Exchange Web Services\0IMAP4\0MAPI Over HTTP\0Offline Address Book\0Outlook "
				 "Anywhere (RPC over HTTP)\0Outlook Anywhere\0Outlook Service\0POP3\0Reporting Web "
				 "Services\0Other clients\0");
	an_list_set(&s->agents, "BAV2ROPC\0CBAInPROD\0");
	s->baseline = 0;
}

typedef struct legacy {
	const la_cfg *c;
	idmap seen;  /* (acct, client) -> 1 */
	idmap first; /* acct -> first sign-in seen */
} legacy;

static void *create(an_engine *e, const void *cfg)
{
	legacy *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	idmap_init(&s->seen, 1, (size_t)e->lim.entries);
	idmap_init(&s->first, sizeof(int64_t), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	legacy *s = st;
	idmap_done(&s->seen);
	idmap_done(&s->first);
	free(s);
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	legacy *s = st;
	if (id->kind != IK_AUTH || id->outcome != 1)
		return 0;
	if (!sv_eq_cstr(id->proto, "entra") && !sv_eq_cstr(id->proto, "m365"))
		return 0;
	sid who = an_name(e, id->user);
	bool fresh = false;
	int64_t *first = who ? idmap_get(&s->first, who, &fresh) : NULL;
	if (first && (fresh || id->ts < *first))
		*first = id->ts;
	bool byua = id->ua.n && an_list_has(&s->c->agents, id->ua);
	if (!byua && !(id->client.n && an_list_has(&s->c->clients, id->client)))
		return 0;
	if (an_list_has(&s->c->exempt_accounts, id->user))
		return 0;
	sid acct = an_name(e, id->user);
	sid cl = an_name(e, byua ? id->ua : id->client);
	bool created;
	if (!acct || !cl || !idmap_get(&s->seen, pair_key(acct, cl), &created)) {
		e->entries_dropped++;
		return 0;
	}
	if (!created)
		return 0;
	/* within the identity's first `baseline`: part of its history, not new */
	if (s->c->baseline && (!first || id->ts - *first < s->c->baseline))
		return 0;
	int r = an_alert_begin(e, &an_legacyauth, id->ts, id->ev, SPOOR_LEVEL_MEDIUM);
	if (r == 0)
		r = an_alert_str(e, "spoor.client", id->client);
	if (r == 0 && id->ua.n)
		r = an_alert_str(e, "user_agent.original", id->ua);
	an_detail(e, "user", id->user);
	an_detail(e, "client", byua ? id->ua : id->client);
	return r ? r : an_alert_end(e, &an_legacyauth, id->ts, id->ev, SPOOR_LEVEL_MEDIUM);
}

static int save(void *st, an_engine *e, FILE *f)
{
	legacy *s = st;
	for (size_t i = 0; i < s->first.n; i++) {
		an_state_begin(f, "legacyauth.identity");
		an_state_sv(f, an_sv(e, (sid)idmap_key_at(&s->first, i)));
		an_state_i64(f, *(int64_t *)idmap_at(&s->first, i));
		an_state_end(f);
	}
	an_state_pairs(f, e, "legacyauth.client", &s->seen);
	return 0;
}

static int load(void *st, an_engine *e, const char *kind, char **fv, int nf)
{
	legacy *s = st;
	int64_t t;
	if (!strcmp(kind, "identity") && nf == 2 && an_state_num(fv[1], &t)) {
		sid a = an_name(e, sv_cstr(fv[0]));
		int64_t *p = a ? idmap_get(&s->first, a, NULL) : NULL;
		if (p)
			*p = t;
		return 1;
	}
	return strcmp(kind, "client") ? 0 : an_state_pair_load(e, &s->seen, fv, nf);
}

const an_def an_legacyauth = {
    .name = "legacyauth",
    .rule_id = "spoor-analytic-legacy-auth",
    .title = "Sign-in over a legacy authentication protocol, new for the identity",
    .level = SPOOR_LEVEL_MEDIUM,
    .technique = "T1078.004",
    .tactic = "Initial Access",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(la_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
    .save = save,
    .load = load,
};
