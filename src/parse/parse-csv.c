/* parse-csv — generic delimited text with a header line (CSV, TSV,
 * semicolon- or pipe-separated exports).
 *
 * The first line names the columns; its most frequent delimiter outside
 * quotes (',' ';' TAB '|') is the file's.  Values follow RFC 4180 quoting
 * ("" inside quotes is a quote), one record per line: a quoted value
 * holding a line break makes that record bad (the scanner frames lines).
 * Empty values are left out; values that are numbers are numbers.  A
 * record with more values than columns is bad; fewer is fine (trailing
 * columns empty).
 *
 * ECS from common column names (case-insensitive): a time column
 * (@timestamp, timestamp, time, date, datetime, eventtime, ts,
 * TimeGenerated, CreationTime, created_at) -> @timestamp; source/client IP
 * columns -> source.ip; destination/server IP columns -> destination.ip;
 * user columns -> user.name; action -> event.action.  No logsource. */
#include <stdio.h>
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/syslog-int.h"

enum { CSV_MAX = 512 };

enum crole { C_NONE = 0, C_TIME, C_SRC_IP, C_DST_IP, C_USER, C_ACTION };

typedef struct csv_state {
	bool have_header;
	char sep;
	size_t nf;
	uint32_t ids[CSV_MAX];
	uint8_t role[CSV_MAX];
} csv_state;

static const struct {
	const char *name;
	enum crole role;
} crole_names[] = {
	{"@timestamp", C_TIME},     {"timestamp", C_TIME},      {"time", C_TIME},          {"date", C_TIME},
	{"datetime", C_TIME},       {"eventtime", C_TIME},      {"ts", C_TIME},            {"timegenerated", C_TIME},
	{"creationtime", C_TIME},   {"created_at", C_TIME},     {"date-time", C_TIME},     {"src_ip", C_SRC_IP},
	{"srcip", C_SRC_IP},        {"source_ip", C_SRC_IP},    {"sourceip", C_SRC_IP},    {"source.ip", C_SRC_IP},
	{"client_ip", C_SRC_IP},    {"client ip", C_SRC_IP},    {"source ip", C_SRC_IP},   {"ip address", C_SRC_IP},
	{"clientipaddress", C_SRC_IP}, {"destination ip", C_DST_IP},    {"clientip", C_SRC_IP},     {"ipaddress", C_SRC_IP},   {"ip", C_SRC_IP},
	{"dst_ip", C_DST_IP},       {"dstip", C_DST_IP},        {"destination_ip", C_DST_IP}, {"destinationip", C_DST_IP},
	{"destination.ip", C_DST_IP}, {"server_ip", C_DST_IP},  {"user", C_USER},          {"username", C_USER},
	{"user_name", C_USER},      {"userid", C_USER},         {"userprincipalname", C_USER}, {"account", C_USER},
	{"user.name", C_USER},      {"action", C_ACTION},       {"operation", C_ACTION},   {"event.action", C_ACTION},
};

static int csv_open(void *state, const parse_env *env)
{
	(void)env;
	memset(state, 0, sizeof(csv_state));
	return 0;
}

static void csv_close(void *state)
{
	(void)state;
}

/* The delimiter that occurs most often outside quotes; 0 if none. */
static char pick_sep(spoor_sv l)
{
	static const char cand[] = {',', ';', '\t', '|'};
	size_t cnt[4] = {0};
	bool q = false;
	for (size_t i = 0; i < l.n; i++) {
		if (l.p[i] == '"')
			q = !q;
		else if (!q) {
			for (size_t k = 0; k < 4; k++)
				cnt[k] += l.p[i] == cand[k];
		}
	}
	size_t best = 0;
	for (size_t k = 1; k < 4; k++) {
		if (cnt[k] > cnt[best])
			best = k;
	}
	return cnt[best] ? cand[best] : 0;
}

/* Next value (RFC 4180).  0 ok, 1 ok and it was the last, <0 bad.  Also
 * used by the W3C reader for Exchange's CSV logs. */
