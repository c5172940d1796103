/* spoor hunt — run Sigma rules over logs; alerts as JSON lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "spoor/evidence.h"
#include "spoor/hunt.h"
#include "spoor/rules.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor hunt --rules PATH [--rules PATH]... [OPTIONS] [PATH...]\n\n"
		"Match every event against Sigma rules and print one JSON line per alert\n"
		"(@timestamp, rule.id, rule.name, rule.ruleset, rule.level, rule.path,\n"
		"threat.technique.id, threat.tactic.name, host.name, user.name, source.ip,\n"
		"log.file.path, log.offset, spoor.line / spoor.record_id, spoor.matched).\n"
		"A summary goes to stderr.\n\n"
		"Hunt options:\n"
		"  -r, --rules PATH      a Sigma rule file or directory (repeatable; required)\n"
		"      --min-level L     only rules of level L or above\n"
		"                        (informational, low, medium, high, critical)\n"
		"  -o, --output FILE     write alerts to FILE instead of standard output\n"
		"      --csv FILE        also write a CSV timeline (Timestamp, Computer, Channel,\n"
		"                        EventID, Level, RuleTitle, RuleID, Details)\n"
		"      --placeholders FILE  values for |expand placeholders (YAML: name: [values])\n"
		"      --show-rule-errors print each rule that cannot be loaded\n"
		"      --evidence DIR    append every record to the evidence store DIR (spoor evidence\n"
		"                        init); alerts carry spoor.evidence.leaf\n"
		"      --evidence-checkpoint-records N / --evidence-checkpoint-seconds S\n"
		"                        checkpoint intervals (default 100000 records, 10 s)\n"
		"      --covered-tracks  detect covered tracks: logs cleared, audit policy changed,\n"
		"                        logging stopped, EventRecordID gaps, time going back\n\n%s",
		scan_cli_help);
}

typedef struct hctx {
	bool show;
	uint64_t failed;
} hctx;

static void on_rule_error(const spoor_diag *d, void *payload)
{
	hctx *h = payload;
	h->failed++;
	if (h->show)
		fprintf(stderr, "spoor hunt: %s:%" PRIu64 ":%u: %s\n", d->source, d->line, d->col, d->msg);
}

/* One CSV cell (RFC 4180 quoting), at most 2048 bytes of it. */
static void csv_cell(FILE *f, const char *p, size_t n, bool last)
{
	n = n > 2048 ? 2048 : n;
	bool q = false;
	for (size_t i = 0; i < n && !q; i++)
		q = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (q) {
		fputc('"', f);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '"')
				fputc('"', f);
			fputc(p[i], f);
		}
		fputc('"', f);
	} else if (n) {
		fwrite(p, 1, n, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_event_field(FILE *f, spoor_event *ev, const char *a, const char *b)
{
	spoor_value v;
	spoor_sv t = {NULL, 0};
	if (ev && (spoor_event_get(ev, a, strlen(a), &v) == 0 || (b && spoor_event_get(ev, b, strlen(b), &v) == 0)) &&
	    v.type != SPOOR_VT_NULL)
		spoor_event_text(ev, &v, &t);
	csv_cell(f, t.p, t.n, false);
}

/* One timeline row per finding (Hayabusa's column names). */
static void csv_row(FILE *f, const spoor_finding *fd)
{
	char ts[48] = "";
	if (fd->ts) {
		int64_t ns = fd->ts;
		time_t sec = (time_t)(ns / 1000000000);
		long ms = (long)((ns % 1000000000) / 1000000);
		if (ms < 0) {
			ms += 1000;
			sec--;
		}
		struct tm tm;
		if (gmtime_r(&sec, &tm)) {
			size_t l = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(ts + l, sizeof(ts) - l, ".%03ldZ", ms);
		}
	}
	csv_cell(f, ts, strlen(ts), false);
	csv_event_field(f, fd->ev, "host.name", "Computer");
	spoor_sv ch = {NULL, 0};
	if (fd->ev) {
		const spoor_logsource *ls = spoor_event_logsource(fd->ev);
		ch = ls->channel.n ? ls->channel : ls->service;
	}
	csv_cell(f, ch.p, ch.n, false);
	csv_event_field(f, fd->ev, "EventID", "event.code");
	const char *lv = spoor_level_name(fd->level);
	csv_cell(f, lv, strlen(lv), false);
	const char *t = fd->rule_name ? fd->rule_name : "";
	csv_cell(f, t, strlen(t), false);
	csv_cell(f, fd->rule_id ? fd->rule_id : "", fd->rule_id ? strlen(fd->rule_id) : 0, false);
	csv_cell(f, fd->details.p, fd->details.n, true);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Alerts per rule, for the summary: a small open-addressing table keyed by
 * rule name (findings from every engine). */
typedef struct rcount {
	char *name;
	spoor_level level;
	uint64_t n;
} rcount;

typedef struct rtable {
	rcount *v;
	size_t cap, n;
} rtable;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int rtable_add(rtable *t, const char *name, spoor_level level)
{
	if (!name)
		name = "";
	if (2 * (t->n + 1) > t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 256;
		rcount *nv = calloc(nc, sizeof(*nv));
		if (!nv)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].name)
				continue;
			size_t j = hash_str(t->v[i].name) & (nc - 1);
			while (nv[j].name)
				j = (j + 1) & (nc - 1);
			nv[j] = t->v[i];
		}
		free(t->v);
		t->v = nv;
		t->cap = nc;
	}
	size_t j = hash_str(name) & (t->cap - 1);
	while (t->v[j].name && strcmp(t->v[j].name, name))
		j = (j + 1) & (t->cap - 1);
	if (!t->v[j].name) {
		t->v[j].name = strdup(name);
		if (!t->v[j].name)
			return -1;
		t->v[j].level = level;
		t->n++;
	}
	t->v[j].n++;
	return 0;
}

