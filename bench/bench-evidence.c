/* bench-evidence — throughput of the evidence store alone (no log parsing).
 *
 *   bench-evidence append FILE DIR [LEVEL]
 *                                    every line of FILE is one record (with
 *                                    path, offset, line): records/s and MB/s;
 *                                    LEVEL: the bundles' zstd level (default:
 *                                    the store's default)
 *   bench-evidence verify DIR        recompute the whole store: MB/s of leaf
 *                                    entries hashed
 *
 * DIR must have been made by `spoor evidence init`.  One line of results on
 * stdout: "append records=N bytes=B wall=S cpu=S" / "verify ...". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lines.h"
#include "spoor/evidence.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 + (double)r.ru_stime.tv_sec +
	       (double)r.ru_stime.tv_usec / 1e6;
}

typedef struct actx {
	spoor_evidence *e;
	const char *path;
	uint64_t n, bytes, off;
	int failed;
} actx;

static void on_line(const char *p, size_t n, void *u)
{
	actx *a = u;
	if (a->failed)
		return;
	spoor_evidence_record r = {{p, n}, a->path, "json", a->off, a->n + 1, 0};
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_append(a->e, &r, NULL, &d) < 0) {
		fprintf(stderr, "bench-evidence: %s\n", d.msg);
		a->failed = 1;
		return;
	}
	a->n++;
	a->bytes += n;
	a->off += n + 1;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "append")) {
		actx a = {0};
		a.path = argv[2];
		spoor_evidence_options o = SPOOR_EVIDENCE_OPTIONS_INIT;
		o.checkpoint_records = 1000000;
		o.checkpoint_seconds = 0;
		if (argc == 5)
			o.zstd_level = atoi(argv[4]);
		spoor_diag d = SPOOR_DIAG_INIT;
		double t0 = now(), c0 = cpu();
		if (spoor_evidence_open(&a.e, argv[3], &o, &d) < 0) {
			fprintf(stderr, "bench-evidence: %s\n", d.msg);
			return 1;
		}
		if (for_each_line(argv[2], on_line, &a) < 0 || a.failed)
			return 1;
		if (spoor_evidence_close(a.e, &d) < 0) {
			fprintf(stderr, "bench-evidence: %s\n", d.msg);
			return 1;
		}
		double wall = now() - t0, c = cpu() - c0;
		printf("append records=%" PRIu64 " bytes=%" PRIu64 " wall=%.3f cpu=%.3f rec_per_s=%.0f mb_per_s=%.1f\n",
		       a.n, a.bytes, wall, c, (double)a.n / wall, (double)a.bytes / wall / 1e6);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "verify")) {
		spoor_evidence_report rep;
		spoor_diag d = SPOOR_DIAG_INIT;
		double t0 = now(), c0 = cpu();
		int r = spoor_evidence_verify(argv[2], NULL, &rep, &d);
		double wall = now() - t0, c = cpu() - c0;
		if (r != 0) {
			fprintf(stderr, "bench-evidence: verify: %d problems %s\n", r, d.msg);
			return 1;
		}
		printf("verify records=%" PRIu64 " bytes=%" PRIu64 " wall=%.3f cpu=%.3f mb_per_s=%.1f\n",
		       rep.leaves_read, rep.bytes, wall, c, (double)rep.bytes / wall / 1e6);
		return 0;
	}
	fprintf(stderr, "usage: bench-evidence append FILE DIR [LEVEL] | verify DIR\n");
	return 2;
}
