/* shape-generic — any JSON object: a best-effort timestamp and ECS fields
 * from commonly used names.
 *
 * Names are matched once per field id (case-insensitively, also as the
 * last path component) and memoized in the context, so each record costs
 * one pass over its fields. */
#include <strings.h>

#include "parse/shape.h"

enum gkind { G_TIME, G_USER, G_IP, G_NUM, G_STR };

typedef struct gname {
	const char *name;
	uint32_t ecs;
	uint8_t kind;
	uint8_t prio; /* lower wins for the same target */
} gname;

static const gname names[] = {
    {"@timestamp", 0, G_TIME, 0},
    {"timestamp", 0, G_TIME, 1},
    {"TimeGenerated", 0, G_TIME, 2},
    {"CreationTime", 0, G_TIME, 2},
    {"createdDateTime", 0, G_TIME, 2},
    {"time", 0, G_TIME, 3},
    {"ts", 0, G_TIME, 3},
    {"EventTime", 0, G_TIME, 4},
    {"eventTime", 0, G_TIME, 4},
    {"datetime", 0, G_TIME, 5},
    {"date", 0, G_TIME, 6},
    {"user", F_USER_NAME, G_USER, 3},
    {"username", F_USER_NAME, G_USER, 1},
    {"user_name", F_USER_NAME, G_USER, 1},
    {"userPrincipalName", F_USER_NAME, G_USER, 0},
    {"UserId", F_USER_NAME, G_USER, 2},
    {"account", F_USER_NAME, G_USER, 4},
    {"src_ip", F_SOURCE_IP, G_IP, 0},
    {"srcip", F_SOURCE_IP, G_IP, 0},
    {"source_ip", F_SOURCE_IP, G_IP, 0},
    {"sourceIPAddress", F_SOURCE_IP, G_IP, 0},
    {"client_ip", F_SOURCE_IP, G_IP, 1},
    {"clientip", F_SOURCE_IP, G_IP, 1},
    {"ipAddress", F_SOURCE_IP, G_IP, 1},
    {"callerIpAddress", F_SOURCE_IP, G_IP, 1},
    {"remote_addr", F_SOURCE_IP, G_IP, 2},
    {"remote_ip", F_SOURCE_IP, G_IP, 2},
    {"src_port", F_SOURCE_PORT, G_NUM, 0},
    {"dst_ip", F_DESTINATION_IP, G_IP, 0},
    {"dest_ip", F_DESTINATION_IP, G_IP, 0},
    {"destination_ip", F_DESTINATION_IP, G_IP, 0},
    {"dst_port", F_DESTINATION_PORT, G_NUM, 0},
    {"dest_port", F_DESTINATION_PORT, G_NUM, 0},
    {"hostname", F_HOST_NAME, G_STR, 1},
    {"host", F_HOST_NAME, G_STR, 2},
    {"message", F_MESSAGE, G_STR, 0},
    {"msg", F_MESSAGE, G_STR, 1},
    {"action", F_EVENT_ACTION, G_STR, 1},
    {"eventName", F_EVENT_ACTION, G_STR, 0},
    {"user_agent", F_USER_AGENT_ORIGINAL, G_STR, 1},
    {"userAgent", F_USER_AGENT_ORIGINAL, G_STR, 1},
};

/* The names table entry for a field id (memoized), or -1. */
static int lookup(spoor_ctx *ctx, uint32_t id)
{
	uint32_t m = ctx_memo_get(ctx, MEMO_SHAPE_A, id);
	if (m)
		return m == MEMO_NONE ? -1 : (int)m - 1;
	spoor_sv n = field_name(&ctx->ft, id);
	int found = -1;
	/* Match top-level names only: a nested "user" inside some object is
	 * not the event's user. */
	if (!memchr(n.p, '.', n.n)) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (n.n == strlen(names[i].name) && strncasecmp(n.p, names[i].name, n.n) == 0) {
				found = (int)i;
				break;
			}
		}
	}
	ctx_memo_put(ctx, MEMO_SHAPE_A, id, found < 0 ? MEMO_NONE : (uint32_t)found + 1);
	return found;
}

static int generic_match(const spoor_event *ev)
{
	(void)ev;
	return 1;
}

static int generic_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int best_k[_F_STATIC_MAX];
	size_t best_i[_F_STATIC_MAX];
	int best_time = -1;
	size_t nf = ev->n;
	memset(best_k, -1, sizeof(best_k));
	/* Pick, per target, the field with the best priority. */
	int pick_time_field = -1;
	for (size_t i = 0; i < nf; i++) {
		const efield *f = &ev->f[i];
		if (!f->id || (f->flags & SPOOR_FF_ECS))
			continue;
		int k = lookup(ev->ctx, f->id);
		if (k < 0)
			continue;
		const gname *g = &names[k];
		if (g->kind == G_TIME) {
			if (best_time < 0 || g->prio < names[best_time].prio) {
				best_time = k;
				pick_time_field = (int)i;
			}
			continue;
		}
		if (best_k[g->ecs] < 0 || g->prio < names[best_k[g->ecs]].prio) {
			best_k[g->ecs] = k;
			best_i[g->ecs] = i;
		}
	}
	if (pick_time_field >= 0) {
		spoor_sv t;
		if (event_text(ev, &ev->f[pick_time_field], &t))
			ecs_set_time(ev, t);
	}
	for (uint32_t id = 1; id < _F_STATIC_MAX; id++) {
		if (best_k[id] < 0)
			continue;
		const gname *g = &names[best_k[id]];
		efield src = ev->f[best_i[id]];
		spoor_sv t;
		if (!event_text(ev, &src, &t))
			return SPOOR_ENOMEM;
		int r = 0;
		switch (g->kind) {
		case G_USER:
			r = ecs_set_user(ev, t);
			break;
		case G_IP:
			r = ecs_set_ip(ev, id, t);
			break;
		case G_NUM:
			r = ecs_set_num(ev, id, t);
			break;
		default:
			r = ecs_copy(ev, id, &src);
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

const shape_vt shape_generic = {
    .name = "generic",
    .summary = "any JSON object: timestamp and common names (user, src_ip, host, message ...) mapped to ECS",
    .match = generic_match,
    .normalize = generic_normalize,
};
