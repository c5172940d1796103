/* fuzz-hscache — the reader of the compiled-database cache file
 * (detect/hscache.c, dbc_parse: what dbc_load does with a mapped file).
 *
 * The input is a cache file; the count in its header (bytes 8-11, at most
 * 64) is the number of databases asked for.  The fuzzer's bytes are taken
 * as they are (whose per-database checks libFuzzer's comparison tracing
 * can satisfy), and again with every check made right, so that
 * Vectorscan's own deserializer sees the bytes.  Invariants: a file that
 * loads fills every slot, and the databases it gives serialize again; a
 * file that does not load leaves every slot NULL.  Any violation aborts. */
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
		char *ser = NULL;
		size_t sl = 0;
		CHECK(hs_serialize_database(dbs[i], &ser, &sl) == HS_SUCCESS);
		free(ser);
		hs_free_database(dbs[i]);
	}
	CHECK(dbs[n] == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 12 || size > (16u << 20))
		return 0;
	size_t n = le_get(data + 8, 4);
	if (n > MAXDB)
		n = MAXDB; /* the header then disagrees: refused */
	try_parse(data, size, n);
	/* the same bytes with each database's check made right */
	unsigned char *p = malloc(size);
	if (!p)
		return 0;
	memcpy(p, data, size);
	size_t off = 12;
	for (size_t i = 0; i < n && size - off >= 16; i++) {
		uint64_t dl = le_get(p + off, 8);
		if (dl > size - off - 16)
			break;
		le_put(p + off + 8, hash_bytes(p + off + 16, (size_t)dl, DBC_SEED), 8);
		off += 16 + (size_t)dl;
	}
	try_parse(p, size, n);
	free(p);
	return 0;
}
