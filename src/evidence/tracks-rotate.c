/* tracks-rotate — syslog-style files truncated, or replaced without their
 * content turning up rotated, between two runs over the same evidence
 * store.  The evidence stage keeps DIR/sources: for every source path the
 * SHA-256 of its first record and how far into it the run read.  At the
 * end of the next run:
 *   - same first record, but the file now ends before where the last run
 *     stopped: records were cut from the end (truncated);
 *   - another first record, and the old first record is not the first
 *     record of any file of this run (where rotation would have moved it):
 *     the file was replaced or rotated out of order.
 * ATT&CK T1070.002 (Clear Linux or Mac System Logs). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/sha.h>

#include "detect/alert.h"
#include "evidence/tracks.h"

#define SOURCES_MAX 100000 /* paths kept in DIR/sources */

typedef struct src {
	char *path;
	uint8_t first[32];
	bool has_first;
	uint64_t end;
	bool seen; /* in this run */
	uint8_t prev_first[32];
	bool had_prev;
	uint64_t prev_end;
} src;

struct track_rotate {
	char *dir;
	src *v;
	size_t n, cap;
	size_t last; /* index of the last path looked up (records come in runs) */
	buf json;
};

static src *lookup(track_rotate *r, const char *path, bool add)
{
	if (r->last < r->n && !strcmp(r->v[r->last].path, path))
		return &r->v[r->last];
	for (size_t i = 0; i < r->n; i++) {
		if (!strcmp(r->v[i].path, path)) {
			r->last = i;
			return &r->v[i];
		}
	}
	if (!add || r->n >= SOURCES_MAX)
		return NULL;
	if (r->n == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 16;
		src *nv = xreallocarray(r->v, nc, sizeof(*nv));
		if (!nv)
			return NULL;
		r->v = nv;
		r->cap = nc;
	}
	src *s = &r->v[r->n];
	memset(s, 0, sizeof(*s));
	s->path = xstrndup(path, strlen(path));
	if (!s->path)
		return NULL;
	r->last = r->n++;
	return s;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int track_rotate_open(track_rotate **out, const char *dir, spoor_diag *diag)
{
	track_rotate *r = xcalloc(1, sizeof(*r));
	if (!r || !(r->dir = xstrndup(dir, strlen(dir)))) {
		free(r);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	buf_init(&r->json, 1u << 20);
	buf b;
	buf_init(&b, 256u << 20);
	if (ev_read_file(dir, "sources", &b, 256u << 20, NULL) == 0) {
		/* "<64 hex>\t<end>\t<path>\n" */
		char *p = b.p, *e = b.p + b.len;
		while (p < e) {
			char *nl = memchr(p, '\n', (size_t)(e - p));
			if (!nl)
				break;
			*nl = 0;
			char *t1 = strchr(p, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
			if (t1 && t2 && t1 - p == 64) {
				src *s = lookup(r, t2 + 1, true);
				if (s) {
					bool ok = true;
					for (int i = 0; i < 32 && ok; i++) {
						int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
						ok = hi >= 0 && lo >= 0;
						s->prev_first[i] = (uint8_t)(hi << 4 | lo);
					}
					s->had_prev = ok;
					s->prev_end = strtoull(t1 + 1, NULL, 10);
				}
			}
			p = nl + 1;
		}
	}
	buf_done(&b);
	*out = r;
	return 0;
}

int track_rotate_record(track_rotate *r, const char *path, uint64_t offset, spoor_sv raw)
{
	if (!path || !strcmp(path, "<stdin>"))
		return 0;
	src *s = lookup(r, path, true);
	if (!s)
		return 0; /* over SOURCES_MAX: not tracked */
	s->seen = true;
	if (offset == 0 && !s->has_first) {
		SHA256((const unsigned char *)raw.p, raw.n, s->first);
		s->has_first = true;
	}
	if (offset + raw.n > s->end)
		s->end = offset + raw.n;
	return 0;
}

static int emit(track_rotate *r, spoor_finding_fn fn, void *payload, const src *s, bool truncated)
{
	static const char *const tech[1] = {"T1070.002"};
	static const char *const tac[1] = {"Defense Evasion"};
	char details[600];
	snprintf(details, sizeof(details), "%s: %s", s->path,
		 truncated ? "shorter than at the last run"
			   : "replaced; its old first record is in no file of this run");
	spoor_finding f = {
	    .rule_id = truncated ? "spoor-tracks-log-truncated" : "spoor-tracks-log-replaced",
	    .rule_name =
		truncated ? "Log file truncated since the last run" : "Log file replaced or rotated out of order",
	    .ruleset = "covered-tracks",
	    .level = truncated ? SPOOR_LEVEL_HIGH : SPOOR_LEVEL_MEDIUM,
	    .techniques = tech,
	    .ntechniques = 1,
	    .tactics = tac,
	    .ntactics = 1,
	    .details = sv_cstr(details),
	};
	int rc = alert_begin(&r->json, &f, NULL);
	if (rc == 0)
		rc = alert_cstr(&r->json, "log.file.path", s->path);
	if (rc == 0)
		rc = alert_u64(&r->json, "spoor.bytes.last_run", s->prev_end);
	if (rc == 0)
		rc = alert_u64(&r->json, "spoor.bytes.this_run", s->end);
	if (rc == 0)
		rc = alert_end(&r->json);
	if (rc < 0)
		return rc;
	f.json = sv_make(r->json.p, r->json.len);
	return fn(&f, payload);
}

int track_rotate_finish(track_rotate *r, spoor_finding_fn fn, void *payload, spoor_diag *diag)
{
	int rc = 0;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		src *s = &r->v[i];
		if (!s->seen || !s->had_prev || !s->has_first)
			continue;
		if (!memcmp(s->first, s->prev_first, 32)) {
			if (s->end < s->prev_end)
				rc = emit(r, fn, payload, s, true);
			continue;
		}
		bool moved = false;
		for (size_t j = 0; j < r->n && !moved; j++)
			moved =
			    j != i && r->v[j].seen && r->v[j].has_first && !memcmp(r->v[j].first, s->prev_first, 32);
		if (!moved)
			rc = emit(r, fn, payload, s, false);
	}
	if (rc < 0)
		return diag_set(diag, rc, "covered tracks: %s", spoor_strerror(rc));
	/* the new state: this run's view of every source, the old one of the rest */
	buf b;
	buf_init(&b, 256u << 20);
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		src *s = &r->v[i];
		const uint8_t *h = s->seen && s->has_first ? s->first : s->had_prev ? s->prev_first : NULL;
		if (!h || strchr(s->path, '\n'))
			continue;
		for (int k = 0; k < 32 && rc == 0; k++)
			rc = buf_printf(&b, "%02x", h[k]);
		if (rc == 0)
			rc = buf_printf(&b, "\t%" PRIu64 "\t%s\n", s->seen && s->has_first ? s->end : s->prev_end,
					s->path);
	}
	if (rc == 0)
		rc = ev_write_file(r->dir, "sources", b.p ? b.p : "", b.len, true, diag);
	buf_done(&b);
	return rc;
}

void track_rotate_free(track_rotate *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	free(r->dir);
	buf_done(&r->json);
	free(r);
}
