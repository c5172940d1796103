/* bench-parse — spoor's parse-only paths, no output.
 *
 *   bench-parse validate FILE   json_validate on every line
 *   bench-parse flatten FILE    json_flatten of every line into an event
 *                               (fields interned, no shapes)
 *   bench-parse scan FILE       the public scanner: spoor_scanner_next over
 *                               FILE (format detection, framing, flattening,
 *                               shape recognition and normalization)
 *
 * Prints "lines|events N bytes B bad K". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"
#include "lines.h"
#include "parse/json-scan.h"
#include "spoor/spoor.h"

typedef struct acc {
	unsigned long long lines, bad, fields;
	spoor_event *ev;
} acc;

static void validate_one(const char *p, size_t n, void *arg)
{
	acc *a = arg;
	size_t used;
	a->lines++;
	if (json_validate(p, n, 64, &used, NULL) != 0)
		a->bad++;
}

static void flatten_one(const char *p, size_t n, void *arg)
{
	acc *a = arg;
	size_t used;
	a->lines++;
	event_reset(a->ev);
	if (json_flatten(a->ev, p, n, &used, NULL) != 0)
		a->bad++;
	a->fields += a->ev->n;
}

static void on_bad(spoor_bad_kind kind, const spoor_diag *d, void *payload)
{
	(void)kind;
	(void)d;
	(*(unsigned long long *)payload)++;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (argc > 3 && strcmp(argv[1], "scan") != 0)) {
		fprintf(stderr, "usage: bench-parse validate|flatten FILE | bench-parse scan PATH...\n");
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ctx_new(&ctx, NULL, &d) < 0) {
		fprintf(stderr, "bench-parse: %s\n", d.msg);
		return 1;
	}
	acc a = {0, 0, 0, NULL};
	int rc = 0;
	if (!strcmp(mode, "validate") || !strcmp(mode, "flatten")) {
		spoor_event ev;
		event_init(&ev, ctx);
		a.ev = &ev;
		long long bytes = for_each_line(path, mode[0] == 'v' ? validate_one : flatten_one, &a);
		event_done(&ev);
		if (bytes < 0)
			rc = 1;
		else
			printf("lines %llu bytes %lld bad %llu fields %llu\n", a.lines, bytes, a.bad, a.fields);
	} else if (!strcmp(mode, "scan")) {
		spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
		unsigned long long bad = 0, events = 0, fields = 0;
		so.on_bad = on_bad;
		so.payload = &bad;
		spoor_scanner *sc = NULL;
		int added = 0;
		if (spoor_scanner_new(&sc, ctx, &so, &d) == 0) {
			/* scan takes any number of paths */
			for (int k = 2; k < argc && added >= 0; k++)
				added = spoor_scanner_add(sc, argv[k]);
		}
		if (!sc || added < 0) {
			fprintf(stderr, "bench-parse: %s\n", d.msg);
			rc = 1;
		} else {
			spoor_event *ev;
			int r;
			while ((r = spoor_scanner_next(sc, &ev, &d)) == 1) {
				events++;
				fields += spoor_event_count(ev);
			}
			if (r < 0) {
				fprintf(stderr, "bench-parse: %s\n", d.msg);
				rc = 1;
			}
			spoor_scan_stats st;
			spoor_scanner_stats(sc, &st);
			printf("events %llu bytes %llu bad %llu fields %llu\n", events, (unsigned long long)st.bytes, bad,
			       fields);
		}
		spoor_scanner_free(sc);
	} else {
		fprintf(stderr, "bench-parse: unknown mode '%s'\n", mode);
		rc = 2;
	}
	spoor_ctx_free(ctx);
	return rc;
}
