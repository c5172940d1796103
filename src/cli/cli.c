/* cli — common option handling for scanning commands. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char scan_cli_help[] =
    "Input options:\n"
    "  -F, --format NAME     read every file as NAME (default: detect per file; see `spoor formats`)\n"
    "      --tz ZONE         zone of timestamps written without one: UTC (default), +08:00, Asia/Taipei\n"
    "      --year YYYY       year of timestamps written without one (syslog); default: file's mtime\n"
    "      --max-record N    longest record in bytes (default 4194304); longer ones are bad records\n"
    "      --max-depth N     deepest JSON nesting (default 64)\n"
    "      --max-fields N    most fields in one record (default 8192)\n"
    "      --max-report N    print at most N bad records to stderr (default 20); all are counted\n"
    "  -j, --jobs N          threads decoding one file (EVTX chunks): 1 (default), 0 = one per core;\n"
    "                        the output is the same, in the same order, whatever N\n"
    "      --codepage NAME   code page of 8-bit \"ANSI\" text in EVTX: windows-1252 (default),\n"
    "                        windows-1250..1258, iso-8859-1, koi8-r, utf-8, ...\n"
    "      --no-carve        do not carve old records from unused EVTX chunk space (slack)\n"
    "  -q, --quiet           print no bad-record lines, only the summary\n"
    "  -v, --verbose         also name each file skipped for having no known format\n"
    "      --no-progress     no progress line (shown on a terminal during long runs)\n"
    "PATH may be a file, a directory (read recursively in name order) or - for stdin;\n"
    "gzip and zstd files are read transparently (detected by their magic bytes).\n";

bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

static void on_bad(spoor_bad_kind kind, const spoor_diag *d, void *payload)
{
	scan_cli *s = payload;
	s->bad_by_kind[kind]++;
	if (kind == SPOOR_SKIP_FILE && !s->verbose)
		return;
	if (s->quiet || (long)s->reported >= s->max_report)
		return;
	s->reported++;
	if (kind == SPOOR_BAD_FILE || kind == SPOOR_SKIP_FILE)
		fprintf(stderr, "spoor: %s: %s\n", d->source, d->msg);
	else if (d->line)
		fprintf(stderr, "spoor: %s:%" PRIu64 " (offset %" PRIu64 "): %s\n", d->source, d->line, d->offset, d->msg);
	else
		fprintf(stderr, "spoor: %s (offset %" PRIu64 "): %s\n", d->source, d->offset, d->msg);
}

void scan_cli_bad(scan_cli *s, spoor_bad_kind kind, const spoor_diag *d)
{
	on_bad(kind, d, s);
}

void scan_cli_init(scan_cli *s)
{
	memset(s, 0, sizeof(*s));
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	s->ctx_opts = co;
	s->scan_opts = so;
	s->max_report = 20;
	s->progress = isatty(STDERR_FILENO);
}

static int num_arg(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || x < lo || x > hi) {
		fprintf(stderr, "spoor: %s wants a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'\n", opt, lo, hi, v);
		return -1;
	}
	*out = x;
	return 0;
}

int scan_cli_option(scan_cli *s, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *val = NULL;
	static const char *const with_value[] = {"-F", "--format", "--tz", "--max-record", "--max-depth", "--max-fields", "--max-report", "--year", "-j", "--jobs", "--codepage"};
	bool wants = false;
	char name[64];
	snprintf(name, sizeof(name), "%s", a);
	char *eq = strncmp(a, "--", 2) == 0 ? strchr(name, '=') : NULL;
	if (eq)
		*eq = 0;
	for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++) {
		if (!strcmp(name, with_value[k]))
			wants = true;
	}
	if (a[0] == '-' && a[1] == 'j' && a[2] >= '0' && a[2] <= '9') {
		/* -j4, as make and xz take it */
		snprintf(name, sizeof(name), "-j");
		val = a + 2;
	} else if (wants) {
		if (eq) {
			val = a + (eq - name) + 1;
		} else {
			if (*i + 1 >= argc) {
				fprintf(stderr, "spoor: %s needs a value\n", name);
				return -1;
			}
			val = argv[++*i];
		}
	}
	uint64_t x;
	if (!strcmp(name, "-F") || !strcmp(name, "--format")) {
		s->format = val;
		s->scan_opts.format = val;
	} else if (!strcmp(name, "--tz")) {
		s->tz = val;
		s->ctx_opts.tz = val;
	} else if (!strcmp(name, "--year")) {
		if (num_arg(name, val, 1970, 9999, &x) < 0)
			return -1;
		s->ctx_opts.year = (int)x;
	} else if (!strcmp(name, "--max-record")) {
		if (num_arg(name, val, 64, 1u << 30, &x) < 0)
			return -1;
		s->ctx_opts.limits.max_record = (size_t)x;
	} else if (!strcmp(name, "--max-depth")) {
		if (num_arg(name, val, 1, 1024, &x) < 0)
			return -1;
		s->ctx_opts.limits.max_depth = (unsigned)x;
	} else if (!strcmp(name, "--max-fields")) {
		if (num_arg(name, val, 16, 1u << 24, &x) < 0)
			return -1;
		s->ctx_opts.limits.max_fields = (size_t)x;
	} else if (!strcmp(name, "--max-report")) {
		if (num_arg(name, val, 0, INT32_MAX, &x) < 0)
			return -1;
		s->max_report = (long)x;
	} else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
		if (num_arg(name, val, 0, SPOOR_MAX_JOBS, &x) < 0)
			return -1;
		s->scan_opts.jobs = (unsigned)x;
	} else if (!strcmp(name, "--codepage")) {
		s->scan_opts.codepage = val;
	} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		s->quiet = true;
	} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		s->verbose = true;
	} else if (!strcmp(a, "--no-carve")) {
		s->scan_opts.no_carve = true;
	} else if (!strcmp(a, "--no-progress")) {
		s->progress = false;
	} else {
		return 0;
	}
	return 1;
}

