/* tracks-stage — the covered-track detectors as one hunt stage. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"
#include "detect/stage.h"
#include "event/event-int.h"
#include "evidence/tracks.h"

struct tracks {
	spoor_stage base;
	spoor_tracks_options o;
	track_gap *gap;
	track_silent *silent;
	spoor_finding_fn fn;
	void *payload;
	buf json;
	uint64_t events, alerts;
	char summary[128];
	char text[1024];
};

const spoor_tracks_options *tracks_opts(const tracks *t)
{
	return &t->o;
}

void *tracks_stream_slot(void **v, size_t *cap, size_t *n, size_t elsize, uint64_t key, size_t max)
{
	char *t = *v;
	if (2 * (*n + 1) > *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		char *nt = xcalloc(nc, elsize);
		if (!nt)
			return NULL;
		for (size_t i = 0; i < *cap; i++) {
			uint64_t k;
			memcpy(&k, t + i * elsize, sizeof(k));
			if (!k)
				continue;
			size_t j = k & (nc - 1);
			for (uint64_t o;; j = (j + 1) & (nc - 1)) {
				memcpy(&o, nt + j * elsize, sizeof(o));
				if (!o)
					break;
			}
			memcpy(nt + j * elsize, t + i * elsize, elsize);
		}
		free(t);
		*v = t = nt;
		*cap = nc;
	}
	size_t j = key & (*cap - 1);
	for (uint64_t k;; j = (j + 1) & (*cap - 1)) {
		memcpy(&k, t + j * elsize, sizeof(k));
		if (k == key)
			return t + j * elsize;
		if (!k)
			break;
	}
	if (*n >= max)
		return NULL;
	memcpy(t + j * elsize, &key, sizeof(key));
	(*n)++;
	return t + j * elsize;
}

spoor_sv tracks_field(spoor_event *ev, const char *name)
{
	spoor_value v;
	spoor_sv t = {"", 0};
	if (spoor_event_get(ev, name, strlen(name), &v) == 0 && v.type != SPOOR_VT_NULL)
		spoor_event_text(ev, &v, &t);
	return t;
}

long tracks_event_id(spoor_event *ev)
{
	spoor_sv s = tracks_field(ev, "EventID");
	if (!s.n)
		s = tracks_field(ev, "event.code");
	int64_t v;
	return s.n && sv_to_i64(s, &v) && v >= 0 && v < 1000000 ? (long)v : -1;
}

int tracks_emit(tracks *t, const track_hit *h)
{
	const char *tech[1] = {h->technique};
	const char *tac[1] = {h->tactic};
	spoor_finding f = {
	    .rule_id = h->id,
	    .rule_name = h->name,
	    .ruleset = "covered-tracks",
	    .level = h->level,
	    .techniques = tech,
	    .ntechniques = 1,
	    .tactics = tac,
	    .ntactics = 1,
	    .ts = h->ts ? h->ts : (h->ev && h->ev->has_ts ? h->ev->ts : 0),
	    .ev = h->ev,
	    .details = sv_cstr(h->details ? h->details : ""),
	};
	int rc = alert_begin(&t->json, &f, NULL);
	if (rc == 0 && h->extralen) {
		rc = buf_addc(&t->json, ',');
		if (rc == 0)
			rc = buf_add(&t->json, h->extra, h->extralen);
	}
	if (rc == 0)
		rc = alert_end(&t->json);
	if (rc < 0)
		return rc;
	f.json = sv_make(t->json.p, t->json.len);
	t->alerts++;
	return t->fn(&f, t->payload);
}

static int tr_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	tracks *t = (tracks *)st;
	t->fn = fn;
	t->payload = payload;
	t->events++;
	int rc = track_cleared_event(t, ev);
	if (rc == 0)
		rc = track_audit_event(t, ev);
	if (rc == 0)
		rc = track_service_event(t, ev);
	if (rc == 0)
		rc = track_gap_event(t->gap, t, ev);
	if (rc == 0)
		rc = track_silent_event(t->silent, t, ev);
	return rc;
}

static int tr_finish(spoor_stage *st, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	(void)diag;
	tracks *t = (tracks *)st;
	t->fn = fn;
	t->payload = payload;
	int rc = track_gap_finish(t->gap, t);
	if (rc == 0)
		rc = track_silent_finish(t->silent, t);
	return rc;
}

static const char *tr_summary(spoor_stage *st)
{
	tracks *t = (tracks *)st;
	snprintf(t->summary, sizeof(t->summary), "%" PRIu64 " events checked, %" PRIu64 " alerts", t->events,
		 t->alerts);
	return t->summary;
}

static void tr_free(spoor_stage *st)
{
	tracks *t = (tracks *)st;
	track_gap_free(t->gap);
	track_silent_free(t->silent);
	buf_done(&t->json);
	free(t);
}

static const stage_ops tr_ops = {"covered-tracks", tr_event, tr_finish, tr_summary, tr_free};

int spoor_tracks_stage_new(spoor_stage **out, const spoor_tracks_options *opts, spoor_diag *diag)
{
	*out = NULL;
	tracks *t = xcalloc(1, sizeof(*t));
	if (!t)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	spoor_tracks_options def = SPOOR_TRACKS_OPTIONS_INIT;
	t->o = opts ? *opts : def;
	t->base.ops = &tr_ops;
	buf_init(&t->json, 1u << 20);
	if (t->o.version != SPOOR_TRACKS_OPTIONS_VERSION) {
		free(t);
		return diag_set(diag, SPOOR_EINVAL, "spoor_tracks_options version %u not supported", opts->version);
	}
	if (track_gap_new(&t->gap) < 0 || track_silent_new(&t->silent) < 0) {
		tr_free(&t->base);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	*out = &t->base;
	return 0;
}
