/* shape — the registry of JSON shapes (shapes.def). */
#include "parse/shape.h"

#include <string.h>

#define SH(n) extern const shape_vt shape_##n;
#include "parse/shapes.def"
#undef SH

static const shape_vt *const shapes[] = {
#define SH(n) &shape_##n,
#include "parse/shapes.def"
#undef SH
};

size_t shape_count(void)
{
	return ARRAY_SIZE(shapes);
}

const shape_vt *shape_at(size_t i)
{
	return i < ARRAY_SIZE(shapes) ? shapes[i] : NULL;
}

const shape_vt *shape_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		if (!strcmp(shapes[i]->name, name))
			return shapes[i];
	}
	return NULL;
}

const shape_vt *shape_detect(const spoor_event *ev, const shape_vt *hint)
{
	/* A confident match (>= 90) of the previous record's shape wins at once:
	 * files are usually homogeneous. */
	if (hint && hint->match(ev) >= 90)
		return hint;
	const shape_vt *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		int s = shapes[i]->match(ev);
		if (s > best_score) {
			best = shapes[i];
			best_score = s;
		}
	}
	return best ? best : shape_find("generic");
}
