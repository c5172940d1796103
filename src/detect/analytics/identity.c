/* identity — one normalised identity record per event.
 *
 * The parsers already give ECS fields (user.name, source.ip,
 * event.category "authentication", event.outcome, event.action,
 * user_agent.original); this file adds what the analytics need and what
 * ECS has no common name for: the protocol or client app, the failure
 * reason, the mailbox touched and how much was read, and the session id
 * that joins a Dovecot login line to the line that ends that session.
 *
 *   source            kind      taken from
 *   Dovecot login     AUTH      dovecot.service (imap-login -> imap), dovecot.reason, dovecot.session
 *   Dovecot logout    MAILREAD  dovecot.body_bytes (else destination.bytes = out=), dovecot.body_count;
 *                               POP3 retr=N/B from the message; the session joins it to its login
 *   Dovecot sieve     ADMIN     "sieve: ... forwarded to <addr>" / "redirect" in the message
 *   Postfix SASL      AUTH      postfix.sasl_method; proto smtp
 *   sshd              AUTH      ssh.method; proto ssh
 *   Exchange IIS      AUTH      exchange.app (owa, ews, activesync, ...), HTTP 401/403 = failure,
 *                               sc-win32-status as reason, user agent
 *   Windows           AUTH      4624/4625/4648/4768/4771/4776: LogonType, Status/SubStatus/FailureCode
 *   Entra sign-ins    AUTH      clientAppUsed, appDisplayName, errorCode / ResultType, location
 *   M365 UAL          AUTH      UserLoggedIn / UserLoginFailed
 *                     MAILREAD  MailItemsAccessed: OperationCount, else Folders' message count;
 *                               MailboxOwnerUPN, ClientAppId / AppId, IsThrottled, SessionId
 *                     ADMIN     every other Exchange / Entra operation (rules, permissions, consent)
 */
#include <stdlib.h>
#include <string.h>

#include "detect/analytics/an.h"
#include "event/event-int.h"
#include "event/field.h"

#define XNAMES(X)                                                                                                      \
	X(DV_SERVICE, "dovecot.service")                                                                               \
	X(DV_SESSION, "dovecot.session")                                                                               \
	X(DV_BODY_BYTES, "dovecot.body_bytes")                                                                         \
	X(DV_BODY_COUNT, "dovecot.body_count")                                                                         \
	X(DV_REASON, "dovecot.reason")                                                                                 \
	X(PF_SASL, "postfix.sasl_method")                                                                              \
	X(SSH_METHOD, "ssh.method")                                                                                    \
	X(EX_APP, "exchange.app")                                                                                      \
	X(HTTP_STATUS, "http.response.status_code")                                                                    \
	X(W32_STATUS, "sc-win32-status")                                                                               \
	X(RAW_MESSAGE, "message")                                                                                      \
	X(OPCOUNT, "OperationCount")                                                                                   \
	X(OPCOUNT_LC, "operationcount")                                                                                \
	X(MBOX_OWNER, "MailboxOwnerUPN")                                                                               \
	X(MBOX_OWNER_LC, "mailboxownerupn")                                                                            \
	X(CLIENT_APP_ID, "ClientAppId")                                                                                \
	X(CLIENT_APP_ID_LC, "clientappid")                                                                             \
	X(APP_ID, "AppId")                                                                                             \
	X(APP_ID_LC, "appid")                                                                                          \
	X(CLIENT_INFO, "ClientInfoString")                                                                             \
	X(CLIENT_INFO_LC, "clientinfostring")                                                                          \
	X(SESSION_ID, "SessionId")                                                                                     \
	X(SESSION_ID_LC, "sessionid")                                                                                  \
	X(OP_PROPS, "OperationProperties")                                                                             \
	X(OP_PROPS_THR, "OperationProperties.IsThrottled")                                                             \
	X(OP_PROPS_THR_LC, "operationproperties.IsThrottled")                                                          \
	X(FOLDERS, "Folders")                                                                                          \
	X(FOLDERS_LC, "folders")                                                                                       \
	X(AZ_CLIENT_APP, "properties.clientAppUsed")                                                                   \
	X(SE_CLIENT_APP, "ClientAppUsed")                                                                              \
	X(AZ_APP_NAME, "properties.appDisplayName")                                                                    \
	X(SE_APP_NAME, "AppDisplayName")                                                                               \
	X(AZ_ERROR, "properties.status.errorCode")                                                                     \
	X(SE_RESULT, "ResultType")                                                                                     \
	X(AZ_COUNTRY, "properties.location.countryOrRegion")                                                           \
	X(AZ_CITY, "properties.location.city")                                                                         \
	X(AZ_LAT, "properties.location.geoCoordinates.latitude")                                                       \
	X(AZ_LON, "properties.location.geoCoordinates.longitude")                                                      \
	X(SE_COUNTRY, "LocationDetails.countryOrRegion")                                                               \
	X(SE_LAT, "LocationDetails.geoCoordinates.latitude")                                                           \
	X(SE_LON, "LocationDetails.geoCoordinates.longitude")                                                          \
	X(WIN_LOGON_TYPE, "LogonType")                                                                                 \
	X(WIN_STATUS, "Status")                                                                                        \
	X(WIN_SUBSTATUS, "SubStatus")                                                                                  \
	X(WIN_FAILURE_CODE, "FailureCode")                                                                             \
	X(WIN_AUTH_PKG, "AuthenticationPackageName")

