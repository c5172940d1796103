/* parse-w3c — the W3C extended log format driven by its "#Fields:"
 * header: IIS (including Exchange OWA, EWS, ActiveSync, Autodiscover,
 * MAPI, RPC, ECP paths) and Exchange's comma-separated logs with the same
 * directives (message tracking, SMTP send/receive and IMAP/POP protocol
 * logs).
 *
 * Directives (#Software, #Version, #Date, #Log-type, ...) are skipped; a
 * new #Fields line replaces the layout mid-file.  Space-separated values
 * (IIS) are used as written ('+' stands for a space in user agents; it is
 * kept); comma-separated values (Exchange) follow RFC 4180 quoting, one
 * record per line.  "-" is an absent value.  Raw fields keep the header's
 * names (cs-username, c-ip, cs-uri-stem, date-time, sender-address, ...).
 *
 * ECS: @timestamp from date+time (UTC, as W3C logs are written) or
 * date-time/dateTime; source.ip/.port (c-ip, client-ip, remote-endpoint,
 * cIp), destination.ip/.port (s-ip, s-port, server-ip, local-endpoint,
 * sIp), user.name (cs-username, user), url.path/.query/.original,
 * http.request.method, http.response.status_code, user_agent.original,
 * source.bytes (cs-bytes), destination.bytes (sc-bytes), host.name
 * (s-computername, server-hostname); message tracking: event.action
 * (event-id), email.from.address (sender-address), email.to.address
 * (recipient-address, ';'-separated as written), email.message_id,
 * email.subject, email.direction, network.bytes (total-bytes).
 * exchange.app classifies IIS paths: owa, ecp, ews, activesync,
 * autodiscover, mapi, rpc, oab, powershell.  POST /owa/auth.owa is
 * event.action owa_logon, outcome failure when the line carries
 * "reason=2" (IPBan's rule), success on a 302 otherwise.
 *
 * Sigma logsource: IIS -> product windows, category webserver, service
 * iis; Exchange logs -> product windows, service exchange (message
 * tracking: category email). */
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/syslog-int.h"
#include "parse/w3c-int.h"

enum { W3C_MAX = 128 };

enum role {
	R_NONE = 0,
	R_DATE,
	R_TIME,
	R_DATETIME,
	R_CIP,
	R_CPORT,
	R_SIP,
	R_SPORT,
	R_CEP, /* "ip:port" of the client */
	R_SEP, /* "ip:port" of the server */
	R_USER,
	R_METHOD,
	R_STEM,
	R_QUERY,
	R_STATUS,
	R_UA,
	R_SCBYTES,
	R_CSBYTES,
	R_COMPUTER,
	R_EVENT_ID,
	R_MSGID,
	R_RCPT,
	R_SENDER,
	R_SUBJECT,
	R_TOTAL_BYTES,
	R_DIRECTION,
	R_DATA,    /* Exchange SMTP protocol log "data" */
	R_CONTEXT, /* Exchange protocol log "context" */
	R_NUM,     /* numeric, no ECS mapping */
};

static const struct {
	const char *name;
	enum role role;
} role_names[] = {
	{"date", R_DATE},
	{"time", R_TIME},
	{"date-time", R_DATETIME},
	{"dateTime", R_DATETIME},
	{"DateTime", R_DATETIME},
	{"c-ip", R_CIP},
	{"client-ip", R_CIP},
	{"c-port", R_CPORT},
	{"s-ip", R_SIP},
	{"server-ip", R_SIP},
	{"s-port", R_SPORT},
	{"remote-endpoint", R_CEP},
	{"cIp", R_CEP},
	{"local-endpoint", R_SEP},
	{"sIp", R_SEP},
	{"cs-username", R_USER},
	{"user", R_USER},
	{"cs-method", R_METHOD},
	{"cs-uri-stem", R_STEM},
	{"cs-uri-query", R_QUERY},
	{"sc-status", R_STATUS},
	{"cs(User-Agent)", R_UA},
	{"sc-bytes", R_SCBYTES},
	{"cs-bytes", R_CSBYTES},
	{"s-computername", R_COMPUTER},
	{"server-hostname", R_COMPUTER},
	{"event-id", R_EVENT_ID},
	{"message-id", R_MSGID},
	{"recipient-address", R_RCPT},
	{"sender-address", R_SENDER},
	{"message-subject", R_SUBJECT},
	{"total-bytes", R_TOTAL_BYTES},
	{"directionality", R_DIRECTION},
	{"data", R_DATA},
	{"context", R_CONTEXT},
	{"sc-substatus", R_NUM},
	{"sc-win32-status", R_NUM},
	{"time-taken", R_NUM},
	{"recipient-count", R_NUM},
	{"sequence-number", R_NUM},
	{"seqNumber", R_NUM},
	{"duration", R_NUM},
	{"rqsize", R_NUM},
	{"rpsize", R_NUM},
};

