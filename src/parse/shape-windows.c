/* shape-windows — Windows events as evtx_dump writes them as JSON
 * (`Event.System.*`, `Event.EventData.*`, `Event.UserData.*`,
 * `#attributes` / `#text`), and the ECS mapping shared by every Windows
 * source (EVTX, Winlogbeat, NXLog, Sentinel).
 *
 * evtx_dump paths are renamed to the names Sigma rules use:
 *   Event.System.<E>                 -> <E>
 *   Event.System.<E>.#text           -> <E>
 *   Event.System.<E>.#attributes.<A> -> <E>_<A>   (Provider_Name ...)
 *   Event.EventData.<N>[.rest]       -> <N>[.rest]
 *   Event.UserData.<E>.<N>[.rest]    -> <N>[.rest]
 * and an EventData name with spaces also gets an alias without them
 * ("Threat Name" -> "ThreatName"), as the evtx-to-Sigma tools do.  Each
 * mapping is computed once per field id and memoized in the context. */
#include <stdio.h>
#include <stdlib.h>

#include "parse/shape.h"

/* Derive the Sigma name for an evtx_dump path; returns its length in out
 * (0 = none). */
static size_t derive(spoor_sv n, char *out, size_t cap)
{
	static const char sys[] = "Event.System.", ed[] = "Event.EventData.", ud[] = "Event.UserData.";
	spoor_sv rest;
	if (sv_starts(n, sys)) {
		rest = sv_make(n.p + sizeof(sys) - 1, n.n - (sizeof(sys) - 1));
		const char *dot = memchr(rest.p, '.', rest.n);
		if (!dot) {
			if (rest.n >= cap)
				return 0;
			memcpy(out, rest.p, rest.n);
			return rest.n;
		}
		spoor_sv elem = sv_make(rest.p, (size_t)(dot - rest.p));
		spoor_sv tail = sv_make(dot + 1, rest.n - elem.n - 1);
		if (sv_eq_cstr(tail, "#text")) {
			if (elem.n >= cap)
				return 0;
			memcpy(out, elem.p, elem.n);
			return elem.n;
		}
		if (sv_starts(tail, "#attributes.")) {
			spoor_sv a = sv_make(tail.p + 12, tail.n - 12);
			if (elem.n + 1 + a.n >= cap)
				return 0;
			memcpy(out, elem.p, elem.n);
			out[elem.n] = '_';
			memcpy(out + elem.n + 1, a.p, a.n);
			return elem.n + 1 + a.n;
		}
		/* an attribute written without "#attributes." (Get-WinEvent and
		 * xmltodict-style JSON: TimeCreated.SystemTime, Provider.@Name)
		 * is the same attribute */
		if (!memchr(tail.p, '.', tail.n) && tail.n && tail.p[0] != '#') {
			spoor_sv a = tail.p[0] == '@' ? sv_make(tail.p + 1, tail.n - 1) : tail;
			if (a.n && elem.n + 1 + a.n < cap) {
				memcpy(out, elem.p, elem.n);
				out[elem.n] = '_';
				memcpy(out + elem.n + 1, a.p, a.n);
				return elem.n + 1 + a.n;
			}
		}
		/* deeper System paths keep their shape below the element */
		if (rest.n >= cap)
			return 0;
		memcpy(out, rest.p, rest.n);
		return rest.n;
	}
	if (sv_starts(n, ed)) {
		rest = sv_make(n.p + sizeof(ed) - 1, n.n - (sizeof(ed) - 1));
		if (sv_starts(rest, "#attributes"))
			return 0;
		/* "Data.#text" (a single unnamed Data) -> "Data" */
		if (sv_eq_cstr(rest, "Data.#text"))
			rest.n = 4;
		if (rest.n >= cap)
			return 0;
		memcpy(out, rest.p, rest.n);
		return rest.n;
	}
	if (sv_starts(n, ud)) {
		rest = sv_make(n.p + sizeof(ud) - 1, n.n - (sizeof(ud) - 1));
		const char *dot = memchr(rest.p, '.', rest.n);
		if (!dot)
			return 0;
		rest = sv_make(dot + 1, rest.n - (size_t)(dot + 1 - rest.p));
		if (sv_starts(rest, "#attributes"))
			return 0;
		if (rest.n >= cap)
			return 0;
		memcpy(out, rest.p, rest.n);
		return rest.n;
	}
	return 0;
}

