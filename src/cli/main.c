/* spoor — command-line front end.  Each subcommand lives in cmd-*.c. */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	bool rules; /* loads rule sets: heap_prepare */
} command;

static const command commands[] = {
    {"cat", cmd_cat, "print log records as events (JSON lines, ECS names)"},
    {"stats", cmd_stats, "count records by format, source and outcome, and bad records"},
    {"formats", cmd_formats, "list the log formats spoor reads"},
    {"hunt", cmd_hunt, "Sigma rules, intel, analytics over logs; alerts as JSON lines", true},
    {"rules", cmd_rules, "check, list and count Sigma rules", true},
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

/* The first HEAP_HUGE bytes of the heap in 2 MiB pages.  Loading all of
 * SigmaHQ writes ~64 MB of rule trees, plans and databases once, 4 KiB at a
 * time: 16,000 page faults, a third of the start-up's CPU time.  Huge pages
 * need an madvise on the memory (Debian's THP setting is "madvise"), which
 * glibc does only when told so by GLIBC_TUNABLES; so the heap is grown
 * here in blocks below the mmap threshold, marked, and given back to malloc
 * with trimming off, and everything the hunt allocates later reuses it.
 * SPOOR_NO_HUGEPAGES=1 turns this off; so does a sanitizer build (its own
 * allocator). */
#define HEAP_HUGE  (96u << 20)
#define HEAP_BLOCK (16u << 20)
static void heap_prepare(void)
{
#if defined(MADV_HUGEPAGE) && !defined(SPOOR_ASAN)
	const char *off = getenv("SPOOR_NO_HUGEPAGES");
	if (off && *off && strcmp(off, "0"))
		return;
	if (!mallopt(M_MMAP_THRESHOLD, 2 * HEAP_BLOCK) || !mallopt(M_TRIM_THRESHOLD, 2 * HEAP_HUGE))
		return;
	char *b[HEAP_HUGE / HEAP_BLOCK];
	size_t n = 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (; n < HEAP_HUGE / HEAP_BLOCK; n++) {
		if (!(b[n] = malloc(HEAP_BLOCK)))
			break;
		lo = (uintptr_t)b[n] < lo ? (uintptr_t)b[n] : lo;
		hi = (uintptr_t)b[n] + HEAP_BLOCK > hi ? (uintptr_t)b[n] + HEAP_BLOCK : hi;
	}
	const uintptr_t huge = 2u << 20;
	lo = (lo + huge - 1) & ~(huge - 1);
	hi &= ~(huge - 1);
	if (n && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice: nothing to do when refused */
	while (n)
		free(b[--n]);
#endif
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
		if (!strcmp(argv[1], commands[i].name)) {
			if (commands[i].rules)
				heap_prepare();
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "spoor: '%s' is not a command; `spoor --help` lists them\n", argv[1]);
	return EXIT_USAGE;
}
