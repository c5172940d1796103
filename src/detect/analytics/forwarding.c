/* forwarding — mail forwarded or redirected outside the agency.
 *
 * Exchange: Set-Mailbox / Set-MailUser / Set-RemoteMailbox
 * (ForwardingSmtpAddress, ForwardingAddress), New-/Set-InboxRule
 * (ForwardTo, ForwardAsAttachmentTo, RedirectTo), New-/Set-TransportRule
 * (BlindCopyTo, RedirectMessageTo, RedirectToRecipients); Dovecot
 * Pigeonhole sieve "forwarded to <addr>".  A destination is internal when
 * its domain is, or is under, one of `internal_domains`, the actor's own
 * domain or the mailbox's domain (Elastic collection_exchange_new_inbox_rule:
 * "does not end with the user's domain"); anything else raises an alert.
 * A destination that more than one mailbox forwards to is called out
 * (Sentinel Office_MailForwarding: more than one user, same destination). */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"

typedef struct fw_cfg {
	an_list internal_domains;
} fw_cfg;

static const an_param params[] = {
    {"internal_domains", P_LIST, offsetof(fw_cfg, internal_domains),
     "the agencies' mail domains (subdomains included); the actor's and mailbox's own domains always count"},
};

static void defaults(void *c)
{
	(void)c;
}

typedef struct fwd {
	const fw_cfg *c;
	idmap dest; /* destination sid -> struct dst */
} fwd;

typedef struct dst {
	sid first_acct;
	uint32_t accounts;
} dst;

static void *create(an_engine *e, const void *cfg)
{
	fwd *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = cfg;
	idmap_init(&s->dest, sizeof(dst), (size_t)e->lim.entries);
	return s;
}

static void destroy(void *st)
{
	fwd *s = st;
	idmap_done(&s->dest);
	free(s);
}

static spoor_sv domain_of(spoor_sv a)
{
	for (size_t i = a.n; i > 0; i--)
		if (a.p[i - 1] == '@')
			return sv_make(a.p + i, a.n - i);
	return (spoor_sv){"", 0};
}

/* d equal to or under base */
static bool under(spoor_sv d, spoor_sv base)
{
	if (!d.n || !base.n || base.n > d.n)
		return false;
	const char *t = d.p + d.n - base.n;
	for (size_t i = 0; i < base.n; i++)
		if ((t[i] | 0x20) != (base.p[i] | 0x20))
			return false;
	return base.n == d.n || t[-1] == '.';
}

static const char *const fwd_params[] = {"ForwardingSmtpAddress", "ForwardingAddress",	 "ForwardTo",
					 "ForwardAsAttachmentTo", "RedirectTo",		 "BlindCopyTo",
					 "RedirectMessageTo",	  "RedirectToRecipients"};

static bool is_op(spoor_sv a)
{
	static const char *const ops[] = {"Set-Mailbox",   "Set-MailUser",	"Set-RemoteMailbox", "New-InboxRule",
					  "Set-InboxRule", "New-TransportRule", "Set-TransportRule", "sieve-redirect"};
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (sv_ieq_cstr(a, ops[i]))
			return true;
	return false;
}