static uint32_t derived_id_slow(spoor_ctx *ctx, unsigned kind, uint32_t id)
{
	char tmp[512];
	size_t n = 0;
	spoor_sv name = field_name(&ctx->ft, id);
	if (kind == MEMO_WINDOWS) {
		n = derive(name, tmp, sizeof(tmp));
	} else if (memchr(name.p, ' ', name.n) && name.n < sizeof(tmp)) {
		for (size_t i = 0; i < name.n; i++) {
			if (name.p[i] != ' ')
				tmp[n++] = name.p[i];
		}
	}
	uint32_t d = n ? field_intern(&ctx->ft, tmp, n) : 0;
	ctx_memo_put(ctx, kind, id, d ? d + 1 : MEMO_NONE);
	return d;
}

static inline uint32_t derived_id(spoor_ctx *ctx, unsigned kind, uint32_t id)
{
	uint32_t m = ctx_memo_get(ctx, kind, id);
	if (LIKELY(m))
		return m == MEMO_NONE ? 0 : m - 1;
	return derived_id_slow(ctx, kind, id);
}

static int evtxjson_match(const spoor_event *ev)
{
	return event_find(ev, F_EVT_SYSTEM_EVENTID) || event_find(ev, F_EVT_SYSTEM_EVENTID_TEXT) ? 100 : 0;
}

