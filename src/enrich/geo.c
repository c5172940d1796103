/* geo — the GeoIP enricher stage: source.ip -> source.geo.*, source.as.*.
 *
 * Sources, in --geo order: MaxMind databases (GeoLite2 / GeoIP2 City,
 * Country, ASN, Anonymous IP; IPinfo privacy; DB-IP in the same format) read with libmaxminddb, and CSV
 * tables (geo-csv.c).  For each field the first source that has a value
 * wins, so a City database and an ASN database combine, and a CSV of the
 * agency's own networks put first overrides both.  Fields the event
 * already has (a sign-in log's own location) are left alone. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "detect/stage.h"
#include "enrich/geo.h"
#include "event/event-int.h"
#include "spoor/geo.h"

#define GEO_MAX_SOURCES 16

typedef struct gsrc {
	bool mmdb;
	MMDB_s db;
	geo_csv *csv;
} gsrc;

typedef struct geo_stage {
	spoor_stage base;
	gsrc src[GEO_MAX_SOURCES];
	size_t n;
	uint64_t events, with_ip, located, with_as, bad_ip;
	char summary[160];
} geo_stage;

static void from_mmdb(MMDB_s *db, const char *ip, geo_rec *r, bool *any)
{
	int gai = 0, err = 0;
	MMDB_lookup_result_s res = MMDB_lookup_string(db, ip, &gai, &err);
	if (gai || err != MMDB_SUCCESS || !res.found_entry)
		return;
	MMDB_entry_data_s d;
	if (!r->country[0] && MMDB_get_value(&res.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS &&
	    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size < sizeof(r->country)) {
		memcpy(r->country, d.utf8_string, d.data_size);
		r->country[d.data_size] = 0;
		*any = true;
	}
	if (!r->city[0] && MMDB_get_value(&res.entry, &d, "city", "names", "en", NULL) == MMDB_SUCCESS && d.has_data &&
	    d.type == MMDB_DATA_TYPE_UTF8_STRING) {
		size_t k = MIN((size_t)d.data_size, sizeof(r->city) - 1);
		memcpy(r->city, d.utf8_string, k);
		r->city[k] = 0;
		*any = true;
	}
	if (!r->has_loc) {
		MMDB_entry_data_s la, lo;
		if (MMDB_get_value(&res.entry, &la, "location", "latitude", NULL) == MMDB_SUCCESS &&
		    MMDB_get_value(&res.entry, &lo, "location", "longitude", NULL) == MMDB_SUCCESS && la.has_data &&
		    lo.has_data && la.type == MMDB_DATA_TYPE_DOUBLE && lo.type == MMDB_DATA_TYPE_DOUBLE) {
			r->lat = la.double_value;
			r->lon = lo.double_value;
			r->has_loc = true;
			*any = true;
		}
	}
	if (!r->asn && MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			r->asn = d.uint32;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			r->asn = d.uint16;
		else if (d.type == MMDB_DATA_TYPE_UINT64)
			r->asn = d.uint64;
		*any = *any || r->asn;
	}
	if (!r->asorg[0] && MMDB_get_value(&res.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
	    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
		size_t k = MIN((size_t)d.data_size, sizeof(r->asorg) - 1);
		memcpy(r->asorg, d.utf8_string, k);
		r->asorg[k] = 0;
		*any = true;
	}
	/* anonymous-IP flags: MaxMind GeoIP2 Anonymous IP (is_*), IPinfo
	 * privacy (vpn, proxy, tor, relay, hosting) */
	static const char *const flags[][2] = {
	    {"is_anonymous_vpn", "vpn"},
	    {"is_tor_exit_node", "tor"},
	    {"is_public_proxy", "proxy"},
	    {"is_residential_proxy", "proxy"},
	    {"vpn", "vpn"},
	    {"tor", "tor"},
	    {"proxy", "proxy"},
	    {"relay", "relay"},
	    {"is_hosting_provider", "hosting"},
	    {"hosting", "hosting"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags) && !r->anon[0]; i++) {
		if (MMDB_get_value(&res.entry, &d, flags[i][0], NULL) == MMDB_SUCCESS && d.has_data &&
		    ((d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean) ||
		     (d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 4 && !memcmp(d.utf8_string, "true", 4)))) {
			snprintf(r->anon, sizeof(r->anon), "%s", flags[i][1]);
			*any = true;
		}
	}
}

static void merge(geo_rec *r, const geo_rec *c)
{
	if (!r->country[0])
		memcpy(r->country, c->country, sizeof(r->country));
	if (!r->city[0])
		memcpy(r->city, c->city, sizeof(r->city));
	if (!r->has_loc && c->has_loc) {
		r->lat = c->lat;
		r->lon = c->lon;
		r->has_loc = true;
	}
	if (!r->asn)
		r->asn = c->asn;
	if (!r->asorg[0])
		memcpy(r->asorg, c->asorg, sizeof(r->asorg));
	if (!r->anon[0])
		memcpy(r->anon, c->anon, sizeof(r->anon));
}

static int set_str(spoor_event *ev, uint32_t id, const char *s, spoor_vtype t)
{
	if (!s[0] || event_find(ev, id))
		return 0;
	return event_set_copy(ev, id, t, sv_cstr(s), SPOOR_FF_ECS);
}

