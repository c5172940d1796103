/* parse-exim — Exim's main log (mainlog / exim_mainlog), and Exim lines
 * inside syslog (program "exim", see parse-syslog.c).
 *
 *   YYYY-MM-DD hh:mm:ss[.fff] [+zone] [[pid]] [message-id] [flag] text
 *
 * The time is local (--tz) unless the line carries a zone.  message-id is
 * Exim's "1Tq3Ab-0001Xy-Cd" (or the 4.97 "1rmA2B-00000001Ab-0Cd");
 * flags: <= arrival, => delivery, -> additional address, *> suppressed,
 * ** bounce, == deferred.
 *
 * Fields: exim.id, exim.flag, exim.helo, exim.size (S=), exim.protocol
 * (P=), exim.authenticator (A=), exim.reason; ECS: process.pid,
 * email.message_id (id=), email.from.address (<= sender, F=<...>),
 * email.to.address (=> recipient, rejected RCPT <...>), email.subject
 * (T="..."), user.name (A=auth:user, set_id=, U= on arrivals), the
 * peer H=host (helo) [ip]:port -> source.* on arrivals and SMTP
 * sessions, destination.* on deliveries.  event.action: arrival,
 * delivery, bounce, deferred, completed, auth (authenticator failed:
 * failure), reject (rejected / sender verify fail: failure),
 * protocol_error (synchronization / protocol errors, dropped calls:
 * failure), no_mail, dns_mismatch.  Logsource: product linux, service
 * exim. */
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/syslog-int.h"

static inline bool dg(char c)
{
	return c >= '0' && c <= '9';
}

static int set_action(spoor_event *ev, const char *a)
{
	return event_set(ev, F_EVENT_ACTION, SPOOR_VT_STR, sv_cstr(a), SPOOR_FF_ECS);
}

/* "YYYY-MM-DD hh:mm:ss[.fff][ +hhmm]" at s: its length, 0 if none. */
static size_t exim_time(const parse_env *env, spoor_sv s, int64_t *ns)
{
	if (s.n < 19 || !dg(s.p[0]) || !dg(s.p[3]) || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != ' ' || s.p[13] != ':' ||
	    s.p[16] != ':')
		return 0;
	size_t n = 19;
	if (n < s.n && s.p[n] == '.') {
		n++;
		while (n < s.n && dg(s.p[n]))
			n++;
	}
	size_t tn = n;
	/* optional " +0100" zone */
	if (n + 6 <= s.n && s.p[n] == ' ' && (s.p[n + 1] == '+' || s.p[n + 1] == '-') && dg(s.p[n + 2]) && dg(s.p[n + 3]) &&
	    dg(s.p[n + 4]) && dg(s.p[n + 5]))
		n += 6;
	char buf[64];
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s.p, tn);
	buf[10] = 'T';
	size_t bn = tn;
	if (n > tn) {
		memcpy(buf + bn, s.p + tn + 1, 5);
		bn += 5;
	}
	if (!time_parse_iso(sv_make(buf, bn), &env->ctx->tz, ns))
		return 0;
	return n;
}