/* Alias EventData names that contain spaces. */
int shape_windows_alias_spaces(spoor_event *ev);
int shape_windows_alias_spaces(spoor_event *ev)
{
	size_t n = ev->n;
	for (size_t i = 0; i < n; i++) {
		efield f = ev->f[i];
		if (!f.id || (f.flags & (SPOOR_FF_ECS | SPOOR_FF_ALIAS)))
			continue;
		uint32_t a = derived_id(ev->ctx, MEMO_NOSPACE, f.id);
		if (a && !event_find(ev, a)) {
			int r = event_add(ev, a, (spoor_vtype)f.type, f.val, (f.flags & EF_HI) | SPOOR_FF_ALIAS);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int evtxjson_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	for (size_t i = 0; i < ev->n; i++) {
		efield *f = &ev->f[i];
		if (!f->id)
			continue;
		uint32_t d = derived_id(ev->ctx, MEMO_WINDOWS, f->id);
		if (d)
			event_rename(ev, i, d);
	}
	int r = shape_windows_alias_spaces(ev);
	if (r < 0)
		return r;
	return shape_windows_normalize(ev);
}

const shape_vt shape_windows = {
    .name = "windows",
    .summary = "Windows events as evtx_dump JSON (Event.System / EventData / UserData, #attributes)",
    .match = evtxjson_match,
    .normalize = evtxjson_normalize,
};

/* ---- ECS mapping shared by all Windows sources ---- */

static spoor_sv text_of(spoor_event *ev, uint32_t id)
{
	spoor_sv t = SPOOR_SV_NULL;
	if (!event_get_text(ev, id, &t))
		t = SPOOR_SV_NULL;
	return t;
}

typedef struct win_action {
	int64_t eid;
	const char *action;
	int outcome; /* 1 success, 0 failure, -1 from data */
	const char *category;
} win_action;

static const win_action actions[] = {
    {4624, "logged-in", 1, "authentication"},
    {4625, "logon-failed", 0, "authentication"},
    {4634, "logged-out", 1, "authentication"},
    {4647, "logged-out", 1, "authentication"},
    {4648, "logged-in-explicit", 1, "authentication"},
    {4672, "logged-in-special", 1, "iam"},
    {4688, "created-process", 1, "process"},
    {4689, "exited-process", 1, "process"},
    {4697, "service-installed", 1, "configuration"},
    {4698, "scheduled-task-created", 1, "configuration"},
    {4699, "scheduled-task-deleted", 1, "configuration"},
    {4720, "added-user-account", 1, "iam"},
    {4726, "deleted-user-account", 1, "iam"},
    {4728, "added-member-to-group", 1, "iam"},
    {4732, "added-member-to-group", 1, "iam"},
    {4756, "added-member-to-group", 1, "iam"},
    {4768, "kerberos-authentication-ticket-requested", -1, "authentication"},
    {4769, "kerberos-service-ticket-requested", -1, "authentication"},
    {4771, "kerberos-preauth-failed", 0, "authentication"},
    {4776, "credential-validated", -1, "authentication"},
    {5140, "network-share-object-accessed", 1, "network"},
    {5145, "network-share-object-access-checked", 1, "network"},
    {1102, "audit-log-cleared", 1, "configuration"},
    {104, "log-cleared", 1, "configuration"},
    {7045, "service-installed", 1, "configuration"},
};

static bool is_sysmon(spoor_sv prov)
{
	return sv_eq_cstr(prov, "Microsoft-Windows-Sysmon");
}

int shape_windows_normalize(spoor_event *ev)
{
	int r;
	spoor_sv eid_t = text_of(ev, F_WIN_EVENT_ID);
	spoor_sv chan = text_of(ev, F_WIN_CHANNEL);
	spoor_sv prov = text_of(ev, F_WIN_PROVIDER_NAME);
	spoor_sv comp = text_of(ev, F_WIN_COMPUTER);
	int64_t eid = -1;
	sv_to_i64(sv_trim(eid_t), &eid);

	ev->ls.product = SPOOR_SV("windows");
	ev->ls.channel = chan;
	ev->ls.provider = prov;
	if (sv_ieq_cstr(chan, "Security"))
		ev->ls.service = SPOOR_SV("security");
	else if (sv_ieq_cstr(chan, "System"))
		ev->ls.service = SPOOR_SV("system");
	else if (sv_ieq_cstr(chan, "Application"))
		ev->ls.service = SPOOR_SV("application");
	else if (sv_ieq_cstr(chan, "Microsoft-Windows-Sysmon/Operational"))
		ev->ls.service = SPOOR_SV("sysmon");
	else if (sv_ieq_cstr(chan, "Microsoft-Windows-PowerShell/Operational") || sv_ieq_cstr(chan, "Windows PowerShell"))
		ev->ls.service = SPOOR_SV("powershell");

	if (!ev->has_ts) {
		spoor_sv t = text_of(ev, F_WIN_TIME_CREATED);
		if (t.n)
			ecs_set_time(ev, t);
	}
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, "event")) < 0)
		return r;
	if (eid >= 0 && (r = ecs_copy_id(ev, F_EVENT_CODE, F_WIN_EVENT_ID)) < 0)
		return r;
	if ((r = ecs_set(ev, F_HOST_NAME, comp)) < 0)
		return r;
	if ((r = ecs_set(ev, F_EVENT_PROVIDER, prov)) < 0)
		return r;

	bool sysmon = is_sysmon(prov);
	const win_action *act = NULL;
	if (!sysmon) {
		for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
			if (actions[i].eid == eid) {
				act = &actions[i];
				break;
			}
		}
	} else if (eid == 1) {
		static const win_action sysmon1 = {1, "process-created", 1, "process"};
		act = &sysmon1;
	} else if (eid == 3) {
		static const win_action sysmon3 = {3, "network-connection", 1, "network"};
		act = &sysmon3;
	}
	if (act) {
		if ((r = ecs_set_cstr(ev, F_EVENT_ACTION, act->action)) < 0)
			return r;
		if ((r = ecs_set_cstr(ev, F_EVENT_CATEGORY, act->category)) < 0)
			return r;
		int outcome = act->outcome;
		if (outcome < 0) {
			/* 4768/4769/4776: Status 0x0 = success */
			spoor_sv st = text_of(ev, F_WIN_STATUS);
			outcome = st.n ? (sv_eq_cstr(st, "0x0") || sv_eq_cstr(st, "0")) : -1;
		}
		if (outcome >= 0 && (r = ecs_set_outcome(ev, outcome)) < 0)
			return r;
	} else {
		/* Audit keywords: 0x8020... success, 0x8010... failure */
		spoor_sv kw = text_of(ev, F_WIN_KEYWORDS);
		if (sv_eq_cstr(kw, "0x8020000000000000") && (r = ecs_set_outcome(ev, 1)) < 0)
			return r;
		if (sv_eq_cstr(kw, "0x8010000000000000") && (r = ecs_set_outcome(ev, 0)) < 0)
			return r;
	}

	/* The user: logon events are about the target account. */
	bool logon = act && !strcmp(act->category, "authentication");
	spoor_sv tu = text_of(ev, F_WIN_TARGET_USER_NAME), su = text_of(ev, F_WIN_SUBJECT_USER_NAME);
	spoor_sv td = text_of(ev, F_WIN_TARGET_DOMAIN_NAME), sd = text_of(ev, F_WIN_SUBJECT_DOMAIN_NAME);
	spoor_sv user = logon && !ecs_is_placeholder(tu) ? tu : !ecs_is_placeholder(su) ? su : tu;
	spoor_sv dom = user.p == tu.p ? td : sd;
	if (ecs_is_placeholder(user))
		user = text_of(ev, F_WIN_USER); /* Sysmon "DOMAIN\\user" */
	if ((r = ecs_set_user(ev, user)) < 0)
		return r;
	if (!event_find(ev, F_USER_DOMAIN) && (r = ecs_set(ev, F_USER_DOMAIN, dom)) < 0)
		return r;
	if (!ecs_is_placeholder(tu) && user.p != tu.p && (r = ecs_set(ev, F_USER_TARGET_NAME, tu)) < 0)
		return r;
	if (!ecs_is_placeholder(tu) && user.p != tu.p && (r = ecs_add_related_user(ev, tu)) < 0)
		return r;

	spoor_sv ip = text_of(ev, F_WIN_IP_ADDRESS);
	if (!ip.n)
		ip = text_of(ev, F_WIN_SOURCE_IP);
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, ip)) < 0)
		return r;
	spoor_sv port = text_of(ev, F_WIN_IP_PORT);
	if (!port.n)
		port = text_of(ev, F_WIN_SOURCE_PORT);
	if (port.n && !sv_eq_cstr(port, "0") && (r = ecs_set_num(ev, F_SOURCE_PORT, port)) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_DESTINATION_IP, text_of(ev, F_WIN_DESTINATION_IP))) < 0)
		return r;
	if ((r = ecs_set_num(ev, F_DESTINATION_PORT, text_of(ev, F_WIN_DESTINATION_PORT))) < 0)
		return r;
	if ((r = ecs_set(ev, F_DESTINATION_DOMAIN, text_of(ev, F_WIN_DESTINATION_HOSTNAME))) < 0)
		return r;
	if ((r = ecs_set(ev, F_DNS_QUESTION_NAME, text_of(ev, F_WIN_QUERY_NAME))) < 0)
		return r;

	if ((r = ecs_copy_id(ev, F_PROCESS_COMMAND_LINE, F_WIN_COMMAND_LINE)) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_PROCESS_EXECUTABLE, event_find(ev, F_WIN_IMAGE) ? F_WIN_IMAGE : F_WIN_NEW_PROCESS_NAME)) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_PROCESS_PARENT_EXECUTABLE,
			     event_find(ev, F_WIN_PARENT_IMAGE) ? F_WIN_PARENT_IMAGE : F_WIN_PARENT_PROCESS_NAME)) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_PROCESS_PARENT_COMMAND_LINE, F_WIN_PARENT_COMMAND_LINE)) < 0)
		return r;
	if (sysmon && (r = ecs_set_num(ev, F_PROCESS_PID, text_of(ev, F_WIN_PROCESS_ID))) < 0)
		return r;
	if ((r = ecs_copy_id(ev, F_FILE_PATH, F_WIN_TARGET_FILENAME)) < 0)
		return r;
	return 0;
}
