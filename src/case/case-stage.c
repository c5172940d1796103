/* case-stage — traffic volumes per account, source, destination and day.
 *
 * "What data left" needs more than the alerts: a mailbox emptied over IMAP
 * shows as a few alerts but as many sessions, each with its byte counts.
 * This stage sees every event and adds its bytes and mail items to a row
 * keyed by (account, source ip, destination ip, host, agency, day) in the
 * `flows` table; scope later sums the rows whose endpoints the alerts tie
 * to the intruders.  Each row keeps the first record that fed it, so every
 * figure can be traced back to logs.  The table lives on disk: memory stays
 * bounded whatever the input. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "case/case-int.h"
#include "detect/stage.h"
#include "event/event-int.h"
#include "event/field.h"
#include "enrich/inventory.h"

/* Mail sessions whose byte counts come on a line without the client's
 * address (Dovecot's "Logged out in= out=" names only the session id; the
 * address was on the login line): a direct-mapped cache of session ->
 * address.  Bounded; a collision forgets the older session, whose bytes
 * then count without an address (documented in docs/case.md). */
#define SESSION_SLOTS 16384
typedef struct session_slot {
	uint64_t key; /* hash of host + session id; 0 = empty */
	char ip[48];
} session_slot;

/* Addresses already recorded as an agency's (a direct-mapped cache in
 * front of the owned table; a miss only costs an INSERT OR IGNORE). */
#define OWNED_SLOTS 4096

typedef struct case_stage {
	spoor_stage base;
	spoor_case *c;
	session_slot *sess;
	uint64_t owned_seen[OWNED_SLOTS];
	/* M365 OperationCount has no static id: looked up again only when the
	 * name table has grown since the last miss, not on every event */
	uint32_t f_opcount, names_seen;
	uint64_t events, rows, skipped, refused;
	/* volumes are counted once per record: per input path, the offset up
	 * to which an earlier run counted (table inputs) */
	char *path;
	uint64_t upto_before, upto_now;
	char summary[160];
	spoor_diag diag; /* the last error, for finish() */
} case_stage;

static spoor_sv text_of(spoor_event *ev, uint32_t id)
{
	const efield *f = id ? event_find(ev, id) : NULL;
	spoor_sv t = {"", 0};
	if (!f || f->type == SPOOR_VT_NULL || !event_text(ev, f, &t))
		return (spoor_sv){"", 0};
	return t;
}

static bool num_of(spoor_event *ev, uint32_t id, uint64_t *v)
{
	const efield *f = id ? event_find(ev, id) : NULL;
	*v = 0;
	return f && f->type == SPOOR_VT_NUM ? sv_to_u64(f->val, v) : f ? sv_to_u64(text_of(ev, id), v) : false;
}

static void bind_sv(sqlite3_stmt *st, int i, spoor_sv v, size_t cap)
{
	sqlite3_bind_text(st, i, v.p, (int)MIN(v.n, cap), SQLITE_TRANSIENT);
}

/* Save the high-water mark of the input just finished, load the next's. */
static int switch_input(case_stage *cs, const char *path)
{
	spoor_case *c = cs->c;
	int rc = case_tx(c, &cs->diag);
	if (rc < 0)
		return rc;
	if (cs->path && cs->upto_now > cs->upto_before) {
		sqlite3_stmt *st = c->st[ST_INPUT_SET];
		sqlite3_bind_text(st, 1, cs->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cs->upto_now);
		int r = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (r != SQLITE_DONE)
			return case_sqlerr(c, &cs->diag, "record input");
	}
	free(cs->path);
	cs->path = xstrndup(path, strlen(path));
	if (!cs->path)
		return diag_set(&cs->diag, SPOOR_ENOMEM, "out of memory");
	cs->upto_before = cs->upto_now = 0;
	sqlite3_stmt *st = c->st[ST_INPUT_GET];
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		cs->upto_before = cs->upto_now = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : case_sqlerr(c, &cs->diag, "read input");
}

