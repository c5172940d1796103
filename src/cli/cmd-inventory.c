/* spoor inventory — check agency/provider inventory files; the loader
 * shared by hunt, providers and trace (cli_inventory_load). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spoor/inventory.h"

static void print_diag(const char *cmd, const spoor_diag *d)
{
	if (d->line)
		fprintf(stderr, "spoor %s: %s:%" PRIu64 ":%u: %s\n", cmd, d->source, d->line, d->col, d->msg);
	else if (d->source[0])
		fprintf(stderr, "spoor %s: %s: %s\n", cmd, d->source, d->msg);
	else
		fprintf(stderr, "spoor %s: inventory: %s\n", cmd, d->msg);
}

int cli_inventory_load(const char *cmd, char **files, int n, spoor_inventory **out)
{
	spoor_inventory *inv = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	*out = NULL;
	if (spoor_inventory_new(&inv, NULL) < 0) {
		fprintf(stderr, "spoor %s: out of memory\n", cmd);
		return EXIT_FAIL;
	}
	int r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = spoor_inventory_load_file(inv, files[i], &d);
	if (r == 0)
		r = spoor_inventory_finish(inv, &d);
	if (r < 0) {
		print_diag(cmd, &d);
		spoor_inventory_free(inv);
		return EXIT_FAIL;
	}
	*out = inv;
	return 0;
}

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor inventory check FILE...\n"
		"       spoor inventory suggest [--inventory FILE]... [--min-agencies N] [OPTIONS] PATH...\n\n"
		"suggest: read logs and propose provider facts for the analyst to confirm: source\n"
		"networks (/24, /64) and accounts whose successful logons reach N or more targets\n"
		"(default 2; a target is the agency an inventory places the logon in, else the\n"
		"account's or host's domain), printed as a YAML inventory fragment with the\n"
		"evidence in comments.  Sources and accounts the inventory already knows are left out.\n\n"
		"check:\n"
		"Load agency/provider inventory files (YAML or JSON, docs/inventory.md), merge\n"
		"them and check them: syntax, unknown keys, references to agencies and hosts,\n"
		"overlapping networks, time windows and zones, contract dates.  Errors name the\n"
		"file, line and column.  Prints what was loaded.\n\n"
		"Exit codes: 0 valid, 1 invalid or unreadable, 2 usage error.\n\n%s",
		scan_cli_help);
}

typedef struct sopts {
	char **inv;
	int ninv;
	long min;
} sopts;

static int s_option(void *u, int argc, char **argv, int *i)
{
	sopts *o = u;
	bool missing = false;
	const char *v;
	if ((v = cli_value("inventory suggest", argc, argv, i, NULL, "--inventory", &missing))) {
		o->inv[o->ninv++] = (char *)v;
	} else if (!missing && (v = cli_value("inventory suggest", argc, argv, i, NULL, "--min-agencies", &missing))) {
		char *e;
		o->min = strtol(v, &e, 10);
		if (*e || o->min < 1 || o->min > 1000) {
			fprintf(stderr, "spoor inventory suggest: --min-agencies takes 1 to 1000\n");
			return -1;
		}
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

static int on_none(const spoor_finding *f, void *payload)
{
	(void)f;
	(void)payload;
	return 0;
}

static int suggest(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	sopts o = {0};
	o.min = 2;
	o.inv = calloc((size_t)argc + 1, sizeof(char *));
	if (!o.inv)
		return EXIT_FAIL;
	int rc = scan_cli_args(&s, "inventory suggest", argc, argv, help, s_option, &o);
	if (rc >= 0)
		goto out;
	rc = 0;
	spoor_inventory *inv = NULL;
	spoor_stage *st = NULL;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (o.ninv)
		rc = cli_inventory_load("inventory suggest", o.inv, o.ninv, &inv);
	if (rc == 0 && spoor_inventory_suggest_new(&st, inv, (size_t)o.min, &d) < 0) {
		fprintf(stderr, "spoor inventory suggest: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	if (rc == 0)
		rc = scan_cli_open(&s, &ctx, &sc);
	uint64_t n = 0;
	while (rc == 0) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			break;
		if (r < 0 || spoor_stage_event(st, ev, on_none, NULL) < 0) {
			fprintf(stderr, "spoor inventory suggest: %s\n", r < 0 ? d.msg : "out of memory");
			rc = EXIT_FAIL;
			break;
		}
		scan_cli_tick(&s, sc, ++n);
	}
	if (rc == 0) {
		char *text = NULL;
		size_t len = 0;
		if (spoor_inventory_suggest_render(st, &text, &len, &d) < 0) {
			fprintf(stderr, "spoor inventory suggest: %s\n", d.msg);
			rc = EXIT_FAIL;
		} else {
			fwrite(text, 1, len, stdout);
			if (fflush(stdout) != 0)
				rc = EXIT_FAIL;
		}
		free(text);
		if (s.verbose)
			fprintf(stderr, "spoor inventory suggest: %s\n", spoor_stage_summary(st));
	}
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	spoor_stage_free(st);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	spoor_inventory_free(inv);
out:
	scan_cli_done(&s);
	free(o.inv);
	return rc;
}

int cmd_inventory(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "suggest"))
		return suggest(argc - 1, argv + 1);
	if (strcmp(argv[1], "check")) {
		fprintf(stderr, "spoor inventory: unknown subcommand '%s' (see spoor inventory --help)\n", argv[1]);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			help(stdout);
			return EXIT_OK;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "spoor inventory: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (argc < 3) {
		fprintf(stderr, "spoor inventory check: give at least one FILE\n");
		return EXIT_USAGE;
	}
	spoor_inventory *inv;
	int rc = cli_inventory_load("inventory", argv + 2, argc - 2, &inv);
	if (rc)
		return rc;
	spoor_inventory_stats st;
	spoor_inventory_stats_get(inv, &st);
	printf("ok: %zu files, %zu agencies, %zu providers, %zu hosts, %zu networks, %zu provider accounts\n", st.files,
	       st.agencies, st.providers, st.hosts, st.networks, st.accounts);
	spoor_inventory_free(inv);
	return EXIT_OK;
}
