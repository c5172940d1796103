/* parse-syslog — syslog text: RFC 3164 (BSD), RFC 5424, and RFC 6587
 * octet-counted frames written one per line; then the program parsers.
 *
 * Header forms accepted, each with an optional "<PRI>" and an optional
 * RFC 6587 "LEN " prefix:
 *   Mmm dd hh:mm:ss[.frac] [YYYY ]host tag[pid]: message     (RFC 3164)
 *   Mmm dd YYYY hh:mm:ss host tag: message                   (Cisco-ish)
 *   YYYY-MM-DDThh:mm:ss[.frac][zone] host tag[pid]: message  (rsyslog)
 *   <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] message   (RFC 5424)
 * A year-less timestamp takes ctx->year, else the year of the file's
 * modification time, one year less when that would put it more than a day
 * after the file was last written (a Dec line in a file modified in Jan).
 * With an explicit year, a month that goes back by more than six (Dec ->
 * Jan) moves to the next year.
 *
 * Fields: host, program, pid, message, facility, severity, msgid,
 * sd.<id>.<param>, and ECS host.name, process.name, process.pid.  The
 * program parsers (syslog-auth.c, syslog-mail.c) add the rest.
 *
 * Sigma logsource: product "linux"; service "sshd", "sudo", "su", "cron",
 * "systemd-logind", "postfix", "dovecot", "courier" for those programs, "syslog"
 * otherwise. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/syslog-int.h"

enum { SD_CACHE = 64 };

typedef struct sd_slot {
	uint64_t h;
	uint32_t id;
} sd_slot;

typedef struct syslog_state {
	int year;        /* year for year-less stamps */
	bool from_mtime; /* roll back a year past the file's mtime */
	int64_t mtime_local;
	int last_mon;
	sd_slot sd[SD_CACHE];
} syslog_state;

static const char *const facility_names[24] = {
	"kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
	"uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};
static const char *const severity_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int month_of(const char *p)
{
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++) {
		if (p[0] == mons[i * 3] && p[1] == mons[i * 3 + 1] && p[2] == mons[i * 3 + 2])
			return i + 1;
	}
	return 0;
}

static inline bool dig(char c)
{
	return c >= '0' && c <= '9';
}

static int year_of_utc(int64_t secs)
{
	int64_t y;
	unsigned m, d;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	civil_from_days(days, &y, &m, &d);
	return (int)y;
}

static int syslog_open(void *state, const parse_env *env)
{
	syslog_state *st = state;
	memset(st, 0, sizeof(*st));
	if (env->ctx->year > 0) {
		st->year = env->ctx->year;
	} else {
		int64_t m = env->file_mtime ? env->file_mtime : (int64_t)time(NULL);
		st->mtime_local = m + tz_offset_for_utc(&env->ctx->tz, m);
		st->year = year_of_utc(st->mtime_local);
		st->from_mtime = true;
	}
	return 0;
}

static void syslog_close(void *state)
{
	(void)state;
}