/* Record an address of an agency's own networks (inventory), once. */
static int note_owned(case_stage *cs, spoor_sv ip)
{
	spoor_case *c = cs->c;
	uint8_t a[16];
	if (!c->inv || !ip.n || ip.n > 64 || !inv_parse_ip(ip.p, ip.n, a))
		return 0;
	uint64_t h = hash_bytes(a, 16, 0x0e1) | 1;
	uint64_t *slot = &cs->owned_seen[h % OWNED_SLOTS];
	if (*slot == h)
		return 0;
	*slot = h;
	uint32_t ni = inv_net_lookup(c->inv, &c->inv->agency_nets, a);
	if (ni == INV_NONE || ni >= c->inv->nnets || c->inv->nets[ni].owner_is_provider)
		return 0;
	uint32_t ag = c->inv->nets[ni].owner;
	int rc = case_tx(c, &cs->diag);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = c->st[ST_OWNED];
	sqlite3_bind_text(st, 1, ip.p, (int)ip.n, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, "agency", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->inv->agencies[ag].id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : case_sqlerr(c, &cs->diag, "record address owner");
}

static int cs_event(spoor_stage *s, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	case_stage *cs = (case_stage *)s;
	cs->events++;
	if (cs->c->inv) {
		int r = note_owned(cs, text_of(ev, F_SOURCE_IP));
		if (r == 0)
			r = note_owned(cs, text_of(ev, F_DESTINATION_IP));
		if (r < 0)
			return r;
	}
	if (!ev->origin.path || !cs->path || strcmp(ev->origin.path, cs->path)) {
		int rc = switch_input(cs, ev->origin.path ? ev->origin.path : "");
		if (rc < 0)
			return rc;
	}
	if (ev->origin.offset < cs->upto_before) {
		cs->skipped++;
		return 0;
	}
	if (ev->origin.offset + 1 > cs->upto_now)
		cs->upto_now = ev->origin.offset + 1;
	uint64_t up = 0, down = 0, items = 0;
	bool hu = num_of(ev, F_SOURCE_BYTES, &up);
	bool hd = num_of(ev, F_DESTINATION_BYTES, &down);
	if (!cs->f_opcount && ev->ctx->ft.count != cs->names_seen) {
		cs->names_seen = ev->ctx->ft.count;
		cs->f_opcount = spoor_field_lookup(ev->ctx, "OperationCount", 14);
	}
	spoor_sv src = text_of(ev, F_SOURCE_IP);
	spoor_sv sid = text_of(ev, F_DOVECOT_SESSION);
	session_slot *slot = NULL;
	if (sid.n) {
		spoor_sv host = text_of(ev, F_HOST_NAME);
		uint64_t k = hash_bytes(sid.p, sid.n, hash_bytes(host.p, host.n, 0x5e55)) | 1;
		slot = &cs->sess[k % SESSION_SLOTS];
		if (src.n && src.n < sizeof(slot->ip)) {
			slot->key = k;
			memcpy(slot->ip, src.p, src.n);
			slot->ip[src.n] = 0;
		} else if (!src.n && slot->key == k) {
			src = sv_cstr(slot->ip);
		}
	}
	uint64_t n;
	if (num_of(ev, F_DOVECOT_BODY_COUNT, &n))
		items += n;
	spoor_sv act = text_of(ev, F_EVENT_ACTION);
	if (sv_eq_cstr(act, "MailItemsAccessed"))
		items += cs->f_opcount && num_of(ev, cs->f_opcount, &n) && n ? n : 1;
	if (!hu && !hd && !items)
		return 0;
	/* a refused request or a failed logon moves no mail: a password spray
	 * against OWA leaves thousands of 401 responses with byte counts */
	uint64_t status = 0;
	if (sv_eq_cstr(text_of(ev, F_EVENT_OUTCOME), "failure") ||
	    (num_of(ev, F_HTTP_RESPONSE_STATUS_CODE, &status) && status >= 400)) {
		cs->refused++;
		return 0;
	}
	spoor_sv user = text_of(ev, F_USER_EMAIL);
	if (!user.n)
		user = text_of(ev, F_USER_NAME);
	spoor_case *c = cs->c;
	int rc = case_tx(c, &cs->diag);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = c->st[ST_FLOW];
	/* accounts compare case-insensitively everywhere in a case */
	char lower[256];
	size_t ul = MIN(user.n, sizeof(lower));
	for (size_t i = 0; i < ul; i++)
		lower[i] = (char)((user.p[i] >= 'A' && user.p[i] <= 'Z') ? user.p[i] + 32 : user.p[i]);
	bind_sv(st, 1, sv_make(lower, ul), sizeof(lower));
	bind_sv(st, 2, src, 64);
	bind_sv(st, 3, text_of(ev, F_DESTINATION_IP), 64);
	bind_sv(st, 4, text_of(ev, F_HOST_NAME), 256);
	bind_sv(st, 5, text_of(ev, F_SPOOR_AGENCY), 256);
	int64_t day = ev->has_ts ? ev->ts / 86400000000000LL - (ev->ts < 0) : 0;
	sqlite3_bind_int64(st, 6, day);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)up);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)down);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)items);
	if (ev->has_ts)
		sqlite3_bind_int64(st, 10, ev->ts);
	sqlite3_bind_text(st, 11, ev->origin.path ? ev->origin.path : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)ev->origin.offset);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return case_sqlerr(c, &cs->diag, "add flow");
	cs->rows++;
	return case_step(c, &cs->diag);
}

static int cs_finish(spoor_stage *s, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	(void)fn;
	(void)payload;
	case_stage *cs = (case_stage *)s;
	if (cs->diag.code && cs->diag.msg[0]) {
		*diag = cs->diag;
		return cs->diag.code;
	}
	int rc = switch_input(cs, "");
	if (rc < 0) {
		*diag = cs->diag;
		return rc;
	}
	return spoor_case_commit(cs->c, diag);
}

static const char *cs_summary(spoor_stage *s)
{
	case_stage *cs = (case_stage *)s;
	snprintf(cs->summary, sizeof(cs->summary),
		 "%" PRIu64 " events with bytes or mail items counted, %" PRIu64 " already counted by an earlier run",
		 cs->rows, cs->skipped);
	return cs->summary;
}

static void cs_free(spoor_stage *s)
{
	free(((case_stage *)s)->sess);
	free(((case_stage *)s)->path);
	free(s);
}

static const stage_ops case_ops = {
    .name = "case",
    .event = cs_event,
    .finish = cs_finish,
    .summary = cs_summary,
    .free = cs_free,
};

SPOOR_API int spoor_case_stage_new(spoor_stage **out, spoor_case *c, spoor_diag *diag)
{
	if (!c->writable)
		return diag_set(diag, SPOOR_EINVAL, "%s: opened read-only", c->path);
	case_stage *cs = xcalloc(1, sizeof(*cs));
	if (!cs)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	cs->base.ops = &case_ops;
	cs->sess = xcalloc(SESSION_SLOTS, sizeof(*cs->sess));
	if (!cs->sess) {
		free(cs);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	cs->c = c;
	cs->diag = (spoor_diag)SPOOR_DIAG_INIT;
	*out = &cs->base;
	return 0;
}