static void rtable_free(rtable *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].name);
	free(t->v);
}

static int cmp_rc(const void *a, const void *b)
{
	const rcount *x = a, *y = b;
	if (!x->name || !y->name)
		return !x->name - !y->name;
	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->name, y->name);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

typedef struct hunt_opts {
	hctx *h;
	const char *out_path, *csv_path, *ph;
	int min_level;
	char **rules;
	int nrules;
	const char *evidence;
	spoor_evidence_options evo;
	bool tracks;
} hunt_opts;

static int hunt_option(void *u, int argc, char **argv, int *i)
{
	hunt_opts *o = u;
	bool missing = false;
	const char *v;
	if ((v = cli_value("hunt", argc, argv, i, "-r", "--rules", &missing))) {
		o->rules[o->nrules++] = (char *)v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--placeholders", &missing))) {
		o->ph = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--csv", &missing))) {
		o->csv_path = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, "-o", "--output", &missing))) {
		o->out_path = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--min-level", &missing))) {
		o->min_level = spoor_level_parse(v);
		if (o->min_level < 0) {
			fprintf(stderr, "spoor hunt: unknown level '%s' (informational, low, medium, high, critical)\n", v);
			return -1;
		}
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--evidence", &missing))) {
		o->evidence = v;
	} else if (!missing &&
		   (v = cli_value("hunt", argc, argv, i, NULL, "--evidence-checkpoint-records", &missing))) {
		char *e;
		o->evo.checkpoint_records = strtoull(v, &e, 10);
		if (*e || *v == '-') {
			fprintf(stderr, "spoor hunt: --evidence-checkpoint-records: not a number\n");
			return -1;
		}
	} else if (!missing &&
		   (v = cli_value("hunt", argc, argv, i, NULL, "--evidence-checkpoint-seconds", &missing))) {
		char *e;
		o->evo.checkpoint_seconds = strtod(v, &e);
		if (*e || o->evo.checkpoint_seconds < 0) {
			fprintf(stderr, "spoor hunt: --evidence-checkpoint-seconds: not a number\n");
			return -1;
		}
	} else if (!missing && !strcmp(argv[*i], "--covered-tracks")) {
		o->tracks = true;
	} else if (!missing && !strcmp(argv[*i], "--show-rule-errors")) {
		o->h->show = true;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

/* The run: stages in pipeline order, outputs, counters. */
typedef struct hunt {
	spoor_stage *stages[16];
	size_t nstages;
	int ofd;
	FILE *csv;
	char obuf[1 << 16];
	size_t olen;
	uint64_t alerts, by_level[_SPOOR_LEVEL_MAX];
	rtable counts;
	bool write_failed;
} hunt;

static int add_stage(hunt *hu, spoor_stage *st)
{
	if (hu->nstages == sizeof(hu->stages) / sizeof(hu->stages[0])) {
		spoor_stage_free(st);
		return -1;
	}
	hu->stages[hu->nstages++] = st;
	return 0;
}

static int on_finding(const spoor_finding *f, void *payload)
{
	hunt *hu = payload;
	hu->alerts++;
	hu->by_level[f->level < _SPOOR_LEVEL_MAX ? f->level : 0]++;
	if (rtable_add(&hu->counts, f->rule_name, f->level) < 0)
		return SPOOR_ENOMEM;
	if (hu->csv)
		csv_row(hu->csv, f);
	const spoor_sv js = f->json;
	if (hu->olen + js.n > sizeof(hu->obuf)) {
		if (!write_all(hu->ofd, hu->obuf, hu->olen))
			goto fail;
		hu->olen = 0;
	}
	if (js.n > sizeof(hu->obuf)) {
		if (!write_all(hu->ofd, js.p, js.n))
			goto fail;
	} else {
		memcpy(hu->obuf + hu->olen, js.p, js.n);
		hu->olen += js.n;
	}
	return 0;
fail:
	hu->write_failed = true;
	return SPOOR_EIO;
}

/* Load the Sigma rules and add the Sigma stage.  0 or an exit code. */
static int sigma_setup(hunt *hu, spoor_ctx *ctx, hunt_opts *ho, scan_cli *s, spoor_ruleset **rsp)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	ro.min_level = (spoor_level)ho->min_level;
	ro.on_error = on_rule_error;
	ro.payload = ho->h;
	ro.placeholders = ho->ph;
	if (spoor_ruleset_new(rsp, ctx, &ro, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	spoor_ruleset *rs = *rsp;
	for (int i = 0; i < ho->nrules; i++) {
		if (spoor_ruleset_add(rs, ho->rules[i], &d) < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	spoor_rules_stats rst = {0};
	spoor_ruleset_stats(rs, &rst);
	if (!s->quiet)
		fprintf(stderr,
			"spoor hunt: %" PRIu64 " rules loaded, %" PRIu64 " run, %" PRIu64 " could not be loaded%s\n",
			rst.loaded, rst.active, rst.failed,
			rst.failed && !ho->h->show ? " (spoor rules check PATH lists them)" : "");
	if (!rst.active) {
		fprintf(stderr, "spoor hunt: no rule to run\n");
		return EXIT_USAGE;
	}
	spoor_stage *st = NULL;
	if (spoor_sigma_stage_new(&st, rs, &d) < 0 || add_stage(hu, st) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg[0] ? d.msg : "too many stages");
		return EXIT_FAIL;
	}
	if (s->verbose) {
		spoor_ruleset_stats(rs, &rst);
		fprintf(stderr,
			"spoor hunt: %" PRIu64 " rules run only when one of %" PRIu64 " literal atoms (%" PRIu64
			" Vectorscan databases) is seen\n",
			rst.prefiltered, rst.atoms, rst.atom_dbs);
	}
	return 0;
}

/* Build the stages, in pipeline order: evidence, enrichers, detectors.
 * 0 or an exit code. */
static int build_stages(hunt *hu, spoor_ctx *ctx, hunt_opts *ho, scan_cli *s, spoor_ruleset **rs)
{
	int rc = 0;
	/* evidence: first, so every later stage sees spoor.evidence.leaf */
	if (ho->evidence) {
		spoor_stage *st = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (spoor_evidence_stage_new(&st, ho->evidence, &ho->evo, &d) < 0 || add_stage(hu, st) < 0) {
			fprintf(stderr, "spoor hunt: --evidence %s: %s\n", ho->evidence,
				d.msg[0] ? d.msg : "too many stages");
			rc = EXIT_FAIL;
		}
	}
	/* detectors */
	if (rc == 0 && ho->nrules)
		rc = sigma_setup(hu, ctx, ho, s, rs);
	if (rc == 0 && ho->tracks) {
		spoor_stage *st = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (spoor_tracks_stage_new(&st, NULL, &d) < 0 || add_stage(hu, st) < 0) {
			fprintf(stderr, "spoor hunt: --covered-tracks: %s\n", d.msg[0] ? d.msg : "too many stages");
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0 && !hu->nstages) {
		fprintf(stderr, "spoor hunt: nothing to hunt with: give Sigma rules with --rules PATH (or --evidence "
				"DIR, --covered-tracks)\n");
		rc = EXIT_USAGE;
	}
	return rc;
}

int cmd_hunt(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	hctx h = {0};
	hunt_opts ho = {0};
	ho.h = &h;
	spoor_evidence_options evo = SPOOR_EVIDENCE_OPTIONS_INIT;
	ho.evo = evo;
	ho.rules = calloc((size_t)argc, sizeof(char *));
	hunt *hu = calloc(1, sizeof(*hu));
	if (!ho.rules || !hu) {
		free(ho.rules);
		free(hu);
		return EXIT_FAIL;
	}
	int rc = scan_cli_args(&s, "hunt", argc, argv, help, hunt_option, &ho);
	if (rc >= 0) {
		scan_cli_done(&s);
		free(ho.rules);
		free(hu);
		return rc;
	}
	rc = 0;
	double t0 = now();
	hu->ofd = STDOUT_FILENO;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (ho.out_path) {
		hu->ofd = open(ho.out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (hu->ofd < 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.out_path, strerror(errno));
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0 && ho.csv_path) {
		hu->csv = fopen(ho.csv_path, "w");
		if (!hu->csv) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.csv_path, strerror(errno));
			rc = EXIT_FAIL;
		} else {
			fputs("Timestamp,Computer,Channel,EventID,Level,RuleTitle,RuleID,Details\n", hu->csv);
		}
	}
	if (rc == 0)
		rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0)
		rc = build_stages(hu, ctx, &ho, &s, &rs);
	uint64_t events = 0;
	while (rc == 0) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			rc = EXIT_FAIL;
			break;
		}
		events++;
		for (size_t i = 0; i < hu->nstages && rc == 0; i++) {
			r = spoor_stage_event(hu->stages[i], ev, on_finding, hu);
			if (r < 0) {
				if (hu->write_failed)
					fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
				else
					fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]),
						spoor_strerror(r));
				rc = EXIT_FAIL;
			}
		}
		scan_cli_tick(&s, sc, events);
	}
	/* end of input: windows close, summaries come out, state is saved */
	for (size_t i = 0; i < hu->nstages && (rc == 0 || rc == EXIT_BADINPUT); i++) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		int r = spoor_stage_finish(hu->stages[i], on_finding, hu, &d);
		if (r < 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]),
				d.msg[0] ? d.msg : spoor_strerror(r));
			rc = EXIT_FAIL;
		}
	}
	if (hu->olen && !write_all(hu->ofd, hu->obuf, hu->olen) && rc == 0) {
		fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	if (sc && !s.quiet && hu->nstages) {
		double dt = now() - t0;
		fprintf(stderr, "spoor hunt: %" PRIu64 " events, %" PRIu64 " alerts", events, hu->alerts);
		for (int l = _SPOOR_LEVEL_MAX - 1; l >= 0; l--)
			if (hu->by_level[l])
				fprintf(stderr, ", %" PRIu64 " %s", hu->by_level[l],
					l ? spoor_level_name((spoor_level)l) : "no level");
		fprintf(stderr, " in %.2f s\n", dt);
		for (size_t i = 0; i < hu->nstages && s.verbose; i++) {
			const char *sum = spoor_stage_summary(hu->stages[i]);
			if (sum[0])
				fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]), sum);
		}
		if (hu->alerts && hu->counts.n) {
			qsort(hu->counts.v, hu->counts.cap, sizeof(*hu->counts.v), cmp_rc);
			for (size_t i = 0; i < hu->counts.cap && i < 20 && hu->counts.v[i].name; i++)
				fprintf(stderr, "  %7" PRIu64 "  %-13s %s\n", hu->counts.v[i].n,
					hu->counts.v[i].level ? spoor_level_name(hu->counts.v[i].level) : "-",
					hu->counts.v[i].name);
		}
	}
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	if (hu->csv && (fclose(hu->csv) != 0) && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: cannot write: %s\n", ho.csv_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (ho.out_path && hu->ofd >= 0 && close(hu->ofd) < 0 && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: %s\n", ho.out_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	for (size_t i = 0; i < hu->nstages; i++)
		spoor_stage_free(hu->stages[i]);
	rtable_free(&hu->counts);
	spoor_ruleset_free(rs);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	free(ho.rules);
	free(hu);
	return rc;
}
