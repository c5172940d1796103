/* spoor hunt — run Sigma rules over logs; alerts as JSON lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
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
		"      --show-rule-errors print each rule that cannot be loaded\n\n%s",
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
	if ((spoor_event_get(ev, a, strlen(a), &v) == 0 || (b && spoor_event_get(ev, b, strlen(b), &v) == 0)) &&
	    v.type != SPOOR_VT_NULL)
		spoor_event_text(ev, &v, &t);
	csv_cell(f, t.p, t.n, false);
}

static void csv_row(FILE *f, spoor_ctx *ctx, spoor_event *ev, const spoor_rule_info *ri, const spoor_alert *al)
{
	int64_t ns;
	char ts[48] = "";
	if (spoor_event_time(ev, &ns) > 0) {
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
	csv_event_field(f, ev, "host.name", "Computer");
	const spoor_logsource *ls = spoor_event_logsource(ev);
	spoor_sv ch = ls->channel.n ? ls->channel : ls->service;
	csv_cell(f, ch.p, ch.n, false);
	csv_event_field(f, ev, "EventID", "event.code");
	const char *lv = spoor_level_name(ri->level);
	csv_cell(f, lv, strlen(lv), false);
	csv_cell(f, ri->title, strlen(ri->title), false);
	csv_cell(f, ri->id ? ri->id : "", ri->id ? strlen(ri->id) : 0, false);
	/* Details: the matched fields, "name: value ¦ name: value" */
	char det[2048];
	size_t dl = 0;
	for (size_t i = 0; i < al->nfields && dl + 8 < sizeof(det); i++) {
		spoor_sv nm = spoor_field_name(ctx, al->fields[i]);
		spoor_value v;
		spoor_sv t = {NULL, 0};
		if (spoor_event_get_id(ev, al->fields[i], &v) == 0)
			spoor_event_text(ev, &v, &t);
		int w = snprintf(det + dl, sizeof(det) - dl, "%s%.*s: %.*s", i ? " \xC2\xA6 " : "", (int)nm.n,
				 nm.p ? nm.p : "", (int)(t.n > 512 ? 512 : t.n), t.p ? t.p : "");
		if (w < 0)
			break;
		dl += (size_t)w;
		if (dl >= sizeof(det))
			dl = sizeof(det) - 1;
	}
	csv_cell(f, det, dl, true);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct rcount {
	size_t rule;
	uint64_t n;
} rcount;

