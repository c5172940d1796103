/* spoor/sim.h — the scenario simulator: a deterministic generator of
 * multi-agency logs (benign traffic and a planted BlackTech/Taidoor-style
 * campaign) with exact ground truth.  docs/simulate.md describes the output. */
#ifndef SPOOR_SIM_H
#define SPOOR_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "spoor/common.h"
#include "spoor/error.h"

/* Limits (docs/limits.md). */
#define SPOOR_SIM_MAX_AGENCIES	64
#define SPOOR_SIM_MAX_PROVIDERS 32
#define SPOOR_SIM_MAX_MAILBOXES 20000
#define SPOOR_SIM_MAX_DAYS	3660
#define SPOOR_SIM_MAX_SCALE	100000.0

typedef struct spoor_sim_options {
	const char *out_dir; /* created if missing; files in it are overwritten */
	uint64_t seed;	     /* same seed and options: byte-identical output */
	uint32_t agencies;   /* 1..64, default 4 */
	uint32_t mailboxes;  /* mailboxes per agency, 8..20000, default 40 */
	uint32_t providers;  /* IT service providers, 1..32, default 3 */
	uint32_t days;	     /* 2..3660, default 14 */
	double scale;	     /* benign volume multiplier, (0, 100000], default 1 */
	int64_t start;	     /* first day, epoch seconds at 00:00 UTC; default 2024-03-04 */
} spoor_sim_options;

typedef struct spoor_sim_result {
	uint64_t files;	  /* log files written */
	uint64_t records; /* log records (lines) written */
	uint64_t bytes;	  /* bytes of logs written */
	uint64_t planted; /* malicious records (lines in truth/truth.jsonl) */
} spoor_sim_result;

SPOOR_API void spoor_sim_options_init(spoor_sim_options *o);
/* Write the scenario into o->out_dir.  0 or a negative SPOOR_E* code. */
SPOOR_API int spoor_simulate(const spoor_sim_options *o, spoor_sim_result *res, spoor_diag *d);
/* Score alerts (JSON lines with log.file.path, spoor.line, rule.name, as
 * `spoor hunt` writes them; "-" = stdin) against truth.jsonl: recall per
 * behaviour and precision per rule, as a text table on out. */
SPOOR_API int spoor_sim_score(const char *truth_jsonl, const char *alerts, FILE *out, spoor_diag *d);

#endif
