/* spoor — the GeoIP enricher (a hunt stage).
 *
 * Adds source.geo.country_iso_code, source.geo.city_name,
 * source.geo.location.lat / .lon, source.as.number and
 * source.as.organization.name to every event with a source.ip, from
 * MaxMind-format databases (*.mmdb: GeoLite2, GeoIP2, DB-IP) and CSV
 * tables of `cidr,country,city,lat,lon,asn,asn_org`.  See docs/geo.md. */
#ifndef SPOOR_GEO_H
#define SPOOR_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/hunt.h"

/* Told once per source loaded: networks (CSV rows kept, or the database's
 * node count) and bad CSV rows (skipped; the first one's line). */
typedef void (*spoor_geo_load_fn)(const char *path, bool mmdb, uint64_t count, uint64_t bad, uint64_t bad_line,
				  void *payload);

/* The enricher over paths[0..n) in priority order (a name ending in .mmdb
 * is a MaxMind database, anything else a CSV table).  on_load may be NULL. */
SPOOR_API int spoor_geo_stage_new(spoor_stage **out, const char *const *paths, size_t n, spoor_geo_load_fn on_load,
				  void *payload, spoor_diag *diag);

#endif