/* "Mmm dd [YYYY ]hh:mm:ss[.frac][ YYYY]" at s; on success *used is its length. */
static bool parse_bsd_time(syslog_state *st, const parse_env *env, spoor_sv s, size_t *used, int64_t *ns)
{
	if (s.n < 15 || s.p[3] != ' ')
		return false;
	int mon = month_of(s.p);
	if (!mon)
		return false;
	size_t i = 4;
	if (s.p[i] == ' ')
		i++;
	unsigned day = 0;
	size_t d0 = i;
	while (i < s.n && dig(s.p[i]) && i - d0 < 2)
		day = day * 10 + (unsigned)(s.p[i++] - '0');
	if (i == d0 || day < 1 || day > 31 || i >= s.n || s.p[i] != ' ')
		return false;
	i++;
	int year = 0;
	if (i + 5 <= s.n && dig(s.p[i]) && dig(s.p[i + 1]) && dig(s.p[i + 2]) && dig(s.p[i + 3]) && s.p[i + 4] == ' ') {
		year = (s.p[i] - '0') * 1000 + (s.p[i + 1] - '0') * 100 + (s.p[i + 2] - '0') * 10 + (s.p[i + 3] - '0');
		i += 5;
	}
	if (i + 8 > s.n || !dig(s.p[i]) || !dig(s.p[i + 1]) || s.p[i + 2] != ':' || !dig(s.p[i + 3]) ||
	    !dig(s.p[i + 4]) || s.p[i + 5] != ':' || !dig(s.p[i + 6]) || !dig(s.p[i + 7]))
		return false;
	int hh = (s.p[i] - '0') * 10 + (s.p[i + 1] - '0');
	int mi = (s.p[i + 3] - '0') * 10 + (s.p[i + 4] - '0');
	int ss = (s.p[i + 6] - '0') * 10 + (s.p[i + 7] - '0');
	if (hh > 23 || mi > 59 || ss > 60)
		return false;
	i += 8;
	int64_t frac = 0;
	if (i < s.n && (s.p[i] == '.' || s.p[i] == ',') && i + 1 < s.n && dig(s.p[i + 1])) {
		i++;
		int64_t scale = 100000000;
		while (i < s.n && dig(s.p[i])) {
			frac += (s.p[i] - '0') * scale;
			scale /= 10;
			i++;
		}
	}
	if (!year && i + 5 <= s.n && s.p[i] == ' ' && dig(s.p[i + 1]) && dig(s.p[i + 2]) && dig(s.p[i + 3]) &&
	    dig(s.p[i + 4]) && (i + 5 == s.n || s.p[i + 5] == ' ')) {
		year = (s.p[i + 1] - '0') * 1000 + (s.p[i + 2] - '0') * 100 + (s.p[i + 3] - '0') * 10 + (s.p[i + 4] - '0');
		i += 5;
	}
	int64_t tod = (int64_t)hh * 3600 + mi * 60 + ss;
	int64_t local;
	/* nanoseconds since 1970 fit in int64 for years 1678..2261 */
	if ((year && (year < 1678 || year > 2261)) || (!year && (st->year < 1679 || st->year > 2261)))
		return false;
	if (year) {
		local = days_from_civil(year, (unsigned)mon, day) * 86400 + tod;
	} else {
		if (!st->from_mtime) {
			if (st->last_mon && mon + 6 < st->last_mon)
				st->year++;
			st->last_mon = mon;
		}
		local = days_from_civil(st->year, (unsigned)mon, day) * 86400 + tod;
		if (st->from_mtime && local > st->mtime_local + 86400)
			local = days_from_civil(st->year - 1, (unsigned)mon, day) * 86400 + tod;
	}
	*ns = (local - tz_offset_for_local(&env->ctx->tz, local)) * 1000000000 + frac;
	*used = i;
	return true;
}

/* An ISO timestamp word ("2023-11-14T00:20:42.738197+01:00") at s. */
static bool parse_iso_word(const parse_env *env, spoor_sv s, size_t *used, int64_t *ns)
{
	if (s.n < 19 || !dig(s.p[0]) || !dig(s.p[3]) || s.p[4] != '-' || s.p[7] != '-')
		return false;
	const char *sp = memchr(s.p, ' ', s.n);
	/* "YYYY-MM-DD hh:mm:ss[.frac]" */
	if (sp == s.p + 10 && s.n >= 19 && dig(s.p[11]) && s.p[13] == ':')
		sp = memchr(s.p + 11, ' ', s.n - 11);
	size_t n = sp ? (size_t)(sp - s.p) : s.n;
	if (!time_parse_iso(sv_make(s.p, n), &env->ctx->tz, ns))
		return false;
	*used = n;
	return true;
}

