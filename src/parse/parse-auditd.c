/* parse-auditd — the Linux audit log (auditd's /var/log/audit/audit.log),
 * RAW and ENRICHED log_format.  One event per record line:
 *
 *   [node=HOST ]type=TYPE msg=audit(SECONDS.FRAC:SERIAL): k=v k="v" ...
 *   	[0x1D K=v K="v" ...]            (ENRICHED: translated values)
 *
 * Fields keep auditd's names, as SigmaHQ's auditd rules test them: type,
 * node, every key=value of the record (a0..aN, name, nametype, exe, comm,
 * key, syscall, success, uid, auid, ...) and the ENRICHED translations
 * with their uppercase names (SYSCALL, UID, AUID, ARCH, ...).  Values:
 *  - "quoted" -> the text inside the quotes;
 *  - 'single quoted' (the msg='...' of USER_* and other user-space
 *    records) -> split into its own key=value fields (op, acct, exe,
 *    hostname, addr, terminal, res, ...);
 *  - unquoted uppercase hex in a field auditd hex-encodes when the text
 *    holds spaces, quotes or control bytes (EXECVE aN, proctitle, PATH
 *    name, cwd, exe, comm, acct, cmd, data, key, ...) -> the decoded text;
 *    proctitle's NUL separators become spaces; a hex key holding several
 *    keys (0x01-separated) keeps the first one;
 *  - SYSCALL's a0..a3 stay as the raw hex numbers the rules compare.
 * Tokens without '=' (AVC's "avc:  denied  { read } for") are skipped.
 *
 * auditd.serial is the SERIAL of msg=audit(...): the records of one event
 * share it (and the time).  ECS: host.name (node), process.pid (pid),
 * process.executable (exe), process.command_line (PROCTITLE's proctitle,
 * EXECVE's arguments joined with spaces), user.name (acct, else the
 * ENRICHED AUID, else UID), source.ip (addr), event.outcome (success=yes/no,
 * res=success/failed).  Logsource: product linux, service auditd.
 *
 * Limits: the line is bounded by limits.max_record (scanner), the fields
 * of one record by limits.max_fields (event_add), the EXECVE command line
 * by AUDITD_MAX_CMDLINE bytes (cut beyond).  A line that is not an audit
 * record is a bad record (the scanner reports file and offset). */
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/syslog-int.h"

#define AUDITD_MAX_CMDLINE 32768

static inline bool ad_dg(char c)
{
	return c >= '0' && c <= '9';
}

static inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* auditd encodes with uppercase hex digits, an even count. */
static bool is_hex(spoor_sv v)
{
	if (v.n < 2 || (v.n & 1))
		return false;
	for (size_t i = 0; i < v.n; i++) {
		if (hexval(v.p[i]) < 0)
			return false;
	}
	return true;
}

/* Keys whose unquoted value auditd writes as hex (audit_log_n_untrustedstring
 * in the kernel, audit_encode_nv_string in user space). */
static bool hex_key(spoor_sv type, spoor_sv k)
{
	static const char *const keys[] = {"proctitle", "name", "cwd",	"exe",	 "comm",      "acct",
					   "cmd",	"data", "path", "ocomm", "key",	      "watch",
					   "new-name",	"old",	"new",	"grp",	 "new_group", "vm"};
	if (k.n >= 2 && k.p[0] == 'a' && ad_dg(k.p[1]) && sv_eq_cstr(type, "EXECVE")) {
		/* a0, a1, ..., a1[0] (chunks of a long argument) */
		size_t i = 1;
		while (i < k.n && ad_dg(k.p[i]))
			i++;
		return i == k.n || k.p[i] == '[';
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (sv_eq_cstr(k, keys[i]))
			return true;
	}
	return false;
}

/* Decode hex into the event arena; NULs -> ' ' (trailing ones dropped)
 * when nul_space, else the text stops at 0x01 (key lists). */
