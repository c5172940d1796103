/* prov-privilege — privilege gained soon after a provider logon by the
 * same account: a group or role membership added (Windows 4728/4732/4756,
 * Entra "Add member to role"), sudo or su to root, within the privilege
 * window of the logon (T1078 Valid Accounts, T1098 Account Manipulation).
 * Only logons into an agency count, or logons that were themselves out of
 * scope: a provider's staff using sudo on the provider's own jump host
 * after an ordinary logon is their daily work.
 *
 * The privilege must be gained by the identity that logged on, on the host
 * it logged on to (the logon is tracked per account and host; a cloud
 * role add and its sign-in have no host and still pair), and it must be a
 * gain: a sudo that runs one administrative command (`systemctl status`,
 * a package update) is the routine work a provider's engineer is there
 * for and is not reported; a sudo to a root shell (`sudo -i`, `sudo -s`,
 * `sudo bash`, `sudo su`) or to account and sudoers management (useradd,
 * usermod, passwd, visudo, ...) is. */
#include <stdio.h>
#include <string.h>

#include "detect/analytics/prov-int.h"
#include "event/event-int.h"

static spoor_sv ftext(spoor_event *ev, uint32_t id)
{
	spoor_sv t = {NULL, 0};
	const efield *f = ev ? event_find(ev, id) : NULL;
	if (f && f->type != SPOOR_VT_NULL && !event_text(ev, f, &t))
		t.n = 0;
	return sv_trim(t);
}

const prov_rule prov_rule_privilege = {
    "spoor-provider-privilege-after-logon",
    "Privilege gained soon after a provider logon",
    SPOOR_LEVEL_HIGH,
    {"T1078", "T1098"},
    {"Privilege Escalation", "Persistence"},
};

/* Whether a sudo command line gains privilege: a shell or an identity
 * switch as root, or account / group / sudoers management. */
static bool sudo_gains(spoor_sv cmd)
{
	static const char *const gain[] = {"sh",      "bash",	  "dash",     "zsh",	"ksh",	  "csh",
					   "tcsh",    "fish",	  "ash",      "su",	"sudo",	  "sudoedit",
					   "visudo",  "useradd",  "adduser",  "usermod", "groupadd", "groupmod",
					   "gpasswd", "passwd",	  "chpasswd", "vipw",	"vigr",	  "setcap",
					   "chown",   "chmod",	  "tee",      "env",	"script", "pkexec"};
	if (!cmd.n)
		return true; /* sudo -i / -s log the shell; nothing to judge: report */
	size_t end = 0;
	while (end < cmd.n && cmd.p[end] != ' ')
		end++;
	size_t b = end;
	while (b > 0 && cmd.p[b - 1] != '/')
		b--;
	spoor_sv base = sv_make(cmd.p + b, end - b);
	for (size_t i = 0; i < ARRAY_SIZE(gain); i++)
		if (sv_eq_cstr(base, gain[i]))
			return true;
	return false;
}

int prov_check_privilege(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload)
{
	if (!e->ts)
		return 0;
	char key[300];
	size_t kn = 0;
	if (!prov_account_key(e, key, sizeof(key), &kn))
		return 0;
	/* per account and host: "p:" + account + "@" + host */
	spoor_sv host = ftext(e->ev, F_HOST_NAME);
	if (kn + host.n + 2 > sizeof(key))
		return 0;
	key[0] = 'p';
	key[kn++] = '@';
	for (size_t i = 0; i < host.n; i++)
		key[kn++] = (host.p[i] >= 'A' && host.p[i] <= 'Z') ? (char)(host.p[i] + 32) : host.p[i];
	if (e->access && e->p) {
		bool counts = e->m.agency != INV_NONE || e->violated;
		prov_track *t = prov_track_get(s, key, kn, counts);
		if (t) {
			t->logon_ts = counts ? e->ts : 0;
			t->logon_provider = e->m.provider;
			t->logon_violated = e->violated;
		}
		return 0;
	}
	if (!e->privilege)
		return 0;
	if (sv_eq_cstr(ftext(e->ev, F_EVENT_ACTION), "sudo_command") &&
	    !sudo_gains(ftext(e->ev, F_PROCESS_COMMAND_LINE)))
		return 0;
	prov_track *t = prov_track_get(s, key, kn, false);
	if (!t || !t->logon_ts || (e->m.agency == INV_NONE && !t->logon_violated) || e->ts < t->logon_ts ||
	    e->ts - t->logon_ts > s->o.privilege_window_s * (int64_t)1000000000)
		return 0;
	const inv_provider *p = &s->inv->providers[t->logon_provider];
	char why[600], mins[32];
	snprintf(mins, sizeof(mins), "%lld", (long long)((e->ts - t->logon_ts) / 1000000000 / 60));
	snprintf(why, sizeof(why), "account '%.*s' gained privilege %s min after a logon attributed to provider '%s'",
		 (int)MIN(e->m.user.n, 200), e->m.user.p, mins, p->id);
	const char *kv[] = {"spoor.logon.provider", p->id, "spoor.minutes_after_logon", mins, NULL};
	e->blame = t->logon_provider;
	return prov_emit(s, e, &prov_rule_privilege, e->ts, why, kv, fn, payload);
}