static int hexval(char c)
{
	return dig(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* daemontools/multilog TAI64N label "@4000000050a1b2c3xxxxxxxx". */
static bool parse_tai64n(spoor_sv s, size_t *used, int64_t *ns)
{
	if (s.n < 25 || s.p[0] != '@' || (s.n > 25 && s.p[25] != ' '))
		return false;
	uint64_t sec = 0, nano = 0;
	for (int i = 1; i <= 24; i++) {
		int h = hexval(s.p[i]);
		if (h < 0)
			return false;
		if (i <= 16)
			sec = sec << 4 | (uint64_t)h;
		else
			nano = nano << 4 | (uint64_t)h;
	}
	/* seconds past 2^62 that fit in int64 nanoseconds (up to the year 2262) */
	if (sec < (1ull << 62) || sec - (1ull << 62) > (uint64_t)(INT64_MAX - 999999999) / 1000000000u ||
	    nano > 999999999)
		return false;
	/* The label is read as UTC seconds + 2^62, as fail2ban and most
	 * readers do (no TAI-UTC offset, no leap seconds). */
	*ns = (int64_t)(sec - (1ull << 62)) * 1000000000 + (int64_t)nano;
	*used = 25;
	return true;
}

static uint32_t sd_id(syslog_state *st, const parse_env *env, spoor_sv sdid, spoor_sv param)
{
	uint64_t h = hash_bytes(sdid.p, sdid.n, 0x5d);
	h = hash_bytes(param.p, param.n, h);
	sd_slot *slot = &st->sd[h % SD_CACHE];
	if (slot->id && slot->h == h)
		return slot->id;
	char name[256];
	if (sdid.n + param.n + 4 > sizeof(name))
		return 0;
	memcpy(name, "sd.", 3);
	memcpy(name + 3, sdid.p, sdid.n);
	name[3 + sdid.n] = '.';
	memcpy(name + 4 + sdid.n, param.p, param.n);
	uint32_t id = field_intern(&env->ctx->ft, name, sdid.n + param.n + 4);
	if (id) {
		slot->h = h;
		slot->id = id;
	}
	return id;
}

/* RFC 5424 STRUCTURED-DATA at *s ("-" or "[id p="v" ...]..."). */
static int parse_sd(syslog_state *st, const parse_env *env, spoor_event *ev, spoor_sv *s)
{
	if (SL_EAT(s, "-"))
		return 0;
	while (s->n && s->p[0] == '[') {
		*s = sl_skip(*s, 1);
		size_t i = 0;
		while (i < s->n && s->p[i] != ' ' && s->p[i] != ']')
			i++;
		spoor_sv sdid = sv_make(s->p, i);
		*s = sl_skip(*s, i);
		for (;;) {
			while (s->n && s->p[0] == ' ')
				*s = sl_skip(*s, 1);
			if (!s->n)
				return diag_set(env->diag, SPOOR_EPARSE, "RFC 5424: unterminated structured data");
			if (s->p[0] == ']') {
				*s = sl_skip(*s, 1);
				break;
			}
			const char *eq = memchr(s->p, '=', s->n);
			if (!eq || (size_t)(eq - s->p) + 1 >= s->n || eq[1] != '"')
				return diag_set(env->diag, SPOOR_EPARSE, "RFC 5424: bad structured data parameter");
			spoor_sv param = sv_make(s->p, (size_t)(eq - s->p));
			*s = sl_skip(*s, param.n + 2);
			size_t j = 0;
			bool esc = false;
			while (j < s->n && s->p[j] != '"') {
				if (s->p[j] == '\\' && j + 1 < s->n) {
					esc = true;
					j++;
				}
				j++;
			}
			if (j >= s->n)
				return diag_set(env->diag, SPOOR_EPARSE, "RFC 5424: unterminated parameter value");
			spoor_sv val = sv_make(s->p, j);
			*s = sl_skip(*s, j + 1);
			if (esc) {
				char *c = arena_alloc(&ev->ar, val.n);
				if (!c)
					return SPOOR_ENOMEM;
				size_t k = 0;
				for (size_t m = 0; m < val.n; m++) {
					if (val.p[m] == '\\' && m + 1 < val.n &&
					    (val.p[m + 1] == '"' || val.p[m + 1] == '\\' || val.p[m + 1] == ']'))
						m++;
					c[k++] = val.p[m];
				}
				val = sv_make(c, k);
			}
			uint32_t id = sd_id(st, env, sdid, param);
			if (id) {
				int r = event_add(ev, id, SPOOR_VT_STR, val, sl_hi(val));
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* The header fields are the event's first: added, not looked up.  host
 * and program are single words, never ECS placeholders except "-". */
static int set_header(spoor_event *ev, spoor_sv host, spoor_sv prog, spoor_sv pid)
{
	int r;
	if (host.n && !(host.n == 1 && host.p[0] == '-')) {
		unsigned hi = sl_hi(host);
		if ((r = event_add(ev, F_SL_HOST, SPOOR_VT_STR, host, hi)) < 0 ||
		    (r = event_add(ev, F_HOST_NAME, SPOOR_VT_STR, host, hi | SPOOR_FF_ECS)) < 0)
			return r;
	}
	if (prog.n && !(prog.n == 1 && prog.p[0] == '-')) {
		unsigned hi = sl_hi(prog);
		if ((r = event_add(ev, F_SL_PROGRAM, SPOOR_VT_STR, prog, hi)) < 0 ||
		    (r = event_add(ev, F_PROCESS_NAME, SPOOR_VT_STR, prog, hi | SPOOR_FF_ECS)) < 0)
			return r;
	}
	if (pid.n && sl_is_digits(pid)) {
		if ((r = event_add(ev, F_SL_PID, SPOOR_VT_NUM, pid, 0)) < 0 ||
		    (r = event_add(ev, F_PROCESS_PID, SPOOR_VT_NUM, pid, SPOOR_FF_ECS)) < 0)
			return r;
	}
	return 0;
}

static inline bool sveq(spoor_sv a, const char *lit, size_t n)
{
	return a.n == n && !memcmp(a.p, lit, n);
}
#define SVEQ(a, lit) sveq((a), (lit), sizeof(lit) - 1)

static int dispatch(spoor_event *ev, spoor_sv prog, spoor_sv msg)
{
	ev->ls.product = SPOOR_SV("linux");
	if (!prog.n) {
		ev->ls.service = SPOOR_SV("syslog");
		return 0;
	}
	switch (prog.p[0]) {
	case 's':
		if (SVEQ(prog, "sshd") || SVEQ(prog, "sshd-session") || SVEQ(prog, "sshd-auth")) {
			ev->ls.service = SPOOR_SV("sshd");
			return syslog_sshd(ev, msg);
		}
		if (SVEQ(prog, "sudo")) {
			ev->ls.service = SPOOR_SV("sudo");
			return syslog_sudo(ev, msg);
		}
		if (SVEQ(prog, "su")) {
			ev->ls.service = SPOOR_SV("su");
			return syslog_su(ev, msg);
		}
		if (SVEQ(prog, "systemd-logind")) {
			ev->ls.service = SPOOR_SV("systemd-logind");
			return syslog_logind(ev, msg);
		}
		break;
	case 'C':
	case 'c':
		if (SVEQ(prog, "CRON") || SVEQ(prog, "cron") || SVEQ(prog, "crond")) {
			ev->ls.service = SPOOR_SV("cron");
			return syslog_cron(ev, msg);
		}
		break;
	case 'p':
		if (SL_STARTS(prog, "postfix") && memchr(prog.p, '/', prog.n)) {
			ev->ls.service = SPOOR_SV("postfix");
			return syslog_postfix(ev, prog, msg);
		}
		break;
	case 'd':
		if (SVEQ(prog, "dovecot")) {
			ev->ls.service = SPOOR_SV("dovecot");
			return syslog_dovecot(ev, prog, msg);
		}
		break;
	case 'i':
		if (SVEQ(prog, "imap-login") || SVEQ(prog, "imap")) {
			ev->ls.service = SPOOR_SV("dovecot");
			return syslog_dovecot(ev, prog, msg);
		}
		break;
	default:
		break;
	}
	if (SVEQ(prog, "pop3-login") || SVEQ(prog, "pop3") || SVEQ(prog, "auth") || SVEQ(prog, "auth-worker") ||
	    SVEQ(prog, "managesieve-login") || SVEQ(prog, "lmtp") || SVEQ(prog, "submission-login") ||
	    SVEQ(prog, "dovecot-auth")) {
		ev->ls.service = SPOOR_SV("dovecot");
		return syslog_dovecot(ev, prog, msg);
	}
	if (SVEQ(prog, "exim") || SVEQ(prog, "exim4")) {
		/* "exim[1]: 2021-07-17 23:20:49 ..." repeats the time */
		if (msg.n > 20 && dig(msg.p[0]) && msg.p[4] == '-' && msg.p[10] == ' ' && msg.p[13] == ':' && msg.p[19] == ' ')
			msg = sl_skip(msg, 20);
		return exim_message(ev, msg);
	}
	if (SVEQ(prog, "imapd") || SVEQ(prog, "imapd-ssl") || SVEQ(prog, "pop3d") || SVEQ(prog, "pop3d-ssl") ||
	    SVEQ(prog, "courierpop3login") || SVEQ(prog, "courierimaplogin") || SVEQ(prog, "courieresmtpd")) {
		ev->ls.service = SPOOR_SV("courier");
		return syslog_courier(ev, prog, msg);
	}
	ev->ls.service = SPOOR_SV("syslog");
	if (SL_STARTS(msg, "pam_"))
		return syslog_pam(ev, msg);
	return 0;
}

/* RFC 5424 after "<PRI>1 ". */
static int parse_5424(syslog_state *st, const parse_env *env, spoor_sv s, spoor_event *ev)
{
	int r;
	spoor_sv ts = sl_word(&s);
	if (!(ts.n == 1 && ts.p[0] == '-')) {
		int64_t ns;
		if (!time_parse_iso(ts, &env->ctx->tz, &ns))
			return diag_set(env->diag, SPOOR_EPARSE, "RFC 5424: bad timestamp");
		event_set_time(ev, ns);
	}
	spoor_sv host = sl_word(&s);
	spoor_sv app = sl_word(&s);
	spoor_sv procid = sl_word(&s);
	spoor_sv msgid = sl_word(&s);
	if (!msgid.n)
		return diag_set(env->diag, SPOOR_EPARSE, "RFC 5424: header too short");
	if ((r = set_header(ev, host, app, procid)) < 0)
		return r;
	if (!(msgid.n == 1 && msgid.p[0] == '-') && (r = sl_set(ev, F_SL_MSGID, msgid)) < 0)
		return r;
	if ((r = parse_sd(st, env, ev, &s)) < 0)
		return r;
	if (s.n && s.p[0] == ' ')
		s = sl_skip(s, 1);
	SL_EAT(&s, "\xEF\xBB\xBF");
	if ((r = sl_set(ev, F_MESSAGE, s)) < 0)
		return r;
	if (app.n == 1 && app.p[0] == '-')
		app.n = 0;
	return dispatch(ev, app, s);
}

static int syslog_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	syslog_state *st = state;
	spoor_sv s = line;
	int r;

	/* RFC 6587 octet counting: "LEN <PRI>..." */
	if (s.n > 2 && dig(s.p[0])) {
		size_t i = 0;
		uint64_t len = 0;
		while (i < s.n && i < 9 && dig(s.p[i]))
			len = len * 10 + (uint64_t)(s.p[i++] - '0');
		if (i + 1 < s.n && s.p[i] == ' ' && s.p[i + 1] == '<') {
			s = sl_skip(s, i + 1);
			if (len < s.n)
				s.n = (size_t)len;
		}
	}
	/* <PRI> */
	if (s.n && s.p[0] == '<') {
		size_t i = 1;
		unsigned pri = 0;
		while (i < s.n && i < 4 && dig(s.p[i]))
			pri = pri * 10 + (unsigned)(s.p[i++] - '0');
		if (i == 1 || i >= s.n || s.p[i] != '>' || pri > 191)
			return diag_set(env->diag, SPOOR_EPARSE, "syslog: bad <PRI>");
		s = sl_skip(s, i + 1);
		if ((r = event_add(ev, F_SL_FACILITY, SPOOR_VT_STR, sv_cstr(facility_names[pri / 8]), 0)) < 0 ||
		    (r = event_add(ev, F_SL_SEVERITY, SPOOR_VT_STR, sv_cstr(severity_names[pri % 8]), 0)) < 0)
			return r;
		if (s.n > 2 && dig(s.p[0]) && s.p[0] != '0' && s.p[1] == ' ')
			return parse_5424(st, env, sl_skip(s, 2), ev);
	}

	int64_t ns;
	size_t used = 0;
	if (parse_bsd_time(st, env, s, &used, &ns) || parse_iso_word(env, s, &used, &ns) || parse_tai64n(s, &used, &ns)) {
		event_set_time(ev, ns);
		s = sl_skip(s, used);
		while (s.n && s.p[0] == ' ')
			s = sl_skip(s, 1);
	} else {
		return diag_set(env->diag, SPOOR_EPARSE, "syslog: no timestamp");
	}

	/* host, unless the next word is already the tag */
	spoor_sv host = {s.p, 0};
	{
		spoor_sv t = s;
		spoor_sv w = sl_until(&t, ' ');
		bool is_tag = w.n && (w.p[w.n - 1] == ':' || (w.p[w.n - 1] == ']' && memchr(w.p, '[', w.n)) || w.p[0] == '[');
		if (!is_tag) {
			host = w;
			s = t;
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	/* tag: "prog[pid]:" or "prog:" with no space inside; "[prog]:" */
	spoor_sv prog = {NULL, 0}, pid = {NULL, 0};
	if (s.n > 2 && s.p[0] == '[') {
		const char *rb = memchr(s.p, ']', s.n);
		const char *sp = memchr(s.p, ' ', s.n);
		if (rb && (!sp || rb < sp)) {
			prog = sv_make(s.p + 1, (size_t)(rb - s.p) - 1);
			s = sl_skip(s, (size_t)(rb - s.p) + 1);
			SL_EAT(&s, ":");
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	} else {
		size_t i = 0;
		while (i < s.n && s.p[i] != ' ' && s.p[i] != ':' && s.p[i] != '[' && s.p[i] != '(')
			i++;
		if (i < s.n && i > 0 && s.p[i] == '(') {
			/* "auth-worker(123): ..." (Dovecot): the program is the
			 * name, the message keeps "(args)...: ..." */
			prog = sv_make(s.p, i);
			s = sl_skip(s, i);
		} else if (i < s.n && i > 0 && s.p[i] == '[') {
			const char *rb = memchr(s.p + i, ']', s.n - i);
			if (rb && (size_t)(rb - s.p) + 1 < s.n && rb[1] == ':') {
				prog = sv_make(s.p, i);
				pid = sv_make(s.p + i + 1, (size_t)(rb - s.p) - i - 1);
				s = sl_skip(s, (size_t)(rb - s.p) + 2);
			} else if (rb && (size_t)(rb - s.p) + 1 == s.n) {
				prog = sv_make(s.p, i);
				pid = sv_make(s.p + i + 1, (size_t)(rb - s.p) - i - 1);
				s = sl_skip(s, s.n);
			}
		} else if (i < s.n && i > 0 && s.p[i] == ':') {
			prog = sv_make(s.p, i);
			s = sl_skip(s, i + 1);
		}
		if (prog.n && s.n && s.p[0] == ' ')
			s = sl_skip(s, 1);
	}
	/* Solaris "[ID 800047 auth.info] " */
	if (SL_STARTS(s, "[ID ")) {
		const char *rb = memchr(s.p, ']', s.n);
		if (rb) {
			s = sl_skip(s, (size_t)(rb - s.p) + 1);
			if (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	if ((r = set_header(ev, host, prog, pid)) < 0)
		return r;
	if (s.n && (r = event_add(ev, F_MESSAGE, SPOOR_VT_STR, s, sl_hi(s))) < 0)
		return r;
	/* rsyslog's "message repeated 5 times: [ Failed password ...]": the
	 * program parser sees the repeated message. */
	if (SL_STARTS(s, "message repeated ")) {
		ptrdiff_t b = SL_FIND(s, ": [");
		if (b > 0 && s.p[s.n - 1] == ']') {
			s = sv_make(s.p + b + 3, s.n - (size_t)b - 4);
			while (s.n && s.p[0] == ' ')
				s = sl_skip(s, 1);
		}
	}
	return dispatch(ev, prog, s);
}

/* Does the line at p look like syslog? 0..100 */
static int sniff_line(syslog_state *st, spoor_sv l)
{
	spoor_sv s = l;
	int base = 0;
	if (s.n > 2 && dig(s.p[0])) {
		size_t i = 0;
		while (i < s.n && i < 9 && dig(s.p[i]))
			i++;
		if (i + 1 < s.n && s.p[i] == ' ' && s.p[i + 1] == '<')
			s = sl_skip(s, i + 1);
	}
	if (s.n && s.p[0] == '<') {
		size_t i = 1;
		while (i < s.n && i < 4 && dig(s.p[i]))
			i++;
		if (i == 1 || i >= s.n || s.p[i] != '>')
			return 0;
		s = sl_skip(s, i + 1);
		if (s.n > 2 && dig(s.p[0]) && s.p[1] == ' ')
			return 90;
		base = 30;
	}
	spoor_ctx fake_ctx;
	memset(&fake_ctx, 0, sizeof(fake_ctx));
	parse_env env = {&fake_ctx, NULL, 0, NULL};
	size_t used;
	int64_t ns;
	st->year = 2000;
	if (parse_bsd_time(st, &env, s, &used, &ns)) {
		spoor_sv rest = sl_skip(s, used);
		return rest.n && rest.p[0] == ' ' ? 70 + base / 3 : 0;
	}
	if (parse_iso_word(&env, s, &used, &ns)) {
		/* ISO time, host, then a "tag:" word */
		spoor_sv rest = sl_skip(s, used + 1);
		spoor_sv host = sl_word(&rest);
		spoor_sv tag = sl_word(&rest);
		if (host.n && tag.n && tag.p[tag.n - 1] == ':')
			return 60 + base / 3;
	}
	return 0;
}

static int syslog_sniff(spoor_sv head)
{
	syslog_state st;
	memset(&st, 0, sizeof(st));
	/* The first non-empty line that is not a comment decides. */
	spoor_sv s = head;
	for (int k = 0; k < 4 && s.n; k++) {
		spoor_sv l = sl_until(&s, '\n');
		if (s.n)
			s = sl_skip(s, 1);
		else if (head.n >= 4096)
			break; /* possibly cut */
		if (l.n && l.p[l.n - 1] == '\r')
			l.n--;
		if (!l.n || l.p[0] == '#')
			continue;
		return sniff_line(&st, l);
	}
	return 0;
}

const parser_vt parser_syslog = {
	.name = "syslog",
	.summary = "syslog text: RFC 3164, RFC 5424, RFC 6587 octet-counted lines",
	.recognizes = "sshd, sudo, su, systemd-logind, CRON, Postfix, Dovecot 1.x/2.2/2.3, Courier, Exim, PAM",
	.sniff = syslog_sniff,
	.state_size = sizeof(syslog_state),
	.open = syslog_open,
	.close = syslog_close,
	.parse_line = syslog_parse_line,
};

/* RFC 6587 octet counting as a stream: "LEN SP MSG" frames, one after
 * another with or without line breaks between them (syslog over TCP
 * written to a file).  A line that does not start with a count is read
 * as one non-transparently framed message. */
static int octet_next(void *state, const parse_env *env, const parse_window *w, spoor_event *ev, size_t *consumed,
		      size_t *rec_start)
{
	size_t i = 0;
	while (i < w->len && (w->p[i] == '\n' || w->p[i] == '\r' || w->p[i] == ' ' || w->p[i] == '\t' || w->p[i] == 0))
		i++;
	*rec_start = i;
	if (i == w->len) {
		*consumed = i;
		return PARSE_MORE;
	}
	size_t d = i;
	uint64_t len = 0;
	while (d < w->len && dig(w->p[d]) && d - i < 10)
		len = len * 10 + (uint64_t)(w->p[d++] - '0');
	if (d > i && d < w->len && w->p[d] == ' ') {
		if (len > env->ctx->lim.max_record) {
			*consumed = d + 1;
			diag_set(env->diag, SPOOR_ELIMIT, "RFC 6587: frame of %llu bytes over the record limit",
				 (unsigned long long)len);
			return PARSE_BAD;
		}
		if (w->len - (d + 1) < len) {
			if (w->eof) {
				*consumed = w->len;
				diag_set(env->diag, SPOOR_EPARSE, "RFC 6587: truncated frame");
				return PARSE_BAD;
			}
			*consumed = i;
			return PARSE_MORE;
		}
		spoor_sv frame = sv_make(w->p + d + 1, (size_t)len);
		*consumed = d + 1 + (size_t)len;
		/* a frame may end with its own line break */
		while (frame.n && (frame.p[frame.n - 1] == '\n' || frame.p[frame.n - 1] == '\r'))
			frame.n--;
		int r = syslog_parse_line(state, env, frame, ev);
		if (r == SPOOR_ENOMEM)
			return r;
		return r == 0 ? PARSE_EVENT : PARSE_BAD;
	}
	if (d == w->len && !w->eof) {
		*consumed = i;
		return PARSE_MORE;
	}
	/* not a count: one line */
	const char *nl = memchr(w->p + i, '\n', w->len - i);
	if (!nl && !w->eof) {
		*consumed = i;
		return PARSE_MORE;
	}
	size_t end = nl ? (size_t)(nl - w->p) : w->len;
	*consumed = nl ? end + 1 : end;
	spoor_sv line = sv_make(w->p + i, end - i);
	while (line.n && line.p[line.n - 1] == '\r')
		line.n--;
	int r = syslog_parse_line(state, env, line, ev);
	if (r == SPOOR_ENOMEM)
		return r;
	return r == 0 ? PARSE_EVENT : PARSE_BAD;
}

static int octet_sniff(spoor_sv head)
{
	size_t i = 0;
	while (i < head.n && i < 10 && dig(head.p[i]))
		i++;
	if (i == 0 || i + 1 >= head.n || head.p[i] != ' ' || head.p[i + 1] != '<')
		return 0;
	return syslog_sniff(head) ? 95 : 0;
}

const parser_vt parser_syslog_octet = {
	.name = "syslog-octet",
	.summary = "syslog with RFC 6587 octet-counted framing (frames with or without line breaks)",
	.recognizes = "as syslog",
	.sniff = octet_sniff,
	.state_size = sizeof(syslog_state),
	.open = syslog_open,
	.close = syslog_close,
	.next = octet_next,
};