typedef struct w3c_state {
	bool have_fields;
	bool csv;
	bool exchange; /* #Software: Microsoft Exchange ... */
	bool tracking; /* #Log-type: Message Tracking Log */
	size_t nf;
	uint32_t ids[W3C_MAX];
	uint8_t role[W3C_MAX];
} w3c_state;

static int w3c_open(void *state, const parse_env *env)
{
	(void)env;
	memset(state, 0, sizeof(w3c_state));
	return 0;
}

static void w3c_close(void *state)
{
	(void)state;
}

static int set_fields(w3c_state *st, const parse_env *env, spoor_sv s)
{
	s = sv_trim(s);
	st->csv = memchr(s.p, ',', s.n) != NULL;
	char sep = st->csv ? ',' : ' ';
	st->nf = 0;
	while (s.n) {
		while (s.n && (s.p[0] == ' ' || s.p[0] == sep))
			s = sl_skip(s, 1);
		if (!s.n)
			break;
		spoor_sv name = sl_until(&s, sep);
		name = sv_trim(name);
		if (st->nf >= W3C_MAX)
			return diag_set(env->diag, SPOOR_ELIMIT, "W3C: more than %d fields in #Fields", W3C_MAX);
		uint32_t id = field_intern(&env->ctx->ft, name.p, name.n);
		if (!id)
			return diag_set(env->diag, SPOOR_ELIMIT, "W3C: field name table full");
		int ro = w3c_role(name);
		st->ids[st->nf] = id;
		st->role[st->nf] = (uint8_t)ro;
		st->nf++;
	}
	st->have_fields = st->nf > 0;
	return 1;
}

static int directive(w3c_state *st, const parse_env *env, spoor_sv line)
{
	if (SL_STARTS(line, "#Fields:"))
		return set_fields(st, env, sl_skip(line, 8));
	if (SL_STARTS(line, "#Software:")) {
		st->exchange = SL_FIND(line, "Exchange") >= 0;
	} else if (SL_STARTS(line, "#Log-type:")) {
		st->tracking = SL_FIND(line, "Message Tracking") >= 0;
		st->exchange = true;
	}
	return 1;
}

static bool two(const char *p, int *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return false;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

/* "YYYY-MM-DD" + "hh:mm:ss[.frac]" in UTC. */
static bool date_time(spoor_sv d, spoor_sv t, int64_t *ns)
{
	int y1, y2, mo, da, hh, mi, ss;
	if (d.n != 10 || d.p[4] != '-' || d.p[7] != '-' || !two(d.p, &y1) || !two(d.p + 2, &y2) || !two(d.p + 5, &mo) ||
	    !two(d.p + 8, &da))
		return false;
	if (t.n < 8 || t.p[2] != ':' || t.p[5] != ':' || !two(t.p, &hh) || !two(t.p + 3, &mi) || !two(t.p + 6, &ss))
		return false;
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || hh > 23 || mi > 59 || ss > 60)
		return false;
	if (y1 * 100 + y2 < 1678 || y1 * 100 + y2 > 2261) /* int64 nanoseconds */
		return false;
	int64_t frac = 0;
	if (t.n > 9 && t.p[8] == '.') {
		int64_t scale = 100000000;
		for (size_t i = 9; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++) {
			frac += (t.p[i] - '0') * scale;
			scale /= 10;
		}
	}
	int64_t days = days_from_civil(y1 * 100 + y2, (unsigned)mo, (unsigned)da);
	*ns = ((days * 86400) + hh * 3600 + mi * 60 + ss) * 1000000000 + frac;
	return true;
}

