/* sim — Postfix and Dovecot over syslog: the mail server of a Dovecot agency
 * (RFC 3164, UTC, as rsyslog's traditional file format writes it) and the
 * Postfix mail gateway in front of Exchange / M365 agencies (RFC 5424 with
 * the local offset).  Line shapes follow Postfix 3.x and Dovecot 2.3 defaults
 * (research/intel_email.md B7; fail2ban's and Postfix's own samples). */
#include <inttypes.h>

#include "sim-int.h"

enum { PE_LOGOUT, PE_RETRY_OK };

/* The sender's domain of a mail host: mail.partner-org.example -> partner-org.example. */
static const char *mail_dom(const char *host)
{
	const char *dot = strchr(host, '.');
	return dot && strchr(dot + 1, '.') ? dot + 1 : host;
}

static void qid(sim_stream *s, char *out)
{
	uint64_t x = (s->seq++ + 1) * 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 10; i++, x >>= 4)
		out[i] = "0123456789ABCDEF"[x & 15];
	out[10] = 0;
}

static void sess_of(uint64_t key, char *out)
{
	for (int i = 0; i < 16; i++, key = key * 6364136223846793005ULL + 1442695040888963407ULL)
		out[i] = sim_b64[(key >> 58) & 63] == '/' ? 'Z' : sim_b64[(key >> 58) & 63];
	out[16] = 0;
}

/* "Mar  4 01:02:03 mail " */
static void hdr3164(simf *f, int64_t t, const char *prog, uint64_t pid)
{
	o_bsd(f, t, 0);
	O_LIT(f, " mail ");
	o_str(f, prog);
	if (pid) {
		o_ch(f, '[');
		o_u64(f, pid);
		o_ch(f, ']');
	}
	O_LIT(f, ": ");
}

/* "<22>1 2024-03-04T09:01:02.123+08:00 mailgw01.x postfix/smtpd 1234 - - " */
static void hdr5424(sim_world *w, sim_stream *s, int64_t t, const char *prog, uint64_t pid)
{
	simf *f = &s->f;
	O_LIT(f, "<22>1 ");
	o_iso(f, t, 3, SIM_TZ_MIN);
	O_LIT(f, " mailgw01.");
	o_str(f, S_AG(w, s)->domain);
	o_ch(f, ' ');
	o_str(f, prog);
	o_ch(f, ' ');
	o_u64(f, pid);
	O_LIT(f, " - - ");
}

typedef void (*hdr_fn)(sim_world *w, sim_stream *s, int64_t t, const char *prog, uint64_t pid);
static void hdr_a(sim_world *w, sim_stream *s, int64_t t, const char *prog, uint64_t pid)
{
	(void)w;
	hdr3164(&s->f, t, prog, pid);
}

static uint32_t user_ip(sim_world *w, sim_stream *s, const sim_user *u, int64_t t, const char **ua)
{
	uint32_t k = rng_below(&s->r, 100);
	*ua = "office";
	if (sim_trip_ip(u, t))
		return *ua = "travel", sim_trip_ip(u, t);
	if (u->vpn && k < 10)
		return *ua = "vpn", pool_ip(w, &s->r, POOL_VPN);
	if (k < 68)
		return u->pc_ip;
	if (k < 90)
		return *ua = "phone", u->phone_ip;
	return *ua = "home", u->home_ip;
}

static void login_line(sim_world *w, sim_stream *s, int64_t t, const char *user, uint32_t ip, const char *sess,
		       uint64_t mpid, bool failed)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	hdr3164(f, t, "dovecot", 0);
	if (failed)
		O_LIT(f, "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<");
	else
		O_LIT(f, "imap-login: Login: user=<");
	o_str(f, user);
	O_LIT(f, ">, method=PLAIN, rip=");
	o_ip(f, ip);
	O_LIT(f, ", lip=");
	o_ip(f, a->hosts[H_MAIL].ip);
	if (!failed) {
		O_LIT(f, ", mpid=");
		o_u64(f, mpid);
	}
	O_LIT(f, ", TLS, session=<");
	o_str(f, sess);
	O_LIT(f, ">");
	o_end(f);
}