static int geo_event(spoor_stage *st, spoor_event *ev, spoor_finding_fn fn, void *payload)
{
	(void)fn;
	(void)payload;
	geo_stage *g = (geo_stage *)st;
	g->events++;
	spoor_sv ip;
	if (!event_get_text(ev, F_SOURCE_IP, &ip) || !ip.n)
		return 0;
	char tmp[64];
	if (ip.n >= sizeof(tmp))
		return 0;
	memcpy(tmp, ip.p, ip.n);
	tmp[ip.n] = 0;
	g->with_ip++;
	uint8_t a[16] = {0};
	int fam = strchr(tmp, ':') ? 6 : 4;
	if (inet_pton(fam == 6 ? AF_INET6 : AF_INET, tmp, a) != 1) {
		g->bad_ip++;
		return 0;
	}
	geo_rec r;
	memset(&r, 0, sizeof(r));
	bool any = false;
	for (size_t i = 0; i < g->n; i++) {
		if (g->src[i].mmdb) {
			from_mmdb(&g->src[i].db, tmp, &r, &any);
		} else {
			const geo_rec *c = geo_csv_lookup(g->src[i].csv, a, fam);
			if (c) {
				merge(&r, c);
				any = true;
			}
		}
	}
	if (!any)
		return 0;
	int rc = set_str(ev, F_SOURCE_GEO_COUNTRY, r.country, SPOOR_VT_STR);
	if (rc == 0)
		rc = set_str(ev, F_SOURCE_GEO_CITY, r.city, SPOOR_VT_STR);
	if (rc == 0 && r.has_loc && !event_find(ev, F_SOURCE_GEO_LAT)) {
		char b1[32], b2[32];
		snprintf(b1, sizeof(b1), "%.6f", r.lat);
		snprintf(b2, sizeof(b2), "%.6f", r.lon);
		rc = set_str(ev, F_SOURCE_GEO_LAT, b1, SPOOR_VT_NUM);
		if (rc == 0)
			rc = set_str(ev, F_SOURCE_GEO_LON, b2, SPOOR_VT_NUM);
	}
	if (rc == 0 && r.asn) {
		char b[24];
		snprintf(b, sizeof(b), "%" PRIu64, r.asn);
		rc = set_str(ev, F_SOURCE_AS_NUMBER, b, SPOOR_VT_NUM);
		g->with_as++;
	}
	if (rc == 0)
		rc = set_str(ev, F_SOURCE_AS_ORG, r.asorg, SPOOR_VT_STR);
	if (rc == 0)
		rc = set_str(ev, F_SOURCE_ANONYMIZER, r.anon, SPOOR_VT_STR);
	if (r.country[0] || r.has_loc)
		g->located++;
	return rc;
}

static const char *geo_summary(spoor_stage *st)
{
	geo_stage *g = (geo_stage *)st;
	snprintf(g->summary, sizeof(g->summary),
		 "%" PRIu64 " events with a source address, %" PRIu64 " located, %" PRIu64 " with an AS, %" PRIu64
		 " not an address",
		 g->with_ip, g->located, g->with_as, g->bad_ip);
	return g->summary;
}

static void geo_free(spoor_stage *st)
{
	geo_stage *g = (geo_stage *)st;
	for (size_t i = 0; i < g->n; i++) {
		if (g->src[i].mmdb)
			MMDB_close(&g->src[i].db);
		else
			geo_csv_free(g->src[i].csv);
	}
	free(g);
}

static const stage_ops geo_ops = {
    .name = "geo",
    .event = geo_event,
    .summary = geo_summary,
    .free = geo_free,
};

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

SPOOR_API int spoor_geo_stage_new(spoor_stage **out, const char *const *paths, size_t n, spoor_geo_load_fn on_load,
				  void *payload, spoor_diag *diag)
{
	*out = NULL;
	if (n > GEO_MAX_SOURCES)
		return diag_set(diag, SPOOR_ELIMIT, "at most %d GeoIP sources", GEO_MAX_SOURCES);
	geo_stage *g = xcalloc(1, sizeof(*g));
	if (!g)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	g->base.ops = &geo_ops;
	for (size_t i = 0; i < n; i++) {
		gsrc *s = &g->src[i];
		uint64_t bad = 0, bad_line = 0, count = 0;
		if (ends_with(paths[i], ".mmdb")) {
			int st = MMDB_open(paths[i], MMDB_MODE_MMAP, &s->db);
			if (st != MMDB_SUCCESS) {
				geo_free(&g->base);
				return diag_set(diag, SPOOR_EINVAL, "%s: not a MaxMind database: %s", paths[i],
						MMDB_strerror(st));
			}
			s->mmdb = true;
			count = s->db.metadata.node_count;
		} else {
			int r = geo_csv_load(&s->csv, paths[i], &bad, &bad_line, diag);
			if (r < 0) {
				geo_free(&g->base);
				return r;
			}
			count = geo_csv_count(s->csv);
		}
		g->n = i + 1;
		if (on_load)
			on_load(paths[i], s->mmdb, count, bad, bad_line, payload);
	}
	*out = &g->base;
	return 0;
}