int csv_value_next(spoor_event *ev, spoor_sv *s, char sep, spoor_sv *out)
{
	if (s->n && s->p[0] == '"') {
		size_t i = 1;
		bool dq = false;
		for (;;) {
			if (i >= s->n)
				return SPOOR_EPARSE;
			if (s->p[i] == '"') {
				if (i + 1 < s->n && s->p[i + 1] == '"') {
					dq = true;
					i += 2;
					continue;
				}
				break;
			}
			i++;
		}
		spoor_sv v = sv_make(s->p + 1, i - 1);
		*s = sl_skip(*s, i + 1);
		while (s->n && (s->p[0] == ' ' || s->p[0] == '\r'))
			*s = sl_skip(*s, 1);
		if (s->n && s->p[0] != sep)
			return SPOOR_EPARSE;
		if (dq && ev) {
			char *c = arena_alloc(&ev->ar, v.n);
			if (!c)
				return SPOOR_ENOMEM;
			size_t k = 0;
			for (size_t m = 0; m < v.n; m++) {
				c[k++] = v.p[m];
				if (v.p[m] == '"')
					m++;
			}
			v = sv_make(c, k);
		}
		*out = v;
		if (!s->n)
			return 1;
		*s = sl_skip(*s, 1);
		return 0;
	}
	const char *q = s->n ? memchr(s->p, sep, s->n) : NULL;
	if (!q) {
		*out = *s;
		*s = sl_skip(*s, s->n);
		return 1;
	}
	*out = sv_make(s->p, (size_t)(q - s->p));
	*s = sl_skip(*s, (size_t)(q - s->p) + 1);
	return 0;
}

static int header(csv_state *st, const parse_env *env, spoor_sv line)
{
	if (line.n >= 3 && !memcmp(line.p, "\xEF\xBB\xBF", 3))
		line = sl_skip(line, 3);
	st->sep = pick_sep(line);
	if (!st->sep)
		st->sep = ',';
	spoor_sv s = line, v;
	st->nf = 0;
	for (;;) {
		int r = csv_value_next(NULL, &s, st->sep, &v);
		if (r < 0)
			return diag_set(env->diag, SPOOR_EPARSE, "csv: bad quoting in the header");
		if (st->nf >= CSV_MAX)
			return diag_set(env->diag, SPOOR_ELIMIT, "csv: more than %d columns", CSV_MAX);
		v = sv_trim(v);
		uint32_t id;
		if (v.n) {
			id = field_intern(&env->ctx->ft, v.p, v.n);
		} else {
			char nm[24];
			int n = snprintf(nm, sizeof(nm), "column%zu", st->nf + 1);
			id = field_intern(&env->ctx->ft, nm, (size_t)n);
		}
		if (!id)
			return diag_set(env->diag, SPOOR_ELIMIT, "csv: field name table full");
		enum crole ro = C_NONE;
		for (size_t i = 0; i < ARRAY_SIZE(crole_names); i++) {
			if (sv_ieq_cstr(v, crole_names[i].name)) {
				ro = crole_names[i].role;
				break;
			}
		}
		st->role[st->nf] = (uint8_t)ro;
		st->ids[st->nf++] = id;
		if (r == 1)
			break;
	}
	st->have_header = true;
	return 1;
}

static bool numeric(spoor_sv v)
{
	size_t i = v.n && v.p[0] == '-' ? 1 : 0;
	if (i >= v.n)
		return false;
	bool dot = false;
	if (v.p[i] == '0' && i + 1 < v.n && v.p[i + 1] != '.')
		return false; /* leading zeros: keep as text (ids, zip codes) */
	for (; i < v.n; i++) {
		if (v.p[i] == '.' && !dot)
			dot = true;
		else if (v.p[i] < '0' || v.p[i] > '9')
			return false;
	}
	return v.p[v.n - 1] != '.';
}

