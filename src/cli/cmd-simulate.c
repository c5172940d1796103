/* spoor simulate — write a deterministic multi-agency scenario with ground
 * truth (docs/simulate.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "spoor/sim.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor simulate --out DIR [--seed S] [--agencies N] [--mailboxes N] [--providers N]\n"
		"                      [--days N] [--scale X] [--start YYYY-MM-DD] [-q]\n"
		"       spoor simulate score --truth DIR/truth ALERTS\n\n"
		"Write a realistic multi-agency scenario: logs in the formats spoor reads (Postfix/Dovecot\n"
		"syslog, Exchange IIS W3C, M365 audit, Entra sign-ins, Windows Security/System/Sysmon/Defender\n"
		"as evtx_dump JSON, jump-host auth.log, Zeek TSV), benign traffic with hard negatives, a\n"
		"planted BlackTech/Taidoor-style campaign, and the ground truth (DIR/truth/).  Also\n"
		"DIR/inventory.yaml, DIR/geoip.csv and DIR/indicators.csv.  Same seed and options give\n"
		"byte-identical output.\n\n"
		"  --out DIR        output folder (created; files in it are overwritten)\n"
		"  --seed S         random seed (default 1)\n"
		"  --agencies N     agencies, 1..%d (default 4)\n"
		"  --mailboxes N    mailboxes per agency, 8..%d (default 40)\n"
		"  --providers N    IT service providers, 1..%d (default 3)\n"
		"  --days N         days of logs, 2..%d (default 14)\n"
		"  --scale X        benign volume multiplier, (0, %g] (default 1); memory does not grow with it\n"
		"  --start DATE     first day, UTC (default 2024-03-04)\n"
		"  -q, --quiet      no summary line\n",
		SPOOR_SIM_MAX_AGENCIES, SPOOR_SIM_MAX_MAILBOXES, SPOOR_SIM_MAX_PROVIDERS, SPOOR_SIM_MAX_DAYS,
		SPOOR_SIM_MAX_SCALE);
}

static int num(const char *opt, const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-') {
		fprintf(stderr, "spoor simulate: %s wants a whole number, not '%s'\n", opt, v);
		return -1;
	}
	*out = x;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void score_help(FILE *f)
{
	fprintf(f, "usage: spoor simulate score --truth DIR/truth ALERTS\n\n"
		   "Score alerts (`spoor hunt` JSON lines; - = stdin) against a simulation's ground truth:\n"
		   "an alert counts for a planted record when its log.file.path ends with the record's file\n"
		   "and its spoor.line is the record's line.  Prints recall per behaviour (password-spray,\n"
		   "mailbox-download, lateral-from-provider ...) and precision per rule.\n\n"
		   "  --truth PATH     the truth folder (DIR/truth) or its truth.jsonl\n");
}

static int cmd_score(int argc, char **argv)
{
	const char *truth = NULL, *alerts = NULL;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			score_help(stdout);
			return EXIT_OK;
		}
		if ((v = cli_value("simulate score", argc, argv, &i, NULL, "--truth", &missing))) {
			truth = v;
		} else if (missing) {
			return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "spoor simulate score: unknown option '%s' (see --help)\n", argv[i]);
			return EXIT_USAGE;
		} else if (!alerts) {
			alerts = argv[i];
		} else {
			fprintf(stderr, "spoor simulate score: one alerts file only\n");
			return EXIT_USAGE;
		}
	}
	if (!truth || !alerts) {
		score_help(stderr);
		return EXIT_USAGE;
	}
	char path[4096];
	size_t n = strlen(truth);
	if (n > 6 && !strcmp(truth + n - 6, ".jsonl"))
		snprintf(path, sizeof(path), "%s", truth);
	else
		snprintf(path, sizeof(path), "%s/truth.jsonl", truth);
	spoor_diag d = {0};
	int rc = spoor_sim_score(path, alerts, stdout, &d);
	if (rc) {
		fprintf(stderr, "spoor simulate score: %s\n", d.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_simulate(int argc, char **argv)
{
	spoor_sim_options o;
	if (argc > 1 && !strcmp(argv[1], "score"))
		return cmd_score(argc - 1, argv + 1);
	bool quiet = false;
	spoor_sim_options_init(&o);
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		uint64_t n;
		if (is_help(argv[i])) {
			help(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			continue;
		static const char *const counts[] = {"--agencies", "--mailboxes", "--providers", "--days"};
		uint32_t *const slots[] = {&o.agencies, &o.mailboxes, &o.providers, &o.days};
		bool done = false;
		for (size_t k = 0; k < ARRAY_LEN(counts) && !done; k++) {
			if ((v = cli_value("simulate", argc, argv, &i, NULL, counts[k], &missing))) {
				if (num(counts[k], v, &n))
					return EXIT_USAGE;
				*slots[k] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
				done = true;
			} else if (missing) {
				return EXIT_USAGE;
			}
		}
		if (done)
			continue;
		if ((v = cli_value("simulate", argc, argv, &i, "-o", "--out", &missing))) {
			o.out_dir = v;
		} else if (!missing && (v = cli_value("simulate", argc, argv, &i, NULL, "--seed", &missing))) {
			if (num("--seed", v, &o.seed))
				return EXIT_USAGE;
		} else if (!missing && (v = cli_value("simulate", argc, argv, &i, NULL, "--scale", &missing))) {
			char *end;
			o.scale = strtod(v, &end);
			if (end == v || *end) {
				fprintf(stderr, "spoor simulate: --scale wants a number, not '%s'\n", v);
				return EXIT_USAGE;
			}
		} else if (!missing && (v = cli_value("simulate", argc, argv, &i, NULL, "--start", &missing))) {
			int y, m, d;
			char c;
			if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &c) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
			    y < 1971 || y > 9000) {
				fprintf(stderr, "spoor simulate: --start wants YYYY-MM-DD, not '%s'\n", v);
				return EXIT_USAGE;
			}
			struct tm tm = {0};
			tm.tm_year = y - 1900;
			tm.tm_mon = m - 1;
			tm.tm_mday = d;
			o.start = (int64_t)timegm(&tm);
		} else if (missing) {
			return EXIT_USAGE;
		} else {
			fprintf(stderr, "spoor simulate: unknown option '%s' (see --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
	if (!o.out_dir) {
		fprintf(stderr, "spoor simulate: --out DIR is required (see --help)\n");
		return EXIT_USAGE;
	}
	spoor_diag d = {0};
	spoor_sim_result r = {0};
	double t = now();
	clock_t c0 = clock();
	int rc = spoor_simulate(&o, &r, &d);
	double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	t = now() - t;
	if (rc) {
		fprintf(stderr, "spoor simulate: %s\n", d.msg);
		return rc == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!quiet)
		fprintf(stderr,
			"spoor simulate: %" PRIu64 " files, %" PRIu64 " records, %.1f MB, %" PRIu64
			" planted records; %.2f s (%.1f MB/s), cpu %.2f s (%.1f MB/s) -> %s\n",
			r.files, r.records, (double)r.bytes / 1e6, r.planted, t,
			t > 0 ? (double)r.bytes / 1e6 / t : 0.0, cpu, cpu > 0 ? (double)r.bytes / 1e6 / cpu : 0.0,
			o.out_dir);
	return EXIT_OK;
}