static int hex_decode(spoor_event *ev, spoor_sv v, bool nul_space, spoor_sv *out)
{
	size_t n = v.n / 2;
	char *d = arena_alloc(&ev->ar, n ? n : 1);
	if (!d)
		return SPOOR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)(hexval(v.p[2 * i]) << 4 | hexval(v.p[2 * i + 1]));
		if (!nul_space && c == 0x01)
			break;
		if (nul_space && c == 0)
			c = ' ';
		d[k++] = c;
	}
	while (nul_space && k && d[k - 1] == ' ')
		k--;
	*out = sv_make(d, k);
	return 0;
}

typedef struct ad_rec {
	spoor_sv type;
	spoor_sv acct, auid_txt, uid_txt; /* user candidates, best first */
	char *cmd;			  /* EXECVE arguments joined */
	size_t cmd_n;
	bool cmd_cut;
} ad_rec;

static int add_field(spoor_event *ev, const parse_env *env, spoor_sv k, spoor_sv v)
{
	uint32_t id = field_intern(&env->ctx->ft, k.p, k.n);
	unsigned fl = sl_hi(v);
	if (!id)
		return event_add_named(ev, k, SPOOR_VT_STR, v, fl);
	return event_add(ev, id, SPOOR_VT_STR, v, fl);
}

static int cmd_append(spoor_event *ev, ad_rec *rc, spoor_sv v)
{
	if (rc->cmd_cut)
		return 0;
	if (!rc->cmd) {
		rc->cmd = arena_alloc(&ev->ar, AUDITD_MAX_CMDLINE);
		if (!rc->cmd)
			return SPOOR_ENOMEM;
	}
	size_t need = v.n + (rc->cmd_n ? 1 : 0);
	if (rc->cmd_n + need > AUDITD_MAX_CMDLINE) {
		rc->cmd_cut = true;
		return 0;
	}
	if (rc->cmd_n)
		rc->cmd[rc->cmd_n++] = ' ';
	memcpy(rc->cmd + rc->cmd_n, v.p, v.n);
	rc->cmd_n += v.n;
	return 0;
}

/* ECS from one key=value. */
static int ecs_kv(spoor_event *ev, ad_rec *rc, spoor_sv k, spoor_sv v, bool enriched)
{
	if (enriched) {
		if (sv_eq_cstr(k, "AUID"))
			rc->auid_txt = v;
		else if (sv_eq_cstr(k, "UID"))
			rc->uid_txt = v;
		return 0;
	}
	if (sv_eq_cstr(k, "pid") && sl_is_digits(v))
		return ecs_set_num(ev, F_PROCESS_PID, v);
	if (sv_eq_cstr(k, "exe") && !ecs_is_placeholder(v) && !sv_eq_cstr(v, "?"))
		return ecs_set(ev, F_PROCESS_EXECUTABLE, v);
	if (sv_eq_cstr(k, "addr") || sv_eq_cstr(k, "saddr_ip"))
		return ecs_set_ip(ev, F_SOURCE_IP, v);
	if (sv_eq_cstr(k, "acct") && !sv_eq_cstr(v, "?") && !ecs_is_placeholder(v))
		rc->acct = v;
	else if (sv_eq_cstr(k, "success"))
		return sv_eq_cstr(v, "yes") ? ecs_set_outcome(ev, 1) : sv_eq_cstr(v, "no") ? ecs_set_outcome(ev, 0) : 0;
	else if (sv_eq_cstr(k, "res"))
		return sv_eq_cstr(v, "success") || sv_eq_cstr(v, "1")  ? ecs_set_outcome(ev, 1)
		       : sv_eq_cstr(v, "failed") || sv_eq_cstr(v, "0") ? ecs_set_outcome(ev, 0)
								       : 0;
	else if (sv_eq_cstr(k, "proctitle") && sv_eq_cstr(rc->type, "PROCTITLE"))
		return ecs_set(ev, F_PROCESS_COMMAND_LINE, v);
	return 0;
}

