/* inventory-stage — the enrichment stage: every event the inventory can
 * place gets spoor.agency (the agency whose host, network or domain the
 * event is about), spoor.provider (the IT service provider acting: by
 * account, SSH key, source network or jump host) and spoor.identity.owner
 * (who owns the account: its provider, or the agency whose admin list or
 * domain it belongs to).  Later stages, Sigma rules included, can match
 * on them.  It raises no findings.
 *
 * Mail logins: Dovecot and Postfix may log a bare login name ("lin" of
 * user=<lin>) where M365, Entra and SASL records name the address.  An
 * event of theirs that the inventory gives an agency gets user.email =
 * name@<the agency's first mail domain>, so the analytics and the case
 * count one mailbox, not two.  The end of a Dovecot session ("Logged out
 * in= out=") names no address, so no agency: a bounded cache of session
 * -> agency, filled from the login line, gives it the login's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/stage.h"
#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"

/* Dovecot session (host + id) -> agency index + 1; set-associative:
 * MAIL_SESSION_WAYS entries per set, a new session replaces the one of
 * its set last seen longest ago (event time), whose end then has no
 * agency.  Direct-mapped (one way, 16,384 slots) this forgot a mailbox
 * sync of two hours on 3,000 mailboxes: its end came out as a bare login
 * name, another account than its owner's address. */
#define MAIL_SESSION_SETS 16384
#define MAIL_SESSION_WAYS 4
typedef struct mail_sess {
	uint64_t key; /* 0 = empty */
	int64_t seen; /* event time of its last line */
	uint32_t agency1;
} mail_sess;

typedef struct inv_stage {
	spoor_stage base;
	const spoor_inventory *inv;
	mail_sess sess[MAIL_SESSION_SETS][MAIL_SESSION_WAYS];
	uint64_t qualified;
	uint64_t events, agency, provider, owner;
	/* the last event's classification, for the provider-scope stage */
	const spoor_event *last_ev;
	uint32_t last_gen;
	inv_match last;
	char summary[160];
} inv_stage;

/* The agency of a mail login (see the top): from the event, else from its
 * Dovecot session's login; remembered for the session's later lines. */
static uint32_t mail_agency(inv_stage *s, spoor_event *ev, uint32_t agency)
{
	spoor_sv sid, host = {"", 0};
	if (!event_get_text(ev, F_DOVECOT_SESSION, &sid) || !sid.n)
		return agency;
	(void)event_get_text(ev, F_HOST_NAME, &host);
	uint64_t k = hash_bytes(sid.p, sid.n, hash_bytes(host.p, host.n, 0x3a11)) | 1;
	mail_sess *set = s->sess[k % MAIL_SESSION_SETS], *m = NULL, *old = &set[0];
	for (int i = 0; i < MAIL_SESSION_WAYS; i++) {
		if (set[i].key == k) {
			m = &set[i];
			break;
		}
		if (!set[i].key ? old->key != 0 : old->key && set[i].seen < old->seen)
			old = &set[i];
	}
	if (m) {
		if (ev->has_ts && ev->ts > m->seen)
			m->seen = ev->ts;
		if (agency != INV_NONE)
			m->agency1 = agency + 1;
		return m->agency1 - 1;
	}
	if (agency == INV_NONE)
		return INV_NONE;
	old->key = k;
	old->seen = ev->has_ts ? ev->ts : 0;
	old->agency1 = agency + 1;
	return agency;
}

