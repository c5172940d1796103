/* spoor — command-line front end.  Each subcommand lives in cmd-*.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
    {"cat", cmd_cat, "print log records as events (JSON lines, ECS names)"},
    {"stats", cmd_stats, "count records by format, source and outcome, and bad records"},
    {"formats", cmd_formats, "list the log formats spoor reads"},
    {"hunt", cmd_hunt, "Sigma rules, intel, analytics over logs; alerts as JSON lines"},
    {"rules", cmd_rules, "check, list and count Sigma rules"},
    {"scope", cmd_scope, "what a case's alerts touched: agencies, mailboxes, hosts, data taken"},
    {"report", cmd_report, "write a case's report (self-contained HTML or Markdown)"},
    {"evidence", cmd_evidence, "keep records in a signed Merkle log; verify, prove, witness"},
    {"intel", cmd_intel, "load threat intel (MISP, STIX, ATT&CK, CSV): stats, show, match, export"},
    {"mailboxes", cmd_mailboxes, "per mailbox and agency: compromise evidence and mail taken"},
    {"inventory", cmd_inventory, "check agency / IT service provider inventory files"},
    {"providers", cmd_providers, "per provider: reach, accesses, out-of-scope, identities"},
    {"trace", cmd_trace, "walk the provider graph from an account, address, host or key"},
    {"simulate", cmd_simulate, "write a simulated multi-agency campaign with ground truth"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: spoor COMMAND [OPTIONS] [PATH...]\n\n"
		   "spoor hunts for intruders in logs and keeps the evidence.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`spoor COMMAND --help` tells more.  `spoor --version` prints the version.\n"
		   "Exit codes: 0 ok, 1 failure, 2 usage error, 3 completed with bad input (docs/exit-codes.md).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("spoor %s\n", spoor_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "spoor: '%s' is not a command; `spoor --help` lists them\n", argv[1]);
	return EXIT_USAGE;
}