/* "ip:port", "[v6]:port" or a bare address. */
static int endpoint(spoor_event *ev, spoor_sv v, uint32_t ip_id, uint32_t port_id)
{
	int r;
	spoor_sv norm;
	if (ecs_ip_valid(v, &norm) && !(v.n && v.p[0] == '['))
		return ecs_set_ip(ev, ip_id, v);
	ptrdiff_t c = SL_RFIND(v, ":");
	if (c < 0)
		return 0;
	spoor_sv ip = sv_make(v.p, (size_t)c), port = sl_skip(v, (size_t)c + 1);
	if (ip.n >= 2 && ip.p[0] == '[' && ip.p[ip.n - 1] == ']')
		ip = sv_make(ip.p + 1, ip.n - 2);
	if ((r = ecs_set_ip(ev, ip_id, ip)) < 0)
		return r;
	return ecs_set_num(ev, port_id, port);
}

static const struct {
	const char *prefix;
	const char *app;
} exchange_apps[] = {
	{"/owa", "owa"},
	{"/ecp", "ecp"},
	{"/ews", "ews"},
	{"/microsoft-server-activesync", "activesync"},
	{"/autodiscover", "autodiscover"},
	{"/mapi", "mapi"},
	{"/rpc", "rpc"},
	{"/oab", "oab"},
	{"/powershell", "powershell"},
};

static const char *exchange_app(spoor_sv stem)
{
	for (size_t i = 0; i < ARRAY_SIZE(exchange_apps); i++) {
		size_t n = strlen(exchange_apps[i].prefix);
		if (stem.n >= n && sv_ieq(sv_make(stem.p, n), sv_make(exchange_apps[i].prefix, n)) &&
		    (stem.n == n || stem.p[n] == '/'))
			return exchange_apps[i].app;
	}
	return NULL;
}

int w3c_role(spoor_sv name)
{
	for (size_t i = 0; i < ARRAY_SIZE(role_names); i++) {
		if (sv_eq_cstr(name, role_names[i].name))
			return role_names[i].role;
	}
	if (sv_eq_cstr(name, "csUser-Agent")) /* IIS logging to the event log */
		return R_UA;
	return R_NONE;
}

bool w3c_role_numeric(int ro)
{
	return ro == R_STATUS || ro == R_SCBYTES || ro == R_CSBYTES || ro == R_SPORT || ro == R_CPORT ||
	       ro == R_TOTAL_BYTES || ro == R_NUM;
}

