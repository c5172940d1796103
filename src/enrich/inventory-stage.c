/* inventory-stage — the enrichment stage: every event the inventory can
 * place gets spoor.agency (the agency whose host, network or domain the
 * event is about), spoor.provider (the IT service provider acting: by
 * account, SSH key, source network or jump host) and spoor.identity.owner
 * (who owns the account: its provider, or the agency whose admin list or
 * domain it belongs to).  Later stages, Sigma rules included, can match
 * on them.  It raises no findings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/stage.h"
#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"

typedef struct inv_stage {
	spoor_stage base;
	const spoor_inventory *inv;
	uint64_t events, agency, provider, owner;
	/* the last event's classification, for the provider-scope stage */
	const spoor_event *last_ev;
	uint32_t last_gen;
	inv_match last;
	char summary[160];
} inv_stage;

static int is_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	inv_stage *s = (inv_stage *)st;
	const spoor_inventory *inv = s->inv;
	inv_match m;
	s->events++;
	inv_classify(inv, ev, &m);
	s->last_ev = ev;
	s->last_gen = ev->gen;
	s->last = m;
	int r = 0;
	if (m.agency != INV_NONE) {
		s->agency++;
		r = event_set(ev, F_SPOOR_AGENCY, SPOOR_VT_STR, sv_cstr(inv->agencies[m.agency].id), SPOOR_FF_ECS);
	}
	if (r == 0 && m.provider != INV_NONE) {
		s->provider++;
		r = event_set(ev, F_SPOOR_PROVIDER, SPOOR_VT_STR, sv_cstr(inv->providers[m.provider].id), SPOOR_FF_ECS);
	}
	const char *owner = NULL;
	if (m.provider_by == INV_BY_ACCOUNT || m.provider_by == INV_BY_KEY)
		owner = inv->providers[m.provider].id;
	else if (m.owner_agency != INV_NONE)
		owner = inv->agencies[m.owner_agency].id;
	if (r == 0 && owner) {
		s->owner++;
		r = event_set(ev, F_SPOOR_IDENTITY_OWNER, SPOOR_VT_STR, sv_cstr(owner), SPOOR_FF_ECS);
	}
	return r;
}

static const char *is_summary(spoor_stage *st)
{
	inv_stage *s = (inv_stage *)st;
	snprintf(s->summary, sizeof(s->summary),
		 "%" PRIu64 " events, %" PRIu64 " with an agency, %" PRIu64 " with a provider, %" PRIu64
		 " with an identity owner",
		 s->events, s->agency, s->provider, s->owner);
	return s->summary;
}

static void is_free(spoor_stage *st)
{
	free(st);
}

static const stage_ops inventory_ops;

bool inv_stage_cached(const spoor_stage *st, const spoor_event *ev, inv_match *m)
{
	if (!st || st->ops != &inventory_ops)
		return false;
	const inv_stage *s = (const inv_stage *)st;
	if (s->last_ev != ev || s->last_gen != ev->gen)
		return false;
	*m = s->last;
	return true;
}

static const stage_ops inventory_ops = {
    .name = "inventory",
    .event = is_event,
    .summary = is_summary,
    .free = is_free,
};

SPOOR_API int spoor_inventory_stage_new(spoor_stage **out, const spoor_inventory *inv, spoor_diag *diag)
{
	if (!inv->finished)
		return diag_set(diag, SPOOR_EINVAL, "inventory not finished (spoor_inventory_finish)");
	inv_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	s->base.ops = &inventory_ops;
	s->inv = inv;
	*out = &s->base;
	return 0;
}
