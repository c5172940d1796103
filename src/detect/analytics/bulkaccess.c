/* bulkaccess — a mailbox read in bulk, or by a client never seen on it.
 *
 * Mail reads are MailItemsAccessed records (items = OperationCount, or
 * the messages listed in Folders for a Bind) and Dovecot IMAP / POP3
 * session ends (bytes = body_bytes, else out=; items = body_count, or
 * POP3 retr=N/B), joined to the source address of their login by the
 * session id.  A read is bulk when one record has at least `min_items`
 * items or is throttled (Elastic excessive_mail_items_accessed: >= 100 or
 * IsThrottled), or one session at least `session_bytes` / `session_items`
 * (ours: the Dovecot threshold "is ours to set").  Bulk from a source the
 * account has not signed in from before (`new_source_age`) raises an
 * alert; so does a mail client id (ClientAppId / AppId) new for the
 * mailbox and not in `known_clients` (Elastic
 * mailbox_access_by_unusual_client_app_id, new_terms).  An application id
 * no first-party list knows is notable at once; a client description
 * (ClientInfoString: Client=OWA, Client=REST, ...) only against the
 * mailbox's own baseline: its first read at least `client_learning`
 * earlier (or from --state), as new_terms has a history window — a mailbox
 * first seen in this run has every client "new".  The alert states
 * bytes and items, for the record and for the (mailbox, source) so far. */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "event/field.h"

typedef struct ba_cfg {
	int64_t min_items, session_bytes, session_items, new_source_age, client_learning;
	bool require_new_source;
	an_list known_clients;
} ba_cfg;

static const an_param params[] = {
    {"min_items", P_INT, offsetof(ba_cfg, min_items), "items in one MailItemsAccessed record (Elastic >= 100)"},
    {"session_bytes", P_INT, offsetof(ba_cfg, session_bytes), "bytes read in one IMAP/POP3 session (ours)"},
    {"session_items", P_INT, offsetof(ba_cfg, session_items), "messages read in one IMAP/POP3 session (ours)"},
    {"require_new_source", P_BOOL, offsetof(ba_cfg, require_new_source),
     "bulk alerts only when the source is new for the account (a new phone at home stays quiet)"},
    {"new_source_age", P_DUR, offsetof(ba_cfg, new_source_age),
     "a source is new when the account's first success from it is younger than this"},
    {"client_learning", P_DUR, offsetof(ba_cfg, client_learning),
     "a mailbox's clients are learnt this long from its first read before a new one alerts (ours 1d)"},
    {"known_clients", P_LIST, offsetof(ba_cfg, known_clients),
     "client app ids that never count as new (Microsoft first-party apps; extend with Elastic's list)"},
};