static int cmp_rc(const void *a, const void *b)
{
	const rcount *x = a, *y = b;
	return x->n != y->n ? (x->n < y->n ? 1 : -1) : (x->rule < y->rule ? -1 : x->rule > y->rule);
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
	} else if (!missing && !strcmp(argv[*i], "--show-rule-errors")) {
		o->h->show = true;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

int cmd_hunt(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	hctx h = {0};
	hunt_opts ho = {0};
	ho.h = &h;
	ho.rules = calloc((size_t)argc, sizeof(char *));
	if (!ho.rules)
		return EXIT_FAIL;
	int rc = scan_cli_args(&s, "hunt", argc, argv, help, hunt_option, &ho);
	if (rc < 0 && !ho.nrules) {
		fprintf(stderr, "spoor hunt: give Sigma rules with --rules PATH (there is no default rule set yet)\n");
		rc = EXIT_USAGE;
	}
	if (rc >= 0) {
		scan_cli_done(&s);
		free(ho.rules);
		return rc;
	}
	rc = 0;
	const char *out_path = ho.out_path, *csv_path = ho.csv_path, *ph = ho.ph;
	int min_level = ho.min_level;
	char **rules = ho.rules;
	int nrules = ho.nrules;
	double t0 = now();
	int ofd = STDOUT_FILENO;
	if (out_path) {
		ofd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (ofd < 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", out_path, strerror(errno));
			scan_cli_done(&s);
			free(rules);
			return EXIT_FAIL;
		}
	}
	FILE *csv = NULL;
	if (csv_path) {
		csv = fopen(csv_path, "w");
		if (!csv) {
			fprintf(stderr, "spoor hunt: %s: %s\n", csv_path, strerror(errno));
			if (out_path)
				close(ofd);
			scan_cli_done(&s);
			free(rules);
			return EXIT_FAIL;
		}
		fputs("Timestamp,Computer,Channel,EventID,Level,RuleTitle,RuleID,Details\n", csv);
	}
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ruleset *rs = NULL;
	spoor_matcher *m = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	rcount *counts = NULL;
	rc = scan_cli_open(&s, &ctx, &sc);
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	ro.min_level = (spoor_level)min_level;
	ro.on_error = on_rule_error;
	ro.payload = &h;
	ro.placeholders = ph;
	if (rc == 0 && spoor_ruleset_new(&rs, ctx, &ro, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		rc = d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	for (int i = 0; i < nrules && rc == 0; i++) {
		if (spoor_ruleset_add(rs, rules[i], &d) < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			rc = d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	spoor_rules_stats rst = {0};
	if (rs)
		spoor_ruleset_stats(rs, &rst);
	if (rc == 0) {
		if (!s.quiet)
			fprintf(stderr,
				"spoor hunt: %" PRIu64 " rules loaded, %" PRIu64 " run, %" PRIu64
				" could not be loaded%s\n",
				rst.loaded, rst.active, rst.failed,
				rst.failed && !h.show ? " (spoor rules check PATH lists them)" : "");
		if (!rst.active) {
			fprintf(stderr, "spoor hunt: no rule to run\n");
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0 && spoor_matcher_new(&m, rs, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	size_t nr = rs ? spoor_ruleset_count(rs) : 0;
	if (m && s.verbose) {
		spoor_ruleset_stats(rs, &rst);
		fprintf(stderr,
			"spoor hunt: %" PRIu64 " rules run only when one of %" PRIu64 " literal atoms (%" PRIu64
			" Vectorscan databases) is seen\n",
			rst.prefiltered, rst.atoms, rst.atom_dbs);
	}
	if (rc == 0) {
		counts = calloc(nr + 1, sizeof(*counts));
		if (!counts)
			rc = EXIT_FAIL;
	}
	uint64_t events = 0, alerts = 0, by_level[_SPOOR_LEVEL_MAX] = {0};
	char obuf[1 << 16];
	size_t olen = 0;
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
		int na = spoor_matcher_match(m, ev);
		if (na < 0) {
			fprintf(stderr, "spoor hunt: matching failed: %s\n", spoor_strerror(na));
			rc = EXIT_FAIL;
			break;
		}
		for (int k = 0; k < na && rc == 0; k++) {
			spoor_alert al;
			spoor_sv js;
			if (spoor_matcher_alert(m, (size_t)k, &al) < 0 ||
			    spoor_matcher_alert_json(m, (size_t)k, ev, &js) < 0) {
				fprintf(stderr, "spoor hunt: cannot format an alert (out of memory)\n");
				rc = EXIT_FAIL;
				break;
			}
			alerts++;
			counts[al.rule].rule = al.rule;
			counts[al.rule].n++;
			spoor_rule_info ri;
			if (spoor_ruleset_rule(rs, al.rule, &ri) == 0) {
				by_level[ri.level]++;
				if (csv)
					csv_row(csv, ctx, ev, &ri, &al);
			}
			if (olen + js.n > sizeof(obuf)) {
				if (!write_all(ofd, obuf, olen)) {
					fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
					rc = EXIT_FAIL;
					break;
				}
				olen = 0;
			}
			if (js.n > sizeof(obuf)) {
				if (!write_all(ofd, js.p, js.n)) {
					fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
					rc = EXIT_FAIL;
				}
			} else {
				memcpy(obuf + olen, js.p, js.n);
				olen += js.n;
			}
		}
		scan_cli_tick(&s, sc, events);
	}
	if (olen && !write_all(ofd, obuf, olen) && rc == 0) {
		fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	if (sc && !s.quiet && m) {
		double dt = now() - t0;
		fprintf(stderr, "spoor hunt: %" PRIu64 " events, %" PRIu64 " alerts", events, alerts);
		for (int l = _SPOOR_LEVEL_MAX - 1; l >= 0; l--)
			if (by_level[l])
				fprintf(stderr, ", %" PRIu64 " %s", by_level[l],
					l ? spoor_level_name((spoor_level)l) : "no level");
		fprintf(stderr, " in %.2f s\n", dt);
		if (alerts && counts) {
			qsort(counts, nr, sizeof(*counts), cmp_rc);
			for (size_t i = 0; i < nr && i < 20 && counts[i].n; i++) {
				spoor_rule_info ri;
				if (spoor_ruleset_rule(rs, counts[i].rule, &ri) == 0)
					fprintf(stderr, "  %7" PRIu64 "  %-13s %s\n", counts[i].n,
						ri.level ? spoor_level_name(ri.level) : "-", ri.title);
			}
		}
	}
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	if (csv && (fclose(csv) != 0) && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: cannot write: %s\n", csv_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (out_path && ofd >= 0 && close(ofd) < 0 && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: %s\n", out_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	free(counts);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	free(rules);
	return rc;
}
