/* textlogs-test — cmocka assertions shared by the text-format unit tests
 * (test-csv, test-w3c, test-exim, test-winxml) on top of textlogs-util.h. */
#ifndef SPOOR_TEXTLOGS_TEST_H
#define SPOOR_TEXTLOGS_TEST_H

#include "../integration/textlogs-util.h"

/* Feed one line; want = the parser's result (0 event, 1 skip, < 0 bad). */
static inline void tl_feed(tl_run *r, const char *l, int want)
{
	int rc = tl_line(r, l, strlen(l));
	if (want < 0 ? rc >= 0 : rc != want)
		fail_msg("rc %d want %d (%s) for %s", rc, want, r->diag.msg, l);
}

/* The last event's field `name` ("@time" = its timestamp) equals want. */
static inline void tl_expect(tl_run *r, const char *name, const char *want)
{
	char b[1024];
	const char *got = !strcmp(name, "@time") ? tl_time(r, b, sizeof(b)) : tl_get_name(r, name, b, sizeof(b));
	if (strcmp(got, want) != 0)
		fail_msg("%s: want '%s' got '%s'", name, want, got);
}

#endif
