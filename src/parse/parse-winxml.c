/* parse-winxml — Windows events rendered as XML, one event per line
 * (wevtutil qe /f:xml, Get-WinEvent ... ToXml(), forwarded events saved
 * as text, crowdsec's wineventlog samples).
 *
 * System elements become the names the JSON Windows shapes use: EventID,
 * Version, Level, Task, Opcode, Keywords, EventRecordID, Channel,
 * Computer, Provider_Name, Provider_Guid, TimeCreated_SystemTime,
 * Execution_ProcessID, Execution_ThreadID, Security_UserID; EventData
 * <Data Name="X">v</Data> becomes X (an unnamed <Data> is "Data");
 * UserData leaves become their element names; RenderingInfo <Message> is
 * message.  XML entities are decoded.  shape_windows_normalize() then sets
 * the time, ECS fields and the logsource (product windows, channel,
 * provider).  IIS logging to the event log (Microsoft-Windows-IIS-Logging,
 * event 6200) also gets the W3C ECS mapping (parse-w3c.c) and category
 * webserver, service iis. */
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/shape.h"
#include "parse/syslog-int.h"
#include "parse/w3c-int.h"

enum { WX_CACHE = 256 };

typedef struct wx_slot {
	uint64_t h;
	uint32_t id;
	int role; /* W3C role of the name */
} wx_slot;

enum { S_NONE = 0, S_SYSTEM, S_DATA, S_USER, S_RENDER };

typedef struct winxml_state {
	uint32_t id_version, id_task, id_opcode, id_guid, id_pid, id_tid, id_sid, id_data, id_binary;
	wx_slot cache[WX_CACHE];
} winxml_state;

static uint32_t intern(const parse_env *env, const char *s)
{
	return field_intern(&env->ctx->ft, s, strlen(s));
}

static int winxml_open(void *state, const parse_env *env)
{
	winxml_state *st = state;
	memset(st, 0, sizeof(*st));
	st->id_version = intern(env, "Version");
	st->id_task = intern(env, "Task");
	st->id_opcode = intern(env, "Opcode");
	st->id_guid = intern(env, "Provider_Guid");
	st->id_pid = intern(env, "Execution_ProcessID");
	st->id_tid = intern(env, "Execution_ThreadID");
	st->id_sid = intern(env, "Security_UserID");
	st->id_data = intern(env, "Data");
	st->id_binary = intern(env, "Binary");
	return 0;
}

static void winxml_close(void *state)
{
	(void)state;
}

static const wx_slot *name_slot(winxml_state *st, const parse_env *env, spoor_sv name)
{
	uint64_t h = hash_bytes(name.p, name.n, 0x77);
	wx_slot *s = &st->cache[h % WX_CACHE];
	if (s->id && s->h == h)
		return s;
	uint32_t id = field_intern(&env->ctx->ft, name.p, name.n);
	if (!id)
		return NULL;
	s->h = h;
	s->id = id;
	s->role = w3c_role(name);
	return s;
}

static int hexd(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode XML entities into the arena when there are any. */
static int unxml(spoor_event *ev, spoor_sv *v)
{
	if (!v->n || !memchr(v->p, '&', v->n))
		return 0;
	char *c = arena_alloc(&ev->ar, v->n);
	if (!c)
		return SPOOR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->p[i] != '&') {
			c[k++] = v->p[i];
			continue;
		}
		const char *semi = memchr(v->p + i, ';', MIN(v->n - i, (size_t)12));
		if (!semi) {
			c[k++] = '&';
			continue;
		}
		spoor_sv e = sv_make(v->p + i + 1, (size_t)(semi - v->p) - i - 1);
		char one = 0;
		if (sv_eq_cstr(e, "amp"))
			one = '&';
		else if (sv_eq_cstr(e, "lt"))
			one = '<';
		else if (sv_eq_cstr(e, "gt"))
			one = '>';
		else if (sv_eq_cstr(e, "quot"))
			one = '"';
		else if (sv_eq_cstr(e, "apos"))
			one = '\'';
		if (one) {
			c[k++] = one;
		} else if (e.n >= 2 && e.p[0] == '#') {
			uint32_t cp = 0;
			bool hex = e.p[1] == 'x' || e.p[1] == 'X';
			bool ok = e.n > (hex ? 2u : 1u);
			for (size_t j = hex ? 2 : 1; j < e.n && ok; j++) {
				int d = hex ? hexd(e.p[j]) : (e.p[j] >= '0' && e.p[j] <= '9' ? e.p[j] - '0' : -1);
				if (d < 0 || cp > 0x10FFFF)
					ok = false;
				else
					cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			}
			if (!ok || cp > 0x10FFFF || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
				c[k++] = '&';
				continue;
			}
			/* "&#N;" is never shorter than its UTF-8 form: stays in place */
			k += utf8_put(c + k, cp);
		} else {
			c[k++] = '&';
			continue;
		}
		i = (size_t)(semi - v->p);
	}
	*v = sv_make(c, k);
	return 1;
}

