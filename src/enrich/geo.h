/* geo — GeoIP tables behind the geo enricher stage (geo.c).
 *
 * A CSV table (geo-csv.c) maps networks to a location and an AS; a
 * MaxMind database is read through libmaxminddb (geo.c).  Longest prefix
 * wins in a CSV table; the first database (in --geo order) that knows an
 * address wins between databases. */
#ifndef SPOOR_ENRICH_GEO_H
#define SPOOR_ENRICH_GEO_H

#include <stdbool.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"

typedef struct geo_rec {
	char country[8];
	char city[96];
	bool has_loc;
	double lat, lon;
	uint64_t asn;
	char asorg[128];
	/* the network hides its users: vpn, proxy, tor, relay, or hosting
	 * (a privacy / anonymous-IP database's flag); "" when not known */
	char anon[24];
} geo_rec;

typedef struct geo_csv geo_csv;

/* Limits of a CSV table. */
#define GEO_CSV_MAX_ROWS (8u << 20) /* networks */
#define GEO_CSV_MAX_LINE 4096	    /* bytes of one row */

/* Load a CSV of `cidr,country,city,lat,lon,asn,asn_org[,anonymizer]`
 * (header line optional; empty cells allowed; the eighth column is
 * optional).  Bad rows are counted in *bad (first
 * one's line in *bad_line) and skipped.  0 or SPOOR_E* with diag. */
int geo_csv_load(geo_csv **out, const char *path, uint64_t *bad, uint64_t *bad_line, spoor_diag *diag);
/* Same from memory (fuzzing, tests). */
int geo_csv_parse(geo_csv **out, const char *text, size_t n, uint64_t *bad, uint64_t *bad_line, spoor_diag *diag);
/* Longest matching network of the address (4 or 16 bytes), or NULL. */
const geo_rec *geo_csv_lookup(const geo_csv *g, const uint8_t *addr, int fam);
size_t geo_csv_count(const geo_csv *g);
void geo_csv_free(geo_csv *g);

#endif