/* ECS for one value of a role. */
int w3c_apply(const parse_env *env, spoor_event *ev, int role, spoor_sv v, struct w3c_acc *acc)
{
	switch ((enum role)role) {
	case R_DATE:
		acc->date = v;
		return 0;
	case R_TIME:
		acc->tim = v;
		return 0;
	case R_DATETIME: {
		int64_t ns;
		if (time_parse_iso(v, &env->ctx->tz, &ns))
			event_set_time(ev, ns);
		return 0;
	}
	case R_CIP:
		return ecs_set_ip(ev, F_SOURCE_IP, v);
	case R_CPORT:
		return ecs_set_num(ev, F_SOURCE_PORT, v);
	case R_SIP:
		return ecs_set_ip(ev, F_DESTINATION_IP, v);
	case R_SPORT:
		return ecs_set_num(ev, F_DESTINATION_PORT, v);
	case R_CEP:
		return endpoint(ev, v, F_SOURCE_IP, F_SOURCE_PORT);
	case R_SEP:
		return endpoint(ev, v, F_DESTINATION_IP, F_DESTINATION_PORT);
	case R_USER:
		return ecs_set_user(ev, v);
	case R_METHOD:
		acc->method = v;
		return ecs_set(ev, F_HTTP_REQUEST_METHOD, v);
	case R_STEM:
		acc->stem = v;
		return ecs_set(ev, F_URL_PATH, v);
	case R_QUERY:
		acc->query = v;
		return ecs_set(ev, F_URL_QUERY, v);
	case R_STATUS:
		acc->status = v;
		return ecs_set_num(ev, F_HTTP_RESPONSE_STATUS_CODE, v);
	case R_UA:
		return ecs_set(ev, F_USER_AGENT_ORIGINAL, v);
	case R_SCBYTES:
		return ecs_set_num(ev, F_DESTINATION_BYTES, v);
	case R_CSBYTES:
		return ecs_set_num(ev, F_SOURCE_BYTES, v);
	case R_COMPUTER:
		return ecs_set(ev, F_HOST_NAME, v);
	case R_EVENT_ID:
		return ecs_set(ev, F_EVENT_ACTION, v);
	case R_MSGID:
		if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>')
			v = sv_make(v.p + 1, v.n - 2);
		return ecs_set(ev, F_EMAIL_MESSAGE_ID, v);
	case R_RCPT:
		return ecs_set(ev, F_EMAIL_TO_ADDRESS, v);
	case R_SENDER:
		return ecs_set(ev, F_EMAIL_FROM_ADDRESS, v);
	case R_SUBJECT:
		return ecs_set(ev, F_EMAIL_SUBJECT, v);
	case R_TOTAL_BYTES:
		return ecs_set_num(ev, F_NETWORK_BYTES, v);
	case R_DIRECTION:
		return ecs_set(ev, F_EMAIL_DIRECTION, v);
	case R_DATA:
		acc->data = v;
		return 0;
	case R_CONTEXT:
		acc->context = v;
		return 0;
	default:
		return 0;
	}
}

/* What needs the whole record: date+time, url.original, exchange.app,
 * OWA logon and protocol-log outcomes.  line is searched for "reason=2". */