static int add(spoor_event *ev, uint32_t id, spoor_sv v)
{
	int r = unxml(ev, &v);
	if (r < 0)
		return r;
	if (!id || !v.n)
		return 0;
	return event_add(ev, id, sl_is_digits(v) && v.n < 19 ? SPOOR_VT_NUM : SPOOR_VT_STR, v, sl_hi(v));
}

/* Attribute value of name in attrs ("Name=\"x\" Guid='y'"). */
static bool attr(spoor_sv attrs, const char *name, spoor_sv *out)
{
	size_t n = strlen(name);
	spoor_sv s = attrs;
	while (s.n) {
		while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
			s = sl_skip(s, 1);
		size_t k = 0;
		while (k < s.n && s.p[k] != '=' && s.p[k] != ' ')
			k++;
		spoor_sv an = sv_make(s.p, k);
		s = sl_skip(s, k);
		if (!s.n || s.p[0] != '=')
			return false;
		s = sl_skip(s, 1);
		if (!s.n || (s.p[0] != '"' && s.p[0] != '\''))
			return false;
		char q = s.p[0];
		const char *e = memchr(s.p + 1, q, s.n - 1);
		if (!e)
			return false;
		spoor_sv v = sv_make(s.p + 1, (size_t)(e - s.p) - 1);
		s = sl_skip(s, (size_t)(e - s.p) + 1);
		if (an.n == n && !memcmp(an.p, name, n)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static int winxml_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	winxml_state *st = state;
	int r;
	spoor_sv s = line;
	int sect = S_NONE;
	bool iis = false;
	struct w3c_acc acc;
	memset(&acc, 0, sizeof(acc));
	spoor_sv v;
	bool seen_event = false;
	while (s.n) {
		const char *lt = memchr(s.p, '<', s.n);
		if (!lt)
			break;
		s = sl_skip(s, (size_t)(lt - s.p) + 1);
		if (!s.n)
			break;
		if (s.p[0] == '?' || s.p[0] == '!') {
			const char *gt = memchr(s.p, '>', s.n);
			if (!gt)
				break;
			s = sl_skip(s, (size_t)(gt - s.p) + 1);
			continue;
		}
		bool closing = s.p[0] == '/';
		if (closing)
			s = sl_skip(s, 1);
		size_t k = 0;
		while (k < s.n && s.p[k] != ' ' && s.p[k] != '>' && s.p[k] != '/' && s.p[k] != '\t')
			k++;
		spoor_sv name = sv_make(s.p, k);
		const char *gt = memchr(s.p, '>', s.n);
		if (!gt)
			return diag_set(env->diag, SPOOR_EPARSE, "winxml: unterminated tag");
		spoor_sv attrs = sv_make(s.p + k, (size_t)(gt - s.p) - k);
		bool selfclose = attrs.n && attrs.p[attrs.n - 1] == '/';
		if (selfclose)
			attrs.n--;
		s = sl_skip(s, (size_t)(gt - s.p) + 1);
		if (closing) {
			if (sv_eq_cstr(name, "System") || sv_eq_cstr(name, "EventData") || sv_eq_cstr(name, "UserData") ||
			    sv_eq_cstr(name, "RenderingInfo"))
				sect = S_NONE;
			continue;
		}
		if (sv_eq_cstr(name, "Event")) {
			seen_event = true;
			continue;
		}
		if (sv_eq_cstr(name, "System")) {
			sect = S_SYSTEM;
			continue;
		}
		if (sv_eq_cstr(name, "EventData")) {
			sect = S_DATA;
			continue;
		}
		if (sv_eq_cstr(name, "UserData")) {
			sect = S_USER;
			continue;
		}
		if (sv_eq_cstr(name, "RenderingInfo")) {
			sect = S_RENDER;
			continue;
		}
		/* text content up to the next '<' */
		spoor_sv text = {s.p, 0};
		if (!selfclose) {
			const char *nlt = s.n ? memchr(s.p, '<', s.n) : NULL;
			text = sv_make(s.p, nlt ? (size_t)(nlt - s.p) : s.n);
			text = sv_trim(text);
		}
		if (sect == S_SYSTEM) {
			if (sv_eq_cstr(name, "Provider")) {
				if (attr(attrs, "Name", &v)) {
					if ((r = add(ev, F_WIN_PROVIDER_NAME, v)) < 0)
						return r;
					iis = sv_eq_cstr(v, "Microsoft-Windows-IIS-Logging");
				}
				if (attr(attrs, "Guid", &v) && (r = add(ev, st->id_guid, v)) < 0)
					return r;
			} else if (sv_eq_cstr(name, "TimeCreated")) {
				if (attr(attrs, "SystemTime", &v) && (r = add(ev, F_WIN_TIME_CREATED, v)) < 0)
					return r;
			} else if (sv_eq_cstr(name, "Execution")) {
				if (attr(attrs, "ProcessID", &v) && (r = add(ev, st->id_pid, v)) < 0)
					return r;
				if (attr(attrs, "ThreadID", &v) && (r = add(ev, st->id_tid, v)) < 0)
					return r;
			} else if (sv_eq_cstr(name, "Security")) {
				if (attr(attrs, "UserID", &v) && (r = add(ev, st->id_sid, v)) < 0)
					return r;
			} else if (text.n) {
				uint32_t id = sv_eq_cstr(name, "EventID")         ? F_WIN_EVENT_ID
					      : sv_eq_cstr(name, "Channel")       ? F_WIN_CHANNEL
					      : sv_eq_cstr(name, "Computer")      ? F_WIN_COMPUTER
					      : sv_eq_cstr(name, "EventRecordID") ? F_WIN_EVENT_RECORD_ID
					      : sv_eq_cstr(name, "Level")         ? F_WIN_LEVEL
					      : sv_eq_cstr(name, "Keywords")      ? F_WIN_KEYWORDS
					      : sv_eq_cstr(name, "Version")       ? st->id_version
					      : sv_eq_cstr(name, "Task")          ? st->id_task
					      : sv_eq_cstr(name, "Opcode")        ? st->id_opcode
										  : 0;
				if (id && (r = add(ev, id, text)) < 0)
					return r;
			}
		} else if (sect == S_DATA) {
			if (sv_eq_cstr(name, "Data")) {
				if (attr(attrs, "Name", &v)) {
					const wx_slot *sl = name_slot(st, env, v);
					if (!sl || !text.n || (text.n == 1 && text.p[0] == '-'))
						continue;
					spoor_sv t = text;
					if ((r = unxml(ev, &t)) < 0)
						return r;
					bool num = w3c_role_numeric(sl->role) && sl_is_digits(t);
					if ((r = event_add(ev, sl->id, num ? SPOOR_VT_NUM : SPOOR_VT_STR, t, sl_hi(t))) < 0)
						return r;
					if (iis && sl->role && (r = w3c_apply(env, ev, sl->role, t, &acc)) < 0)
						return r;
				} else if ((r = add(ev, st->id_data, text)) < 0) {
					return r;
				}
			} else if (sv_eq_cstr(name, "Binary") && (r = add(ev, st->id_binary, text)) < 0) {
				return r;
			}
		} else if (sect == S_USER) {
			if (text.n) {
				const wx_slot *sl = name_slot(st, env, name);
				if (sl && (r = add(ev, sl->id, text)) < 0)
					return r;
			}
		} else if (sect == S_RENDER) {
			if (sv_eq_cstr(name, "Message") && text.n && (r = add(ev, F_MESSAGE, text)) < 0)
				return r;
		}
	}
	if (!seen_event || !event_find(ev, F_WIN_EVENT_ID))
		return diag_set(env->diag, SPOOR_EPARSE, "winxml: no <Event> with an <EventID>");
	ev->shape = "windows";
	if ((r = shape_windows_normalize(ev)) < 0)
		return r;
	if (iis) {
		if ((r = w3c_finish(ev, line, &acc)) < 0)
			return r;
		ev->ls.category = SPOOR_SV("webserver");
		ev->ls.service = SPOOR_SV("iis");
	}
	return 0;
}

static int winxml_sniff(spoor_sv head)
{
	spoor_sv s = head;
	if (SL_STARTS(s, "\xEF\xBB\xBF"))
		s = sl_skip(s, 3);
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n'))
		s = sl_skip(s, 1);
	if (!SL_STARTS(s, "<Event ") && !SL_STARTS(s, "<Event>"))
		return 0;
	spoor_sv l = sl_until(&s, '\n');
	return SL_FIND(l, "<System>") >= 0 ? 92 : 0;
}

const parser_vt parser_winxml = {
	.name = "winxml",
	.summary = "Windows events rendered as XML, one <Event> per line",
	.recognizes = "any channel (EventData/UserData), IIS logging events (W3C fields)",
	.sniff = winxml_sniff,
	.state_size = sizeof(winxml_state),
	.open = winxml_open,
	.close = winxml_close,
	.parse_line = winxml_parse_line,
};
