/* spoor stats — count records by format, shape, logsource and outcome. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

typedef struct stats_acc {
	tally fmt, src, chan, outc;
	uint64_t with_ts;
	int64_t tmin, tmax;
	bool json;
} stats_acc;

static void fmt_time(int64_t ns, char *out, size_t cap)
{
	time_t sec = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
	struct tm tm;
	if (!gmtime_r(&sec, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "?");
}

static int stats_option(void *u, int argc, char **argv, int *i)
{
	(void)argc;
	stats_acc *a = u;
	if (!strcmp(argv[*i], "--json")) {
		a->json = true;
		return 1;
	}
	return 0;
}

static int stats_event(spoor_event *ev, void *u)
{
	stats_acc *a = u;
	char key[512];
	snprintf(key, sizeof(key), "%s/%s", spoor_event_format(ev), spoor_event_shape(ev));
	tally_add(&a->fmt, key, strlen(key));
	const spoor_logsource *ls = spoor_event_logsource(ev);
	key_ls(key, sizeof(key), ls);
	tally_add(&a->src, key, strlen(key));
	if (ls->channel.n)
		tally_add(&a->chan, ls->channel.p, ls->channel.n);
	spoor_value v;
	if (spoor_event_get(ev, "event.outcome", 13, &v) == 0)
		tally_add(&a->outc, v.sv.p, v.sv.n);
	else
		tally_add(&a->outc, "(none)", 6);
	int64_t t;
	if (spoor_event_time(ev, &t)) {
		a->with_ts++;
		if (t < a->tmin)
			a->tmin = t;
		if (t > a->tmax)
			a->tmax = t;
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	stats_acc acc = {{0}, {0}, {0}, {0}, 0, INT64_MAX, INT64_MIN, false};
	int rc = scan_cli_args(&s, "stats", argc, argv, help, stats_option, &acc);
	if (rc >= 0) {
		scan_cli_done(&s);
		return rc;
	}
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0)
		rc = scan_cli_each(&s, sc, "stats", stats_event, &acc);
	bool json = acc.json;
	tally *fmt = &acc.fmt, *src = &acc.src, *chan = &acc.chan, *outc = &acc.outc;
	uint64_t with_ts = acc.with_ts;
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
			if (st.records_recovered)
				printf(",\"records_recovered\":%" PRIu64, st.records_recovered);
			if (with_ts) {
				char a[40], b[40];
				fmt_time(acc.tmin, a, sizeof(a));
				fmt_time(acc.tmax, b, sizeof(b));
				printf(",\"first\":\"%s\",\"last\":\"%s\"", a, b);
			}
			first = false;
			print_tally("format", fmt, true, &first);
			print_tally("logsource", src, true, &first);
			print_tally("channel", chan, true, &first);
			print_tally("outcome", outc, true, &first);
			printf("}\n");
		} else {
			printf("files        %12" PRIu64 "  (%" PRIu64 " unreadable)\n", st.files, st.files_bad);
			printf("bytes        %12" PRIu64 "\n", st.bytes);
			printf("records      %12" PRIu64 "  (%" PRIu64 " with a timestamp)\n", st.records, with_ts);
			if (with_ts) {
				char a[40], b[40];
				fmt_time(acc.tmin, a, sizeof(a));
				fmt_time(acc.tmax, b, sizeof(b));
				printf("time range   %s .. %s\n", a, b);
			}
			printf("bad records  %12" PRIu64 "  (%" PRIu64 " malformed, %" PRIu64 " over a limit)\n", st.records_bad,
			       s.bad_by_kind[SPOOR_BAD_RECORD], s.bad_by_kind[SPOOR_BAD_LIMIT]);
			if (st.records_recovered)
				printf("recovered    %12" PRIu64 "  (good records from slack space or after damage; "
				       "field spoor.recovered)\n",
				       st.records_recovered);
			print_tally("by format/shape", fmt, false, &first);
			print_tally("by logsource (product/service/category)", src, false, &first);
			if (chan->n)
				print_tally("by Windows channel", chan, false, &first);
			print_tally("by event.outcome", outc, false, &first);
		}
		fflush(stdout);
		rc = scan_cli_finish(&s, sc, rc);
	}
	tally_free(fmt);
	tally_free(src);
	tally_free(chan);
	tally_free(outc);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	return rc;
}