/* An application id: a GUID, 8-4-4-4-12 hex digits. */
static bool app_id(spoor_sv v)
{
	if (v.n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char ch = v.p[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
		if (dash ? ch != '-' : !hex)
			return false;
	}
	return true;
}

static void defaults(void *c)
{
	ba_cfg *s = c;
	s->min_items = 100;
	s->session_bytes = 100ll << 20;
	s->session_items = 1000;
	s->require_new_source = true;
	s->new_source_age = 86400ll * 1000000000;
	s->client_learning = 86400ll * 1000000000;
	/* Office, Outlook Mobile, Teams, Exchange Online, Microsoft Graph */
	an_list_set(&s->known_clients, "d3590ed6-52b3-4102-aeff-aad2292ab01c\0"
				       "27922004-5251-4030-b22d-91ecd9a37ea4\0"
				       "1fec8e78-bce4-4aaf-ab1b-5451cc387264\0"
				       "00000002-0000-0ff1-ce00-000000000000\0"
				       "00000003-0000-0000-c000-000000000000\0");
}

typedef struct bulk {
	const ba_cfg *c;
	idmap clients; /* (mailbox, client) -> 1 */
	idmap mbs;     /* mailbox -> int64 ns of its first read (INT64_MIN: from state) */
} bulk;

static void *create(an_engine *e, const void *cfg)
{
	bulk *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	idmap_init(&s->clients, 1, (size_t)e->lim.entries);
	idmap_init(&s->mbs, sizeof(int64_t), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	bulk *s = st;
	idmap_done(&s->clients);
	idmap_done(&s->mbs);
	free(s);
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	bulk *s = st;
	if (id->kind != IK_MAILREAD)
		return 0;
	sid mb = an_name(e, id->mailbox), acct = an_name(e, id->user), src = an_name(e, id->src);
	bool m365 = sv_eq_cstr(id->proto, "m365");
	bool big = m365 ? (id->items >= (uint64_t)s->c->min_items || id->throttled)
			: (id->bytes >= (uint64_t)s->c->session_bytes || id->items >= (uint64_t)s->c->session_items);
	const an_succ *su = acct && src ? idmap_find(&e->succ, pair_key(acct, src)) : NULL;
	bool newsrc = src && (!su || su->first > id->ts - s->c->new_source_age);
	bool newcl = false;
	if (m365 && id->client.n && mb && !an_list_has(&s->c->known_clients, id->client)) {
		sid cl = an_name(e, id->client);
		bool created = false;
		if (cl && idmap_get(&s->clients, pair_key(mb, cl), &created))
			newcl = created;
		bool mnew = false;
		int64_t *first = idmap_get(&s->mbs, mb, &mnew);
		if (first && mnew)
			*first = id->ts;
		/* no baseline yet: learning the mailbox's clients */
		if (!app_id(id->client) && (!first || *first > id->ts - s->c->client_learning))
			newcl = false;
	}
	bool bulkhit = big && (newsrc || !s->c->require_new_source);
	if (!bulkhit && !newcl)
		return 0;
	spoor_level lv = bulkhit ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM;
	unsigned idx = an_index(e, &an_bulkaccess);
	an_mark_source(e, src, id->ts, id->ts, idx);
	an_mark_account(e, acct, id->ts, id->ts, idx);
	const an_read *rd = mb ? idmap_find(&e->reads, pair_key(mb, src)) : NULL;
	int r = an_alert_begin(e, &an_bulkaccess, id->ts, id->ev, lv);
	if (r == 0)
		r = an_alert_str(e, "spoor.mailbox", id->mailbox);
	if (r == 0 && src && !ident_field(id->ev, F_SOURCE_IP).n)
		r = an_alert_str(e, "source.ip", id->src);
	if (r == 0)
		r = an_alert_str(e, "spoor.reason", bulkhit ? SPOOR_SV("bulk-read") : SPOOR_SV("new-client"));
	if (r == 0 && id->client.n)
		r = an_alert_str(e, "spoor.client", id->client);
	if (r == 0 && id->has_items)
		r = an_alert_u64(e, "spoor.items", id->items);
	if (r == 0 && id->has_bytes)
		r = an_alert_u64(e, "spoor.bytes", id->bytes);
	if (r == 0 && id->throttled)
		r = an_alert_str(e, "spoor.throttled", SPOOR_SV("true"));
	if (r == 0 && newsrc)
		r = an_alert_str(e, "spoor.new_source", SPOOR_SV("true"));
	if (r == 0 && rd) {
		r = an_alert_u64(e, "spoor.source_total.sessions", rd->sessions);
		if (r == 0)
			r = an_alert_u64(e, "spoor.source_total.items", rd->items);
		if (r == 0)
			r = an_alert_u64(e, "spoor.source_total.bytes", rd->bytes);
	}
	an_detail(e, "mailbox", id->mailbox);
	an_detail(e, "source", id->src);
	an_detail(e, "client", id->client);
	return r ? r : an_alert_end(e, &an_bulkaccess, id->ts, id->ev, lv);
}

static int save(void *st, an_engine *e, FILE *f)
{
	bulk *s = st;
	an_state_pairs(f, e, "bulkaccess.client", &s->clients);
	return 0;
}

static int load(void *st, an_engine *e, const char *kind, char **fv, int nf)
{
	bulk *s = st;
	if (strcmp(kind, "client") || nf != 2)
		return 0;
	sid a = an_name(e, sv_cstr(fv[0])), c = an_name(e, sv_cstr(fv[1]));
	if (a && c)
		idmap_get(&s->clients, pair_key(a, c), NULL);
	bool mnew = false;
	int64_t *first = a ? idmap_get(&s->mbs, a, &mnew) : NULL;
	if (first)
		*first = INT64_MIN;
	return 1;
}

const an_def an_bulkaccess = {
    .name = "bulkaccess",
    .rule_id = "spoor-analytic-bulk-mail-access",
    .title = "Mailbox read in bulk or by a new client",
    .level = SPOOR_LEVEL_HIGH,
    .technique = "T1114.002",
    .tactic = "Collection",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(ba_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
    .save = save,
    .load = load,
};
