/* spoor mailboxes — how much mail left, from which mailboxes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spoor/analytics.h"
#include "spoor/case.h"
#include "spoor/geo.h"
#include "spoor/hunt.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor mailboxes [OPTIONS] [PATH...]\n"
		"       spoor mailboxes --case CASE.db [--json]\n\n"
		"Run the identity analytics (docs/analytics.md) over the logs and print, per\n"
		"mailbox and per agency domain, the accounts with evidence of compromise, first\n"
		"and last attacker access, the attacker sources, and the data taken: sessions,\n"
		"items and bytes read from those sources (exact sums of the records).\n\n"
		"Mailbox options:\n"
		"      --json            one JSON object per line (spoor.record: mailbox | domain)\n"
		"      --case CASE.db    read the summary a `spoor hunt --analytics --case` stored,\n"
		"                        without the logs\n"
		"      --geo PATH        GeoIP source (repeatable): a MaxMind .mmdb or a CSV of\n"
		"                        cidr,country,city,lat,lon,asn,asn_org[,anonymizer]\n"
		"      --analytics-config FILE  analytics parameters and caps (YAML)\n"
		"      --inventory FILE  agency / provider inventory (repeatable, docs/inventory.md):\n"
		"                        its networks are known egress for impossible travel\n"
		"      --state FILE      the analytics' baselines kept between runs (as spoor hunt)\n"
		"      --alerts FILE     also write the analytics' alerts (JSON lines) to FILE\n\n%s",
		scan_cli_help);
}

typedef struct mb_opts {
	bool json;
	const char **geo;
	int ngeo;
	char **inv;
	int ninv;
	const char *config, *alerts, *state, *kase;
} mb_opts;

static int mb_option(void *u, int argc, char **argv, int *i)
{
	mb_opts *o = u;
	bool missing = false;
	const char *v;
	if ((v = cli_value("mailboxes", argc, argv, i, NULL, "--geo", &missing))) {
		o->geo[o->ngeo++] = v;
	} else if (!missing && (v = cli_value("mailboxes", argc, argv, i, NULL, "--analytics-config", &missing))) {
		o->config = v;
	} else if (!missing && (v = cli_value("mailboxes", argc, argv, i, NULL, "--inventory", &missing))) {
		o->inv[o->ninv++] = (char *)v;
	} else if (!missing && (v = cli_value("mailboxes", argc, argv, i, NULL, "--state", &missing))) {
		o->state = v;
	} else if (!missing && (v = cli_value("mailboxes", argc, argv, i, NULL, "--alerts", &missing))) {
		o->alerts = v;
	} else if (!missing && (v = cli_value("mailboxes", argc, argv, i, NULL, "--case", &missing))) {
		o->kase = v;
	} else if (!missing && !strcmp(argv[*i], "--json")) {
		o->json = true;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

typedef struct mb_run {
	FILE *alerts;
	uint64_t n;
} mb_run;

static int on_finding(const spoor_finding *f, void *payload)
{
	mb_run *m = payload;
	m->n++;
	if (m->alerts && fwrite(f->json.p, 1, f->json.n, m->alerts) != f->json.n)
		return SPOOR_EIO;
	return 0;
}

/* --case: the stored summary, no logs read. */
static int from_case(const mb_opts *o, const scan_cli *s)
{
	if (s->npaths) {
		fprintf(stderr, "spoor mailboxes: --case reads the case, not logs ('%s')\n", s->paths[0]);
		return EXIT_USAGE;
	}
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	char *text = NULL;
	size_t n = 0;
	int rc = EXIT_OK;
	if (spoor_case_open(&c, o->kase, SPOOR_CASE_READ, &d) < 0 || spoor_case_mailboxes(c, o->json, &text, &n, &d) < 0) {
		fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
		rc = EXIT_FAIL;
	} else if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
		fprintf(stderr, "spoor mailboxes: cannot write\n");
		rc = EXIT_FAIL;
	}
	free(text);
	spoor_case_close(c, &d);
	return rc;
}