/* user.email for a bare mail login name of an agency's mail server. */
static int qualify_login(inv_stage *s, spoor_event *ev, uint32_t agency)
{
	const spoor_inventory *inv = s->inv;
	const inv_agency *a = &inv->agencies[agency];
	spoor_sv u;
	if (!a->mail_domains.n || !event_get_text(ev, F_USER_NAME, &u) || !u.n || memchr(u.p, '@', u.n) ||
	    memchr(u.p, '\\', u.n) || event_find(ev, F_USER_EMAIL))
		return 0;
	const char *dom = a->mail_domains.v[0];
	size_t dn = strlen(dom);
	char *q = arena_alloc(&ev->ar, u.n + 1 + dn);
	if (!q)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < u.n; i++) {
		unsigned char c = (unsigned char)u.p[i];
		q[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	q[u.n] = '@';
	for (size_t i = 0; i < dn; i++) {
		unsigned char c = (unsigned char)dom[i];
		q[u.n + 1 + i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	s->qualified++;
	return event_set(ev, F_USER_EMAIL, SPOOR_VT_STR, sv_make(q, u.n + 1 + dn), SPOOR_FF_ECS);
}

static int is_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	inv_stage *s = (inv_stage *)st;
	const spoor_inventory *inv = s->inv;
	inv_match m;
	s->events++;
	inv_classify(inv, ev, &m);
	int r = 0;
	bool mail = sv_eq_cstr(ev->ls.service, "dovecot") || sv_eq_cstr(ev->ls.service, "postfix");
	if (mail) {
		/* remembered for the session's later lines, or taken from its login */
		uint32_t sa = mail_agency(s, ev, m.agency);
		if (m.agency == INV_NONE && sa != INV_NONE) {
			m.agency = sa;
			m.agency_by = INV_BY_SESSION;
		}
	}
	if (m.agency != INV_NONE && mail && (r = qualify_login(s, ev, m.agency)) < 0)
		return r;
	s->last_ev = ev;
	s->last_gen = ev->gen;
	s->last = m;
	if (m.agency != INV_NONE) {
		s->agency++;
		r = event_set(ev, F_SPOOR_AGENCY, SPOOR_VT_STR, sv_cstr(inv->agencies[m.agency].id), SPOOR_FF_ECS);
	}
	if (r == 0 && m.provider != INV_NONE) {
		s->provider++;
		r = event_set(ev, F_SPOOR_PROVIDER, SPOOR_VT_STR, sv_cstr(inv->providers[m.provider].id), SPOOR_FF_ECS);
	}
	const char *owner = NULL;
	if (m.provider_by == INV_BY_ACCOUNT || m.provider_by == INV_BY_KEY)
		owner = inv->providers[m.provider].id;
	else if (m.owner_agency != INV_NONE)
		owner = inv->agencies[m.owner_agency].id;
	if (r == 0 && owner) {
		s->owner++;
		r = event_set(ev, F_SPOOR_IDENTITY_OWNER, SPOOR_VT_STR, sv_cstr(owner), SPOOR_FF_ECS);
	}
	return r;
}

static const char *is_summary(spoor_stage *st)
{
	inv_stage *s = (inv_stage *)st;
	snprintf(s->summary, sizeof(s->summary),
		 "%" PRIu64 " events, %" PRIu64 " with an agency, %" PRIu64 " with a provider, %" PRIu64
		 " with an identity owner, %" PRIu64 " mail login names qualified",
		 s->events, s->agency, s->provider, s->owner, s->qualified);
	return s->summary;
}

static void is_free(spoor_stage *st)
{
	free(st);
}

static const stage_ops inventory_ops;

bool inv_stage_cached(const spoor_stage *st, const spoor_event *ev, inv_match *m)
{
	if (!st || st->ops != &inventory_ops)
		return false;
	const inv_stage *s = (const inv_stage *)st;
	if (s->last_ev != ev || s->last_gen != ev->gen)
		return false;
	*m = s->last;
	return true;
}

static const stage_ops inventory_ops = {
    .name = "inventory",
    .event = is_event,
    .summary = is_summary,
    .free = is_free,
};

SPOOR_API int spoor_inventory_stage_new(spoor_stage **out, const spoor_inventory *inv, spoor_diag *diag)
{
	if (!inv->finished)
		return diag_set(diag, SPOOR_EINVAL, "inventory not finished (spoor_inventory_finish)");
	inv_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	s->base.ops = &inventory_ops;
	s->inv = inv;
	*out = &s->base;
	return 0;
}