static void logout_line(sim_stream *s, int64_t t, const char *user, uint64_t mpid, const char *sess, uint64_t items,
			uint64_t bytes)
{
	simf *f = &s->f;
	hdr3164(f, t, "dovecot", 0);
	O_LIT(f, "imap(");
	o_str(f, user);
	O_LIT(f, ")<");
	o_u64(f, mpid);
	O_LIT(f, "><");
	o_str(f, sess);
	O_LIT(f, ">: Disconnected: Logged out in=");
	o_u64(f, 200 + items * 40 + rng_below(&s->r, 900));
	O_LIT(f, " out=");
	o_u64(f, bytes + items * 420 + 1500 + rng_below(&s->r, 4000));
	O_LIT(f, " deleted=0 expunged=0 trashed=0 hdr_count=");
	o_u64(f, items);
	O_LIT(f, " hdr_bytes=");
	o_u64(f, items * 410);
	O_LIT(f, " body_count=");
	o_u64(f, items);
	O_LIT(f, " body_bytes=");
	o_u64(f, bytes);
	o_end(f);
}

static void drain(sim_world *w, sim_stream *s, int64_t t)
{
	pend p;
	sim_agency *a = S_AG(w, s);
	while (pend_top(s, t, &p)) {
		const char *user = a->users[p.user].name;
		if (p.c == PE_LOGOUT)
			logout_line(s, p.t, user, p.a, p.sess, p.b, p.b ? rng_size(&s->r, 45000) * p.b : 0);
		else
			login_line(w, s, p.t, user, p.ip, p.sess, p.a, false);
	}
}

/* One inbound message through smtpd/cleanup/qmgr/delivery, all lines at t. */
static void inbound(sim_world *w, sim_stream *s, int64_t t, hdr_fn H, bool gw)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	/* one in ten is a mailing list: several recipients in the agency */
	uint32_t nrcpt = rng_chance(&s->r, 0.1) ? 3 + rng_below(&s->r, 6) : 1;
	uint32_t first = rng_below(&s->r, a->nusers);
	uint32_t peer = pool_ip(w, &s->r, POOL_MAILPEER);
	char q[12], sender[64];
	uint64_t pid = 1000 + s->seq % 30000;
	qid(s, q);
	static const char *const dom[] = {"mail.partner-org.example", "news.trade-assoc.example",
					  "gov-lists.example",	      "mx.university.example",
					  "consulate.example",	      "vendor-mail.example"};
	const char *d = dom[rng_below(&s->r, ARRAY_SIZE(dom))];
	if (nrcpt > 1)
		snprintf(sender, sizeof(sender), "announce-bounces@%s", mail_dom(d));
	else
		snprintf(sender, sizeof(sender), "%s.%s@%s", sim_first[rng_below(&s->r, (uint32_t)sim_nfirst)],
			 sim_last[rng_below(&s->r, (uint32_t)sim_nlast)], mail_dom(d));
	uint64_t size = rng_size(&s->r, 38000);
	H(w, s, t, gw ? "postfix/smtpd" : "postfix/smtpd", pid);
	O_LIT(f, "connect from ");
	o_str(f, d);
	o_ch(f, '[');
	o_ip(f, peer);
	o_ch(f, ']');
	o_end(f);
	H(w, s, t, "postfix/smtpd", pid);
	o_str(f, q);
	O_LIT(f, ": client=");
	o_str(f, d);
	o_ch(f, '[');
	o_ip(f, peer);
	o_ch(f, ']');
	o_end(f);
	H(w, s, t, "postfix/cleanup", pid + 7);
	o_str(f, q);
	O_LIT(f, ": message-id=<");
	o_u64(f, (uint64_t)t);
	o_ch(f, '.');
	o_u64(f, s->seq);
	o_ch(f, '@');
	o_str(f, mail_dom(d));
	o_ch(f, '>');
	o_end(f);
	H(w, s, t, "postfix/qmgr", 911);
	o_str(f, q);
	O_LIT(f, ": from=<");
	o_str(f, sender);
	O_LIT(f, ">, size=");
	o_u64(f, size);
	O_LIT(f, ", nrcpt=");
	o_u64(f, nrcpt);
	O_LIT(f, " (queue active)");
	o_end(f);
	for (uint32_t k = 0; k < nrcpt; k++) {
		const sim_user *u = &a->users[(first + k * 7) % a->nusers];
		if (gw) {
			H(w, s, t + 300, "postfix/smtp", pid + 13);
			o_str(f, q);
			O_LIT(f, ": to=<");
			o_str(f, u->name);
			o_ch(f, '@');
			o_str(f, a->domain);
			O_LIT(f, ">, relay=mail01.");
			o_str(f, a->addns);
			o_ch(f, '[');
			o_ip(f, a->hosts[H_MAIL].ip);
			O_LIT(f, "]:25, delay=0.41, delays=0.08/0.01/0.12/0.2, dsn=2.6.0, status=sent (250 2.6.0 "
				 "<queued> Queued mail for delivery)");
			o_end(f);
		} else {
			H(w, s, t + 200, "postfix/lmtp", pid + 13);
			o_str(f, q);
			O_LIT(f, ": to=<");
			o_str(f, u->name);
			o_ch(f, '@');
			o_str(f, a->domain);
			O_LIT(f, ">, relay=mail.");
			o_str(f, a->domain);
			O_LIT(f, "[private/dovecot-lmtp], delay=0.22, delays=0.1/0.01/0.02/0.09, dsn=2.0.0, "
				 "status=sent (250 2.0.0 <");
			o_str(f, u->name);
			o_ch(f, '@');
			o_str(f, a->domain);
			O_LIT(f, "> Saved)");
			o_end(f);
		}
	}
	H(w, s, t + 300, "postfix/qmgr", 911);
	o_str(f, q);
	O_LIT(f, ": removed");
	o_end(f);
	H(w, s, t + 400, "postfix/smtpd", pid);
	O_LIT(f, "disconnect from ");
	o_str(f, d);
	o_ch(f, '[');
	o_ip(f, peer);
	O_LIT(f, "] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7");
	o_end(f);
}

