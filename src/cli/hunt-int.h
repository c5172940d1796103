/* hunt-int — what cmd-hunt.c and hunt-parallel.c share (spoor hunt -j). */
#ifndef SPOOR_CLI_HUNT_INT_H
#define SPOOR_CLI_HUNT_INT_H

#include <stdio.h>

#include "cli.h"
#include "spoor/hunt.h"

/* Default bytes of alerts one file's buffer keeps in memory before it
 * spills to an unlinked temporary file (hunt --job-buffer). */
#define HUNT_PAR_DEFAULT_MEM (4u << 20)
/* Files a worker may run ahead of the oldest file not yet written, per
 * worker: bounds the buffers held at once. */
#define HUNT_PAR_AHEAD 4u
/* Most stages a worker runs. */
#define HUNT_PAR_MAX_STAGES 8

/* One CSV timeline row for a finding (cmd-hunt.c). */
void hunt_csv_row(FILE *f, const spoor_finding *fd);

/* What the parallel driver needs from the front end. */
typedef struct hunt_par_ops {
	void *u;
	/* Build one worker's stages (stateless ones only) over its own
	 * context, in pipeline order.  0 or an exit code (message printed). */
	int (*make_stages)(void *u, spoor_ctx *ctx, spoor_stage **v, size_t cap, size_t *n);
	/* The alert line as written (intel attribution), may point into a
	 * buffer of u: called under a lock, the result copied at once.  NULL:
	 * f->json as it is.  0 or SPOOR_E*. */
	int (*attribute)(void *u, const spoor_finding *f, spoor_sv *json);
	/* Main thread, in file order: count and write one alert (csv is the
	 * CSV row, empty without --csv).  0 or SPOOR_E*. */
	int (*emit)(void *u, spoor_level level, const char *rule_name, spoor_sv json, spoor_sv csv);
	bool csv;	/* build CSV rows */
	size_t mem_cap; /* per-file buffer in memory; 0 = HUNT_PAR_DEFAULT_MEM */
} hunt_par_ops;

/* Worker threads for `spoor hunt -j N` over the files queued in sc: N with
 * 0 resolved to the online cores and capped at the number of files; 1 means
 * "no file-level parallelism" (N is 1, one file, or standard input). */
unsigned hunt_par_jobs(const scan_cli *s, const spoor_scanner *sc);

/* Read every file queued in sc on `jobs` threads, each with a copy of ctx
 * and its own stages, and emit the alerts in file order (the output of
 * -j 1, byte for byte).  Bad records are counted and reported in file
 * order too.  *events and *st get the totals (st includes sc's own counts).
 * Returns 0 or an exit code. */
int hunt_par_run(scan_cli *s, spoor_scanner *sc, const spoor_ctx *ctx, unsigned jobs, const hunt_par_ops *ops,
		 uint64_t *events, spoor_scan_stats *st);

#endif
