/* fuzz-rules-archive — the .zip / .tar / .tar.gz reader of `spoor rules
 * update` (rules-archive.c).
 *
 * Every member the callback sees has a safe name (arc_name_ok), data
 * within ARC_MAX_FILE (or none for larger ones), and the read either
 * succeeds or fails with a message.  Any violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/rules-archive.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_member(void *payload, const char *name, size_t nn, const char *d, uint64_t n)
{
	size_t *count = payload;
	CHECK(arc_name_ok(name, nn));
	CHECK(d ? n <= ARC_MAX_FILE : n > ARC_MAX_FILE);
	/* touch every byte (ASan sees reads past the member) */
	volatile unsigned sum = 0;
	for (uint64_t i = 0; d && i < n; i++)
		sum += (unsigned char)d[i];
	(void)sum;
	(*count)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = arc_each((const char *)data, size, on_member, &count, &d);
	CHECK(rc == 0 || d.msg[0]);
	CHECK(rc <= 0);
	return 0;
}
