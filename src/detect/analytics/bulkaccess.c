/* bulkaccess — a mailbox read in bulk, or by a client never seen on it.
 *
 * Mail reads are MailItemsAccessed records (items = OperationCount, or
 * the messages listed in Folders for a Bind) and Dovecot IMAP / POP3
 * session ends (bytes = body_bytes, else out=; items = body_count, or
 * POP3 retr=N/B), joined to the source address of their login by the
 * session id.  A read is bulk when one record has at least `min_items`
 * items or is throttled (Elastic excessive_mail_items_accessed: >= 100 or
 * IsThrottled), or one session at least `session_bytes` (ours) or
 * `session_items` (Elastic's 100, as for one MailItemsAccessed record:
 * one IMAP session is one client's sync; was 1000, which let an intruder
 * taking 700 messages at a time go unseen).  Bulk from a source the
 * account has not signed in from before (`new_source_age`) raises an
 * alert; so does a mail client id (ClientAppId / AppId) new for the
 * mailbox and not in `known_clients` (Elastic
 * mailbox_access_by_unusual_client_app_id, new_terms).  An application id
 * no first-party list knows is notable at once; a client description
 * (ClientInfoString: Client=OWA, Client=REST, ...) only against the
 * mailbox's own baseline: its first read at least `client_learning`
 * earlier (or from --state), as new_terms has a history window — a mailbox
 * first seen in this run has every client "new".  The alert states
 * bytes and items, for the record and for the (mailbox, source) so far.
 *
 * A new source is not yet an intruder: a new phone or ISP syncing the
 * whole mailbox is one too (the hard negative), and at a few
 * thousand mailboxes there are several a week.  A bulk read from a new
 * source is high when the source is somewhere the person is not: no
 * geolocation, a network people do not sign in from
 * (`suspicious_anonymizers`: hosting), or a country neither the account
 * nor `familiar_domain_logons` earlier logons of its domain (the agency)
 * came from.  From a familiar country on an ordinary network it is low: a
 * signal for the mailbox's owner, not an incident.  VPN / relay / proxy
 * logons teach no familiar country (their country is the exit's). */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "event/field.h"

typedef struct ba_cfg {
	int64_t min_items, session_bytes, session_items, new_source_age, client_learning;
	int64_t familiar_domain_logons;
	bool require_new_source;
	an_list known_clients, suspicious_anonymizers;
} ba_cfg;

static const an_param params[] = {
    {"min_items", P_INT, offsetof(ba_cfg, min_items), "items in one MailItemsAccessed record (Elastic >= 100)"},
    {"session_bytes", P_INT, offsetof(ba_cfg, session_bytes), "bytes read in one IMAP/POP3 session (ours)"},
    {"session_items", P_INT, offsetof(ba_cfg, session_items),
     "messages read in one IMAP/POP3 session (Elastic's 100 items of one MailItemsAccessed record)"},
    {"require_new_source", P_BOOL, offsetof(ba_cfg, require_new_source),
     "bulk alerts only when the source is new for the account (a new phone at home stays quiet)"},
    {"new_source_age", P_DUR, offsetof(ba_cfg, new_source_age),
     "a source is new when the account's first success from it is younger than this"},
    {"client_learning", P_DUR, offsetof(ba_cfg, client_learning),
     "a mailbox's clients are learnt this long from its first read before a new one alerts (ours 1d)"},
    {"familiar_domain_logons", P_INT, offsetof(ba_cfg, familiar_domain_logons),
     "a country is familiar to an account when it or this many earlier logons of its domain came from it (ours; "
     "0 = the account's own only)"},
    {"suspicious_anonymizers", P_LIST, offsetof(ba_cfg, suspicious_anonymizers),
     "the geo source's anonymizer flags no person reads mail from (hosting)"},
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
	s->session_items = 100;
	s->require_new_source = true;
	s->new_source_age = 86400ll * 1000000000;
	s->client_learning = 86400ll * 1000000000;
	s->familiar_domain_logons = 50;
	an_list_set(&s->suspicious_anonymizers, "hosting\0");
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
	idmap acc_cc;  /* (account, country) -> int64 first logon of the account from it */
	idmap dom_cc;  /* (domain, country) -> uint32 logons of the domain's accounts from it */
	idmap src_geo; /* source -> geo of its logons (a session end has none of its own) */
} bulk;

