/* spoor stats — count records by format, shape, logsource and outcome. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_KEYS 4096

typedef struct counter {
	char *key;
	uint64_t n;
} counter;

typedef struct tally {
	counter *v;
	size_t n, cap;
	uint64_t other;
} tally;

static void tally_add(tally *t, const char *k, size_t kl)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strlen(t->v[i].key) == kl && !memcmp(t->v[i].key, k, kl)) {
			t->v[i].n++;
			return;
		}
	}
	if (t->n >= MAX_KEYS) {
		t->other++;
		return;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		counter *v = realloc(t->v, ncap * sizeof(*v));
		if (!v) {
			t->other++;
			return;
		}
		t->v = v;
		t->cap = ncap;
	}
	char *key = malloc(kl + 1);
	if (!key) {
		t->other++;
		return;
	}
	memcpy(key, k, kl);
	key[kl] = 0;
	t->v[t->n].key = key;
	t->v[t->n].n = 1;
	t->n++;
}

static int cmp_counter(const void *a, const void *b)
{
	const counter *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void tally_free(tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_tally(const char *title, tally *t, bool json, bool *first)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_counter);
	if (json) {
		printf("%s\"%s\":{", *first ? "" : ",", title);
		for (size_t i = 0; i < t->n; i++) {
			if (i)
				putchar(',');
			json_str(t->v[i].key);
			printf(":%" PRIu64, t->v[i].n);
		}
		if (t->other)
			printf("%s\"(other)\":%" PRIu64, t->n ? "," : "", t->other);
		putchar('}');
		*first = false;
		return;
	}
	printf("\n%s\n", title);
	for (size_t i = 0; i < t->n; i++)
		printf("  %12" PRIu64 "  %s\n", t->v[i].n, t->v[i].key);
	if (t->other)
		printf("  %12" PRIu64 "  (other)\n", t->other);
}

static void help(FILE *f)
{
	fprintf(f, "usage: spoor stats [OPTIONS] [PATH...]\n\n"
		   "Read every record and count them by format and shape, by Sigma logsource\n"
		   "(product/service/category) and Windows channel, and by event.outcome;\n"
		   "count bad records and unreadable files.\n\n"
		   "Output options:\n"
		   "      --json            one JSON object instead of tables\n\n%s",
		scan_cli_help);
}

static void key_ls(char *out, size_t cap, const spoor_logsource *ls)
{
	snprintf(out, cap, "%.*s/%.*s/%.*s", (int)ls->product.n, ls->product.p ? ls->product.p : "", (int)ls->service.n,
		 ls->service.p ? ls->service.p : "", (int)ls->category.n, ls->category.p ? ls->category.p : "");
}

int cmd_stats(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	bool json = false;
	char **paths = calloc((size_t)argc, sizeof(char *));
	if (!paths)
		return EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (is_help(a)) {
			help(stdout);
			free(paths);
			return EXIT_OK;
		}
		int r = scan_cli_option(&s, argc, argv, &i);
		if (r < 0) {
			free(paths);
			return EXIT_USAGE;
		}
		if (r > 0)
			continue;
		if (!strcmp(a, "--json")) {
			json = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "spoor stats: unknown option '%s' (see spoor stats --help)\n", a);
			free(paths);
			return EXIT_USAGE;
		} else {
			paths[s.npaths++] = (char *)a;
		}
	}
	s.paths = paths;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = scan_cli_open(&s, &ctx, &sc);
	tally fmt = {0}, src = {0}, chan = {0}, outc = {0};
	uint64_t n = 0, with_ts = 0;
	int64_t tmin = INT64_MAX, tmax = INT64_MIN;
	char key[512];
	while (rc == 0) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "spoor stats: %s\n", d.msg);
			rc = EXIT_FAIL;
			break;
		}
		snprintf(key, sizeof(key), "%s/%s", spoor_event_format(ev), spoor_event_shape(ev));
		tally_add(&fmt, key, strlen(key));
		const spoor_logsource *ls = spoor_event_logsource(ev);
		key_ls(key, sizeof(key), ls);
		tally_add(&src, key, strlen(key));
		if (ls->channel.n)
			tally_add(&chan, ls->channel.p, ls->channel.n);
		spoor_value v;
		if (spoor_event_get(ev, "event.outcome", 13, &v) == 0)
			tally_add(&outc, v.sv.p, v.sv.n);
		else
			tally_add(&outc, "(none)", 6);
		int64_t t;
		if (spoor_event_time(ev, &t)) {
			with_ts++;
			if (t < tmin)
				tmin = t;
			if (t > tmax)
				tmax = t;
		}
		scan_cli_tick(&s, sc, ++n);
	}
	if (sc) {
		spoor_scan_stats st;
		spoor_scanner_stats(sc, &st);
		bool first = true;
		if (json) {
			printf("{\"files\":%" PRIu64 ",\"files_bad\":%" PRIu64 ",\"records\":%" PRIu64 ",\"records_bad\":%" PRIu64
			       ",\"records_bad_malformed\":%" PRIu64 ",\"records_bad_limit\":%" PRIu64 ",\"bytes\":%" PRIu64
			       ",\"with_timestamp\":%" PRIu64,
			       st.files, st.files_bad, st.records, st.records_bad, s.bad_by_kind[SPOOR_BAD_RECORD],
			       s.bad_by_kind[SPOOR_BAD_LIMIT], st.bytes, with_ts);
			first = false;
			print_tally("format", &fmt, true, &first);
			print_tally("logsource", &src, true, &first);
			print_tally("channel", &chan, true, &first);
			print_tally("outcome", &outc, true, &first);
			printf("}\n");
		} else {
			printf("files        %12" PRIu64 "  (%" PRIu64 " unreadable)\n", st.files, st.files_bad);
			printf("bytes        %12" PRIu64 "\n", st.bytes);
			printf("records      %12" PRIu64 "  (%" PRIu64 " with a timestamp)\n", st.records, with_ts);
			printf("bad records  %12" PRIu64 "  (%" PRIu64 " malformed, %" PRIu64 " over a limit)\n", st.records_bad,
			       s.bad_by_kind[SPOOR_BAD_RECORD], s.bad_by_kind[SPOOR_BAD_LIMIT]);
			print_tally("by format/shape", &fmt, false, &first);
			print_tally("by logsource (product/service/category)", &src, false, &first);
			if (chan.n)
				print_tally("by Windows channel", &chan, false, &first);
			print_tally("by event.outcome", &outc, false, &first);
		}
		fflush(stdout);
		rc = scan_cli_finish(&s, sc, rc);
	}
	tally_free(&fmt);
	tally_free(&src);
	tally_free(&chan);
	tally_free(&outc);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	free(paths);
	return rc;
}