static bool is_exim_id(spoor_sv w)
{
	/* 6-6-2 or 6-11-4 base-62 with dashes */
	if (!((w.n == 16 && w.p[6] == '-' && w.p[13] == '-') || (w.n == 23 && w.p[6] == '-' && w.p[18] == '-')))
		return false;
	for (size_t i = 0; i < w.n; i++) {
		char c = w.p[i];
		if (c == '-')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/* The peer address: the first "[ip]" outside parentheses and not an
 * interface (I=[...]); else the first "[ip]" anywhere. */
static int peer(spoor_event *ev, spoor_sv s, bool outgoing)
{
	int r;
	const char *best = NULL, *any = NULL;
	int depth = 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '[' && !(i >= 2 && s.p[i - 1] == '=' && s.p[i - 2] == 'I')) {
			const char *rb = memchr(s.p + i, ']', s.n - i);
			if (!rb)
				break;
			spoor_sv ip = sv_make(s.p + i + 1, (size_t)(rb - s.p) - i - 1), norm;
			if (ecs_ip_valid(ip, &norm)) {
				if (!any)
					any = s.p + i;
				if (depth == 0) {
					best = s.p + i;
					break;
				}
			}
		}
	}
	const char *lb = best ? best : any;
	if (!lb)
		return 0;
	const char *rb = memchr(lb, ']', (size_t)(s.p + s.n - lb));
	spoor_sv ip = sv_make(lb + 1, (size_t)(rb - lb - 1));
	if ((r = ecs_set_ip(ev, outgoing ? F_DESTINATION_IP : F_SOURCE_IP, ip)) < 0)
		return r;
	if (rb + 1 < s.p + s.n && rb[1] == ':') {
		const char *p = rb + 2;
		size_t n = 0;
		while (p + n < s.p + s.n && dg(p[n]))
			n++;
		if (n && (r = ecs_set_num(ev, outgoing ? F_DESTINATION_PORT : F_SOURCE_PORT, sv_make(p, n))) < 0)
			return r;
	}
	return 0;
}

/* "H=host (helo) [ip]" : host name and helo */
static int host_helo(spoor_event *ev, spoor_sv s, bool outgoing)
{
	int r;
	ptrdiff_t h = SL_FIND(s, "H=");
	if (h < 0 || (h > 0 && s.p[h - 1] != ' '))
		return 0;
	spoor_sv t = sl_skip(s, (size_t)h + 2);
	if (t.n && t.p[0] != '(' && t.p[0] != '[') {
		spoor_sv host = sl_word(&t);
		if ((r = ecs_set(ev, outgoing ? F_DESTINATION_DOMAIN : F_SOURCE_DOMAIN, host)) < 0)
			return r;
	}
	if (t.n && t.p[0] == '(') {
		const char *rp = memchr(t.p, ')', t.n);
		if (rp && (r = sl_set(ev, F_EXIM_HELO, sv_make(t.p + 1, (size_t)(rp - t.p) - 1))) < 0)
			return r;
	}
	return 0;
}

/* Value of " K=" up to the next space ("S=1234", "P=esmtpsa"). */
static bool kv(spoor_sv s, const char *k, spoor_sv *out)
{
	return sl_kv(s, k, ' ', out);
}

static spoor_sv angle(spoor_sv v)
{
	if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>')
		return sv_make(v.p + 1, v.n - 2);
	return v;
}