static int on_ident(void *st, an_engine *e, const ident *id)
{
	fwd *s = st;
	if (id->kind != IK_ADMIN || !is_op(id->action) || id->outcome == 0)
		return 0;
	spoor_sv mbox = {"", 0};
	if (id->ev && !sv_eq_cstr(id->action, "sieve-redirect")) {
		mbox = ident_param(id->ev, "Mailbox");
		if (!domain_of(mbox).n)
			mbox = ident_param(id->ev, "Identity");
	}
	spoor_sv own = domain_of(id->user), mdom = domain_of(mbox);
	sid ext[16];
	size_t next = 0, total = 0;
	for (size_t k = 0; k < ARRAY_SIZE(fwd_params); k++) {
		spoor_sv v = sv_eq_cstr(id->action, "sieve-redirect") ? (k ? (spoor_sv){"", 0} : id->client)
								      : ident_param(id->ev, fwd_params[k]);
		/* "smtp:a@x;b@y", "[a@x, b@y]", quoted items */
		size_t i = 0;
		while (i < v.n) {
			while (i < v.n && strchr(" ;,[]\"'<>", v.p[i]))
				i++;
			size_t j = i;
			while (j < v.n && !strchr(" ;,[]\"'<>", v.p[j]))
				j++;
			spoor_sv a = sv_make(v.p + i, j - i);
			i = j;
			if (a.n > 5 && sv_ieq(sv_make(a.p, 5), SPOOR_SV("smtp:")))
				a.p += 5, a.n -= 5;
			spoor_sv d = domain_of(a);
			if (!d.n)
				continue; /* a recipient object name: inside the organisation */
			total++;
			if (under(d, own) || under(d, mdom) || an_list_suffix(&s->c->internal_domains, d))
				continue;
			bool inl = false;
			for (size_t x = 0; x < s->c->internal_domains.n && !inl; x++)
				inl = under(d, sv_cstr(s->c->internal_domains.v[x]));
			if (inl)
				continue;
			sid as = an_name(e, a);
			if (as && next < ARRAY_SIZE(ext))
				ext[next++] = as;
		}
	}
	(void)total;
	if (!next)
		return 0;
	sid acct = an_name(e, id->user), src = an_name(e, id->src);
	uint32_t shared = 1;
	for (size_t i = 0; i < next; i++) {
		bool created;
		dst *d = idmap_get(&s->dest, ext[i], &created);
		if (!d)
			continue;
		if (created) {
			d->first_acct = acct;
			d->accounts = 1;
		} else if (d->first_acct != acct) {
			d->accounts++;
		}
		shared = MAX(shared, d->accounts);
	}
	unsigned idx = an_index(e, &an_forwarding);
	an_mark_account(e, acct, id->ts, id->ts, idx);
	an_mark_source(e, src, id->ts, id->ts, idx);
	spoor_level lv = shared > 1 ? SPOOR_LEVEL_CRITICAL : SPOOR_LEVEL_HIGH;
	int r = an_alert_begin(e, &an_forwarding, id->ts, id->ev, lv);
	if (r == 0)
		r = an_alert_str(e, "event.action", id->action);
	if (r == 0 && mbox.n)
		r = an_alert_str(e, "spoor.mailbox", mbox);
	if (r == 0)
		r = an_alert_sids(e, "spoor.forward_to", ext, next);
	if (r == 0 && shared > 1)
		r = an_alert_u64(e, "spoor.mailboxes_forwarding_there", shared);
	an_detail(e, "action", id->action);
	an_detail(e, "user", id->user);
	an_detail(e, "to", an_sv(e, ext[0]));
	return r ? r : an_alert_end(e, &an_forwarding, id->ts, id->ev, lv);
}

static int save(void *st, an_engine *e, FILE *f)
{
	fwd *s = st;
	for (size_t i = 0; i < s->dest.n; i++) {
		const dst *d = idmap_at(&s->dest, i);
		an_state_begin(f, "forwarding.destination");
		an_state_sv(f, an_sv(e, (sid)idmap_key_at(&s->dest, i)));
		an_state_sv(f, an_sv(e, d->first_acct));
		an_state_i64(f, d->accounts);
		an_state_end(f);
	}
	return 0;
}

static int load(void *st, an_engine *e, const char *kind, char **fv, int nf)
{
	fwd *s = st;
	int64_t n;
	if (strcmp(kind, "destination") || nf != 3 || !an_state_num(fv[2], &n) || n < 0)
		return 0;
	sid d = an_name(e, sv_cstr(fv[0]));
	dst *x = d ? idmap_get(&s->dest, d, NULL) : NULL;
	if (x) {
		x->first_acct = an_name(e, sv_cstr(fv[1]));
		x->accounts = (uint32_t)MIN(n, (int64_t)UINT32_MAX);
	}
	return 1;
}

const an_def an_forwarding = {
    .name = "forwarding",
    .rule_id = "spoor-analytic-external-forwarding",
    .title = "Mail forwarded or redirected outside the agency",
    .level = SPOOR_LEVEL_HIGH,
    .technique = "T1114.003",
    .tactic = "Collection",
    .params = params,
    .nparams = ARRAY_SIZE(params),
    .cfg_size = sizeof(fw_cfg),
    .defaults = defaults,
    .create = create,
    .on_ident = on_ident,
    .destroy = destroy,
    .save = save,
    .load = load,
};
