/* syslog-auth — program parsers for the authentication log: sshd, sudo,
 * su, systemd-logind, CRON and PAM modules, plus the token helpers of
 * syslog-int.h.
 *
 * sshd sets event.action:
 *   ssh_login (Accepted/Failed <method>), invalid_user, disconnected,
 *   connection_closed, max_auth_attempts, user_not_allowed,
 *   no_identification, negotiation_failed, root_login_refused,
 *   reverse_mapping_failed, authentication_failure (PAM),
 *   session_opened / session_closed (PAM);
 * event.outcome failure/success where the message says so; ssh.method,
 * ssh.key_type, ssh.key_fingerprint; user.name; source.ip/source.port. */
#include <string.h>

#include "parse/syslog-int.h"

bool sl_kv(spoor_sv s, const char *key, char sep, spoor_sv *out)
{
	size_t kn = strlen(key);
	spoor_sv t = s;
	for (;;) {
		ptrdiff_t at = sl_find(t, key, kn);
		if (at < 0)
			return false;
		const char *p = t.p + at;
		if (p == s.p || p[-1] == ' ' || p[-1] == ',' || p[-1] == ';') {
			spoor_sv v = sv_make(p + kn, (size_t)(s.p + s.n - p) - kn);
			const char *q = v.n ? memchr(v.p, sep, v.n) : NULL;
			if (q)
				v.n = (size_t)(q - v.p);
			while (v.n && (v.p[v.n - 1] == ',' || v.p[v.n - 1] == ';'))
				v.n--;
			*out = v;
			return true;
		}
		t = sl_skip(t, (size_t)at + 1);
	}
}

bool sl_host_ip(spoor_sv s, spoor_sv *host, spoor_sv *ip, spoor_sv *port)
{
	const char *lb = s.n ? memchr(s.p, '[', s.n) : NULL;
	if (!lb)
		return false;
	const char *rb = memchr(lb, ']', (size_t)(s.p + s.n - lb));
	if (!rb)
		return false;
	*host = sv_make(s.p, (size_t)(lb - s.p));
	*ip = sv_make(lb + 1, (size_t)(rb - lb - 1));
	*port = sv_make(rb, 0);
	if ((size_t)(rb - s.p) + 2 < s.n + 1 && rb + 1 < s.p + s.n && rb[1] == ':') {
		const char *p = rb + 2, *e = s.p + s.n;
		size_t n = 0;
		while (p + n < e && p[n] >= '0' && p[n] <= '9')
			n++;
		*port = sv_make(p, n);
	}
	return true;
}

static int set_action(spoor_event *ev, const char *a)
{
	return event_set(ev, F_EVENT_ACTION, SPOOR_VT_STR, sv_cstr(a), SPOOR_FF_ECS);
}

static int set_cat_auth(spoor_event *ev)
{
	return event_set(ev, F_EVENT_CATEGORY, SPOOR_VT_STR, SPOOR_SV("authentication"), SPOOR_FF_ECS);
}

