/* spoor scope / spoor report — questions to a case database. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spoor/case.h"

static void scope_help(FILE *f)
{
	fprintf(f,
		"usage: spoor scope CASE.db [--actor A] [--indicator I] [--provider P] [--agency G]\n"
		"                   [--account U] [--since T] [--until T] [--format table|json|csv]\n\n"
		"Which agencies, mailboxes, hosts, accounts and providers the selected alerts touch,\n"
		"first and last activity of each, the kill chain per agency (ATT&CK tactics), and the\n"
		"data taken per mailbox and host with the first record behind each figure.\n\n"
		"  --actor A       alerts naming actor A (intel), and alerts sharing an address or\n"
		"                  an account with those\n"
		"  --indicator I   same, for an indicator value\n"
		"  --provider P    alerts attributed to provider P (hunt --inventory)\n"
		"  --agency G      alerts attributed to agency G\n"
		"  --account U     alerts naming account or mailbox U\n"
		"  --since T, --until T   RFC 3339 times (UTC unless an offset is given) or epoch seconds\n"
		"  --format F      table (default), json, csv\n"
		"  -o, --output FILE   write there instead of standard output\n\n"
		"Exit codes: 0 ok, 1 failure (unreadable or damaged case), 2 usage.\n");
}

static void report_help(FILE *f)
{
	fprintf(f,
		"usage: spoor report CASE.db -o report.html [--format html|md] [scope options]\n\n"
		"Write one self-contained report of the case: summary figures, a timeline of alerts\n"
		"by agency, the ATT&CK tactics per agency, an hours-by-weekday heat map, per-agency\n"
		"and per-provider sections, the mailboxes and hosts data was taken from, an entity\n"
		"graph and the evidence status.  HTML has no external resources (inline SVG and\n"
		"style; a small inline script sorts and filters tables, optional).  The scope options\n"
		"of `spoor scope` restrict it.\n\n"
		"  -o, --output FILE   the report (required unless --format md, which may go to stdout)\n"
		"  --format F      html (default) or md\n\n"
		"Exit codes: 0 ok, 1 failure, 2 usage.\n");
}

typedef struct qopts {
	spoor_scope_query q;
	const char *out, *format, *path;
} qopts;

static int time_opt(const char *cmd, const char *v, int64_t *t)
{
	if (spoor_time_parse(v, t) == 0)
		return 0;
	fprintf(stderr, "spoor %s: '%s' is not a time (RFC 3339 or epoch seconds)\n", cmd, v);
	return -1;
}

static int parse(const char *cmd, int argc, char **argv, qopts *o, void (*help)(FILE *))
{
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		const char *a = argv[i];
		if (is_help(a)) {
			help(stdout);
			return EXIT_OK;
		} else if ((v = cli_value(cmd, argc, argv, &i, NULL, "--actor", &missing))) {
			o->q.actor = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--indicator", &missing))) {
			o->q.indicator = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--provider", &missing))) {
			o->q.provider = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--agency", &missing))) {
			o->q.agency = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--account", &missing))) {
			o->q.account = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--format", &missing))) {
			o->format = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, "-o", "--output", &missing))) {
			o->out = v;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--since", &missing))) {
			if (time_opt(cmd, v, &o->q.since) < 0)
				return EXIT_USAGE;
		} else if (!missing && (v = cli_value(cmd, argc, argv, &i, NULL, "--until", &missing))) {
			if (time_opt(cmd, v, &o->q.until) < 0)
				return EXIT_USAGE;
		} else if (missing) {
			return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "spoor %s: unknown option '%s'; `spoor %s --help` lists them\n", cmd, a, cmd);
			return EXIT_USAGE;
		} else if (!o->path) {
			o->path = a;
		} else {
			fprintf(stderr, "spoor %s: one case at a time ('%s' and '%s')\n", cmd, o->path, a);
			return EXIT_USAGE;
		}
	}
	if (!o->path) {
		fprintf(stderr, "spoor %s: give the case database (spoor hunt --case CASE.db makes one)\n", cmd);
		return EXIT_USAGE;
	}
	return -1;
}

static int write_out(const char *cmd, const char *path, const char *text, size_t n)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "spoor %s: %s: %s\n", cmd, path, strerror(errno));
		return EXIT_FAIL;
	}
	bool ok = fwrite(text, 1, n, f) == n;
	ok = (path ? fclose(f) == 0 : fflush(f) == 0) && ok;
	if (!ok) {
		fprintf(stderr, "spoor %s: %s: cannot write: %s\n", cmd, path ? path : "<stdout>", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int run(const char *cmd, int argc, char **argv, bool is_report)
{
	qopts o = {0};
	int rc = parse(cmd, argc, argv, &o, is_report ? report_help : scope_help);
	if (rc >= 0)
		return rc;
	int fmt = 0;
	if (is_report) {
		if (o.format && strcmp(o.format, "html") && strcmp(o.format, "md")) {
			fprintf(stderr, "spoor report: --format is html or md, not '%s'\n", o.format);
			return EXIT_USAGE;
		}
		fmt = o.format && !strcmp(o.format, "md") ? SPOOR_REPORT_MD : SPOOR_REPORT_HTML;
		if (!o.out && fmt == SPOOR_REPORT_HTML) {
			fprintf(stderr, "spoor report: give the output file with -o report.html\n");
			return EXIT_USAGE;
		}
	} else if (o.format) {
		if (!strcmp(o.format, "json"))
			fmt = SPOOR_SCOPE_JSON;
		else if (!strcmp(o.format, "csv"))
			fmt = SPOOR_SCOPE_CSV;
		else if (strcmp(o.format, "table")) {
			fprintf(stderr, "spoor scope: --format is table, json or csv, not '%s'\n", o.format);
			return EXIT_USAGE;
		}
	}
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_case_open(&c, o.path, SPOOR_CASE_READ, &d) < 0) {
		fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
		return EXIT_FAIL;
	}
	char *text = NULL;
	size_t n = 0;
	int r = is_report ? spoor_case_report(c, &o.q, (spoor_report_format)fmt, &text, &n, &d)
			  : spoor_case_scope(c, &o.q, (spoor_scope_format)fmt, &text, &n, &d);
	if (r < 0) {
		fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
		rc = EXIT_FAIL;
	} else {
		rc = write_out(cmd, o.out, text, n);
		if (rc == 0 && is_report && o.out)
			fprintf(stderr, "spoor report: wrote %s (%zu bytes)\n", o.out, n);
	}
	free(text);
	spoor_case_close(c, &d);
	return rc;
}

int cmd_scope(int argc, char **argv)
{
	return run("scope", argc, argv, false);
}

int cmd_report(int argc, char **argv)
{
	return run("report", argc, argv, true);
}
