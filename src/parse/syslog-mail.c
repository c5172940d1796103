/* syslog-mail — program parsers for Postfix and Dovecot (2.2 and 2.3).
 *
 * Postfix (program "postfix/<daemon>", also "postfix-x/submission/smtpd"):
 *   postfix.daemon, postfix.queue_id (links the lines of one message);
 *   "HOST[IP]" clients -> postfix.client_hostname, source.ip, source.port;
 *   relay=HOST[IP]:PORT -> postfix.relay_hostname, destination.ip/.port;
 *   from= / to= -> email.from.address / email.to.address; message-id= ->
 *   email.message_id; size, nrcpt, delay, delays, dsn, status (+ the
 *   response in parentheses), orig_to, helo, proto, sasl_method,
 *   sasl_username (-> user.name).  event.action: connect, disconnect,
 *   lost_connection, timeout, pipelining, too_many_errors, reject,
 *   sasl_auth (outcome failure on "authentication failed", success on a
 *   client= line with sasl_username), client, message_id, queued, removed,
 *   delivery (outcome success for status=sent, failure for bounced).
 *
 * Dovecot: "dovecot: <service>[(<user>)][<pid>][<session>]: ..." or the
 * service as the program.  dovecot.service, dovecot.session, user.name,
 * source.ip (rip), destination.ip (lip), dovecot.method, dovecot.tls;
 * event.action login (success / failure on "auth failed"), disconnected,
 * auth (passdb/userdb failures, outcome failure), logout with
 * dovecot.in/out (+ 2.3 deleted expunged trashed hdr_count hdr_bytes
 * body_count body_bytes), source.bytes = in, destination.bytes = out,
 * network.bytes = in + out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse/syslog-int.h"

static int set_action(spoor_event *ev, const char *a)
{
	return event_set(ev, F_EVENT_ACTION, SPOOR_VT_STR, sv_cstr(a), SPOOR_FF_ECS);
}

static spoor_sv strip_angle(spoor_sv v)
{
	if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>')
		return sv_make(v.p + 1, v.n - 2);
	return v;
}

static bool is_qid(spoor_sv w)
{
	if (w.n < 5 || w.n > 30)
		return false;
	bool upper_or_digit = false;
	for (size_t i = 0; i < w.n; i++) {
		char c = w.p[i];
		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
			upper_or_digit = true;
		else if (!(c >= 'a' && c <= 'z'))
			return false;
	}
	return upper_or_digit && !(w.n == 7 && !memcmp(w.p, "NOQUEUE", 7));
}

static int relay_peer(spoor_event *ev, spoor_sv s);

/* "HOST[IP]" or "HOST[IP]:PORT" as the SMTP client. */
static int client(spoor_event *ev, spoor_sv s)
{
	spoor_sv host, ip, port;
	int r;
	if (!sl_host_ip(s, &host, &ip, &port))
		return 0;
	if ((r = sl_set(ev, F_POSTFIX_CLIENT_HOSTNAME, host)) < 0)
		return r;
	if (host.n && !(host.n == 7 && !memcmp(host.p, "unknown", 7)) && (r = ecs_set(ev, F_SOURCE_DOMAIN, host)) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
		return r;
	if (port.n && (r = ecs_set_num(ev, F_SOURCE_PORT, port)) < 0)
		return r;
	return 0;
}

static int relay(spoor_event *ev, spoor_sv s)
{
	int r;
	if ((r = sl_set(ev, F_POSTFIX_RELAY, s)) < 0)
		return r;
	return relay_peer(ev, s);
}

/* "HOST[IP]:PORT" as the relay an SMTP/LMTP client talks to. */
static int relay_peer(spoor_event *ev, spoor_sv s)
{
	spoor_sv host, ip, port;
	int r;
	if (!sl_host_ip(s, &host, &ip, &port))
		return 0;
	if ((r = sl_set(ev, F_POSTFIX_RELAY_HOSTNAME, host)) < 0 || (r = ecs_set(ev, F_DESTINATION_DOMAIN, host)) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_DESTINATION_IP, ip)) < 0)
		return r;
	if (port.n && (r = ecs_set_num(ev, F_DESTINATION_PORT, port)) < 0)
		return r;
	return 0;
}

/* Postfix "key=value" lists, separated by ", " (qmgr, smtp) or " "
 * (reject lines).  Values in <> may hold anything but '>'. */