/* A host name as sshd prints it with UseDNS: letters, digits, '-', '.'. */
static bool is_hostname(spoor_sv s)
{
	if (!s.n || s.n > 253 || s.p[0] == '.' || s.p[0] == '-')
		return false;
	bool dot = false, alpha = false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '.')
			dot = true;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (!((c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return dot && alpha;
}

/* source.ip from an address ("::ffff:1.2.3.4" made plain IPv4), else
 * source.domain from a host name.  True when one was set. */
static int addr(spoor_event *ev, spoor_sv ip, bool *set)
{
	int r;
	spoor_sv norm;
	if (ip.n > 7 && !memcmp(ip.p, "::ffff:", 7) && memchr(ip.p + 7, '.', ip.n - 7))
		ip = sl_skip(ip, 7);
	if (ecs_ip_valid(ip, &norm)) {
		if ((r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
			return r;
		if (set)
			*set = true;
		return 0;
	}
	if (is_hostname(ip)) {
		if ((r = ecs_set(ev, F_SOURCE_DOMAIN, ip)) < 0)
			return r;
		if (set)
			*set = true;
	}
	return 0;
}

/* "IP port N..." or "IP" at s: sets source.ip and source.port. */
static int ip_port(spoor_event *ev, spoor_sv s)
{
	spoor_sv ip = sl_word(&s);
	ip = sl_trim_end(ip, ':');
	ip = sl_trim_end(ip, ',');
	int r = addr(ev, ip, NULL);
	if (r < 0)
		return r;
	if (SL_EAT(&s, "port ")) {
		spoor_sv port = sl_word(&s);
		size_t n = 0;
		while (n < port.n && port.p[n] >= '0' && port.p[n] <= '9')
			n++;
		if (n && (r = ecs_set_num(ev, F_SOURCE_PORT, sv_make(port.p, n))) < 0)
			return r;
	}
	return 0;
}

/* "USER from IP port N ssh2..." : the user may contain spaces, so the last
 * " from " splits.  Returns what follows the address. */
static int user_from(spoor_event *ev, spoor_sv s)
{
	ptrdiff_t at = SL_RFIND(s, " from ");
	int r;
	if (at < 0) {
		/* "for USER" with no address ("Failed password for root"). */
		return ecs_set_user(ev, s);
	}
	if ((r = ecs_set_user(ev, sv_make(s.p, (size_t)at))) < 0)
		return r;
	return ip_port(ev, sl_skip(s, (size_t)at + 6));
}

/* "[invalid |authenticating ]user USER IP port N" or "IP port N". */
static int user_ip(spoor_event *ev, spoor_sv s, bool *invalid)
{
	int r;
	bool inv = SL_EAT(&s, "invalid user ") || SL_EAT(&s, "illegal user ");
	if (invalid)
		*invalid = inv;
	if (inv || SL_EAT(&s, "authenticating user ") || SL_EAT(&s, "user ")) {
		/* The address is the word before " port " (or the last word). */
		ptrdiff_t at = SL_RFIND(s, " port ");
		spoor_sv head = at >= 0 ? sv_make(s.p, (size_t)at) : s;
		ptrdiff_t sp = SL_RFIND(head, " ");
		if (sp < 0)
			return ip_port(ev, s);
		if ((r = ecs_set_user(ev, sv_make(s.p, (size_t)sp))) < 0)
			return r;
		return ip_port(ev, sl_skip(s, (size_t)sp + 1));
	}
	return ip_port(ev, s);
}

/* When nothing specific matched: "from IP", "rhost=IP", "[IP]". */
static int fallback_ip(spoor_event *ev, spoor_sv msg)
{
	if (event_find(ev, F_SOURCE_IP))
		return 0;
	spoor_sv v;
	ptrdiff_t at = SL_RFIND(msg, " from ");
	if (at >= 0)
		return ip_port(ev, sl_skip(msg, (size_t)at + 6));
	if (sl_kv(msg, "rhost=", ' ', &v))
		return ecs_set_ip(ev, F_SOURCE_IP, v);
	return 0;
}

int syslog_pam(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv v;
	/* pam_unix(sshd:auth): ... */
	ptrdiff_t cp = SL_FIND(msg, "): ");
	if (cp < 0)
		return 0;
	spoor_sv s = sl_skip(msg, (size_t)cp + 3);
	while (s.n && s.p[0] == ' ')
		s = sl_skip(s, 1);
	if (SL_STARTS(s, "authentication failure") || SL_STARTS(s, "auth could not identify password")) {
		if ((r = set_action(ev, "authentication_failure")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0 ||
		    (r = set_cat_auth(ev)) < 0)
			return r;
		if (sl_kv(s, "rhost=", ' ', &v) && (r = ecs_set_ip(ev, F_SOURCE_IP, v)) < 0)
			return r;
		if (sl_kv(s, "user=", ' ', &v) && (r = ecs_set_user(ev, v)) < 0)
			return r;
		return 0;
	}
	bool opened = SL_STARTS(s, "session opened");
	if (SL_EAT(&s, "session opened for user ") || SL_EAT(&s, "session closed for user ")) {
		size_t n = 0;
		while (n < s.n && s.p[n] != ' ' && s.p[n] != '(')
			n++;
		if ((r = ecs_set_user(ev, sv_make(s.p, n))) < 0)
			return r;
		return set_action(ev, opened ? "session_opened" : "session_closed");
	}
	return 0;
}

int syslog_sshd(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv s = msg;
	/* strip " [preauth]" */
	if (s.n > 10 && !memcmp(s.p + s.n - 10, " [preauth]", 10))
		s.n -= 10;
	(void)(SL_EAT(&s, "error: ") || SL_EAT(&s, "fatal: "));
	bool ok = SL_STARTS(s, "Accepted ");
	if (SL_EAT(&s, "Accepted ") || SL_EAT(&s, "Failed ")) {
		spoor_sv method = sl_word(&s);
		if ((r = sl_set(ev, F_SSH_METHOD, method)) < 0)
			return r;
		if (!SL_EAT(&s, "for "))
			return 0;
		(void)(SL_EAT(&s, "invalid user ") || SL_EAT(&s, "illegal user "));
		/* "USER from IP port N ssh2[: KEYTYPE FP]": the first " from "
		 * followed by an address and " port " is sshd's (what follows
		 * can be injected through the user name or ruser). */
		spoor_sv t = s;
		ptrdiff_t at = -1;
		for (;;) {
			ptrdiff_t f = SL_FIND(t, " from ");
			if (f < 0)
				break;
			spoor_sv rest = sl_skip(t, (size_t)f + 6);
			spoor_sv w = sl_word(&rest), norm;
			if (SL_EAT(&rest, "port "))
				sl_word(&rest);
			if (SL_STARTS(rest, "ssh"))
				sl_until(&rest, ':');
			if ((!rest.n || rest.p[0] == ':') && (ecs_ip_valid(w, &norm) || is_hostname(w))) {
				at = (t.p - s.p) + f;
				break;
			}
			t = sl_skip(t, (size_t)f + 6);
		}
		if ((r = set_action(ev, "ssh_login")) < 0 || (r = ecs_set_outcome(ev, ok)) < 0 || (r = set_cat_auth(ev)) < 0)
			return r;
		if (at < 0)
			return user_from(ev, s);
		if ((r = ecs_set_user(ev, sv_make(s.p, (size_t)at))) < 0)
			return r;
		spoor_sv rest = sl_skip(s, (size_t)at + 6);
		if ((r = ip_port(ev, rest)) < 0)
			return r;
		sl_word(&rest);
		if (SL_EAT(&rest, "port "))
			sl_word(&rest);
		if (SL_STARTS(rest, "ssh")) {
			spoor_sv proto = sl_until(&rest, ':');
			(void)proto;
			if (SL_EAT(&rest, ": ")) {
				spoor_sv kt = sl_word(&rest);
				if ((r = sl_set(ev, F_SSH_KEY_TYPE, kt)) < 0 || (r = sl_set(ev, F_SSH_KEY_FINGERPRINT, rest)) < 0)
					return r;
			}
		}
		return 0;
	}
	if (SL_EAT(&s, "Invalid user ") || SL_EAT(&s, "Illegal user ") || SL_EAT(&s, "input_userauth_request: invalid user ")) {
		if ((r = user_from(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "invalid_user")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0 || (r = set_cat_auth(ev)) < 0)
			return r;
		return 0;
	}
	if (SL_EAT(&s, "Disconnected from ") || SL_EAT(&s, "Disconnecting ")) {
		bool invalid = false;
		if ((r = user_ip(ev, s, &invalid)) < 0)
			return r;
		if (SL_FIND(s, "Too many authentication failures") >= 0) {
			if ((r = set_action(ev, "max_auth_attempts")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
				return r;
			return fallback_ip(ev, s);
		}
		return set_action(ev, "disconnected");
	}
	if (SL_EAT(&s, "Connection closed by ") || SL_EAT(&s, "Connection reset by ")) {
		if ((r = user_ip(ev, s, NULL)) < 0)
			return r;
		return set_action(ev, "connection_closed");
	}
	if (SL_EAT(&s, "Received disconnect from ")) {
		if ((r = ip_port(ev, s)) < 0)
			return r;
		return set_action(ev, "disconnected");
	}
	if (SL_EAT(&s, "maximum authentication attempts exceeded for ")) {
		SL_EAT(&s, "invalid user ");
		ptrdiff_t k = SL_RFIND(s, " ssh2");
		if (k >= 0)
			s.n = (size_t)k;
		if ((r = user_from(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "max_auth_attempts")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0 ||
		    (r = set_cat_auth(ev)) < 0)
			return r;
		return 0;
	}
	if (SL_EAT(&s, "User ")) {
		ptrdiff_t at = SL_FIND(s, " not allowed because ");
		if (at >= 0) {
			if ((r = user_from(ev, sv_make(s.p, (size_t)at))) < 0)
				return r;
			if ((r = set_action(ev, "user_not_allowed")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0 ||
			    (r = set_cat_auth(ev)) < 0)
				return r;
		}
		return fallback_ip(ev, s);
	}
	if (SL_STARTS(s, "pam_") || SL_STARTS(s, "PAM: ") || SL_STARTS(s, "PAM ")) {
		if (SL_STARTS(s, "pam_"))
			return syslog_pam(ev, s);
		spoor_sv v;
		if (SL_FIND(s, "uthentication failure") >= 0 || SL_FIND(s, "uthentication error") >= 0 ||
		    SL_FIND(s, "User not known") >= 0) {
			if ((r = set_action(ev, "authentication_failure")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0 ||
			    (r = set_cat_auth(ev)) < 0)
				return r;
		}
		if (sl_kv(s, "user=", ' ', &v) && (r = ecs_set_user(ev, v)) < 0)
			return r;
		if (sl_kv(s, "rhost=", ' ', &v))
			return ecs_set_ip(ev, F_SOURCE_IP, v);
		ptrdiff_t f = SL_FIND(s, " for ");
		if (f >= 0) {
			spoor_sv t = sl_skip(s, (size_t)f + 5);
			SL_EAT(&t, "illegal user ");
			SL_EAT(&t, "invalid user ");
			return user_from(ev, t);
		}
		return fallback_ip(ev, s);
	}
	if (SL_EAT(&s, "refused connect from ")) {
		/* tcp wrappers: "refused connect from NAME (IP)" */
		const char *lp = memchr(s.p, '(', s.n);
		spoor_sv ip = s;
		if (lp) {
			ip = sl_skip(s, (size_t)(lp - s.p) + 1);
			ip = sl_until(&ip, ')');
		} else {
			ip = sl_word(&ip);
		}
		if ((r = addr(ev, ip, NULL)) < 0)
			return r;
		if ((r = set_action(ev, "connection_refused")) < 0)
			return r;
		return ecs_set_outcome(ev, 0);
	}
	if (SL_EAT(&s, "Timeout before authentication for ")) {
		if ((r = ip_port(ev, s)) < 0)
			return r;
		return set_action(ev, "auth_timeout");
	}
	if (SL_EAT(&s, "Did not receive identification string from ")) {
		if ((r = ip_port(ev, s)) < 0)
			return r;
		return set_action(ev, "no_identification");
	}
	if (SL_EAT(&s, "Unable to negotiate with ")) {
		if ((r = ip_port(ev, s)) < 0)
			return r;
		return set_action(ev, "negotiation_failed");
	}
	if (SL_EAT(&s, "ROOT LOGIN REFUSED FROM ")) {
		if ((r = ecs_set_user(ev, SPOOR_SV("root"))) < 0 || (r = ip_port(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "root_login_refused")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
		return 0;
	}
	if (SL_EAT(&s, "reverse mapping checking getaddrinfo for ") || SL_EAT(&s, "Address ")) {
		const char *lb = memchr(s.p, '[', s.n);
		if (lb) {
			spoor_sv t = sl_skip(s, (size_t)(lb - s.p) + 1);
			spoor_sv ip = sl_until(&t, ']');
			if ((r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
				return r;
			return set_action(ev, "reverse_mapping_failed");
		}
		return ip_port(ev, s);
	}
	return fallback_ip(ev, s);
}

int syslog_sudo(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv s = msg, v;
	if (SL_STARTS(s, "pam_"))
		return syslog_pam(ev, s);
	while (s.n && s.p[0] == ' ')
		s = sl_skip(s, 1);
	ptrdiff_t c = SL_FIND(s, " : ");
	if (c < 0)
		return 0;
	if ((r = ecs_set_user(ev, sv_make(s.p, (size_t)c))) < 0)
		return r;
	spoor_sv rest = sl_skip(s, (size_t)c + 3);
	if (sl_kv(rest, "TTY=", ' ', &v) && (r = sl_set(ev, F_SUDO_TTY, v)) < 0)
		return r;
	if (sl_kv(rest, "PWD=", ' ', &v) && (r = sl_set(ev, F_SUDO_PWD, v)) < 0)
		return r;
	if (sl_kv(rest, "USER=", ' ', &v) && (r = ecs_set(ev, F_USER_TARGET_NAME, v)) < 0)
		return r;
	ptrdiff_t cmd = SL_FIND(rest, "COMMAND=");
	if (cmd >= 0 && (r = ecs_set(ev, F_PROCESS_COMMAND_LINE, sl_skip(rest, (size_t)cmd + 8))) < 0)
		return r;
	bool fail = SL_FIND(rest, "incorrect password") >= 0 || SL_STARTS(rest, "user NOT") ||
		    SL_FIND(rest, "command not allowed") >= 0 || SL_FIND(rest, "a password is required") >= 0;
	if ((r = set_action(ev, fail ? "sudo_denied" : "sudo_command")) < 0)
		return r;
	return ecs_set_outcome(ev, !fail);
}

int syslog_su(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv s = msg;
	if (SL_STARTS(s, "pam_"))
		return syslog_pam(ev, s);
	bool ok;
	if ((ok = SL_EAT(&s, "Successful su for ")) || SL_EAT(&s, "FAILED su for ") || SL_EAT(&s, "FAILED SU (to ")) {
		spoor_sv target = sl_word(&s);
		target = sl_trim_end(target, ')');
		if (SL_EAT(&s, "by "))
			s = sl_until(&s, ' ');
		else
			s = sl_until(&s, ' ');
		if ((r = ecs_set(ev, F_USER_TARGET_NAME, target)) < 0 || (r = ecs_set_user(ev, s)) < 0)
			return r;
		if ((r = set_action(ev, "su")) < 0)
			return r;
		return ecs_set_outcome(ev, ok);
	}
	if (SL_EAT(&s, "(to ")) {
		spoor_sv target = sl_until(&s, ')');
		s = sl_skip(s, 2);
		spoor_sv user = sl_word(&s);
		if ((r = ecs_set(ev, F_USER_TARGET_NAME, target)) < 0 || (r = ecs_set_user(ev, user)) < 0)
			return r;
		if ((r = set_action(ev, "su")) < 0)
			return r;
		return ecs_set_outcome(ev, 1);
	}
	return 0;
}

int syslog_logind(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv s = msg;
	if (SL_EAT(&s, "New session ")) {
		spoor_sv id = sl_word(&s);
		if (SL_EAT(&s, "of user ")) {
			spoor_sv u = sl_trim_end(s, '.');
			if ((r = ecs_set_user(ev, u)) < 0)
				return r;
		}
		if ((r = sl_set(ev, F_LOGIND_SESSION, id)) < 0)
			return r;
		return set_action(ev, "session_new");
	}
	if (SL_EAT(&s, "Removed session ")) {
		if ((r = sl_set(ev, F_LOGIND_SESSION, sl_trim_end(s, '.'))) < 0)
			return r;
		return set_action(ev, "session_removed");
	}
	if (SL_EAT(&s, "Session ")) {
		spoor_sv id = sl_word(&s);
		if (SL_STARTS(s, "logged out")) {
			if ((r = sl_set(ev, F_LOGIND_SESSION, id)) < 0)
				return r;
			return set_action(ev, "session_logged_out");
		}
	}
	return 0;
}

int syslog_cron(spoor_event *ev, spoor_sv msg)
{
	int r;
	spoor_sv s = msg;
	if (SL_STARTS(s, "pam_"))
		return syslog_pam(ev, s);
	if (SL_EAT(&s, "(")) {
		spoor_sv user = sl_until(&s, ')');
		s = sl_skip(s, 1);
		while (s.n && s.p[0] == ' ')
			s = sl_skip(s, 1);
		if ((r = ecs_set_user(ev, user)) < 0)
			return r;
		if (SL_EAT(&s, "CMD (")) {
			s = sl_trim_end(s, ')');
			if ((r = ecs_set(ev, F_PROCESS_COMMAND_LINE, s)) < 0)
				return r;
			return set_action(ev, "cron_command");
		}
	}
	return 0;
}