int cmd_mailboxes(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	mb_opts o = {0};
	o.geo = calloc((size_t)argc, sizeof(char *));
	o.inv = calloc((size_t)argc, sizeof(char *));
	if (!o.geo || !o.inv) {
		free(o.geo);
		free(o.inv);
		return EXIT_FAIL;
	}
	int rc = scan_cli_args(&s, "mailboxes", argc, argv, help, mb_option, &o);
	if (rc >= 0) {
		scan_cli_done(&s);
		free(o.geo);
		free(o.inv);
		return rc;
	}
	if (o.kase) {
		rc = from_case(&o, &s);
		scan_cli_done(&s);
		free(o.geo);
		free(o.inv);
		return rc;
	}
	rc = 0;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_stage *st[3] = {NULL, NULL, NULL};
	size_t nst = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	mb_run m = {0};
	if (o.alerts && !(m.alerts = fopen(o.alerts, "w"))) {
		fprintf(stderr, "spoor mailboxes: %s: cannot write\n", o.alerts);
		rc = EXIT_FAIL;
	}
	if (rc == 0)
		rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0 && o.ngeo) {
		if (spoor_geo_stage_new(&st[nst], o.geo, (size_t)o.ngeo, NULL, NULL, &d) < 0) {
			fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
			rc = d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		} else {
			nst++;
		}
	}
	spoor_inventory *inv = NULL;
	if (rc == 0 && o.ninv)
		rc = cli_inventory_load("mailboxes", o.inv, o.ninv, &inv);
	/* the enricher too, as in hunt: events get spoor.agency, which bare
	 * mail login names are qualified with (the same mailboxes as hunt) */
	if (rc == 0 && inv) {
		if (spoor_inventory_stage_new(&st[nst], inv, &d) < 0) {
			fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
			rc = EXIT_FAIL;
		} else {
			nst++;
		}
	}
	spoor_stage *an = NULL;
	if (rc == 0) {
		if (spoor_analytics_stage_new(&an, ctx, o.config, &d) < 0) {
			fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
			rc = d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		} else {
			st[nst++] = an;
			if (inv && spoor_analytics_use_inventory(an, inv, &d) < 0) {
				fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
				rc = EXIT_FAIL;
			} else if (o.state && spoor_analytics_state(an, o.state, &d) < 0) {
				fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
				rc = d.code == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
			}
		}
	}
	uint64_t events = 0;
	while (rc == 0) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "spoor mailboxes: %s\n", d.msg);
			rc = EXIT_FAIL;
			break;
		}
		events++;
		for (size_t i = 0; i < nst && rc == 0; i++)
			if ((r = spoor_stage_event(st[i], ev, on_finding, &m)) < 0) {
				fprintf(stderr, "spoor mailboxes: %s\n", spoor_strerror(r));
				rc = EXIT_FAIL;
			}
		scan_cli_tick(&s, sc, events);
	}
	for (size_t i = 0; i < nst && rc == 0; i++) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		if (spoor_stage_finish(st[i], on_finding, &m, &d) < 0) {
			fprintf(stderr, "spoor mailboxes: %s\n", d.msg[0] ? d.msg : "cannot finish");
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0 && spoor_analytics_mailboxes(an, stdout, o.json) < 0) {
		fprintf(stderr, "spoor mailboxes: out of memory\n");
		rc = EXIT_FAIL;
	}
	if (rc == 0 && !s.quiet)
		fprintf(stderr, "spoor mailboxes: %" PRIu64 " event%s, %" PRIu64 " analytics alert%s; %s\n", events,
			events == 1 ? "" : "s", m.n, m.n == 1 ? "" : "s", spoor_stage_summary(an));
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	if (m.alerts && fclose(m.alerts) != 0 && rc == 0) {
		fprintf(stderr, "spoor mailboxes: %s: cannot write\n", o.alerts);
		rc = EXIT_FAIL;
	}
	for (size_t i = 0; i < nst; i++)
		spoor_stage_free(st[i]);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	spoor_inventory_free(inv);
	free(o.geo);
	free(o.inv);
	return rc;
}