static void outbound(sim_world *w, sim_stream *s, int64_t t, hdr_fn H, bool gw)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	const sim_user *u = sim_pick_user(a, &s->r, t);
	char q[12];
	const char *how;
	uint32_t src = gw ? a->hosts[H_MAIL].ip : user_ip(w, s, u, t, &how);
	uint32_t peer = pool_ip(w, &s->r, POOL_MAILPEER);
	uint64_t pid = 1000 + s->seq % 30000;
	qid(s, q);
	H(w, s, t, gw ? "postfix/smtpd" : "postfix/submission/smtpd", pid);
	o_str(f, q);
	O_LIT(f, ": client=");
	o_str(f, gw ? "mail01" : "unknown");
	o_ch(f, '[');
	o_ip(f, src);
	o_ch(f, ']');
	if (!gw) {
		O_LIT(f, ", sasl_method=PLAIN, sasl_username=");
		o_str(f, u->name);
		o_ch(f, '@');
		o_str(f, a->domain);
	}
	o_end(f);
	H(w, s, t, "postfix/qmgr", 911);
	o_str(f, q);
	O_LIT(f, ": from=<");
	o_str(f, u->name);
	o_ch(f, '@');
	o_str(f, a->domain);
	O_LIT(f, ">, size=");
	o_u64(f, rng_size(&s->r, 25000));
	O_LIT(f, ", nrcpt=1 (queue active)");
	o_end(f);
	H(w, s, t + 900, "postfix/smtp", pid + 21);
	o_str(f, q);
	O_LIT(f, ": to=<");
	o_str(f, sim_first[rng_below(&s->r, (uint32_t)sim_nfirst)]);
	O_LIT(f, "@partner-org.example>, relay=mx.partner-org.example[");
	o_ip(f, peer);
	O_LIT(f, "]:25, delay=0.9, delays=0.05/0.01/0.4/0.44, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ");
	o_u64(f, s->seq);
	o_ch(f, ')');
	o_end(f);
	H(w, s, t + 950, "postfix/qmgr", 911);
	o_str(f, q);
	O_LIT(f, ": removed");
	o_end(f);
}