/* The key=value pairs of s.  inner: inside msg='...'; enriched: after 0x1D. */
static int kv_list(spoor_event *ev, const parse_env *env, ad_rec *rc, spoor_sv s, bool inner, bool enriched)
{
	int r;
	while (s.n) {
		while (s.n && s.p[0] == ' ')
			s = sl_skip(s, 1);
		if (!s.n)
			break;
		/* the key: up to '=' or a space */
		size_t i = 0;
		while (i < s.n && s.p[i] != '=' && s.p[i] != ' ')
			i++;
		if (i == s.n || s.p[i] == ' ' || i == 0) {
			/* a bare word ("avc:", "denied", "{"): skip it */
			sl_word(&s);
			continue;
		}
		spoor_sv k = sv_make(s.p, i);
		s = sl_skip(s, i + 1);
		spoor_sv v;
		bool quoted = false;
		if (s.n && (s.p[0] == '"' || (s.p[0] == '\'' && !inner))) {
			char q = s.p[0];
			const char *e = memchr(s.p + 1, q, s.n - 1);
			size_t vn = e ? (size_t)(e - s.p) - 1 : s.n - 1;
			v = sv_make(s.p + 1, vn);
			s = sl_skip(s, vn + (e ? 2 : 1));
			if (q == '\'') {
				/* msg='op=... acct="x" res=failed': its own fields */
				if ((r = kv_list(ev, env, rc, v, true, false)) < 0)
					return r;
				continue;
			}
			quoted = true;
		} else {
			v = sl_word(&s);
		}
		if (!quoted && !enriched && is_hex(v) && hex_key(rc->type, k)) {
			bool pt = sv_eq_cstr(k, "proctitle");
			if ((r = hex_decode(ev, v, pt, &v)) < 0)
				return r;
		}
		if (!v.n && !quoted)
			continue;
		if ((r = add_field(ev, env, k, v)) < 0)
			return r;
		if (!enriched && sv_eq_cstr(rc->type, "EXECVE") && k.n >= 2 && k.p[0] == 'a' && ad_dg(k.p[1]) &&
		    sl_is_digits(sl_skip(k, 1)) && (r = cmd_append(ev, rc, v)) < 0)
			return r;
		if ((r = ecs_kv(ev, rc, k, v, enriched)) < 0)
			return r;
	}
	return 0;
}

/* "msg=audit(SECONDS[.FRAC]:SERIAL):" at s: its length, 0 if malformed. */
static size_t audit_stamp(spoor_sv s, int64_t *ns, spoor_sv *serial)
{
	if (!SL_STARTS(s, "msg=audit("))
		return 0;
	size_t i = 10, a = i;
	int64_t sec = 0, frac = 0;
	while (i < s.n && ad_dg(s.p[i]) && i - a < 11)
		sec = sec * 10 + (s.p[i++] - '0');
	if (i == a || sec > 9000000000) /* beyond int64 nanoseconds */
		return 0;
	if (i < s.n && s.p[i] == '.') {
		i++;
		int64_t mul = 100000000;
		while (i < s.n && ad_dg(s.p[i])) {
			frac += (s.p[i++] - '0') * mul;
			mul /= 10;
		}
	}
	if (i >= s.n || s.p[i] != ':')
		return 0;
	size_t b = ++i;
	while (i < s.n && ad_dg(s.p[i]) && i - b < 20)
		i++;
	if (i == b || i >= s.n || s.p[i] != ')')
		return 0;
	*serial = sv_make(s.p + b, i - b);
	i++;
	if (i < s.n && s.p[i] == ':')
		i++;
	*ns = sec * 1000000000 + frac;
	return i;
}

/* The header: optional "node=H ", "type=T ", the stamp.  Leaves *s after
 * it; false when the line is not an audit record. */
static bool header(spoor_sv *s, spoor_sv *node, spoor_sv *type, int64_t *ns, spoor_sv *serial)
{
	spoor_sv t = *s;
	node->n = 0;
	if (SL_EAT(&t, "node=")) {
		*node = sl_word(&t);
		while (t.n && t.p[0] == ' ')
			t = sl_skip(t, 1);
	}
	if (!SL_EAT(&t, "type="))
		return false;
	*type = sl_word(&t);
	if (!type->n)
		return false;
	while (t.n && t.p[0] == ' ')
		t = sl_skip(t, 1);
	size_t n = audit_stamp(t, ns, serial);
	if (!n)
		return false;
	*s = sl_skip(t, n);
	return true;
}

