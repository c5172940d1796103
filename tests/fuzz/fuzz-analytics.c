/* fuzz-analytics — identity records and every analytic over any log.
 *
 * The input is read as a log file (format detected by content: syslog,
 * JSON M365 / Entra, W3C ...), each event goes through the analytics
 * stage with tiny caps (so the cap paths run), then the stage finishes
 * and writes the mailbox summary.  Checks: every finding is one JSON
 * object line from the analytics ruleset; nothing crashes or leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spoor/spoor.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_finding(const spoor_finding *f, void *payload)
{
	(void)payload;
	CHECK(f->json.n >= 3 && f->json.p[0] == '{' && f->json.p[f->json.n - 1] == '\n');
	CHECK(memchr(f->json.p, '\n', f->json.n) == f->json.p + f->json.n - 1);
	CHECK(!strcmp(f->ruleset, "analytics"));
	CHECK(f->ntechniques == 1 && f->techniques[0][0] == 'T');
	return 0;
}

static char cfg_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (256u << 10))
		return 0;
	if (!cfg_path[0]) {
		int cfd = memfd_create("fuzz-an-cfg", 0);
		CHECK(cfd >= 0);
		const char *cfg = "limits:\n  names: 64\n  entries: 16\n  list: 4\n  memory: 4096\n  origins: 2\n"
				  "  listed: 3\nspray:\n  min_accounts: 2\nbruteforce:\n  min_failures: 2\n"
				  "stuffing:\n  min_accounts: 2\n  min_sources: 1\n  min_failures: 2\n"
				  "firstseen:\n  baseline: 0s\n";
		CHECK(write(cfd, cfg, strlen(cfg)) == (ssize_t)strlen(cfg));
		snprintf(cfg_path, sizeof(cfg_path), "/proc/self/fd/%d", cfd);
	}
	int fd = memfd_create("fuzz-an", 0);
	CHECK(fd >= 0);
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.year = 2026;
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	CHECK(spoor_ctx_new(&ctx, &co, &d) == 0);
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	spoor_scanner *sc = NULL;
	CHECK(spoor_scanner_new(&sc, ctx, &so, &d) == 0);
	CHECK(spoor_scanner_add(sc, path) == 0);
	spoor_stage *st = NULL;
	CHECK(spoor_analytics_stage_new(&st, ctx, cfg_path, &d) == 0);
	spoor_event *ev;
	while (spoor_scanner_next(sc, &ev, &d) == 1)
		CHECK(spoor_stage_event(st, ev, on_finding, NULL) == 0);
	CHECK(spoor_stage_finish(st, on_finding, NULL, &d) == 0);
	FILE *devnull = fopen("/dev/null", "w");
	CHECK(devnull);
	CHECK(spoor_analytics_mailboxes(st, devnull, true) == 0);
	CHECK(spoor_analytics_mailboxes(st, devnull, false) == 0);
	fclose(devnull);
	spoor_stage_free(st);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	close(fd);
	return 0;
}