static void scanner(sim_world *w, sim_stream *s, int64_t t, hdr_fn H, bool gw)
{
	simf *f = &s->f;
	uint32_t ip =
	    rng_chance(&s->r, 0.5) ? pool_ip(w, &s->r, POOL_SCANNER) : IP4(192, 0, 2, 2 + rng_below(&s->r, 250));
	uint64_t pid = 1000 + s->seq++ % 30000;
	if (!gw && rng_chance(&s->r, 0.5)) {
		static const char *const names[] = {"admin",   "test",	     "info", "webmaster",
						    "support", "postmaster", "user"};
		char sess[20];
		sess_of(rng_u64(&s->r), sess);
		login_line(w, s, t, names[rng_below(&s->r, ARRAY_SIZE(names))], ip, sess, 0, true);
		return;
	}
	H(w, s, t, gw ? "postfix/smtpd" : "postfix/submission/smtpd", pid);
	O_LIT(f, "warning: unknown[");
	o_ip(f, ip);
	O_LIT(f, "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6");
	o_end(f);
}

static void mail_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	drain(w, s, t);
	uint32_t k = rng_below(&s->r, 1000);
	if (k < 420) {
		const sim_user *u = sim_pick_user(a, &s->r, t);
		uint32_t ui = (uint32_t)(u - a->users);
		const char *how;
		uint32_t ip = user_ip(w, s, u, t, &how);
		pend p = {0};
		p.t = t;
		p.user = ui;
		p.ip = ip;
		p.a = 1000 + s->seq++ % 60000;
		sess_of(rng_u64(&s->r), p.sess);
		bool typo = rng_chance(&s->r, 0.03);
		if (typo) {
			/* a mistyped password, then the right one a few seconds later */
			login_line(w, s, t, u->name, ip, p.sess, 0, true);
			p.t = t + rng_range(&s->r, 4000, 20000);
			p.c = PE_RETRY_OK;
			sess_of(rng_u64(&s->r), p.sess);
			if (!pend_push(s, &p)) {
				p.t = t;
				login_line(w, s, t, u->name, ip, p.sess, p.a, false);
			}
		} else {
			login_line(w, s, t, u->name, ip, p.sess, p.a, false);
		}
		/* session end: a new phone syncing everything is the hard negative */
		bool resync = !strcmp(how, "phone") && rng_chance(&s->r, 0.004);
		pend e = p;
		e.c = PE_LOGOUT;
		e.t = p.t + (int64_t)rng_exp(&s->r, strcmp(how, "phone") ? 900000 : 2400000) + 1000;
		e.b = resync ? 1500 + rng_below(&s->r, 4000) : rng_below(&s->r, 40);
		if (typo)
			e.t += 20000;
		if (!pend_push(s, &e))
			logout_line(s, p.t, u->name, e.a, e.sess, e.b, e.b ? rng_size(&s->r, 45000) * e.b : 0);
	} else if (k < 850) {
		inbound(w, s, t, hdr_a, false);
	} else if (k < 970) {
		outbound(w, s, t, hdr_a, false);
	} else {
		scanner(w, s, t, hdr_a, false);
	}
}

