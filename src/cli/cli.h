/* cli — shared pieces of the `spoor` command line (a thin layer over
 * libspoor: option parsing, bad-record reporting, progress, exit codes). */
#ifndef SPOOR_CLI_H
#define SPOOR_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "spoor/spoor.h"

/* Exit codes (docs/exit-codes.md). */
enum {
	EXIT_OK = 0,	   /* done, all input read */
	EXIT_FAIL = 1,	   /* could not complete (I/O, out of memory) */
	EXIT_USAGE = 2,	   /* bad command line */
	EXIT_BADINPUT = 3, /* completed, but some records or files were bad */
};

/* Options every scanning command takes. */
typedef struct scan_cli {
	spoor_ctx_options ctx_opts;
	spoor_scan_options scan_opts;
	const char *format;
	const char *tz;
	long max_report; /* bad records printed to stderr; the rest are counted */
	bool quiet;
	bool verbose;
	bool progress;
	double t_start, t_last; /* progress line timing */
	/* counters filled by the bad-record callback */
	uint64_t bad_by_kind[_SPOOR_BAD_MAX];
	uint64_t reported;
	/* paths */
	char **paths;
	int npaths;
} scan_cli;

void scan_cli_init(scan_cli *s);
/* Free what scan_cli_args allocated. */
void scan_cli_done(scan_cli *s);

/* A command's own option: 1 = consumed (it may take a value with
 * cli_value), 0 = not its option, -1 = usage error (message printed). */
typedef int (*cli_opt_fn)(void *u, int argc, char **argv, int *i);
/* Parse argv for command `cmd`: --help (prints help, returns EXIT_OK), the
 * scanning options, the command's own options through `own`, and paths.
 * Returns -1 to go on, else the exit code to return. */
int scan_cli_args(scan_cli *s, const char *cmd, int argc, char **argv, void (*help)(FILE *), cli_opt_fn own, void *u);
/* The value of option argv[*i]: "--name=V" or "--name V" (advancing *i).
 * Returns NULL when argv[*i] is not this option; *missing is set (and a
 * message printed) when it is but has no value. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i, const char *shortopt, const char *longopt,
		      bool *missing);
/* Read events until the end, calling fn for each (fn returns < 0 to stop
 * with that exit code negated); progress on a terminal; returns 0 or an
 * exit code. */
int scan_cli_each(scan_cli *s, spoor_scanner *sc, const char *cmd, int (*fn)(spoor_event *ev, void *u), void *u);
/* Try to consume option argv[*i] (and its value); returns 1 if it was a
 * scanning option, 0 if not, -1 on a usage error (message printed). */
int scan_cli_option(scan_cli *s, int argc, char **argv, int *i);
/* Help text for the common options. */
extern const char scan_cli_help[];

/* Open ctx + scanner and queue the paths (stdin when none).  0 or exit code. */
int scan_cli_open(scan_cli *s, spoor_ctx **ctx, spoor_scanner **sc);
/* Print the end-of-run summary of bad input to stderr, return the exit code. */
int scan_cli_finish(scan_cli *s, spoor_scanner *sc, int rc);
/* Called every record: prints a progress line on a terminal now and then. */
void scan_cli_tick(scan_cli *s, spoor_scanner *sc, uint64_t n);
/* The same from counters summed over several scanners (hunt -j). */
void scan_cli_progress(scan_cli *s, const spoor_scan_stats *st);
int scan_cli_finish_stats(scan_cli *s, const spoor_scan_stats *st, int rc);
/* Count and maybe print one bad record, as the scanner callback does
 * (for reports collected on another thread and replayed in order). */
void scan_cli_bad(scan_cli *s, spoor_bad_kind kind, const spoor_diag *d);

int cmd_cat(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_scope(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_intel(int argc, char **argv);
int cmd_mailboxes(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Load and finish inventory files (messages printed); 0 or an exit code. */
int cli_inventory_load(const char *cmd, char **files, int n, spoor_inventory **out);
/* providers / trace: load, scan, report (entity NULL) or trace. */
int cli_providers_run(const char *cmd, int argc, char **argv, void (*help)(FILE *), const char *entity);
int cmd_simulate(int argc, char **argv);

bool is_help(const char *a);

#if defined(__SANITIZE_ADDRESS__)
#define SPOOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPOOR_ASAN 1
#endif
#endif

/* Whether a command that is about to return to main() should free what
 * it holds.  Not in a normal build: the process ends and its memory goes
 * with it, while freeing the rule set of all SigmaHQ (3,780 arenas, the
 * databases, the prefilter) one piece at a time costs milliseconds, as
 * compilers and git do.  Yes under AddressSanitizer (leak checking) and
 * when SPOOR_FREE_AT_EXIT is set (valgrind --leak-check). */
bool cli_free_at_exit(void);

/* Default rules (cmd-rules.c): the folder `spoor rules update` installs
 * into ($SPOOR_RULES, $XDG_DATA_HOME/spoor/rules, ~/.local/share/spoor/rules),
 * spoor's own rules, and the folders `spoor hunt` loads without --rules:
 * the installed set if it exists, then spoor's own (at most 2, written
 * to out; buf holds the first). */
bool rules_install_dir(char *out, size_t n);
const char *rules_builtin_dir(void);
/* Where compiled Sigma databases are kept between runs: $SPOOR_CACHE_DIR
 * (set and empty = none), $XDG_CACHE_HOME/spoor, ~/.cache/spoor. */
const char *rules_cache_dir(char *out, size_t n);
int rules_default_dirs(const char **out, char *buf, size_t bufn);

#endif
