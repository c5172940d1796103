/* fuzz-sim-score — `spoor simulate score` reads a truth file and an alerts
 * file that anyone could have edited.  The input is split at its first NUL:
 * the first part is the truth, the rest the alerts (or the input is both).
 * Checks: no crash, no leak, and the call succeeds (a bad line is skipped
 * and counted, never an error) — except past the documented limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spoor/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_tmp(char *path, const uint8_t *p, size_t n)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (n && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tn = nul ? (size_t)(nul - data) : size;
	const uint8_t *alerts = nul ? nul + 1 : data;
	size_t an = nul ? size - tn - 1 : size;
	char tp[] = "/tmp/fuzz-sim-truth-XXXXXX", ap[] = "/tmp/fuzz-sim-alerts-XXXXXX";
	if (write_tmp(tp, data, tn))
		return 0;
	if (write_tmp(ap, alerts, an)) {
		unlink(tp);
		return 0;
	}
	FILE *out = fopen("/dev/null", "w");
	spoor_diag d = {0};
	int rc = spoor_sim_score(tp, ap, out, &d);
	if (rc && rc != SPOOR_ELIMIT) {
		fprintf(stderr, "fuzz-sim-score: unexpected error %d: %s\n", rc, d.msg);
		abort();
	}
	if (out)
		fclose(out);
	unlink(tp);
	unlink(ap);
	return 0;
}