static int postfix_kv(spoor_event *ev, spoor_sv s)
{
	int r;
	size_t i = 0;
	while (i < s.n) {
		/* key */
		size_t k0 = i;
		while (i < s.n && ((s.p[i] >= 'a' && s.p[i] <= 'z') || s.p[i] == '_' || s.p[i] == '-'))
			i++;
		if (i == k0 || i >= s.n || s.p[i] != '=') {
			/* skip to the next separator */
			while (i < s.n && s.p[i] != ' ' && s.p[i] != ',')
				i++;
			while (i < s.n && (s.p[i] == ' ' || s.p[i] == ','))
				i++;
			continue;
		}
		spoor_sv key = sv_make(s.p + k0, i - k0);
		i++;
		size_t v0 = i;
		if (i < s.n && s.p[i] == '<') {
			const char *gt = memchr(s.p + i, '>', s.n - i);
			i = gt ? (size_t)(gt - s.p) + 1 : s.n;
		} else if (key.n == 10 && !memcmp(key.p, "message-id", 10)) {
			i = s.n; /* unbracketed ids may hold spaces */
		} else {
			while (i < s.n && s.p[i] != ',' && s.p[i] != ' ')
				i++;
		}
		spoor_sv val = sv_make(s.p + v0, i - v0);
		spoor_sv resp = {NULL, 0};
		/* status=sent (250 2.0.0 Ok) */
		if (i + 1 < s.n && s.p[i] == ' ' && s.p[i + 1] == '(' && key.n == 6 && !memcmp(key.p, "status", 6)) {
			size_t e = s.n;
			while (e > i + 2 && s.p[e - 1] != ')')
				e--;
			resp = sv_make(s.p + i + 2, e > i + 2 ? e - 1 - (i + 2) : 0);
			i = e;
		}
		while (i < s.n && (s.p[i] == ' ' || s.p[i] == ','))
			i++;
		switch (key.p[0]) {
		case 'c':
			if (SL_STARTS(key, "client") && key.n == 6) {
				if ((r = sl_set(ev, F_POSTFIX_CLIENT, val)) < 0 || (r = client(ev, val)) < 0)
					return r;
			}
			break;
		case 'd':
			if (key.n == 5 && !memcmp(key.p, "delay", 5))
				r = sl_set(ev, F_POSTFIX_DELAY, val);
			else if (key.n == 6 && !memcmp(key.p, "delays", 6))
				r = sl_set(ev, F_POSTFIX_DELAYS, val);
			else if (key.n == 3 && !memcmp(key.p, "dsn", 3))
				r = sl_set(ev, F_POSTFIX_DSN, val);
			else
				r = 0;
			if (r < 0)
				return r;
			break;
		case 'f':
			if (key.n == 4 && !memcmp(key.p, "from", 4) && (r = ecs_set(ev, F_EMAIL_FROM_ADDRESS, strip_angle(val))) < 0)
				return r;
			break;
		case 'h':
			if (key.n == 4 && !memcmp(key.p, "helo", 4) && (r = sl_set(ev, F_POSTFIX_HELO, strip_angle(val))) < 0)
				return r;
			break;
		case 'm':
			if (key.n == 10 && !memcmp(key.p, "message-id", 10) &&
			    (r = ecs_set(ev, F_EMAIL_MESSAGE_ID, strip_angle(val))) < 0)
				return r;
			break;
		case 'n':
			if (key.n == 5 && !memcmp(key.p, "nrcpt", 5) && (r = sl_set_num(ev, F_POSTFIX_NRCPT, val)) < 0)
				return r;
			break;
		case 'o':
			if (key.n == 7 && !memcmp(key.p, "orig_to", 7) && (r = sl_set(ev, F_POSTFIX_ORIG_TO, strip_angle(val))) < 0)
				return r;
			break;
		case 'p':
			if (key.n == 5 && !memcmp(key.p, "proto", 5) && (r = sl_set(ev, F_POSTFIX_PROTO, val)) < 0)
				return r;
			break;
		case 'r':
			if (key.n == 5 && !memcmp(key.p, "relay", 5) && (r = relay(ev, val)) < 0)
				return r;
			break;
		case 's':
			if (key.n == 4 && !memcmp(key.p, "size", 4)) {
				if ((r = sl_set_num(ev, F_POSTFIX_SIZE, val)) < 0)
					return r;
			} else if (key.n == 6 && !memcmp(key.p, "status", 6)) {
				if ((r = sl_set(ev, F_POSTFIX_STATUS, val)) < 0 || (r = sl_set(ev, F_POSTFIX_RESPONSE, resp)) < 0)
					return r;
			} else if (key.n == 11 && !memcmp(key.p, "sasl_method", 11)) {
				if ((r = sl_set(ev, F_POSTFIX_SASL_METHOD, val)) < 0)
					return r;
			} else if (key.n == 13 && !memcmp(key.p, "sasl_username", 13)) {
				if ((r = sl_set(ev, F_POSTFIX_SASL_USERNAME, val)) < 0 || (r = ecs_set_user(ev, val)) < 0)
					return r;
			}
			break;
		case 't':
			if (key.n == 2 && key.p[1] == 'o' && (r = ecs_set(ev, F_EMAIL_TO_ADDRESS, strip_angle(val))) < 0)
				return r;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* "reject: RCPT from HOST[IP]: 550 5.1.1 <x>: Recipient address rejected: ...; from=<a> to=<b> proto=ESMTP helo=<h>" */
static int postfix_reject(spoor_event *ev, spoor_sv s, const char *action)
{
	int r;
	if ((r = set_action(ev, action)) < 0)
		return r;
	if (!strcmp(action, "reject") && (r = ecs_set_outcome(ev, 0)) < 0)
		return r;
	spoor_sv stage = sl_word(&s);
	if ((r = sl_set(ev, F_POSTFIX_SMTP_STAGE, stage)) < 0)
		return r;
	if (!SL_EAT(&s, "from "))
		return 0;
	spoor_sv who = sl_until(&s, ' ');
	who = sl_trim_end(who, ':');
	if ((r = client(ev, who)) < 0)
		return r;
	while (s.n && s.p[0] == ' ')
		s = sl_skip(s, 1);
	spoor_sv code = sl_word(&s);
	if (sl_is_digits(code)) {
		if ((r = sl_set(ev, F_POSTFIX_STATUS_CODE, code)) < 0)
			return r;
		if (s.n && s.p[0] >= '2' && s.p[0] <= '5' && s.n > 1 && s.p[1] == '.') {
			spoor_sv enh = sl_word(&s);
			if ((r = sl_set(ev, F_POSTFIX_STATUS_CODE_ENH, enh)) < 0)
				return r;
		}
	}
	ptrdiff_t semi = SL_RFIND(s, "; from=");
	if (semi >= 0) {
		if ((r = sl_set(ev, F_POSTFIX_REASON, sv_make(s.p, (size_t)semi))) < 0)
			return r;
		return postfix_kv(ev, sl_skip(s, (size_t)semi + 2));
	}
	return sl_set(ev, F_POSTFIX_REASON, s);
}

int syslog_postfix(spoor_event *ev, spoor_sv prog, spoor_sv msg)
{
	int r;
	const char *sl = prog.p + prog.n;
	while (sl > prog.p && sl[-1] != '/')
		sl--;
	spoor_sv daemon = sv_make(sl, (size_t)(prog.p + prog.n - sl));
	if ((r = sl_set(ev, F_POSTFIX_DAEMON, daemon)) < 0)
		return r;
	spoor_sv s = msg;
	/* queue id */
	{
		spoor_sv t = s;
		spoor_sv w = sl_until(&t, ':');
		if (t.n && is_qid(w)) {
			if ((r = sl_set(ev, F_POSTFIX_QUEUE_ID, w)) < 0)
				return r;
			s = sl_skip(t, 1);
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		} else if (t.n && w.n == 7 && !memcmp(w.p, "NOQUEUE", 7)) {
			s = sl_skip(t, 1);
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	if (SL_EAT(&s, "warning: ") || SL_EAT(&s, "error: ") || SL_EAT(&s, "fatal: ") || SL_EAT(&s, "panic: ")) {
		/* "warning: 9BECF3F19D: ..." */
		spoor_sv t = s;
		spoor_sv w = sl_until(&t, ':');
		if (t.n && is_qid(w) && !event_find(ev, F_POSTFIX_QUEUE_ID)) {
			if ((r = sl_set(ev, F_POSTFIX_QUEUE_ID, w)) < 0)
				return r;
			s = sl_skip(t, 1);
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	if (SL_EAT(&s, "reject: ") || SL_EAT(&s, "milter-reject: "))
		return postfix_reject(ev, s, "reject");
	if (SL_EAT(&s, "reject_warning: "))
		return postfix_reject(ev, s, "reject_warning");
	if (SL_EAT(&s, "discard: "))
		return postfix_reject(ev, s, "discard");
	if (SL_EAT(&s, "hold: "))
		return postfix_reject(ev, s, "hold");
	if (SL_EAT(&s, "redirect: "))
		return postfix_reject(ev, s, "redirect");
	if (SL_EAT(&s, "filter: "))
		return postfix_reject(ev, s, "filter");
	const char *act = NULL;
	if (SL_EAT(&s, "connect from "))
		act = "connect";
	else if (SL_EAT(&s, "disconnect from "))
		act = "disconnect";
	if (act) {
		spoor_sv who = sl_word(&s);
		if ((r = client(ev, sl_trim_end(who, ':'))) < 0)
			return r;
		if ((r = set_action(ev, act)) < 0)
			return r;
		/* "disconnect from ... auth=0/1": failed SASL attempts */
		spoor_sv a;
		if (act[0] == 'd' && sl_kv(s, "auth=", ' ', &a)) {
			const char *slash = memchr(a.p, '/', a.n);
			if (slash) {
				uint64_t ok, tried;
				if (sv_to_u64(sv_make(a.p, (size_t)(slash - a.p)), &ok) &&
				    sv_to_u64(sv_make(slash + 1, (size_t)(a.p + a.n - slash - 1)), &tried) && ok < tried)
					return ecs_set_outcome(ev, 0);
			}
		}
		return 0;
	}
	if (SL_EAT(&s, "hostname ")) {
		/* "hostname H does not resolve to address IP[: reason]" */
		spoor_sv h = sl_word(&s);
		ptrdiff_t a = SL_FIND(s, "address ");
		if (a >= 0) {
			spoor_sv t = sl_skip(s, (size_t)a + 8);
			spoor_sv ip = sl_trim_end(sl_word(&t), ':');
			if ((r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0 || (r = ecs_set(ev, F_SOURCE_DOMAIN, h)) < 0)
				return r;
			return set_action(ev, "reverse_dns_mismatch");
		}
		return 0;
	}
	if (SL_STARTS(s, "lost connection after ") || SL_STARTS(s, "timeout after ") ||
	    SL_STARTS(s, "improper command pipelining after ") || SL_STARTS(s, "too many errors after ")) {
		act = s.p[0] == 'l' ? "lost_connection" : s.p[0] == 't' && s.p[1] == 'i' ? "timeout"
			: s.p[0] == 'i' ? "pipelining" : "too_many_errors";
		ptrdiff_t a = SL_FIND(s, "after ");
		spoor_sv t = sl_skip(s, (size_t)a + 6);
		spoor_sv stage = sl_word(&t);
		if ((r = sl_set(ev, F_POSTFIX_SMTP_STAGE, stage)) < 0)
			return r;
		ptrdiff_t f = SL_FIND(s, " from ");
		if (f >= 0) {
			spoor_sv t2 = sl_skip(s, (size_t)f + 6);
			spoor_sv who = sl_word(&t2);
			if ((r = client(ev, sl_trim_end(who, ':'))) < 0)
				return r;
		}
		if ((r = set_action(ev, act)) < 0)
			return r;
		if (act[0] == 'p' || act[1] == 'o')
			return ecs_set_outcome(ev, 0);
		return 0;
	}
	/* "HOST[IP]: SASL LOGIN authentication failed: ..." */
	{
		ptrdiff_t sasl = SL_FIND(s, ": SASL ");
		if (sasl >= 0 && SL_FIND(s, " authentication failed") >= 0) {
			if ((r = client(ev, sv_make(s.p, (size_t)sasl))) < 0)
				return r;
			spoor_sv t = sl_skip(s, (size_t)sasl + 7);
			spoor_sv method = sl_word(&t);
			if ((r = sl_set(ev, F_POSTFIX_SASL_METHOD, method)) < 0)
				return r;
			spoor_sv v;
			if (sl_kv(t, "sasl_username=", ' ', &v)) {
				if ((r = sl_set(ev, F_POSTFIX_SASL_USERNAME, v)) < 0 || (r = ecs_set_user(ev, v)) < 0)
					return r;
			}
			if ((r = set_action(ev, "sasl_auth")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
				return r;
			return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
		}
	}
	if (SL_STARTS(s, "client=")) {
		if ((r = postfix_kv(ev, s)) < 0)
			return r;
		if (event_find(ev, F_POSTFIX_SASL_USERNAME)) {
			if ((r = set_action(ev, "sasl_auth")) < 0 || (r = ecs_set_outcome(ev, 1)) < 0)
				return r;
			return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
		}
		return set_action(ev, "client");
	}
	if (SL_STARTS(s, "message-id=")) {
		if ((r = postfix_kv(ev, s)) < 0)
			return r;
		return set_action(ev, "message_id");
	}
	if (SL_STARTS(s, "removed") && s.n == 7)
		return set_action(ev, "removed");
	if (SL_STARTS(s, "from=")) {
		if ((r = postfix_kv(ev, s)) < 0)
			return r;
		spoor_sv st;
		if (sl_kv(s, "status=", ',', &st) && sv_eq_cstr(st, "expired"))
			return set_action(ev, "expired");
		return set_action(ev, "queued");
	}
	if (SL_STARTS(s, "to=")) {
		if ((r = postfix_kv(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "delivery")) < 0)
			return r;
		spoor_sv st;
		if (event_get_text(ev, F_POSTFIX_STATUS, &st)) {
			if (sv_eq_cstr(st, "sent") || sv_eq_cstr(st, "delivered"))
				return ecs_set_outcome(ev, 1);
			if (sv_eq_cstr(st, "bounced"))
				return ecs_set_outcome(ev, 0);
		}
		return 0;
	}
	/* anvil "... for (smtp:IP) at ...", dnsblog "addr IP listed by ..." */
	{
		ptrdiff_t f = SL_FIND(s, " for (");
		if (f >= 0 && SL_STARTS(daemon, "anvil")) {
			spoor_sv t = sl_skip(s, (size_t)f + 6);
			t = sl_until(&t, ')');
			const char *c = memchr(t.p, ':', t.n);
			spoor_sv norm;
			if (c && ecs_ip_valid(sl_skip(t, (size_t)(c - t.p) + 1), &norm))
				return ecs_set_ip(ev, F_SOURCE_IP, sl_skip(t, (size_t)(c - t.p) + 1));
			ptrdiff_t lc = SL_RFIND(t, ":");
			if (lc >= 0)
				return ecs_set_ip(ev, F_SOURCE_IP, sl_skip(t, (size_t)lc + 1));
		}
		if (SL_EAT(&s, "addr ")) {
			spoor_sv ip = sl_word(&s);
			return ecs_set_ip(ev, F_SOURCE_IP, ip);
		}
	}
	/* smtp: "host H[IP] said: 450 ... (in reply to RCPT TO command)",
	 * "host H[IP] refused to talk to me: 450 ..." */
	{
		ptrdiff_t said = SL_FIND(s, " said: ");
		size_t skip = 7;
		if (said < 0) {
			said = SL_FIND(s, " refused to talk to me: ");
			skip = 24;
		}
		if (said >= 0) {
			spoor_sv t = sl_skip(s, (size_t)said + skip);
			ptrdiff_t irt = SL_RFIND(t, " (in reply to ");
			if (irt >= 0) {
				spoor_sv st = sl_skip(t, (size_t)irt + 14);
				ptrdiff_t cmd = SL_FIND(st, " command)");
				if (cmd >= 0 && (r = sl_set(ev, F_POSTFIX_SMTP_STAGE, sv_make(st.p, (size_t)cmd))) < 0)
					return r;
				t.n = (size_t)irt;
			}
			if ((r = sl_set(ev, F_POSTFIX_RESPONSE, t)) < 0)
				return r;
		}
	}
	/* smtpd "bare <LF> received after CONNECT from H[IP]" */
	{
		ptrdiff_t a = SL_FIND(s, " after ");
		if (a >= 0 && !event_find(ev, F_POSTFIX_SMTP_STAGE)) {
			spoor_sv t = sl_skip(s, (size_t)a + 7);
			spoor_sv st = sl_word(&t);
			if (SL_STARTS(t, "from ") && (r = sl_set(ev, F_POSTFIX_SMTP_STAGE, st)) < 0)
				return r;
		}
	}
	/* postscreen "... after CONNECT" */
	if (SL_STARTS(daemon, "postscreen")) {
		ptrdiff_t a = SL_RFIND(s, " after ");
		if (a >= 0) {
			spoor_sv t = sl_skip(s, (size_t)a + 7);
			spoor_sv st = sl_trim_end(sl_word(&t), ':');
			if (st.n && (r = sl_set(ev, F_POSTFIX_SMTP_STAGE, st)) < 0)
				return r;
		}
	}
	/* the first "HOST[IP]" or "[IP]:PORT": the peer.  In the SMTP/LMTP
	 * clients that is the relay, elsewhere the client. */
	{
		const char *lb = memchr(s.p, '[', s.n);
		if (lb && !event_find(ev, F_SOURCE_IP) && !event_find(ev, F_DESTINATION_IP)) {
			const char *start = lb;
			while (start > s.p && start[-1] != ' ' && start[-1] != '(')
				start--;
			const char *end = lb;
			while (end < s.p + s.n && *end != ' ' && *end != ',' && *end != ')')
				end++;
			spoor_sv who = sl_trim_end(sv_make(start, (size_t)(end - start)), ':');
			bool out = (daemon.n == 4 && !memcmp(daemon.p, "smtp", 4)) || (daemon.n == 4 && !memcmp(daemon.p, "lmtp", 4));
			if ((r = out ? relay_peer(ev, who) : client(ev, who)) < 0)
				return r;
		}
	}
	return 0;
}

/* Dovecot "key=value, ..." lists: user=<x>, method=PLAIN, rip=1.2.3.4,
 * lip=..., mpid=123, TLS, session=<abc>; and "in=1 out=2 deleted=0 ...". */
static int dovecot_kv(spoor_event *ev, spoor_sv s)
{
	int r;
	size_t i = 0;
	uint64_t in = 0, out = 0;
	bool have_in = false, have_out = false;
	while (i < s.n) {
		size_t k0 = i;
		while (i < s.n && s.p[i] != '=' && s.p[i] != ',' && s.p[i] != ' ')
			i++;
		spoor_sv key = sv_make(s.p + k0, i - k0);
		spoor_sv val = {NULL, 0};
		if (i < s.n && s.p[i] == '=') {
			i++;
			size_t v0 = i;
			if (i < s.n && s.p[i] == '<') {
				const char *gt = memchr(s.p + i, '>', s.n - i);
				i = gt ? (size_t)(gt - s.p) + 1 : s.n;
			} else {
				while (i < s.n && s.p[i] != ',' && s.p[i] != ' ')
					i++;
			}
			val = sv_make(s.p + v0, i - v0);
		}
		while (i < s.n && (s.p[i] == ' ' || s.p[i] == ','))
			i++;
		if (!key.n)
			continue;
		if (!val.p) {
			if (SL_STARTS(key, "TLS") || SL_STARTS(key, "secured")) {
				if ((r = sl_set(ev, F_DOVECOT_TLS, key)) < 0)
					return r;
			}
			continue;
		}
		uint32_t id = 0;
		uint64_t x;
		switch (key.n) {
		case 2:
			if (!memcmp(key.p, "in", 2)) {
				id = F_DOVECOT_IN;
				have_in = sv_to_u64(val, &in);
			}
			break;
		case 3:
			if (!memcmp(key.p, "out", 3)) {
				id = F_DOVECOT_OUT;
				have_out = sv_to_u64(val, &out);
			} else if (!memcmp(key.p, "rip", 3)) {
				if ((r = ecs_set_ip(ev, F_SOURCE_IP, val)) < 0)
					return r;
			} else if (!memcmp(key.p, "lip", 3)) {
				if ((r = ecs_set_ip(ev, F_DESTINATION_IP, val)) < 0)
					return r;
			}
			break;
		case 4:
			if (!memcmp(key.p, "user", 4)) {
				if ((r = ecs_set_user(ev, strip_angle(val))) < 0)
					return r;
			} else if (!memcmp(key.p, "mpid", 4)) {
				/* mail process pid: not the logging process */
			}
			break;
		case 5:
			if (!memcmp(key.p, "rport", 5) && (r = ecs_set_num(ev, F_SOURCE_PORT, val)) < 0)
				return r;
			if (!memcmp(key.p, "lport", 5) && (r = ecs_set_num(ev, F_DESTINATION_PORT, val)) < 0)
				return r;
			break;
		case 6:
			if (!memcmp(key.p, "method", 6))
				id = F_DOVECOT_METHOD;
			break;
		case 7:
			if (!memcmp(key.p, "session", 7)) {
				if ((r = sl_set(ev, F_DOVECOT_SESSION, strip_angle(val))) < 0)
					return r;
			} else if (!memcmp(key.p, "deleted", 7)) {
				id = F_DOVECOT_DELETED;
			} else if (!memcmp(key.p, "trashed", 7)) {
				id = F_DOVECOT_TRASHED;
			}
			break;
		case 8:
			if (!memcmp(key.p, "expunged", 8))
				id = F_DOVECOT_EXPUNGED;
			break;
		case 9:
			if (!memcmp(key.p, "hdr_count", 9))
				id = F_DOVECOT_HDR_COUNT;
			else if (!memcmp(key.p, "hdr_bytes", 9))
				id = F_DOVECOT_HDR_BYTES;
			break;
		case 10:
			if (!memcmp(key.p, "body_count", 10))
				id = F_DOVECOT_BODY_COUNT;
			else if (!memcmp(key.p, "body_bytes", 10))
				id = F_DOVECOT_BODY_BYTES;
			break;
		default:
			break;
		}
		if (id && (r = (sv_to_u64(val, &x) ? event_set(ev, id, SPOOR_VT_NUM, val, 0) : sl_set(ev, id, val))) < 0)
			return r;
	}
	if (have_in && (r = event_set(ev, F_SOURCE_BYTES, SPOOR_VT_NUM, event_find(ev, F_DOVECOT_IN)->val, SPOOR_FF_ECS)) < 0)
		return r;
	if (have_out &&
	    (r = event_set(ev, F_DESTINATION_BYTES, SPOOR_VT_NUM, event_find(ev, F_DOVECOT_OUT)->val, SPOOR_FF_ECS)) < 0)
		return r;
	if (have_in || have_out) {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, in + out);
		if ((r = event_set_copy(ev, F_NETWORK_BYTES, SPOOR_VT_NUM, sv_make(tmp, (size_t)n), SPOOR_FF_ECS)) < 0)
			return r;
	}
	return 0;
}

/* "pam(user,1.2.3.4[,<sess>]): reason" and other passdb/userdb prefixes. */
static int dovecot_auth(spoor_event *ev, spoor_sv s)
{
	int r;
	const char *lp = memchr(s.p, '(', s.n);
	ptrdiff_t close = SL_FIND(s, "): ");
	if (!lp || close < 0 || lp > s.p + close)
		return 0;
	spoor_sv args = sv_make(lp + 1, (size_t)(s.p + close - lp - 1));
	spoor_sv reason = sl_skip(s, (size_t)close + 3);
	spoor_sv user = sl_until(&args, ',');
	if (args.n)
		args = sl_skip(args, 1);
	spoor_sv ip = sl_until(&args, ',');
	if (args.n) {
		args = sl_skip(args, 1);
		if ((r = sl_set(ev, F_DOVECOT_SESSION, strip_angle(args))) < 0)
			return r;
	}
	if (user.n && !(user.n == 1 && user.p[0] == '?') && (r = ecs_set_user(ev, user)) < 0)
		return r;
	if (ip.n && (r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
		return r;
	if ((r = sl_set(ev, F_DOVECOT_REASON, reason)) < 0)
		return r;
	if (SL_FIND(reason, "unknown user") >= 0 || SL_FIND(reason, "ismatch") >= 0 || SL_FIND(reason, "failed") >= 0 ||
	    SL_FIND(reason, "Authentication failure") >= 0 || SL_FIND(reason, "User not known") >= 0 ||
	    SL_FIND(reason, "invalid") >= 0) {
		if ((r = set_action(ev, "auth")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
		return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
	}
	return 0;
}

int syslog_dovecot(spoor_event *ev, spoor_sv prog, spoor_sv msg)
{
	int r;
	spoor_sv s = msg;
	spoor_sv svc = prog, args = {NULL, 0};
	bool named = prog.n == 7 && !memcmp(prog.p, "dovecot", 7);
	if (named)
		SL_EAT(&s, "dovecot: ");
	/* "imap(user)<pid><session>: " or "auth-worker(123): " */
	if (named || !s.n || s.p[0] == '(' || s.p[0] == '<') {
		size_t i = 0;
		if (named) {
			while (i < s.n && s.p[i] != ':' && s.p[i] != '(' && s.p[i] != '<' && s.p[i] != ' ')
				i++;
			svc = sv_make(s.p, i);
		}
		if (i < s.n && s.p[i] == '(') {
			const char *rp = memchr(s.p + i, ')', s.n - i);
			if (rp) {
				args = sv_make(s.p + i + 1, (size_t)(rp - s.p) - i - 1);
				i = (size_t)(rp - s.p) + 1;
			}
		}
		while (i < s.n && s.p[i] == '<') {
			const char *gt = memchr(s.p + i, '>', s.n - i);
			if (!gt)
				break;
			spoor_sv v = sv_make(s.p + i + 1, (size_t)(gt - s.p) - i - 1);
			/* <pid><session>: the last one is the session */
			if (v.n && !sl_is_digits(v) && (r = sl_set(ev, F_DOVECOT_SESSION, v)) < 0)
				return r;
			i = (size_t)(gt - s.p) + 1;
		}
		if (i < s.n && s.p[i] == ':')
			i++;
		else if (named)
			return 0;
		s = sl_skip(s, i);
		while (s.n && s.p[0] == ' ')
			s = sl_skip(s, 1);
	}
	if ((r = sl_set(ev, F_DOVECOT_SERVICE, svc)) < 0)
		return r;
	(void)(SL_EAT(&s, "Info: ") || SL_EAT(&s, "Error: ") || SL_EAT(&s, "Warning: "));
	bool auth_svc = SL_STARTS(svc, "auth") || SL_STARTS(svc, "dovecot-auth");
	if (args.n && !auth_svc && !sl_is_digits(args) && (r = ecs_set_user(ev, args)) < 0)
		return r;
	if (auth_svc && args.n && memchr(args.p, ',', args.n)) {
		/* 2.3 "auth(user,ip,sasl:login)<session>: Info: sql: Password mismatch" */
		spoor_sv a = args;
		spoor_sv user = sl_until(&a, ',');
		a = sl_skip(a, 1);
		spoor_sv ip = sl_until(&a, ',');
		if ((r = ecs_set_user(ev, user)) < 0 || (r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
			return r;
		if ((r = sl_set(ev, F_DOVECOT_REASON, s)) < 0)
			return r;
		if (SL_FIND(s, "mismatch") >= 0 || SL_FIND(s, "unknown user") >= 0 || SL_FIND(s, "failed") >= 0) {
			if ((r = set_action(ev, "auth")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
				return r;
			return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
		}
		return 0;
	}
	if (auth_svc && SL_STARTS(s, "pam_unix("))
		return syslog_pam(ev, s);
	if (SL_EAT(&s, "Login: ")) {
		if ((r = dovecot_kv(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "login")) < 0 || (r = ecs_set_outcome(ev, 1)) < 0)
			return r;
		return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
	}
	/* "<why> (<reason>): user=<...>, method=..., rip=..." */
	ptrdiff_t kv = -1;
	{
		static const char *const keys[] = {": user=", ": method=", ": rip="};
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			ptrdiff_t x = sl_find(s, keys[k], strlen(keys[k]));
			if (x >= 0 && (kv < 0 || x < kv))
				kv = x;
		}
	}
	bool login_svc = svc.n > 6 && !memcmp(svc.p + svc.n - 6, "-login", 6);
	if (kv >= 0 || SL_STARTS(s, "Aborted login (") || SL_STARTS(s, "Disconnected (") ||
	    SL_STARTS(s, "Login aborted: ") || (login_svc && SL_STARTS(s, "Disconnected: "))) {
		spoor_sv head = kv >= 0 ? sv_make(s.p, (size_t)kv) : s;
		if (kv >= 0 && (r = dovecot_kv(ev, sl_skip(s, (size_t)kv + 2))) < 0)
			return r;
		bool failed = SL_FIND(head, "auth failed") >= 0 || SL_FIND(head, "password mismatch") >= 0 ||
			      SL_FIND(head, "Authentication failed") >= 0 || SL_FIND(head, "auth_failed") >= 0;
		if (!failed && (SL_FIND(head, "Logged out") >= 0 || SL_FIND(head, " in=") >= 0)) {
			ptrdiff_t in = SL_FIND(s, "in=");
			if (in >= 0 && (r = dovecot_kv(ev, sl_skip(s, (size_t)in))) < 0)
				return r;
			return set_action(ev, "logout");
		}
		const char *lp = memchr(head.p, '(', head.n);
		if (lp) {
			spoor_sv reason = sv_make(lp + 1, (size_t)(head.p + head.n - lp - 1));
			reason = sl_trim_end(reason, ')');
			if ((r = sl_set(ev, F_DOVECOT_REASON, reason)) < 0)
				return r;
		}
		ptrdiff_t at = SL_FIND(head, " attempts");
		if (at > 0) {
			const char *e = head.p + at, *b = e;
			while (b > head.p && b[-1] >= '0' && b[-1] <= '9')
				b--;
			if (b < e && (r = event_set(ev, F_DOVECOT_ATTEMPTS, SPOOR_VT_NUM, sv_make(b, (size_t)(e - b)), 0)) < 0)
				return r;
		}
		if (failed) {
			if ((r = set_action(ev, "login")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
				return r;
			return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
		}
		return set_action(ev, "disconnected");
	}
	/* session end: "Logged out in=.. out=..", "Disconnected: Logged out
	 * ...", "Connection closed (...) in=.. out=..", 1.x "bytes=IN/OUT" */
	if (!login_svc && (SL_STARTS(s, "Logged out") || SL_STARTS(s, "Disconnected") || SL_STARTS(s, "Connection closed") ||
			   SL_STARTS(s, "Server shutting down"))) {
		ptrdiff_t in = SL_FIND(s, " in=");
		if (in < 0 && SL_STARTS(s, "Logged out in="))
			in = 10;
		if (in >= 0 && (r = dovecot_kv(ev, sl_skip(s, (size_t)in + 1))) < 0)
			return r;
		spoor_sv b;
		if (in < 0 && sl_kv(s, "bytes=", ' ', &b)) {
			/* Dovecot 1.x: bytes=IN/OUT */
			const char *sl = memchr(b.p, '/', b.n);
			if (sl) {
				char tmp[64];
				int n = snprintf(tmp, sizeof(tmp), "in=%.*s out=%.*s", (int)MIN((size_t)20, (size_t)(sl - b.p)), b.p,
						 (int)MIN((size_t)20, (size_t)(b.p + b.n - sl - 1)), sl + 1);
				char *c = arena_memdup(&ev->ar, tmp, (size_t)n);
				if (!c)
					return SPOOR_ENOMEM;
				if ((r = dovecot_kv(ev, sv_make(c, (size_t)n))) < 0)
					return r;
			}
		}
		return set_action(ev, "logout");
	}
	/* lmtp/lda "msgid=<id>: saved mail to INBOX" */
	if (SL_EAT(&s, "msgid=")) {
		spoor_sv id = sl_until(&s, ':');
		if ((r = ecs_set(ev, F_EMAIL_MESSAGE_ID, strip_angle(id))) < 0)
			return r;
		if (SL_FIND(s, "saved mail to") >= 0 || SL_FIND(s, "stored mail into") >= 0) {
			if ((r = set_action(ev, "delivery")) < 0)
				return r;
			return ecs_set_outcome(ev, 1);
		}
		return 0;
	}
	if (auth_svc || SL_STARTS(s, "pam(") || SL_STARTS(s, "passwd-file(") || SL_STARTS(s, "sql(") ||
	    SL_STARTS(s, "ldap(") || SL_STARTS(s, "passwd(") || SL_STARTS(s, "shadow(") || SL_STARTS(s, "checkpassword(")) {
		/* "auth-worker(123): Info: pam(user,ip): ..." */
		(void)(SL_EAT(&s, "Info: ") || SL_EAT(&s, "Error: ") || SL_EAT(&s, "Warning: ") || SL_EAT(&s, "Debug: "));
		if (SL_STARTS(s, "conn unix:")) {
			/* "conn unix:auth-worker (pid=1,uid=2): auth-worker<3>: pam(...)" */
			ptrdiff_t x = SL_FIND(s, ">: ");
			if (x >= 0)
				s = sl_skip(s, (size_t)x + 3);
		}
		return dovecot_auth(ev, s);
	}
	return 0;
}

/* Courier: imapd / pop3d (and -ssl, courierpop3login) "LOGIN FAILED,
 * user=U, ip=[::ffff:IP], port=[N]", "LOGIN, ...", "LOGOUT, ... rcvd=N,
 * sent=N"; courieresmtpd "error,relay=::ffff:IP,port=N,from=<a>,to=<b>:
 * 550 ..." and "msg=\"535 Authentication failed.\"". */
int syslog_courier(spoor_event *ev, spoor_sv prog, spoor_sv msg)
{
	int r;
	spoor_sv s = msg, v;
	(void)prog;
	const char *action = NULL;
	int outcome = -1;
	if (SL_EAT(&s, "LOGIN FAILED,")) {
		action = "login";
		outcome = 0;
	} else if (SL_EAT(&s, "LOGIN,")) {
		action = "login";
		outcome = 1;
	} else if (SL_EAT(&s, "LOGOUT,") || SL_EAT(&s, "DISCONNECTED,") || SL_EAT(&s, "TIMEOUT,")) {
		action = "logout";
	} else if (SL_EAT(&s, "error,")) {
		action = SL_FIND(s, "535 ") >= 0 ? "smtp_auth" : "reject";
		outcome = 0;
	} else {
		return 0;
	}
	if ((r = event_set(ev, F_EVENT_ACTION, SPOOR_VT_STR, sv_cstr(action), SPOOR_FF_ECS)) < 0)
		return r;
	if (outcome >= 0 && (r = ecs_set_outcome(ev, outcome)) < 0)
		return r;
	if (sl_kv(s, "user=", ',', &v) && (r = ecs_set_user(ev, v)) < 0)
		return r;
	if (sl_kv(s, "ip=", ',', &v) || sl_kv(s, "relay=", ',', &v)) {
		if (v.n >= 2 && v.p[0] == '[' && v.p[v.n - 1] == ']')
			v = sv_make(v.p + 1, v.n - 2);
		if (v.n > 7 && !memcmp(v.p, "::ffff:", 7) && memchr(v.p + 7, '.', v.n - 7))
			v = sl_skip(v, 7);
		if ((r = ecs_set_ip(ev, F_SOURCE_IP, v)) < 0)
			return r;
	}
	if (sl_kv(s, "port=", ',', &v)) {
		if (v.n >= 2 && v.p[0] == '[' && v.p[v.n - 1] == ']')
			v = sv_make(v.p + 1, v.n - 2);
		size_t n = 0;
		while (n < v.n && v.p[n] >= '0' && v.p[n] <= '9')
			n++;
		if (n && (r = ecs_set_num(ev, F_SOURCE_PORT, sv_make(v.p, n))) < 0)
			return r;
	}
	if (sl_kv(s, "from=", ',', &v) && (r = ecs_set(ev, F_EMAIL_FROM_ADDRESS, strip_angle(v))) < 0)
		return r;
	if (sl_kv(s, "to=", ':', &v) && (r = ecs_set(ev, F_EMAIL_TO_ADDRESS, strip_angle(v))) < 0)
		return r;
	uint64_t in = 0, out = 0;
	bool hi = sl_kv(s, "rcvd=", ',', &v) && sv_to_u64(v, &in);
	if (hi && (r = event_set(ev, F_SOURCE_BYTES, SPOOR_VT_NUM, v, SPOOR_FF_ECS)) < 0)
		return r;
	bool ho = sl_kv(s, "sent=", ',', &v) && sv_to_u64(v, &out);
	if (ho && (r = event_set(ev, F_DESTINATION_BYTES, SPOOR_VT_NUM, v, SPOOR_FF_ECS)) < 0)
		return r;
	if (hi || ho) {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, in + out);
		if ((r = event_set_copy(ev, F_NETWORK_BYTES, SPOOR_VT_NUM, sv_make(tmp, (size_t)n), SPOOR_FF_ECS)) < 0)
			return r;
	}
	if (outcome >= 0 && !strcmp(action, "login"))
		return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
	return 0;
}