static int csv_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	csv_state *st = state;
	if (!st->have_header) {
		if (line.n && line.p[0] == '#')
			return 1; /* comment lines before the header */
		return header(st, env, line);
	}
	spoor_sv s = line, v;
	size_t f = 0;
	int r;
	for (;;) {
		int k = csv_value_next(ev, &s, st->sep, &v);
		if (k == SPOOR_ENOMEM)
			return k;
		if (k < 0)
			return diag_set(env->diag, SPOOR_EPARSE, "csv: bad quoting in column %zu", f + 1);
		if (f >= st->nf)
			return diag_set(env->diag, SPOOR_EPARSE, "csv: more values than the %zu columns", st->nf);
		if (v.n) {
			if ((r = event_add(ev, st->ids[f], numeric(v) ? SPOOR_VT_NUM : SPOOR_VT_STR, v, sl_hi(v))) < 0)
				return r;
			switch ((enum crole)st->role[f]) {
			case C_TIME:
				if (!ev->has_ts && sl_epoch_safe(v))
					ecs_set_time(ev, v);
				r = 0;
				break;
			case C_SRC_IP:
				r = ecs_set_ip(ev, F_SOURCE_IP, v);
				break;
			case C_DST_IP:
				r = ecs_set_ip(ev, F_DESTINATION_IP, v);
				break;
			case C_USER:
				r = ecs_set_user(ev, v);
				break;
			case C_ACTION:
				r = ecs_set(ev, F_EVENT_ACTION, v);
				break;
			default:
				r = 0;
				break;
			}
			if (r < 0)
				return r;
		}
		f++;
		if (k == 1)
			break;
	}
	return 0;
}

/* A header: 2+ cells that all look like names; then, if present, a second
 * line with as many delimiters. */
static int csv_sniff(spoor_sv head)
{
	spoor_sv s = head;
	if (SL_STARTS(s, "\xEF\xBB\xBF"))
		s = sl_skip(s, 3);
	spoor_sv l1 = sl_until(&s, '\n');
	/* up to two "#..." comment lines before the header (btest, zeek-cut) */
	for (int k = 0; k < 2 && l1.n && l1.p[0] == '#' && s.n; k++) {
		s = sl_skip(s, 1);
		l1 = sl_until(&s, '\n');
	}
	if (!s.n && head.n >= 4096)
		return 0;
	l1 = sl_trim_end(l1, '\r');
	if (!l1.n || l1.p[0] == '#' || l1.p[0] == '{' || l1.p[0] == '[' || l1.p[0] == '<')
		return 0;
	char sep = pick_sep(l1);
	if (!sep)
		return 0;
	size_t cells = 0;
	spoor_sv t = l1, v;
	for (;;) {
		int r = csv_value_next(NULL, &t, sep, &v);
		if (r < 0)
			return 0;
		v = sv_trim(v);
		if (!v.n || v.n > 64 || (v.p[0] >= '0' && v.p[0] <= '9'))
			return 0;
		for (size_t i = 0; i < v.n; i++) {
			char c = v.p[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			      c == ' ' || c == '.' || c == '-' || c == '@' || c == '(' || c == ')' || c == '/'))
				return 0;
		}
		cells++;
		if (r == 1)
			break;
	}
	if (cells < 2)
		return 0;
	if (!s.n)
		return 25;
	s = sl_skip(s, 1);
	spoor_sv l2 = sl_trim_end(sl_until(&s, '\n'), '\r');
	if (!l2.n)
		return 25;
	size_t c2 = 1;
	t = l2;
	for (;;) {
		int r = csv_value_next(NULL, &t, sep, &v);
		if (r < 0)
			return 20;
		if (r == 1)
			break;
		c2++;
	}
	return c2 == cells ? 40 : 20;
}

const parser_vt parser_csv = {
	.name = "csv",
	.summary = "delimited text with a header line (CSV, TSV, ';' or '|' separated)",
	.recognizes = "any CSV export; common time, IP, user and action columns mapped to ECS",
	.sniff = csv_sniff,
	.state_size = sizeof(csv_state),
	.open = csv_open,
	.close = csv_close,
	.parse_line = csv_parse_line,
};