enum {
#define X(e, n) XI_##e,
	XNAMES(X)
#undef X
	    XI_MAX
};
static const char *const xnames[] = {
#define X(e, n) n,
    XNAMES(X)
#undef X
};

struct ident_ids {
	uint32_t id[XI_MAX];
};

ident_ids *ident_ids_new(spoor_ctx *ctx)
{
	ident_ids *ids = xcalloc(1, sizeof(*ids));
	if (!ids)
		return NULL;
	for (int i = 0; i < XI_MAX; i++)
		ids->id[i] = field_intern(&ctx->ft, xnames[i], strlen(xnames[i]));
	return ids;
}

void ident_ids_free(ident_ids *ids)
{
	free(ids);
}

spoor_sv ident_field(spoor_event *ev, uint32_t fid)
{
	spoor_sv t = {"", 0};
	if (fid && event_get_text(ev, fid, &t))
		return t;
	t.p = "";
	t.n = 0;
	return t;
}

static spoor_sv X2(const ident_ids *ids, spoor_event *ev, int a, int b)
{
	spoor_sv t = ident_field(ev, ids->id[a]);
	if (!t.n && b >= 0)
		t = ident_field(ev, ids->id[b]);
	return t;
}

static spoor_sv lower(arena *ar, spoor_sv s)
{
	char *p = arena_alloc(ar, s.n + 1);
	if (!p)
		return (spoor_sv){NULL, 0};
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		p[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	p[s.n] = 0;
	return sv_make(p, s.n);
}

static bool to_double(spoor_sv s, double *out)
{
	char tmp[64];
	if (!s.n || s.n >= sizeof(tmp))
		return false;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = 0;
	char *end;
	double v = strtod(tmp, &end);
	if (end == tmp || *end)
		return false;
	*out = v;
	return true;
}

static size_t count_sub(spoor_sv s, const char *needle)
{
	size_t n = 0, ln = strlen(needle);
	for (size_t i = 0; i + ln <= s.n; i++)
		if (memcmp(s.p + i, needle, ln) == 0) {
			n++;
			i += ln - 1;
		}
	return n;
}

static const char *find_sub(spoor_sv s, const char *needle)
{
	size_t ln = strlen(needle);
	for (size_t i = 0; i + ln <= s.n; i++)
		if (memcmp(s.p + i, needle, ln) == 0)
			return s.p + i;
	return NULL;
}

/* "retr=5/12345" in a POP3 logout message */
static bool pop3_retr(spoor_sv msg, uint64_t *items, uint64_t *bytes)
{
	const char *p = find_sub(msg, "retr=");
	if (!p)
		return false;
	const char *end = msg.p + msg.n;
	p += 5;
	uint64_t a = 0, b = 0;
	const char *q = p;
	while (q < end && *q >= '0' && *q <= '9')
		a = a * 10 + (uint64_t)(*q++ - '0');
	if (q == p || q >= end || *q != '/')
		return false;
	const char *r = ++q;
	while (q < end && *q >= '0' && *q <= '9')
		b = b * 10 + (uint64_t)(*q++ - '0');
	if (q == r)
		return false;
	*items = a;
	*bytes = b;
	return true;
}

/* Dovecot Pigeonhole: "sieve: msgid=<..>: forwarded to <addr>" or
 * "redirect action: forwarded to <addr>"; returns the address. */
static spoor_sv sieve_target(spoor_sv msg)
{
	const char *p = find_sub(msg, "sieve");
	if (!p)
		return (spoor_sv){NULL, 0};
	spoor_sv rest = sv_make(p, (size_t)(msg.p + msg.n - p));
	const char *f = find_sub(rest, "forwarded to <");
	if (!f)
		f = find_sub(rest, "redirected to <");
	if (!f)
		return (spoor_sv){NULL, 0};
	f = memchr(f, '<', (size_t)(msg.p + msg.n - f)) + 1;
	const char *e = memchr(f, '>', (size_t)(msg.p + msg.n - f));
	if (!e)
		return (spoor_sv){NULL, 0};
	return sv_make(f, (size_t)(e - f));
}

static bool is_m365_op(spoor_sv a, const char *s)
{
	return sv_ieq_cstr(a, s);
}

/* sshd's "Failed <method> for invalid user NAME from ...": the name is
 * no account on the host.  Only that prefix counts (what follows "for "
 * can be chosen by whoever connects). */
static bool ssh_invalid_user(spoor_sv m)
{
	static const char pre[] = "Failed ";
	if (m.n < sizeof(pre) || memcmp(m.p, pre, sizeof(pre) - 1))
		return false;
	size_t i = sizeof(pre) - 1;
	while (i < m.n && m.p[i] != ' ')
		i++;
	static const char f1[] = " for invalid user ", f2[] = " for illegal user ";
	size_t k = sizeof(f1) - 1;
	return m.n - i > k && (!memcmp(m.p + i, f1, k) || !memcmp(m.p + i, f2, k));
}

/* A failure the authenticating system explains by the account not
 * existing: Windows 0xC0000064, Entra 50034, Dovecot "unknown user". */
static bool reason_no_account(spoor_sv r)
{
	return sv_ieq_cstr(r, "0xc0000064") || sv_eq_cstr(r, "50034") || find_sub(r, "unknown user");
}

int ident_from_event(const ident_ids *ids, spoor_event *ev, arena *scratch, ident *id)
{
	memset(id, 0, sizeof(*id));
	id->outcome = -1;
	id->ev = ev;
	if (!ev->has_ts)
		return 0;
	id->ts = ev->ts;
	bool mail_login = false; /* a mail server's login name (Dovecot, Postfix SASL) */
	spoor_sv user = ident_field(ev, F_USER_NAME);
	spoor_sv cat = ident_field(ev, F_EVENT_CATEGORY);
	spoor_sv out = ident_field(ev, F_EVENT_OUTCOME);
	spoor_sv act = ident_field(ev, F_EVENT_ACTION);
	const spoor_logsource *ls = &ev->ls;
	id->action = act;
	id->src = ident_field(ev, F_SOURCE_IP);
	id->ua = ident_field(ev, F_USER_AGENT_ORIGINAL);
	if (sv_eq_cstr(out, "success"))
		id->outcome = 1;
	else if (sv_eq_cstr(out, "failure"))
		id->outcome = 0;

	/* geo: the enricher's, else what the sign-in log says itself */
	id->country = ident_field(ev, F_SOURCE_GEO_COUNTRY);
	id->asorg = ident_field(ev, F_SOURCE_AS_ORG);
	sv_to_u64(ident_field(ev, F_SOURCE_AS_NUMBER), &id->asn);
	id->has_loc = to_double(ident_field(ev, F_SOURCE_GEO_LAT), &id->lat) &&
		      to_double(ident_field(ev, F_SOURCE_GEO_LON), &id->lon);
	id->anon = ident_field(ev, F_SOURCE_ANONYMIZER);
	id->city = ident_field(ev, F_SOURCE_GEO_CITY);
	if (!id->city.n)
		id->city = ident_field(ev, ids->id[XI_AZ_CITY]);
	if (!id->country.n)
		id->country = X2(ids, ev, XI_AZ_COUNTRY, XI_SE_COUNTRY);
	if (!id->has_loc)
		id->has_loc = (to_double(ident_field(ev, ids->id[XI_AZ_LAT]), &id->lat) &&
			       to_double(ident_field(ev, ids->id[XI_AZ_LON]), &id->lon)) ||
			      (to_double(ident_field(ev, ids->id[XI_SE_LAT]), &id->lat) &&
			       to_double(ident_field(ev, ids->id[XI_SE_LON]), &id->lon));

	bool m365 = sv_eq_cstr(ls->product, "m365");
	bool azure = sv_eq_cstr(ls->product, "azure");
	spoor_sv dvs = ident_field(ev, ids->id[XI_DV_SERVICE]);
	spoor_sv exapp = ident_field(ev, ids->id[XI_EX_APP]);

	if (dvs.n) {
		/* Dovecot */
		mail_login = true;
		id->session = ident_field(ev, ids->id[XI_DV_SESSION]);
		size_t k = dvs.n;
		if (k > 6 && memcmp(dvs.p + k - 6, "-login", 6) == 0)
			k -= 6;
		id->proto = sv_make(dvs.p, k);
		id->reason = ident_field(ev, ids->id[XI_DV_REASON]);
		spoor_sv msg = ident_field(ev, ids->id[XI_RAW_MESSAGE]);
		spoor_sv fwd = sieve_target(msg);
		if (fwd.n && user.n) {
			id->kind = IK_ADMIN;
			id->action = SPOOR_SV("sieve-redirect");
			id->client = fwd; /* the forwarding target */
		} else if (sv_eq_cstr(act, "logout")) {
			id->kind = IK_MAILREAD;
			uint64_t v;
			if (sv_to_u64(ident_field(ev, ids->id[XI_DV_BODY_BYTES]), &v)) {
				id->bytes = v;
				id->has_bytes = true;
			} else if (sv_to_u64(ident_field(ev, F_DESTINATION_BYTES), &v)) {
				id->bytes = v;
				id->has_bytes = true;
			}
			if (sv_to_u64(ident_field(ev, ids->id[XI_DV_BODY_COUNT]), &v)) {
				id->items = v;
				id->has_items = true;
			}
			if (pop3_retr(msg, &id->items, &id->bytes))
				id->has_items = id->has_bytes = true;
			if (!id->has_bytes && !id->has_items)
				id->kind = IK_NONE;
		} else if (sv_eq_cstr(cat, "authentication") && id->outcome >= 0) {
			id->kind = IK_AUTH;
		}
	} else if (exapp.n) {
		/* Exchange IIS: every authenticated request; 401/403 = failed logon */
		id->proto = exapp;
		int64_t st = 0;
		sv_to_i64(ident_field(ev, ids->id[XI_HTTP_STATUS]), &st);
		if (id->outcome < 0) {
			if (st == 401 || st == 403)
				id->outcome = 0;
			else if (st >= 200 && st < 400 && user.n)
				id->outcome = 1;
		}
		id->reason = ident_field(ev, ids->id[XI_W32_STATUS]);
		if (sv_eq_cstr(id->reason, "0"))
			id->reason = (spoor_sv){"", 0};
		id->client = id->ua;
		if (id->outcome >= 0)
			id->kind = IK_AUTH;
	} else if (m365) {
		id->proto = SPOOR_SV("m365");
		id->client = X2(ids, ev, XI_CLIENT_APP_ID, XI_CLIENT_APP_ID_LC);
		if (!id->client.n)
			id->client = X2(ids, ev, XI_APP_ID, XI_APP_ID_LC);
		id->session = X2(ids, ev, XI_SESSION_ID, XI_SESSION_ID_LC);
		if (is_m365_op(act, "UserLoggedIn") || is_m365_op(act, "UserLoginFailed")) {
			id->kind = IK_AUTH;
			if (is_m365_op(act, "UserLoginFailed"))
				id->outcome = 0;
		} else if (is_m365_op(act, "MailItemsAccessed")) {
			id->kind = IK_MAILREAD;
			id->mailbox = X2(ids, ev, XI_MBOX_OWNER, XI_MBOX_OWNER_LC);
			uint64_t v;
			if (sv_to_u64(X2(ids, ev, XI_OPCOUNT, XI_OPCOUNT_LC), &v)) {
				id->items = v;
			} else {
				spoor_sv f = X2(ids, ev, XI_FOLDERS, XI_FOLDERS_LC);
				id->items = count_sub(f, "InternetMessageId");
				if (!id->items)
					id->items = 1;
			}
			id->has_items = true;
			spoor_sv thr = X2(ids, ev, XI_OP_PROPS_THR, XI_OP_PROPS_THR_LC);
			spoor_sv props = ident_field(ev, ids->id[XI_OP_PROPS]);
			id->throttled =
			    sv_ieq_cstr(thr, "true") || find_sub(props, "\"IsThrottled\",\"Value\":\"True\"");
			spoor_sv ci = X2(ids, ev, XI_CLIENT_INFO, XI_CLIENT_INFO_LC);
			if (!id->client.n)
				id->client = ci;
		} else if (act.n) {
			id->kind = IK_ADMIN;
		}
	} else if (azure) {
		id->client = X2(ids, ev, XI_AZ_CLIENT_APP, XI_SE_CLIENT_APP);
		id->proto = SPOOR_SV("entra");
		id->reason = X2(ids, ev, XI_AZ_ERROR, XI_SE_RESULT);
		if (sv_eq_cstr(id->reason, "0"))
			id->reason = (spoor_sv){"", 0};
		if (sv_eq_cstr(cat, "authentication") && id->outcome >= 0)
			id->kind = IK_AUTH;
		else if (act.n)
			id->kind = IK_ADMIN;
		if (!id->client.n)
			id->client = X2(ids, ev, XI_AZ_APP_NAME, XI_SE_APP_NAME);
	} else if (sv_eq_cstr(cat, "authentication") && id->outcome >= 0) {
		spoor_sv svc = ls->service;
		if (sv_eq_cstr(svc, "postfix")) {
			id->proto = SPOOR_SV("smtp");
			mail_login = true;
			id->client = ident_field(ev, ids->id[XI_PF_SASL]);
		} else if (sv_eq_cstr(svc, "sshd")) {
			id->proto = SPOOR_SV("ssh");
			id->client = ident_field(ev, ids->id[XI_SSH_METHOD]);
			/* "Invalid user X from A" (a user enumeration try, as
			 * CrowdSec counts it) and "Failed password for invalid
			 * user X": X is no account on the host */
			id->no_account =
			    sv_eq_cstr(act, "invalid_user") || ssh_invalid_user(ident_field(ev, F_MESSAGE));
		} else if (sv_eq_cstr(ls->product, "windows")) {
			id->proto = SPOOR_SV("windows");
			id->client = ident_field(ev, ids->id[XI_WIN_AUTH_PKG]);
			spoor_sv lt = ident_field(ev, ids->id[XI_WIN_LOGON_TYPE]);
			/* service and system logons are not people signing in */
			if (sv_eq_cstr(lt, "5") || sv_eq_cstr(lt, "0"))
				return 0;
			id->reason = ident_field(ev, ids->id[XI_WIN_SUBSTATUS]);
			if (!id->reason.n || sv_eq_cstr(id->reason, "0x0"))
				id->reason = ident_field(ev, ids->id[XI_WIN_STATUS]);
			if (!id->reason.n)
				id->reason = ident_field(ev, ids->id[XI_WIN_FAILURE_CODE]);
			if (sv_eq_cstr(id->reason, "0x0"))
				id->reason = (spoor_sv){"", 0};
		} else {
			id->proto = svc.n ? svc : ls->product;
		}
		id->kind = IK_AUTH;
	}
	if (id->kind == IK_NONE)
		return 0;
	if (id->kind == IK_AUTH && id->outcome == 0 && reason_no_account(id->reason))
		id->no_account = true;
	/* account: machine accounts and anonymous logons are not identities */
	if (!user.n || sv_eq_cstr(user, "-") || (user.n && user.p[user.n - 1] == '$') ||
	    sv_ieq_cstr(user, "ANONYMOUS LOGON")) {
		/* a failure without an account (Postfix SASL) still counts
		 * against its source */
		bool keep =
		    id->kind == IK_AUTH && id->outcome == 0 && id->src.n && !(user.n && user.p[user.n - 1] == '$');
		if (keep) {
			user = (spoor_sv){"", 0};
		} else if (id->kind != IK_MAILREAD || !id->mailbox.n) {
			id->kind = IK_NONE;
			return 0;
		}
	}
	/* a mail server's bare login name: the address the inventory gave it
	 * (user.email, inventory-stage.c), the account M365 and SASL name */
	if (mail_login && user.n && !memchr(user.p, '@', user.n) && !memchr(user.p, '\\', user.n)) {
		spoor_sv em = ident_field(ev, F_USER_EMAIL);
		if (em.n) {
			if (id->mailbox.p == user.p && id->mailbox.n == user.n)
				id->mailbox = em;
			user = em;
		}
	}
	id->user = lower(scratch, user);
	if (!id->user.p)
		return SPOOR_ENOMEM;
	if (id->mailbox.n) {
		id->mailbox = lower(scratch, id->mailbox);
		if (!id->mailbox.p)
			return SPOOR_ENOMEM;
	} else {
		id->mailbox = id->user;
	}
	if (sv_eq_cstr(id->src, "-") || sv_eq_cstr(id->src, "::1") || sv_eq_cstr(id->src, "127.0.0.1"))
		id->src = (spoor_sv){"", 0};
	return 0;
}

/* The value of an Exchange cmdlet parameter: Parameters.<name> (the M365
 * shape exposes Name/Value lists so), parameters.<name> (lower-cased
 * exports), or inside a Parameters JSON string (Sentinel OfficeActivity). */
spoor_sv ident_param(spoor_event *ev, const char *name)
{
	static const char *const pre[] = {"Parameters.", "parameters.", "ModifiedProperties.", "OperationProperties."};
	char tmp[160];
	size_t ln = strlen(name);
	for (size_t i = 0; i < ARRAY_SIZE(pre); i++) {
		size_t lp = strlen(pre[i]);
		if (lp + ln >= sizeof(tmp))
			continue;
		memcpy(tmp, pre[i], lp);
		memcpy(tmp + lp, name, ln);
		uint32_t fid = field_find(&ev->ctx->ft, tmp, lp + ln);
		spoor_sv t = ident_field(ev, fid);
		if (t.n)
			return t;
	}
	static const char *const whole[] = {"Parameters", "parameters"};
	for (size_t i = 0; i < ARRAY_SIZE(whole); i++) {
		uint32_t fid = field_find(&ev->ctx->ft, whole[i], strlen(whole[i]));
		spoor_sv t = ident_field(ev, fid);
		if (!t.n || t.p[0] != '[')
			continue;
		int k = snprintf(tmp, sizeof(tmp), "\"Name\":\"%s\",\"Value\":\"", name);
		if (k <= 0 || (size_t)k >= sizeof(tmp))
			continue;
		const char *p = find_sub(t, tmp);
		if (!p)
			continue;
		p += k;
		const char *end = t.p + t.n, *q = p;
		while (q < end && *q != '"')
			q += *q == '\\' ? 2 : 1;
		return sv_make(p, (size_t)(MIN(q, end) - p));
	}
	return (spoor_sv){"", 0};
}
