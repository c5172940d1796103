/* syslog-int — what the syslog framing (parse-syslog.c) shares with the
 * program parsers (syslog-auth.c, syslog-mail.c): small token helpers over
 * views and the per-program entry points.
 *
 * A program parser gets the event with the syslog header fields already
 * set, the program name and the message body (views into the line); it
 * adds ECS fields and its own "<program>.*" fields, also as views into the
 * line whenever the value is a substring of it.  It returns 0 or a
 * negative error (SPOOR_ENOMEM, SPOOR_ELIMIT); a message it does not
 * know is not an error, the event keeps its generic fields. */
#ifndef SPOOR_SYSLOG_INT_H
#define SPOOR_SYSLOG_INT_H

#include <stdbool.h>
#include <string.h>

#include "base/base.h"
#include "event/event-int.h"
#include "parse/ecs.h"

/* Offset of the first occurrence of lit (length ln) in s, or -1. */
static inline ptrdiff_t sl_find(spoor_sv s, const char *lit, size_t ln)
{
	if (ln == 0)
		return 0;
	const char *p = s.p, *end = s.p + s.n;
	while ((size_t)(end - p) >= ln) {
		const char *q = memchr(p, lit[0], (size_t)(end - p) - ln + 1);
		if (!q)
			return -1;
		if (!memcmp(q, lit, ln))
			return q - s.p;
		p = q + 1;
	}
	return -1;
}
#define SL_FIND(s, lit) sl_find((s), (lit), sizeof(lit) - 1)

/* Last occurrence, or -1. */
static inline ptrdiff_t sl_rfind(spoor_sv s, const char *lit, size_t ln)
{
	if (ln == 0 || s.n < ln)
		return -1;
	for (size_t i = s.n - ln + 1; i-- > 0;) {
		if (s.p[i] == lit[0] && !memcmp(s.p + i, lit, ln))
			return (ptrdiff_t)i;
	}
	return -1;
}
#define SL_RFIND(s, lit) sl_rfind((s), (lit), sizeof(lit) - 1)

static inline bool sl_starts(spoor_sv s, const char *lit, size_t ln)
{
	return s.n >= ln && !memcmp(s.p, lit, ln);
}
#define SL_STARTS(s, lit) sl_starts((s), (lit), sizeof(lit) - 1)

/* Drop n bytes from the front. */
/* The next RFC 4180 value of a CSV line at *s (parse-csv.c): quotes and
 * doubled quotes undone (into ev's arena when needed; ev may be NULL to only
 * split).  0 = a value, 1 = the last value, < 0 = bad quoting. */
int csv_value_next(spoor_event *ev, spoor_sv *s, char sep, spoor_sv *out);

static inline spoor_sv sl_skip(spoor_sv s, size_t n)
{
	return n >= s.n ? sv_make(s.p + s.n, 0) : sv_make(s.p + n, s.n - n);
}
/* If s starts with lit, drop it and return true. */
static inline bool sl_eat(spoor_sv *s, const char *lit, size_t ln)
{
	if (!sl_starts(*s, lit, ln))
		return false;
	*s = sl_skip(*s, ln);
	return true;
}
#define SL_EAT(s, lit) sl_eat((s), (lit), sizeof(lit) - 1)

/* The token up to the first byte in stop (or the end); *s is left at that
 * byte. */
static inline spoor_sv sl_until(spoor_sv *s, char stop)
{
	const char *q = s->n ? memchr(s->p, stop, s->n) : NULL;
	size_t n = q ? (size_t)(q - s->p) : s->n;
	spoor_sv t = sv_make(s->p, n);
	*s = sl_skip(*s, n);
	return t;
}
/* Next space-separated word; *s is left after the space. */
static inline spoor_sv sl_word(spoor_sv *s)
{
	spoor_sv t = sl_until(s, ' ');
	if (s->n)
		*s = sl_skip(*s, 1);
	return t;
}
static inline spoor_sv sl_trim_end(spoor_sv s, char c)
{
	while (s.n && s.p[s.n - 1] == c)
		s.n--;
	return s;
}
static inline bool sl_is_digits(spoor_sv s)
{
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	}
	return true;
}

/* The value of "key=" in s (key given with its '='): up to sep (or the
 * end), with a trailing ',' dropped.  Matches only at the start or after a
 * space, ',' or ';'.  False when absent. */
bool sl_kv(spoor_sv s, const char *key, char sep, spoor_sv *out);

/* "host[ip]" or "host[ip]:port": fills the parts (port may be empty). */
bool sl_host_ip(spoor_sv s, spoor_sv *host, spoor_sv *ip, spoor_sv *port);

/* EF_HI when v has a byte >= 0x80 (the sink then validates it). */
static inline unsigned sl_hi(spoor_sv v)
{
	for (size_t i = 0; i < v.n; i++) {
		if ((unsigned char)v.p[i] >= 0x80)
			return EF_HI;
	}
	return 0;
}
/* Set a raw field (not ECS) from a view, ignoring empty values. */
static inline int sl_set(spoor_event *ev, uint32_t id, spoor_sv v)
{
	if (!v.n)
		return 0;
	return event_set(ev, id, SPOOR_VT_STR, v, sl_hi(v));
}
static inline int sl_set_num(spoor_event *ev, uint32_t id, spoor_sv v)
{
	if (!v.n)
		return 0;
	return event_set(ev, id, sl_is_digits(v) ? SPOOR_VT_NUM : SPOOR_VT_STR, v, 0);
}

/* False for epoch numbers time_parse_epoch() would overflow on (core bug:
 * ip * 1000000 for ip in [9223372036854, 1e14) and ip * 1000 for ip in
 * [9223372036854775, 1e17) overflow int64); callers skip those values. */
static inline bool sl_epoch_safe(spoor_sv v)
{
	v = sv_trim(v);
	size_t i = 0;
	uint64_t ip = 0;
	while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && i < 20)
		ip = ip * 10 + (uint64_t)(v.p[i++] - '0');
	if (i == 0 || (i < v.n && v.p[i] != '.'))
		return true; /* not an epoch number: parsed (or refused) elsewhere */
	return !((ip >= 9223372036854ull && ip < 100000000000000ull) ||
		 (ip >= 9223372036854775ull && ip < 100000000000000000ull));
}

/* Program parsers.  prog is the program ("sshd", "postfix/smtpd"), msg the
 * message body after "prog[pid]: ". */
int syslog_sshd(spoor_event *ev, spoor_sv msg);
int syslog_sudo(spoor_event *ev, spoor_sv msg);
int syslog_su(spoor_event *ev, spoor_sv msg);
int syslog_logind(spoor_event *ev, spoor_sv msg);
int syslog_cron(spoor_event *ev, spoor_sv msg);
int syslog_postfix(spoor_event *ev, spoor_sv prog, spoor_sv msg);
int syslog_dovecot(spoor_event *ev, spoor_sv prog, spoor_sv msg);
int syslog_courier(spoor_event *ev, spoor_sv prog, spoor_sv msg);
/* Exim main-log text after the time (parse-exim.c). */
int exim_message(spoor_event *ev, spoor_sv s);
/* PAM lines of any program ("pam_unix(sshd:auth): ..."). */
int syslog_pam(spoor_event *ev, spoor_sv msg);

#endif
