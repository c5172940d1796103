/* ecs — see ecs.h. */
#include "parse/ecs.h"

#include <arpa/inet.h>
#include <string.h>

unsigned ecs_str_flags(spoor_sv v)
{
	bool safe = true;
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c >= 0x80)
			return EF_HI;
		if (c < 0x20 || c == '"' || c == '\\')
			safe = false;
	}
	return safe ? EF_JSAFE : 0;
}

bool ecs_is_placeholder(spoor_sv v)
{
	if (v.n > 9 || (v.n && v.p[0] != ' ' && v.p[v.n - 1] != ' ' && v.n > 2 && v.p[0] != 'N' && v.p[0] != 'n' &&
			v.p[0] != 'u' && v.p[0] != 'U' && v.p[0] != '('))
		return false; /* the common case: a real value */
	v = sv_trim(v);
	switch (v.n) {
	case 0:
		return true;
	case 1:
		return v.p[0] == '-';
	case 2:
		return (v.p[0] == '-' && v.p[1] == '-') || (v.p[0] == ':' && v.p[1] == ':');
	case 3:
		return sv_ieq_cstr(v, "N/A");
	case 4:
		return sv_ieq_cstr(v, "null");
	case 6:
		return sv_ieq_cstr(v, "(null)");
	case 7:
		return sv_ieq_cstr(v, "unknown");
	default:
		return false;
	}
}

int ecs_copy(spoor_event *ev, uint32_t id, const efield *src)
{
	if (!src || src->type == SPOOR_VT_NULL || ecs_is_placeholder(src->val))
		return 0;
	return event_set(ev, id, (spoor_vtype)src->type, src->val, SPOOR_FF_ECS | (src->flags & (EF_HI | EF_JSAFE)));
}

int ecs_copy_id(spoor_event *ev, uint32_t id, uint32_t src_id)
{
	return ecs_copy(ev, id, event_find(ev, src_id));
}

int ecs_set(spoor_event *ev, uint32_t id, spoor_sv v)
{
	if (ecs_is_placeholder(v))
		return 0;
	return event_set(ev, id, SPOOR_VT_STR, v, SPOOR_FF_ECS | ecs_str_flags(v));
}

int ecs_set_num(spoor_event *ev, uint32_t id, spoor_sv v)
{
	int64_t x;
	v = sv_trim(v);
	if (!sv_to_i64(v, &x))
		return 0;
	return event_set(ev, id, SPOOR_VT_NUM, v, SPOOR_FF_ECS);
}

int ecs_set_cstr(spoor_event *ev, uint32_t id, const char *s)
{
	spoor_sv v = sv_cstr(s);
	return event_set(ev, id, SPOOR_VT_STR, v, SPOOR_FF_ECS | ecs_str_flags(v));
}

/* A dotted-quad IPv4 address exactly as inet_pton(AF_INET) accepts it
 * (four decimal parts 0..255, no leading zeros), checked in place. */
static bool ipv4_valid(spoor_sv v)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= v.n || v.p[i] != '.')
				return false;
			i++;
		}
		size_t d0 = i;
		unsigned x = 0;
		while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && i - d0 < 3)
			x = x * 10 + (unsigned)(v.p[i++] - '0');
		if (i == d0 || x > 255 || (i - d0 > 1 && v.p[d0] == '0'))
			return false;
	}
	return i == v.n;
}

bool ecs_ip_valid(spoor_sv v, spoor_sv *norm)
{
	char tmp[64];
	if (v.n >= 7 && v.n <= 15 && v.p[0] >= '0' && v.p[0] <= '9' && ipv4_valid(v)) {
		*norm = v;
		return true;
	}
	unsigned char bin[16];
	v = sv_trim(v);
	if (v.n >= 2 && v.p[0] == '[') {
		/* [v6] or [v6]:port */
		const char *e = memchr(v.p, ']', v.n);
		if (!e)
			return false;
		v = sv_make(v.p + 1, (size_t)(e - v.p - 1));
	}
	if (v.n == 0 || v.n >= sizeof(tmp))
		return false;
	memcpy(tmp, v.p, v.n);
	tmp[v.n] = 0;
	if (memchr(v.p, ':', v.n)) {
		/* drop a zone id ("fe80::1%eth0") */
		char *pct = strchr(tmp, '%');
		if (pct) {
			*pct = 0;
			v.n = (size_t)(pct - tmp);
		}
		if (inet_pton(AF_INET6, tmp, bin) != 1)
			return false;
	} else if (inet_pton(AF_INET, tmp, bin) != 1) {
		return false;
	}
	*norm = v;
	return true;
}

int ecs_add_related_ip(spoor_event *ev, spoor_sv v)
{
	return event_add(ev, F_RELATED_IP, SPOOR_VT_STR, v, SPOOR_FF_ECS | ecs_str_flags(v));
}

int ecs_add_related_user(spoor_event *ev, spoor_sv v)
{
	return event_add(ev, F_RELATED_USER, SPOOR_VT_STR, v, SPOOR_FF_ECS | ecs_str_flags(v));
}

int ecs_set_ip(spoor_event *ev, uint32_t id, spoor_sv v)
{
	spoor_sv ip;
	if (!ecs_ip_valid(v, &ip))
		return 0;
	int r = event_set(ev, id, SPOOR_VT_STR, ip, SPOOR_FF_ECS | EF_JSAFE);
	if (r < 0)
		return r;
	/* a valid address needs no escaping */
	return event_add(ev, F_RELATED_IP, SPOOR_VT_STR, ip, SPOOR_FF_ECS | EF_JSAFE);
}

int ecs_set_user(spoor_event *ev, spoor_sv v)
{
	int r;
	v = sv_trim(v);
	if (ecs_is_placeholder(v))
		return 0;
	const char *bs = memchr(v.p, '\\', v.n);
	if (bs) {
		spoor_sv dom = sv_make(v.p, (size_t)(bs - v.p));
		spoor_sv name = sv_make(bs + 1, v.n - dom.n - 1);
		if ((r = ecs_set(ev, F_USER_DOMAIN, dom)) < 0)
			return r;
		v = name;
	} else {
		const char *at = memchr(v.p, '@', v.n);
		if (at && at > v.p && at + 1 < v.p + v.n) {
			if ((r = ecs_set(ev, F_USER_DOMAIN, sv_make(at + 1, (size_t)(v.p + v.n - at - 1)))) < 0)
				return r;
			if ((r = ecs_set(ev, F_USER_EMAIL, v)) < 0)
				return r;
		}
	}
	if (ecs_is_placeholder(v))
		return 0;
	if ((r = ecs_set(ev, F_USER_NAME, v)) < 0)
		return r;
	return ecs_add_related_user(ev, v);
}

int ecs_set_outcome(spoor_event *ev, int success)
{
	return ecs_set_cstr(ev, F_EVENT_OUTCOME, success > 0 ? "success" : success == 0 ? "failure" : "unknown");
}

bool ecs_set_time(spoor_event *ev, spoor_sv v)
{
	int64_t ns;
	if (!time_parse_any(v, &ev->ctx->tz, &ns))
		return false;
	event_set_time(ev, ns);
	return true;
}

bool ecs_text(spoor_event *ev, uint32_t id, spoor_sv *out)
{
	return event_get_text(ev, id, out);
}
