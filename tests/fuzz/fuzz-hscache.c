/* fuzz-hscache — the reader of the compiled-database cache file
 * (detect/hscache.c, dbc_parse: what dbc_load does with a mapped file).
 *
 * The input is a cache file; the count in its header (bytes 8-11, at most
 * 64) is the number of databases asked for.  The fuzzer's bytes are taken
 * as they are (whose check libFuzzer's comparison tracing can satisfy),
 * and again with the check (the last 8 bytes) made right, so that the
 * layout checks behind it see the bytes.  The bytes are copied to a
 * 64-byte boundary of a buffer of exactly their size, as a mapped file
 * is, so a read past the end is caught.  Invariants: a file that loads
 * fills every slot with a database inside the bytes, at a 64-byte
 * boundary, whose hs_database_size fits in them; a file that does not
 * load leaves every slot NULL.  Any violation aborts.  (The bytecode is
 * Vectorscan's to trust, as its deserializer did: not read here.) */
#include <hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "detect/hscache.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXDB 64

static void try_parse(const unsigned char *p, size_t len, size_t n)
{
	hs_database_t *dbs[MAXDB + 1];
	memset(dbs, 0, sizeof(dbs));
	int r = dbc_parse(p, len, dbs, n);
	for (size_t i = 0; i < n; i++) {
		CHECK((dbs[i] != NULL) == (r == 1));
		if (!dbs[i])
			continue;
		const unsigned char *d = (const unsigned char *)dbs[i];
		CHECK(d >= p && d < p + len && (uintptr_t)d % 64 == 0);
		size_t sz = 0;
		CHECK(hs_database_size(dbs[i], &sz) == HS_SUCCESS);
		CHECK(sz <= (size_t)(p + len - d));
	}
	CHECK(dbs[n] == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 16 || size > (16u << 20))
		return 0;
	size_t n = le_get(data + 8, 4);
	if (n > MAXDB)
		n = MAXDB; /* the header then disagrees: refused */
	void *q = NULL;
	if (posix_memalign(&q, 64, size))
		return 0;
	unsigned char *p = q;
	memcpy(p, data, size);
	try_parse(p, size, n);
	/* the same bytes with the check made right */
	le_put(p + size - 8, hash_bytes(p, size - 8, DBC_SEED), 8);
	try_parse(p, size, n);
	free(p);
	return 0;
}