static int auditd_open(void *state, const parse_env *env)
{
	(void)state;
	(void)env;
	return 0;
}

static int record(const parse_env *env, spoor_sv s, spoor_sv node, spoor_sv type, spoor_sv serial, spoor_event *ev)
{
	int r;
	ev->ls.product = SPOOR_SV("linux");
	ev->ls.service = SPOOR_SV("auditd");
	ad_rec rc;
	memset(&rc, 0, sizeof(rc));
	rc.type = type;
	if (node.n) {
		if ((r = add_field(ev, env, SPOOR_SV("node"), node)) < 0 || (r = ecs_set(ev, F_HOST_NAME, node)) < 0)
			return r;
	}
	if ((r = add_field(ev, env, SPOOR_SV("type"), type)) < 0 ||
	    (r = add_field(ev, env, SPOOR_SV("auditd.serial"), serial)) < 0)
		return r;
	/* RAW part and, after 0x1D, the ENRICHED translations */
	const char *gs = memchr(s.p, 0x1d, s.n);
	spoor_sv raw = gs ? sv_make(s.p, (size_t)(gs - s.p)) : s;
	if ((r = kv_list(ev, env, &rc, raw, false, false)) < 0)
		return r;
	if (gs && (r = kv_list(ev, env, &rc, sl_skip(s, (size_t)(gs - s.p) + 1), false, true)) < 0)
		return r;
	if (rc.cmd_n && (r = event_set(ev, F_PROCESS_COMMAND_LINE, SPOOR_VT_STR, sv_make(rc.cmd, rc.cmd_n),
				       sl_hi(sv_make(rc.cmd, rc.cmd_n)) | SPOOR_FF_ECS)) < 0)
		return r;
	/* user.name: the account acted on, else the login (audit) user */
	spoor_sv u = rc.acct.n						  ? rc.acct
		     : rc.auid_txt.n && !sv_eq_cstr(rc.auid_txt, "unset") ? rc.auid_txt
									  : rc.uid_txt;
	if (u.n && !sv_eq_cstr(u, "unset") && !sv_eq_cstr(u, "?") && (r = ecs_set_user(ev, u)) < 0)
		return r;
	return 0;
}

static int auditd_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	(void)state;
	spoor_sv s = line, node, type, serial;
	int64_t ns;
	if (!header(&s, &node, &type, &ns, &serial))
		return diag_set(env->diag, SPOOR_EPARSE, "auditd: not an audit record (type=... msg=audit(...))");
	event_set_time(ev, ns);
	int r = record(env, s, node, type, serial, ev);
	if (r == SPOOR_ELIMIT)
		return diag_set(env->diag, r, "auditd: record has more than %zu fields (limits.max_fields)",
				env->ctx->lim.max_fields);
	if (r == SPOOR_ENOMEM)
		return diag_set(env->diag, r, "auditd: out of memory");
	return r;
}

/* The first non-empty line is "[node=H ]type=T msg=audit(...". */
static int auditd_sniff(spoor_sv head)
{
	spoor_sv s = head;
	spoor_sv l = sl_until(&s, '\n');
	for (int k = 0; k < 4 && s.n && !sv_trim(l).n; k++) {
		s = sl_skip(s, 1);
		l = sl_until(&s, '\n');
	}
	spoor_sv node, type, serial;
	int64_t ns;
	return header(&l, &node, &type, &ns, &serial) ? 90 : 0;
}

const parser_vt parser_auditd = {
	.name = "auditd",
	.summary = "Linux audit log (auditd audit.log, RAW or ENRICHED)",
	.recognizes = "SYSCALL, EXECVE (hex arguments), PROCTITLE, PATH, USER_* (msg='...'), every record type",
	.sniff = auditd_sniff,
	.state_size = 0,
	.open = auditd_open,
	.parse_line = auditd_parse_line,
};