static void mail_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	simf *f = &s->f;
	drain(w, s, p->t);
	char upn[96], sess[20], c[320], ip[16];
	user_upn(a, &a->users[p->user], upn, sizeof(upn));
	ip_str(ip, p->ip);
	sess_of(p->key, sess);
	uint64_t mpid = 1000 + (p->key >> 40) % 60000;
	switch (p->kind) {
	case P_SPRAY_DOVECOT:
	case P_VALID_DOVECOT:
		snprintf(c, sizeof(c), "user=<%s>, method=PLAIN, rip=%s", upn, ip);
		truth_mark(w, s, p, upn, c);
		login_line(w, s, p->t, upn, p->ip, sess, mpid, p->kind == P_SPRAY_DOVECOT);
		break;
	case P_SPRAY_POSTFIX:
		snprintf(c, sizeof(c), "unknown[%s]: SASL LOGIN authentication failed", ip);
		truth_mark(w, s, p, upn, c);
		hdr3164(f, p->t, "postfix/submission/smtpd", 1000 + p->key % 30000);
		O_LIT(f, "warning: unknown[");
		o_ip(f, p->ip);
		O_LIT(f, "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=");
		o_str(f, upn);
		o_end(f);
		break;
	case P_IMAP_DOWNLOAD:
		snprintf(c, sizeof(c), "body_count=%" PRIu64 " body_bytes=%" PRIu64, p->n2, p->n1);
		truth_mark(w, s, p, upn, c);
		logout_line(s, p->t, upn, mpid, sess, p->n2, p->n1);
		break;
	default:
		break;
	}
}

void w_mail_day(sim_world *w, sim_stream *s, int64_t day0)
{
	double rate = 2.2 * S_AG(w, s)->nusers;
	stream_day(w, s, day0, rate, false, mail_benign, mail_plant);
	drain(w, s, day0 + 86400000 - 1);
}

/* ---- the RFC 5424 mail gateway ------------------------------------------------ */
static void gw_benign(sim_world *w, sim_stream *s, int64_t t)
{
	uint32_t k = rng_below(&s->r, 100);
	if (k < 62) {
		inbound(w, s, t, hdr5424, true);
	} else if (k < 90) {
		outbound(w, s, t, hdr5424, true);
	} else if (k < 96) {
		simf *f = &s->f;
		uint32_t ip = pool_ip(w, &s->r, POOL_SCANNER);
		hdr5424(w, s, t, "postfix/smtpd", 1000 + s->seq++ % 30000);
		O_LIT(f, "NOQUEUE: reject: RCPT from unknown[");
		o_ip(f, ip);
		O_LIT(f, "]: 554 5.7.1 Service unavailable; Client host [");
		o_ip(f, ip);
		O_LIT(f, "] blocked using zen.spamhaus.org; from=<promo@bulk-sender.example> to=<info@");
		o_str(f, S_AG(w, s)->domain);
		O_LIT(f, "> proto=ESMTP helo=<bulk-sender.example>");
		o_end(f);
	} else {
		scanner(w, s, t, hdr5424, true);
	}
}

static void gw_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	simf *f = &s->f;
	char upn[96], q[12], c[320];
	const char *fwd = w->actor[ACT_TAIDOOR].fwd_addr;
	user_upn(a, &a->users[p->user], upn, sizeof(upn));
	if (p->kind != P_GW_FORWARDED)
		return;
	qid(s, q);
	snprintf(c, sizeof(c), "%s: from=<%s>, size=%" PRIu64, q, upn, p->n1);
	truth_mark(w, s, p, upn, c);
	hdr5424(w, s, p->t, "postfix/qmgr", 911);
	o_str(f, q);
	O_LIT(f, ": from=<");
	o_str(f, upn);
	O_LIT(f, ">, size=");
	o_u64(f, p->n1);
	O_LIT(f, ", nrcpt=1 (queue active)");
	o_end(f);
	plant p2 = *p;
	p2.n1 = 0;
	p2.n2 = 0;
	snprintf(c, sizeof(c), "%s: to=<%s>, orig_to=<%s>", q, fwd, upn);
	truth_mark(w, s, &p2, upn, c);
	hdr5424(w, s, p->t + 700, "postfix/smtp", 1000 + p->key % 30000);
	o_str(f, q);
	O_LIT(f, ": to=<");
	o_str(f, fwd);
	O_LIT(f, ">, orig_to=<");
	o_str(f, upn);
	O_LIT(f, ">, relay=mx.");
	o_str(f, strchr(fwd, '@') + 1);
	o_ch(f, '[');
	o_ip(f, p->ip);
	O_LIT(f, "]:25, delay=0.7, delays=0.02/0.01/0.3/0.37, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)");
	o_end(f);
}

void w_mailgw_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 1.6 * S_AG(w, s)->nusers, false, gw_benign, gw_plant);
}