int w3c_finish(spoor_event *ev, spoor_sv line, const struct w3c_acc *a)
{
	int r;
	if (a->date.n && a->tim.n) {
		int64_t ns;
		if (date_time(a->date, a->tim, &ns))
			event_set_time(ev, ns);
	}
	if (a->stem.n) {
		if (a->query.n) {
			char *u = arena_alloc(&ev->ar, a->stem.n + 1 + a->query.n);
			if (!u)
				return SPOOR_ENOMEM;
			memcpy(u, a->stem.p, a->stem.n);
			u[a->stem.n] = '?';
			memcpy(u + a->stem.n + 1, a->query.p, a->query.n);
			if ((r = event_set(ev, F_URL_ORIGINAL, SPOOR_VT_STR, sv_make(u, a->stem.n + 1 + a->query.n),
					   SPOOR_FF_ECS | sl_hi(a->stem) | sl_hi(a->query))) < 0)
				return r;
		} else if ((r = ecs_set(ev, F_URL_ORIGINAL, a->stem)) < 0) {
			return r;
		}
		const char *app = exchange_app(a->stem);
		if (app) {
			if ((r = event_set(ev, F_EXCHANGE_APP, SPOOR_VT_STR, sv_cstr(app), 0)) < 0)
				return r;
			if (!strcmp(app, "owa") && sv_eq_cstr(a->method, "POST") && sv_ieq_cstr(a->stem, "/owa/auth.owa")) {
				if ((r = ecs_set_cstr(ev, F_EVENT_ACTION, "owa_logon")) < 0)
					return r;
				r = 0;
				if (SL_FIND(line, "reason=2") >= 0)
					r = ecs_set_outcome(ev, 0);
				else if (sv_eq_cstr(a->status, "302"))
					r = ecs_set_outcome(ev, 1);
				if (r < 0)
					return r;
			}
		}
	}
	/* Exchange protocol logs: SMTP "535 5.7.3 Authentication unsuccessful",
	 * IMAP/POP "AuthFailed:LogonDenied" in the context */
	if (SL_STARTS(a->data, "535 ")) {
		if ((r = ecs_set_cstr(ev, F_EVENT_ACTION, "smtp_auth")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
	} else if (a->context.n && SL_FIND(a->context, "AuthFailed") >= 0) {
		if ((r = ecs_set_cstr(ev, F_EVENT_ACTION, "authentication")) < 0 || (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
	}
	return 0;
}

static int w3c_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	w3c_state *st = state;
	int r;
	if (line.n && line.p[0] == '#')
		return directive(st, env, line);
	if (line.n >= 3 && !memcmp(line.p, "\xEF\xBB\xBF", 3)) {
		line = sl_skip(line, 3);
		if (line.n && line.p[0] == '#')
			return directive(st, env, line);
	}
	if (!st->have_fields)
		return diag_set(env->diag, SPOOR_EPARSE, "W3C: data line before any #Fields directive");

	spoor_sv s = line, v;
	struct w3c_acc acc;
	memset(&acc, 0, sizeof(acc));
	char sep = st->csv ? ',' : ' ';
	size_t i = 0;
	for (; i < st->nf && s.p; i++) {
		if (st->csv) {
			if ((r = csv_value_next(ev, &s, sep, &v)) < 0) {
				if (r == SPOOR_ENOMEM)
					return r;
				return diag_set(env->diag, SPOOR_EPARSE, "W3C: bad quoting in value %zu", i + 1);
			}
			if (r == 1)
				s.p = NULL; /* that was the last value */
		} else {
			const char *q = s.n ? memchr(s.p, ' ', s.n) : NULL;
			if (q) {
				v = sv_make(s.p, (size_t)(q - s.p));
				s = sl_skip(s, v.n + 1);
			} else {
				v = s;
				s = sl_skip(s, s.n);
				s.p = NULL;
			}
		}
		if (!v.n || (v.n == 1 && v.p[0] == '-'))
			continue;
		int ro = st->role[i];
		bool num = w3c_role_numeric(ro) && sl_is_digits(v);
		if ((r = event_add(ev, st->ids[i], num ? SPOOR_VT_NUM : SPOOR_VT_STR, v, sl_hi(v))) < 0)
			return r;
		if ((r = w3c_apply(env, ev, ro, v, &acc)) < 0)
			return r;
	}
	if (i < st->nf && i + 1 < st->nf)
		return diag_set(env->diag, SPOOR_EPARSE, "W3C: %zu values for %zu fields", i, st->nf);
	if ((r = w3c_finish(ev, line, &acc)) < 0)
		return r;
	ev->ls.product = SPOOR_SV("windows");
	if (st->exchange || st->csv) {
		ev->ls.service = SPOOR_SV("exchange");
		if (st->tracking)
			ev->ls.category = SPOOR_SV("email");
	} else {
		ev->ls.category = SPOOR_SV("webserver");
		ev->ls.service = SPOOR_SV("iis");
	}
	return 0;
}

static int w3c_sniff(spoor_sv head)
{
	size_t i = 0;
	if (head.n >= 3 && !memcmp(head.p, "\xEF\xBB\xBF", 3))
		i = 3;
	spoor_sv s = sl_skip(head, i);
	if (SL_STARTS(s, "#Software: Microsoft Internet Information Services") || SL_STARTS(s, "#Software: Microsoft Exchange"))
		return 95;
	if (SL_STARTS(s, "#Software:") || SL_STARTS(s, "#Version: 1.0") || SL_STARTS(s, "#Fields: date") ||
	    SL_STARTS(s, "#Fields: time"))
		return SL_FIND(head, "#Fields:") >= 0 ? 90 : 60;
	return 0;
}

const parser_vt parser_w3c = {
	.name = "w3c",
	.summary = "W3C extended log format (#Fields): IIS, Exchange message tracking and protocol logs",
	.recognizes = "IIS (OWA, EWS, ActiveSync, Autodiscover, MAPI, RPC, ECP), Exchange message tracking, "
		      "Exchange SMTP/IMAP/POP protocol logs",
	.sniff = w3c_sniff,
	.state_size = sizeof(w3c_state),
	.open = w3c_open,
	.close = w3c_close,
	.parse_line = w3c_parse_line,
};
