/* sigma-logsource — which events a rule's logsource selects.
 *
 * product: the event's product must be the rule's (an event with no
 *   product is selected by no rule that names one).
 * service: the event's channel is one of the service's channels
 *   (logsources.def LS_SVC), or the event's own service is the rule's.
 * category: for a mapped category (LS_CAT), the event comes from one of
 *   the rows' service channels with the row's EventID (and EventType); an
 *   unmapped category needs the event's own category to be the rule's.
 * A rule with none of the three selects nothing (reported as such). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

typedef struct ls_svc_row {
	const char *product, *service, *channel;
} ls_svc_row;

typedef struct ls_cat_row {
	const char *product, *category;
	uint32_t eid;
	const char *service, *etype;
} ls_cat_row;

static const ls_svc_row svc_rows[] = {
#define LS_SVC(p, s, c) {p, s, c},
#define LS_CAT(p, c, e, s, t)
#define LS_FIELD(c, a, b)
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_FIELD
};

static const ls_cat_row cat_rows[] = {
#define LS_SVC(p, s, c)
#define LS_CAT(p, c, e, s, t) {p, c, e, s, t},
#define LS_FIELD(c, a, b)
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_FIELD
};

typedef struct ls_field_row {
	const char *category, *rule_field, *event_field;
} ls_field_row;

static const ls_field_row field_rows[] = {
#define LS_SVC(p, s, c)
#define LS_CAT(p, c, e, s, t)
#define LS_FIELD(c, a, b) {c, a, b},
#include "detect/sigma/logsources.def"
#undef LS_SVC
#undef LS_CAT
#undef LS_FIELD
};

uint32_t sigma_ls_alt_field(const sigma_rule *r, const char *field, struct field_table *ft)
{
	if (!r->category || !field)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(field_rows); i++)
		if (!strcasecmp(field_rows[i].category, r->category) && !strcmp(field_rows[i].rule_field, field))
			return field_intern(ft, field_rows[i].event_field, strlen(field_rows[i].event_field));
	return 0;
}

#define LS_MAX_ALTS 16

#define LS_MAX_CHANS 8

/* A service: its name and the channels that belong to it (resolved once). */
typedef struct ls_svc {
	const char *name;
	const char *chans[LS_MAX_CHANS];
	size_t nchans;
} ls_svc;

typedef struct ls_alt {
	uint32_t eid;
	ls_svc svc; /* the row's service */
	const char *etype;
} ls_alt;

struct ls_sel {
	const char *product, *category;
	bool has_svc;
	ls_svc svc;
	ls_alt alts[LS_MAX_ALTS];
	size_t nalts;
	bool cat_mapped;
	uint32_t f_eventid, f_eventtype;
};

static bool sv_ieq_c(spoor_sv a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && !strncasecmp(a.p, b, n);
}

static bool prod_ok(const char *rowp, const char *rulep)
{
	return !rulep || !*rowp || !strcasecmp(rowp, rulep);
}

static void svc_resolve(ls_svc *s, const char *name, const char *product)
{
	s->name = name;
	s->nchans = 0;
	for (size_t i = 0; i < ARRAY_SIZE(svc_rows) && s->nchans < LS_MAX_CHANS; i++)
		if (!strcasecmp(svc_rows[i].service, name) && prod_ok(svc_rows[i].product, product))
			s->chans[s->nchans++] = svc_rows[i].channel;
}

int sigma_ls_resolve(sigma_rule *r, struct field_table *ft, const ls_sel **out, const char **why)
{
	*out = NULL;
	*why = NULL;
	if (!r->product && !r->service && !r->category) {
		*why = "logsource has no product, category or service";
		return 0;
	}
	ls_sel *s = xcalloc(1, sizeof(*s));
	if (!s)
		return SPOOR_ENOMEM;
	s->product = r->product;
	s->category = r->category;
	s->f_eventid = F_WIN_EVENT_ID;
	s->f_eventtype = field_intern(ft, "EventType", 9);
	if (r->service) {
		s->has_svc = true;
		svc_resolve(&s->svc, r->service, r->product);
	}
	if (r->category) {
		for (size_t i = 0; i < ARRAY_SIZE(cat_rows); i++) {
			const ls_cat_row *c = &cat_rows[i];
			if (strcasecmp(c->category, r->category) || !prod_ok(c->product, r->product))
				continue;
			/* a category row that needs another product than the rule's is skipped */
			if (!r->product && *c->product)
				continue;
			if (s->nalts == LS_MAX_ALTS)
				break;
			ls_alt *a = &s->alts[s->nalts++];
			a->eid = c->eid;
			a->etype = c->etype;
			svc_resolve(&a->svc, c->service, r->product);
			s->cat_mapped = true;
		}
	}
	*out = s;
	return 0;
}

void sigma_ls_free(ls_sel *sel)
{
	free(sel);
}

/* Is the event from the service (one of its channels, or it says so)? */
static bool from_service(spoor_event *ev, const ls_svc *s)
{
	const spoor_logsource *ls = &ev->ls;
	if (ls->service.n && sv_ieq_c(ls->service, s->name))
		return true;
	if (!ls->channel.n)
		return false;
	for (size_t i = 0; i < s->nchans; i++)
		if (sv_ieq_c(ls->channel, s->chans[i]))
			return true;
	return false;
}

bool sigma_ls_match(const ls_sel *s, spoor_event *ev)
{
	const spoor_logsource *ls = &ev->ls;
	if (s->product && !sv_ieq_c(ls->product, s->product))
		return false;
	if (s->has_svc && !from_service(ev, &s->svc))
		return false;
	if (s->category) {
		if (ls->category.n && sv_ieq_c(ls->category, s->category))
			return true;
		if (!s->cat_mapped)
			return false;
		spoor_sv t;
		int64_t eid;
		if (!event_get_text(ev, s->f_eventid, &t) || !sv_to_i64(sv_trim(t), &eid))
			return false;
		for (size_t i = 0; i < s->nalts; i++) {
			const ls_alt *a = &s->alts[i];
			if ((uint32_t)eid != a->eid || !from_service(ev, &a->svc))
				continue;
			if (a->etype) {
				spoor_sv et;
				if (!event_get_text(ev, s->f_eventtype, &et) || !sv_ieq_c(et, a->etype))
					continue;
			}
			return true;
		}
		return false;
	}
	return true;
}
