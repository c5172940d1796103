/* spoor trace ENTITY — walk the provider graph from an account, address,
 * host, key fingerprint or provider: every provider it links to (shortest
 * path first) and what it reached. */
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor trace ENTITY --inventory FILE [--inventory FILE]... [--json] [OPTIONS] [PATH...]\n"
		"       spoor trace ENTITY --case CASE.db [--json]\n\n"
		"Walk the provider graph (inventory + successful logons in the logs) from ENTITY\n"
		"both ways: an account, an IP address, a host, an SSH key fingerprint, a provider\n"
		"or agency id; 'kind:name' (account:, ip:, host:, key:, provider:, agency:,\n"
		"network:) picks the kind when a name is ambiguous.  Prints every provider the\n"
		"entity links to with the path (account -logon-from- address -in-network-\n"
		"network -network- provider) and the hosts it logged on to (docs/providers.md).\n"
		"With --case, the graph a `spoor hunt --inventory --case` stored: no logs are read,\n"
		"and the answer is the same as over the hunted logs.\n\n"
		"Options:\n"
		"      --inventory FILE  agency/provider inventory (repeatable; required without --case)\n"
		"      --case CASE.db    answer from a case database instead of logs (docs/case.md)\n"
		"      --json            JSON instead of text\n\n"
		"Exit codes: 0 found, 1 unknown entity or failure, 2 usage error.\n\n%s",
		scan_cli_help);
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr,
			"spoor trace: the ENTITY comes first (spoor trace ENTITY --inventory FILE [PATH...] or\n"
			"spoor trace ENTITY --case CASE.db)\n");
		return EXIT_USAGE;
	}
	const char *entity = argv[1];
	argv[1] = argv[0];
	return cli_providers_run("trace", argc - 1, argv + 1, help, entity);
}
