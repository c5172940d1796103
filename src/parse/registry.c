/* registry — the const table of formats (parsers.def). */
#include "parse/parser.h"

#include <string.h>

#define P(n) extern const parser_vt parser_##n;
#include "parse/parsers.def"
#undef P

static const parser_vt *const parsers[] = {
#define P(n) &parser_##n,
#include "parse/parsers.def"
#undef P
};

size_t parser_count(void)
{
	return ARRAY_SIZE(parsers);
}

const parser_vt *parser_at(size_t i)
{
	return i < ARRAY_SIZE(parsers) ? parsers[i] : NULL;
}

const parser_vt *parser_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(parsers); i++) {
		if (!strcmp(parsers[i]->name, name))
			return parsers[i];
	}
	return NULL;
}

const parser_vt *parser_detect(spoor_sv head)
{
	const parser_vt *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parsers); i++) {
		int s = parsers[i]->sniff ? parsers[i]->sniff(head) : 0;
		if (s > best_score) {
			best = parsers[i];
			best_score = s;
		}
	}
	return best_score >= 20 ? best : NULL;
}

SPOOR_API size_t spoor_format_count(void)
{
	return ARRAY_SIZE(parsers);
}

SPOOR_API const spoor_format_info *spoor_format_get(size_t i)
{
	/* parser_vt starts with the same three members as spoor_format_info. */
	_Static_assert(offsetof(parser_vt, name) == offsetof(spoor_format_info, name), "layout");
	_Static_assert(offsetof(parser_vt, summary) == offsetof(spoor_format_info, summary), "layout");
	_Static_assert(offsetof(parser_vt, recognizes) == offsetof(spoor_format_info, recognizes), "layout");
	return i < ARRAY_SIZE(parsers) ? (const spoor_format_info *)parsers[i] : NULL;
}
