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
	fprintf(f, "usage: spoor inventory check FILE...\n\n"
		   "Load agency/provider inventory files (YAML or JSON, docs/inventory.md), merge\n"
		   "them and check them: syntax, unknown keys, references to agencies and hosts,\n"
		   "overlapping networks, time windows and zones, contract dates.  Errors name the\n"
		   "file, line and column.  Prints what was loaded.\n\n"
		   "Exit codes: 0 valid, 1 invalid or unreadable, 2 usage error.\n");
}

int cmd_inventory(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
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
