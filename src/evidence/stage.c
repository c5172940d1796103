/* stage — the evidence store as the first stage of `spoor hunt`: every
 * event's raw record is appended, and the event gets spoor.evidence.leaf
 * (a number) so that every alert points at its record in the log. */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>

#include "detect/stage.h"
#include "event/event-int.h"
#include "evidence/evidence.h"
#include "evidence/tracks.h"

typedef struct ev_stage {
	spoor_stage base;
	spoor_evidence *e;
	track_rotate *rot;
	uint64_t first, records, rejected;
	char summary[160];
} ev_stage;

static int es_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	ev_stage *s = (ev_stage *)st;
	uint64_t leaf;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = spoor_evidence_append_event(s->e, ev, &leaf, &d);
	if (rc < 0)
		return rc;
	s->records++;
	const spoor_origin *o = spoor_event_origin(ev);
	if ((rc = track_rotate_record(s->rot, o->path, o->offset, spoor_event_raw(ev))) < 0)
		return rc;
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, leaf);
	return event_set_copy(ev, F_SPOOR_EVIDENCE_LEAF, SPOOR_VT_NUM, sv_make(num, (size_t)n), SPOOR_FF_ECS);
}

static int es_finish(spoor_stage *st, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	ev_stage *s = (ev_stage *)st;
	int rc = spoor_evidence_checkpoint(s->e, diag);
	if (rc == 0)
		rc = track_rotate_finish(s->rot, fn, payload, diag);
	return rc;
}

static const char *es_summary(spoor_stage *st)
{
	ev_stage *s = (ev_stage *)st;
	uint64_t n = s->records + s->rejected;
	int k = snprintf(s->summary, sizeof(s->summary),
			 "%" PRIu64 " records appended as leaves %" PRIu64 "-%" PRIu64 ", %" PRIu64 " checkpointed", n,
			 s->first, s->first + (n ? n - 1 : 0), spoor_evidence_checkpointed(s->e));
	if (s->rejected && k > 0 && (size_t)k < sizeof(s->summary))
		snprintf(s->summary + k, sizeof(s->summary) - (size_t)k,
			 " (%" PRIu64 " of them rejected by the scanner, flagged so)", s->rejected);
	return s->summary;
}

static void es_free(spoor_stage *st)
{
	ev_stage *s = (ev_stage *)st;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_evidence_close(s->e, &d);
	track_rotate_free(s->rot);
	free(s);
}

static const stage_ops es_ops = {"evidence", es_event, es_finish, es_summary, es_free};

int spoor_evidence_stage_rejected(spoor_stage *st, const spoor_rejected *r, spoor_diag *diag)
{
	if (!st || st->ops != &es_ops)
		return diag_set(diag, SPOOR_EINVAL, "not an evidence stage");
	ev_stage *s = (ev_stage *)st;
	spoor_evidence_record rec = {0};
	rec.raw = r->raw;
	rec.path = r->path;
	rec.format = r->format;
	rec.offset = r->offset;
	rec.line = r->line;
	rec.rejected = true;
	int rc = spoor_evidence_append(s->e, &rec, NULL, diag);
	if (rc < 0)
		return rc;
	s->rejected++;
	if ((rc = track_rotate_record(s->rot, r->path, r->offset, r->raw)) < 0)
		return diag_set(diag, rc, "out of memory");
	return 0;
}

spoor_evidence *spoor_evidence_stage_store(spoor_stage *st)
{
	return st && st->ops == &es_ops ? ((ev_stage *)st)->e : NULL;
}

uint64_t spoor_evidence_stage_rejected_count(spoor_stage *st)
{
	return st && st->ops == &es_ops ? ((ev_stage *)st)->rejected : 0;
}

int spoor_evidence_stage_new(spoor_stage **out, const char *dir, const spoor_evidence_options *opts, spoor_diag *diag)
{
	*out = NULL;
	ev_stage *s = xcalloc(1, sizeof(*s));
	if (!s)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	int rc = spoor_evidence_open(&s->e, dir, opts, diag);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->base.ops = &es_ops;
	if ((rc = track_rotate_open(&s->rot, dir, diag)) < 0) {
		spoor_evidence_close(s->e, NULL);
		free(s);
		return rc;
	}
	s->first = spoor_evidence_size(s->e);
	*out = &s->base;
	return 0;
}
