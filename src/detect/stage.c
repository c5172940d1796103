/* stage — dispatch of the public spoor_stage calls (spoor/hunt.h). */
#include "detect/stage.h"

#include "base/base.h"

SPOOR_API int spoor_stage_event(spoor_stage *s, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	return s->ops->event(s, ev, fn, payload);
}

SPOOR_API int spoor_stage_finish(spoor_stage *s, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	return s->ops->finish ? s->ops->finish(s, fn, payload, diag) : 0;
}

SPOOR_API const char *spoor_stage_name(const spoor_stage *s)
{
	return s->ops->name;
}

SPOOR_API const char *spoor_stage_summary(spoor_stage *s)
{
	return s->ops->summary ? s->ops->summary(s) : "";
}

SPOOR_API spoor_stage *spoor_stage_free(spoor_stage *s)
{
	if (s)
		s->ops->free(s);
	return NULL;
}