/* The message part (after time, pid, id). */
int exim_message(spoor_event *ev, spoor_sv s)
{
	int r;
	spoor_sv v;
	ev->ls.product = SPOOR_SV("linux");
	ev->ls.service = SPOOR_SV("exim");
	/* [pid] */
	if (s.n > 2 && s.p[0] == '[') {
		const char *rb = memchr(s.p, ']', s.n);
		if (rb && sl_is_digits(sv_make(s.p + 1, (size_t)(rb - s.p) - 1))) {
			if ((r = event_set(ev, F_PROCESS_PID, SPOOR_VT_NUM, sv_make(s.p + 1, (size_t)(rb - s.p) - 1),
					   SPOOR_FF_ECS)) < 0)
				return r;
			s = sl_skip(s, (size_t)(rb - s.p) + 1);
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	/* message id and flag */
	{
		spoor_sv t = s;
		spoor_sv w = sl_word(&t);
		if (is_exim_id(w)) {
			if ((r = sl_set(ev, F_EXIM_ID, w)) < 0)
				return r;
			s = t;
			spoor_sv fl = {s.p, 0};
			if (s.n >= 3 && s.p[2] == ' ' &&
			    (SL_STARTS(s, "<=") || SL_STARTS(s, "=>") || SL_STARTS(s, "->") || SL_STARTS(s, "*>") ||
			     SL_STARTS(s, "**") || SL_STARTS(s, "==")))
				fl = sv_make(s.p, 2);
			if (fl.n) {
				if ((r = sl_set(ev, F_EXIM_FLAG, fl)) < 0)
					return r;
				s = sl_skip(s, 3);
				spoor_sv addr = sl_word(&s);
				bool in = fl.p[0] == '<';
				if ((r = ecs_set(ev, in ? F_EMAIL_FROM_ADDRESS : F_EMAIL_TO_ADDRESS, angle(addr))) < 0)
					return r;
				if ((r = host_helo(ev, s, !in)) < 0 || (r = peer(ev, s, !in)) < 0)
					return r;
				if (kv(s, "S=", &v) && (r = sl_set_num(ev, F_EXIM_SIZE, v)) < 0)
					return r;
				if (kv(s, "P=", &v) && (r = sl_set(ev, F_EXIM_PROTOCOL, v)) < 0)
					return r;
				if (kv(s, "id=", &v) && (r = ecs_set(ev, F_EMAIL_MESSAGE_ID, angle(v))) < 0)
					return r;
				if (in && kv(s, "A=", &v)) {
					/* A=dovecot_login:user */
					const char *c = memchr(v.p, ':', v.n);
					if ((r = sl_set(ev, F_EXIM_AUTH, v)) < 0)
						return r;
					if (c && (r = ecs_set_user(ev, sv_make(c + 1, (size_t)(v.p + v.n - c - 1)))) < 0)
						return r;
				} else if (in && kv(s, "U=", &v) && (r = ecs_set_user(ev, v)) < 0) {
					return r;
				}
				ptrdiff_t tq = SL_FIND(s, " T=\"");
				if (tq >= 0) {
					spoor_sv t2 = sl_skip(s, (size_t)tq + 4);
					ptrdiff_t e = SL_FIND(t2, "\" ");
					if (e < 0 && t2.n && t2.p[t2.n - 1] == '"')
						e = (ptrdiff_t)t2.n - 1;
					if (e >= 0 && (r = ecs_set(ev, F_EMAIL_SUBJECT, sv_make(t2.p, (size_t)e))) < 0)
						return r;
				}
				const char *a = fl.p[0] == '<' ? "arrival" : fl.p[0] == '*' && fl.p[1] == '*' ? "bounce"
						: fl.p[0] == '=' && fl.p[1] == '=' ? "deferred" : "delivery";
				if ((r = set_action(ev, a)) < 0)
					return r;
				if (fl.p[0] == '*' && fl.p[1] == '*')
					return ecs_set_outcome(ev, 0);
				if (fl.p[0] == '=' && fl.p[1] == '>')
					return ecs_set_outcome(ev, 1);
				return 0;
			}
			if (sv_eq_cstr(s, "Completed"))
				return set_action(ev, "completed");
		}
	}
	/* "<x>_login authenticator failed for host (helo) [ip]:port ...: 535 ... (set_id=user)" */
	ptrdiff_t af = SL_FIND(s, " authenticator failed for ");
	if (af >= 0) {
		if ((r = sl_set(ev, F_EXIM_AUTH, sv_make(s.p, (size_t)af))) < 0)
			return r;
		spoor_sv t = sl_skip(s, (size_t)af + 26);
		if (t.n && t.p[0] != '(' && t.p[0] != '[') {
			spoor_sv host = sl_word(&t);
			if ((r = ecs_set(ev, F_SOURCE_DOMAIN, host)) < 0)
				return r;
		}
		if ((r = peer(ev, t, false)) < 0)
			return r;
		if (sl_kv(s, "(set_id=", ')', &v) || sl_kv(s, "set_id=", ')', &v)) {
			if ((r = ecs_set_user(ev, v)) < 0)
				return r;
		}
		if ((r = set_action(ev, "auth")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
		return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
	}
	if (SL_STARTS(s, "no host name found for IP address ")) {
		spoor_sv t = sl_skip(s, 34);
		if ((r = ecs_set_ip(ev, F_SOURCE_IP, sl_word(&t))) < 0)
			return r;
		return set_action(ev, "dns_mismatch");
	}
	if ((r = host_helo(ev, s, false)) < 0 || (r = peer(ev, s, false)) < 0)
		return r;
	if (kv(s, "F=", &v) && (r = ecs_set(ev, F_EMAIL_FROM_ADDRESS, angle(v))) < 0)
		return r;
	ptrdiff_t rr = SL_FIND(s, " rejected RCPT ");
	if (rr >= 0) {
		spoor_sv t = sl_skip(s, (size_t)rr + 15);
		spoor_sv rcpt = sl_trim_end(sl_word(&t), ':');
		if ((r = ecs_set(ev, F_EMAIL_TO_ADDRESS, angle(rcpt))) < 0 || (r = sl_set(ev, F_EXIM_REASON, t)) < 0)
			return r;
	}
	const char *act = NULL;
	int outcome = -1;
	if (rr >= 0 || SL_FIND(s, " sender verify fail") >= 0 || SL_FIND(s, " rejected ") >= 0) {
		act = "reject";
		outcome = 0;
	} else if (SL_FIND(s, "synchronization error") >= 0 || SL_FIND(s, "SMTP protocol error") >= 0 ||
		   (SL_STARTS(s, "SMTP call from") && SL_FIND(s, " dropped: ") >= 0)) {
		act = "protocol_error";
		outcome = 0;
	} else if (SL_FIND(s, " closed by DROP in ACL") >= 0 || SL_FIND(s, " dropped by '") >= 0) {
		act = "acl_drop";
		outcome = 0;
	} else if (SL_STARTS(s, "no MAIL in SMTP connection")) {
		act = "no_mail";
	} else if (SL_STARTS(s, "no IP address found for host")) {
		act = "dns_mismatch";
	}
	if (act && (r = set_action(ev, act)) < 0)
		return r;
	if (outcome >= 0)
		return ecs_set_outcome(ev, outcome);
	return 0;
}

static int exim_open(void *state, const parse_env *env)
{
	(void)state;
	(void)env;
	return 0;
}

static int exim_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	(void)state;
	int64_t ns;
	size_t n = exim_time(env, line, &ns);
	if (!n)
		return diag_set(env->diag, SPOOR_EPARSE, "exim: no timestamp");
	event_set_time(ev, ns);
	spoor_sv s = sl_skip(line, n);
	while (s.n && s.p[0] == ' ')
		s = sl_skip(s, 1);
	int r = sl_set(ev, F_MESSAGE, s);
	if (r < 0)
		return r;
	return exim_message(ev, s);
}

/* "YYYY-MM-DD hh:mm:ss " then an Exim id, "[pid]", or a typical text. */
static int exim_sniff(spoor_sv head)
{
	spoor_ctx c;
	memset(&c, 0, sizeof(c));
	parse_env env = {&c, NULL, 0, NULL};
	spoor_sv s = head;
	spoor_sv l = sl_until(&s, '\n');
	for (int k = 0; k < 4 && s.n && (!l.n || l.p[0] == '#'); k++) {
		s = sl_skip(s, 1);
		l = sl_until(&s, '\n');
	}
	int64_t ns;
	size_t n = exim_time(&env, l, &ns);
	if (!n || n >= l.n || l.p[n] != ' ')
		return 0;
	spoor_sv t = sl_skip(l, n + 1);
	spoor_sv w = sl_word(&t);
	if (is_exim_id(w))
		return 80;
	if (w.n > 2 && w.p[0] == '[' && w.p[w.n - 1] == ']' && sl_is_digits(sv_make(w.p + 1, w.n - 2)))
		return 75;
	spoor_sv rest = sl_skip(l, n + 1);
	if (SL_FIND(rest, "authenticator failed") >= 0 || SL_STARTS(rest, "H=") || SL_STARTS(rest, "SMTP ") ||
	    SL_STARTS(rest, "Start queue run") || SL_STARTS(rest, "exim "))
		return 70;
	return 0;
}

const parser_vt parser_exim = {
	.name = "exim",
	.summary = "Exim main log (mainlog)",
	.recognizes = "arrivals, deliveries, bounces, authenticator failures, rejects, SMTP protocol errors",
	.sniff = exim_sniff,
	.state_size = 0,
	.open = exim_open,
	.parse_line = exim_parse_line,
};