int scan_cli_open(scan_cli *s, spoor_ctx **ctx, spoor_scanner **sc)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_ctx_new(ctx, &s->ctx_opts, &d) < 0) {
		fprintf(stderr, "spoor: %s\n", d.msg);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	s->scan_opts.on_bad = on_bad;
	s->scan_opts.payload = s;
	if (spoor_scanner_new(sc, *ctx, &s->scan_opts, &d) < 0) {
		fprintf(stderr, "spoor: %s\n", d.msg);
		*ctx = spoor_ctx_free(*ctx);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	if (s->npaths == 0) {
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "spoor: reading from standard input (give PATH arguments to read files)\n");
		spoor_scanner_add(*sc, "-");
	}
	for (int i = 0; i < s->npaths; i++) {
		if (spoor_scanner_add(*sc, s->paths[i]) < 0) {
			fprintf(stderr, "spoor: out of memory\n");
			return EXIT_FAIL;
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void scan_cli_tick(scan_cli *s, spoor_scanner *sc, uint64_t n)
{
	static const uint64_t every = 1u << 14;
	if (!s->progress || (n & (every - 1)))
		return;
	double t = now_s();
	if (s->t_start == 0)
		s->t_start = s->t_last = t;
	if (t - s->t_last < 0.5)
		return;
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	scan_cli_progress(s, &st);
}

void scan_cli_progress(scan_cli *s, const spoor_scan_stats *stp)
{
	if (!s->progress)
		return;
	double t = now_s();
	if (s->t_start == 0)
		s->t_start = s->t_last = t;
	if (t - s->t_last < 0.5)
		return;
	s->t_last = t;
	spoor_scan_stats st = *stp;
	double mb = (double)st.bytes / 1e6;
	fprintf(stderr, "\rspoor: %" PRIu64 " files, %" PRIu64 " records, %" PRIu64 " bad, %.0f MB, %.0f MB/s   ", st.files,
		st.records, st.records_bad, mb, mb / (t - s->t_start + 1e-9));
}

int scan_cli_finish(scan_cli *s, spoor_scanner *sc, int rc)
{
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	return scan_cli_finish_stats(s, &st, rc);
}

int scan_cli_finish_stats(scan_cli *s, const spoor_scan_stats *stp, int rc)
{
	spoor_scan_stats st = *stp;
	if (s->progress)
		fprintf(stderr, "\r\033[K");
	uint64_t bad = st.records_bad + st.files_bad;
	if (st.files_skipped)
		fprintf(stderr, "spoor: %" PRIu64 " file%s skipped: no known format\n", st.files_skipped,
			st.files_skipped == 1 ? "" : "s");
	if (bad) {
		fprintf(stderr,
			"spoor: %" PRIu64 " bad record%s (%" PRIu64 " malformed, %" PRIu64 " over a limit), %" PRIu64
			" unreadable file%s",
			st.records_bad, st.records_bad == 1 ? "" : "s", s->bad_by_kind[SPOOR_BAD_RECORD], s->bad_by_kind[SPOOR_BAD_LIMIT],
			st.files_bad, st.files_bad == 1 ? "" : "s");
		if (s->reported < bad && !s->quiet)
			fprintf(stderr, "; %" PRIu64 " not shown (--max-report)", bad - s->reported);
		fprintf(stderr, "; %" PRIu64 " good records read\n", st.records);
	}
	if (rc)
		return rc;
	return bad ? EXIT_BADINPUT : EXIT_OK;
}

bool cli_free_at_exit(void)
{
#ifdef SPOOR_ASAN
	return true;
#else
	const char *e = getenv("SPOOR_FREE_AT_EXIT");
	return e && *e && strcmp(e, "0");
#endif
}

void scan_cli_done(scan_cli *s)
{
	free(s->paths);
	s->paths = NULL;
	s->npaths = 0;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i, const char *shortopt, const char *longopt,
		      bool *missing)
{
	const char *a = argv[*i];
	size_t ll = strlen(longopt);
	*missing = false;
	if (!strncmp(a, longopt, ll) && a[ll] == '=')
		return a + ll + 1;
	if (strcmp(a, longopt) != 0 && !(shortopt && !strcmp(a, shortopt)))
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "spoor %s: %s needs a value\n", cmd, a);
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

int scan_cli_args(scan_cli *s, const char *cmd, int argc, char **argv, void (*help)(FILE *), cli_opt_fn own, void *u)
{
	s->paths = calloc((size_t)argc + 1, sizeof(char *));
	if (!s->paths)
		return EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (is_help(a)) {
			help(stdout);
			return EXIT_OK;
		}
		int r = scan_cli_option(s, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		r = own ? own(u, argc, argv, &i) : 0;
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, "spoor %s: unknown option '%s' (see spoor %s --help)\n", cmd, a, cmd);
			return EXIT_USAGE;
		}
		s->paths[s->npaths++] = argv[i];
	}
	return -1;
}

int scan_cli_each(scan_cli *s, spoor_scanner *sc, const char *cmd, int (*fn)(spoor_event *ev, void *u), void *u)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	uint64_t n = 0;
	for (;;) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			return 0;
		if (r < 0) {
			fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
			return EXIT_FAIL;
		}
		r = fn(ev, u);
		if (r < 0)
			return -r;
		scan_cli_tick(s, sc, ++n);
	}
}