typedef struct src_geo {
	sid cc, anon;
} src_geo;

static void *create(an_engine *e, const void *cfg)
{
	bulk *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	idmap_init(&s->clients, 1, (size_t)e->lim.entries);
	idmap_init(&s->mbs, sizeof(int64_t), (size_t)e->lim.entries);
	idmap_init(&s->acc_cc, sizeof(int64_t), (size_t)e->lim.entries);
	idmap_init(&s->dom_cc, sizeof(uint32_t), (size_t)e->lim.entries);
	idmap_init(&s->src_geo, sizeof(src_geo), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	bulk *s = st;
	idmap_done(&s->clients);
	idmap_done(&s->mbs);
	idmap_done(&s->acc_cc);
	idmap_done(&s->dom_cc);
	idmap_done(&s->src_geo);
	free(s);
}

/* the account's and its domain's countries, from successful logons not
 * through an anonymizer */
static void learn_country(bulk *s, an_engine *e, const ident *id)
{
	sid src = an_name(e, id->src), cc = an_name(e, id->country);
	src_geo *g = src && id->country.n ? idmap_get(&s->src_geo, src, NULL) : NULL;
	if (g) {
		g->cc = cc;
		g->anon = an_name(e, id->anon);
	}
	if (!cc || id->anon.n)
		return;
	sid acct = an_name(e, id->user);
	if (!acct)
		return;
	bool created = false;
	int64_t *first = idmap_get(&s->acc_cc, pair_key(acct, cc), &created);
	if (first && (created || id->ts < *first))
		*first = id->ts;
	sid dom = an_domain(e, acct);
	uint32_t *n = dom ? idmap_get(&s->dom_cc, pair_key(dom, cc), NULL) : NULL;
	if (n && *n < UINT32_MAX)
		(*n)++;
}

/* A country the account has signed in from for new_source_age before ts
 * (not just since the new source's own logon), or that many logons of
 * its domain came from. */
static bool familiar_country(const bulk *s, an_engine *e, sid acct, spoor_sv country, int64_t ts)
{
	sid cc = country.n ? pool_find(&e->pool, country.p, country.n) : 0;
	if (!cc || !acct)
		return false;
	const int64_t *first = idmap_find(&s->acc_cc, pair_key(acct, cc));
	if (first && *first <= ts - s->c->new_source_age)
		return true;
	sid dom = an_domain(e, acct);
	const uint32_t *n = dom && s->c->familiar_domain_logons > 0 ? idmap_find(&s->dom_cc, pair_key(dom, cc)) : NULL;
	return n && *n >= (uint64_t)s->c->familiar_domain_logons;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	bulk *s = st;
	if (id->kind == IK_AUTH && id->outcome == 1)
		learn_country(s, e, id);
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
	/* where the new source is: somewhere the person is not, or a new
	 * device where they are */
	spoor_sv cc = id->country, anon = id->anon;
	const src_geo *g = !cc.n && src ? idmap_find(&s->src_geo, src) : NULL;
	if (g) {
		cc = an_sv(e, g->cc);
		anon = an_sv(e, g->anon);
	}
	bool elsewhere = bulkhit && newsrc &&
			 ((anon.n && an_list_has(&s->c->suspicious_anonymizers, anon)) || !cc.n ||
			  !familiar_country(s, e, acct, cc, id->ts));
	spoor_level lv = !bulkhit ? SPOOR_LEVEL_MEDIUM : elsewhere || !newsrc ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_LOW;
	unsigned idx = an_index(e, &an_bulkaccess);
	if (lv != SPOOR_LEVEL_LOW) {
		an_mark_source(e, src, id->ts, id->ts, idx);
		an_mark_account(e, acct, id->ts, id->ts, idx);
	}
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
	if (r == 0 && bulkhit && newsrc && !elsewhere)
		r = an_alert_str(e, "spoor.familiar_country", cc);
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
