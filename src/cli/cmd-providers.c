/* spoor providers — per IT service provider: what it may reach, what it
 * reached in the logs, every out-of-scope access, and the identities that
 * link assets to it (table, --json, --dot).  cli_providers_run is shared
 * with `spoor trace`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spoor/case.h"
#include "spoor/inventory.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor providers --inventory FILE [--inventory FILE]... [--json|--dot] [OPTIONS] [PATH...]\n"
		"       spoor providers --case CASE.db [--json|--dot]\n\n"
		"Exposure of each IT service provider: the agencies, hosts, mailboxes and accounts\n"
		"it may reach (from the inventory), what it reached in the logs (successful logons\n"
		"by its accounts, keys, networks and jump hosts), every out-of-scope access (the\n"
		"provider-scope findings of `spoor hunt --inventory`), and the identities linking\n"
		"assets to it.  Without PATH only the inventory side is shown (no logs are read\n"
		"from standard input unless '-' is given).  With --case, the inventory and the\n"
		"provider state a `spoor hunt --inventory --case` stored: no logs are read, and\n"
		"the output is the same as over the hunted logs.\n\n"
		"Options:\n"
		"      --inventory FILE  agency/provider inventory (repeatable; required without --case)\n"
		"      --case CASE.db    answer from a case database instead of logs (docs/case.md)\n"
		"      --json            one JSON document instead of the table\n"
		"      --dot             the provider graph as Graphviz DOT\n\n%s",
		scan_cli_help);
}

typedef struct popts {
	char **inv;
	int ninv;
	spoor_providers_format fmt;
	const char *entity; /* trace */
	const char *kase;
} popts;

static int p_option(void *u, int argc, char **argv, int *i)
{
	popts *o = u;
	bool missing = false;
	const char *v;
	if ((v = cli_value("providers", argc, argv, i, NULL, "--inventory", &missing))) {
		o->inv[o->ninv++] = (char *)v;
	} else if (!missing && (v = cli_value("providers", argc, argv, i, NULL, "--case", &missing))) {
		o->kase = v;
	} else if (!missing && !strcmp(argv[*i], "--json")) {
		o->fmt = SPOOR_PROVIDERS_JSON;
	} else if (!missing && !strcmp(argv[*i], "--dot") && !o->entity) {
		o->fmt = SPOOR_PROVIDERS_DOT;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

static int on_finding(const spoor_finding *f, void *payload)
{
	(void)f;
	(void)payload;
	return 0;
}

/* The report or the trace of a finished providers stage, to stdout. */
static int print_report(const char *cmd, spoor_stage *pst, const popts *o)
{
	char *text = NULL;
	size_t len = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = EXIT_OK;
	int r = o->entity ? spoor_providers_trace(pst, o->entity, o->fmt, &text, &len, &d)
			  : spoor_providers_report(pst, o->fmt, &text, &len, &d);
	if (r < 0) {
		fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
		rc = EXIT_FAIL;
	} else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "spoor %s: cannot write\n", cmd);
		rc = EXIT_FAIL;
	}
	free(text);
	return rc;
}

/* --case: the inventory and the provider state the hunt stored. */
static int from_case(const char *cmd, const popts *o, const scan_cli *s)
{
	if (s->npaths) {
		fprintf(stderr, "spoor %s: --case reads the case, not logs ('%s')\n", cmd, s->paths[0]);
		return EXIT_USAGE;
	}
	if (o->ninv) {
		fprintf(stderr, "spoor %s: --case uses the inventory stored in the case; drop --inventory\n", cmd);
		return EXIT_USAGE;
	}
	spoor_case *c = NULL;
	spoor_inventory *inv = NULL;
	spoor_stage *pst = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = EXIT_OK;
	if (spoor_case_open(&c, o->kase, SPOOR_CASE_READ, &d) < 0 || spoor_case_providers(c, &inv, &pst, &d) < 0) {
		fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
		rc = EXIT_FAIL;
	}
	if (rc == 0)
		rc = print_report(cmd, pst, o);
	spoor_stage_free(pst);
	spoor_inventory_free(inv);
	d = (spoor_diag)SPOOR_DIAG_INIT;
	spoor_case_close(c, &d);
	return rc;
}

int cli_providers_run(const char *cmd, int argc, char **argv, void (*helpfn)(FILE *), const char *entity)
{
	scan_cli s;
	scan_cli_init(&s);
	popts o = {0};
	o.entity = entity;
	o.inv = calloc((size_t)argc + 1, sizeof(char *));
	if (!o.inv)
		return EXIT_FAIL;
	int rc = scan_cli_args(&s, cmd, argc, argv, helpfn, p_option, &o);
	if (rc >= 0)
		goto out;
	if (o.kase) {
		rc = from_case(cmd, &o, &s);
		goto out;
	}
	rc = 0;
	if (!o.ninv) {
		fprintf(stderr, "spoor %s: give the inventory with --inventory FILE (or a case with --case CASE.db)\n",
			cmd);
		rc = EXIT_USAGE;
		goto out;
	}
	spoor_inventory *inv = NULL;
	spoor_stage *enr = NULL, *pst = NULL;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	rc = cli_inventory_load(cmd, o.inv, o.ninv, &inv);
	spoor_providers_options po = SPOOR_PROVIDERS_OPTIONS_INIT;
	if (rc == 0 && (spoor_inventory_stage_new(&enr, inv, &d) < 0 ||
			(po.enricher = enr, spoor_providers_stage_new(&pst, inv, &po, &d) < 0))) {
		fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
		rc = EXIT_FAIL;
	}
	if (rc == 0 && s.npaths) {
		rc = scan_cli_open(&s, &ctx, &sc);
		while (rc == 0) {
			spoor_event *ev;
			int r = spoor_scanner_next(sc, &ev, &d);
			if (r == 0)
				break;
			if (r < 0 || spoor_stage_event(enr, ev, on_finding, NULL) < 0 ||
			    spoor_stage_event(pst, ev, on_finding, NULL) < 0) {
				fprintf(stderr, "spoor %s: %s\n", cmd, r < 0 ? d.msg : "stage failed");
				rc = EXIT_FAIL;
				break;
			}
		}
	}
	if (rc == 0 || rc == EXIT_BADINPUT) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		if (spoor_stage_finish(pst, on_finding, NULL, &d) < 0) {
			fprintf(stderr, "spoor %s: %s\n", cmd, d.msg);
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0)
		rc = print_report(cmd, pst, &o);
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	spoor_stage_free(pst);
	spoor_stage_free(enr);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	spoor_inventory_free(inv);
out:
	scan_cli_done(&s);
	free(o.inv);
	return rc;
}

int cmd_providers(int argc, char **argv)
{
	return cli_providers_run("providers", argc, argv, help, NULL);
}
