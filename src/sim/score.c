/* sim — score alerts against the ground truth: which planted records an
 * alert points at (log.file.path + spoor.line = truth file + line), recall
 * per behaviour (per record and per instance), precision per rule.
 *
 * An alert points at every record it lists, not only its own: analytics list
 * the records they stand for in spoor.origins, Sigma correlations in related,
 * each as an object with log.file.path and spoor.line — what an analyst
 * follows from the alert.  An instance of a behaviour is the behaviour in one
 * agency (or provider): found when any of its records is. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim-int.h"

#define SCORE_MAX_LINE	(1 << 20) /* longer lines are skipped and counted */
#define SCORE_MAX_TRUTH 50000000u /* truth records held */
#define SCORE_MAX_NAMES 4096	  /* distinct files / behaviours / rules */
#define SCORE_MAX_REFS	4096	  /* records one alert lists that are scored */

typedef struct trec {
	uint32_t file, beh, scope;
	uint64_t line;
	uint32_t hits;
} trec;

typedef struct names {
	char **v;
	uint32_t n;
} names;

static uint32_t name_id(names *t, const char *s)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], s))
			return i;
	if (t->n >= SCORE_MAX_NAMES)
		return UINT32_MAX;
	char **v = xreallocarray(t->v, t->n + 1, sizeof(*v));
	if (!v)
		return UINT32_MAX;
	t->v = v;
	if (!(t->v[t->n] = xstrndup(s, strlen(s))))
		return UINT32_MAX;
	return t->n++;
}

static void names_free(names *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* The string value of "key" in a flat JSON line (our own shapes), unescaped
 * for \" and \\ (and \/); false when absent or too long. */
static bool jstr(const char *line, const char *key, char *out, size_t n)
{
	char pat[80];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	size_t k = 0;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (k + 1 >= n)
			return false;
		out[k++] = *p;
	}
	out[k] = 0;
	return *p == '"';
}

static bool jnum(const char *line, const char *key, uint64_t *out)
{
	char pat[80];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	if (end == p)
		return false;
	*out = v;
	return true;
}

static int cmp_trec(const void *a, const void *b)
{
	const trec *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

typedef struct rstat {
	uint64_t alerts, tp;
} rstat;

int spoor_sim_score(const char *truth_path, const char *alerts_path, FILE *out, spoor_diag *d)
{
	names files = {0}, behs = {0}, rules = {0}, scopes = {0};
	trec *tr = NULL;
	size_t ntr = 0, ctr = 0;
	rstat *rs = NULL;
	char *line = NULL, path[4096], buf[512];
	size_t cap = 0;
	ssize_t len;
	uint64_t skipped = 0, nofile = 0, alerts = 0, tp = 0;
	int rc = 0;
	FILE *tf = fopen(truth_path, "r");
	if (!tf)
		return diag_set(d, SPOOR_ENOTFOUND, "simulate score: cannot read %s: %s", truth_path, strerror(errno));
	FILE *af = strcmp(alerts_path, "-") ? fopen(alerts_path, "r") : stdin;
	if (!af) {
		fclose(tf);
		return diag_set(d, SPOOR_ENOTFOUND, "simulate score: cannot read %s: %s", alerts_path, strerror(errno));
	}
	while ((len = getline(&line, &cap, tf)) > 0) {
		uint64_t ln;
		char beh[64];
		if (len > SCORE_MAX_LINE || !jstr(line, "file", path, sizeof(path)) || !jnum(line, "line", &ln) ||
		    !jstr(line, "behaviour", beh, sizeof(beh))) {
			skipped++;
			continue;
		}
		if (ntr >= SCORE_MAX_TRUTH) {
			rc = diag_set(d, SPOOR_ELIMIT, "simulate score: more than %u truth records", SCORE_MAX_TRUTH);
			goto out;
		}
		if (ntr == ctr) {
			size_t nc = ctr ? ctr * 2 : 1024;
			trec *t = xreallocarray(tr, nc, sizeof(*t));
			if (!t) {
				rc = diag_set(d, SPOOR_ENOMEM, "simulate score: out of memory");
				goto out;
			}
			tr = t;
			ctr = nc;
		}
		char scope[128];
		if (!jstr(line, "agency", scope, sizeof(scope)) && !jstr(line, "provider", scope, sizeof(scope)))
			snprintf(scope, sizeof(scope), "-");
		uint32_t fi = name_id(&files, path), bi = name_id(&behs, beh), si = name_id(&scopes, scope);
		if (fi == UINT32_MAX || bi == UINT32_MAX || si == UINT32_MAX) {
			rc = diag_set(d, SPOOR_ELIMIT, "simulate score: more than %d files or behaviours",
				      SCORE_MAX_NAMES);
			goto out;
		}
		tr[ntr++] = (trec){fi, bi, si, ln, 0};
	}
	if (ntr) /* tr is NULL when the truth file had no records */
		qsort(tr, ntr, sizeof(*tr), cmp_trec);
	rs = xcalloc(SCORE_MAX_NAMES, sizeof(*rs));
	if (!rs) {
		rc = diag_set(d, SPOOR_ENOMEM, "simulate score: out of memory");
		goto out;
	}
	uint32_t lastf = UINT32_MAX;
	char lastpath[4096] = "";
	trec **refs = xcalloc(SCORE_MAX_REFS, sizeof(*refs));
	if (!refs) {
		rc = diag_set(d, SPOOR_ENOMEM, "simulate score: out of memory");
		goto out;
	}
	while ((len = getline(&line, &cap, af)) > 0) {
		if (len > SCORE_MAX_LINE) {
			skipped++;
			continue;
		}
		alerts++;
		if (!jstr(line, "rule.name", buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "(no rule.name)");
		uint32_t ri = name_id(&rules, buf);
		if (ri != UINT32_MAX)
			rs[ri].alerts++;
		/* every record the alert lists: each "log.file.path" with the
		 * "spoor.line" that follows it before the next path */
		static const char kpath[] = "\"log.file.path\":\"";
		size_t nref = 0;
		bool any = false;
		for (const char *p = strstr(line, kpath); p;) {
			const char *next = strstr(p + 1, kpath);
			uint64_t ln;
			if (!jstr(p, "log.file.path", path, sizeof(path)) || !jnum(p, "spoor.line", &ln) ||
			    (next && strstr(p, "\"spoor.line\":") > next)) {
				p = next;
				continue;
			}
			any = true;
			p = next;
			/* which truth file: the alert's path ends with it */
			if (strcmp(path, lastpath)) {
				snprintf(lastpath, sizeof(lastpath), "%s", path);
				lastf = UINT32_MAX;
				size_t pl = strlen(path);
				for (uint32_t i = 0; i < files.n; i++) {
					size_t fl = strlen(files.v[i]);
					if (fl <= pl && !strcmp(path + pl - fl, files.v[i]) &&
					    (fl == pl || path[pl - fl - 1] == '/')) {
						lastf = i;
						break;
					}
				}
			}
			if (lastf == UINT32_MAX)
				continue;
			trec key = {lastf, 0, 0, ln, 0};
			trec *hit = bsearch(&key, tr, ntr, sizeof(*tr), cmp_trec);
			if (!hit)
				continue;
			bool seen = false;
			for (size_t k = 0; k < nref && !seen; k++)
				seen = refs[k] == hit;
			if (!seen && nref < SCORE_MAX_REFS)
				refs[nref++] = hit;
		}
		if (!any) {
			nofile++;
			continue;
		}
		for (size_t k = 0; k < nref; k++)
			refs[k]->hits++;
		if (nref) {
			tp++;
			if (ri != UINT32_MAX)
				rs[ri].tp++;
		}
	}
	free(refs);
	/* recall per behaviour: records, and instances (behaviour x scope) */
	fprintf(out, "%-26s %8s %8s %7s %9s %7s %7s\n", "behaviour", "planted", "found", "recall", "instances",
		"found", "recall");
	uint64_t all = 0, found = 0, iall = 0, ifound = 0;
	uint8_t *seen = xcalloc(scopes.n ? scopes.n : 1, 1);
	if (!seen) {
		rc = diag_set(d, SPOOR_ENOMEM, "simulate score: out of memory");
		goto out;
	}
	for (uint32_t b = 0; b < behs.n; b++) {
		uint64_t n = 0, f = 0, in = 0, inf = 0;
		memset(seen, 0, scopes.n ? scopes.n : 1);
		for (size_t i = 0; i < ntr; i++) {
			if (tr[i].beh == b) {
				n++;
				f += tr[i].hits > 0;
				seen[tr[i].scope] |= (uint8_t)(1 | (tr[i].hits > 0) << 1);
			}
		}
		for (uint32_t k = 0; k < scopes.n; k++) {
			in += seen[k] & 1;
			inf += (seen[k] >> 1) & 1;
		}
		all += n;
		found += f;
		iall += in;
		ifound += inf;
		fprintf(out, "%-26s %8" PRIu64 " %8" PRIu64 " %6.1f%% %9" PRIu64 " %7" PRIu64 " %6.1f%%\n", behs.v[b],
			n, f, n ? 100.0 * (double)f / (double)n : 0.0, in, inf,
			in ? 100.0 * (double)inf / (double)in : 0.0);
	}
	free(seen);
	fprintf(out, "%-26s %8" PRIu64 " %8" PRIu64 " %6.1f%% %9" PRIu64 " %7" PRIu64 " %6.1f%%\n\n", "all", all,
		found, all ? 100.0 * (double)found / (double)all : 0.0, iall, ifound,
		iall ? 100.0 * (double)ifound / (double)iall : 0.0);
	fprintf(out, "%-60s %8s %8s %9s\n", "rule", "alerts", "on truth", "precision");
	for (uint32_t r = 0; r < rules.n; r++)
		fprintf(out, "%-60.60s %8" PRIu64 " %8" PRIu64 " %8.1f%%\n", rules.v[r], rs[r].alerts, rs[r].tp,
			rs[r].alerts ? 100.0 * (double)rs[r].tp / (double)rs[r].alerts : 0.0);
	fprintf(out, "%-60s %8" PRIu64 " %8" PRIu64 " %8.1f%%\n", "all", alerts, tp,
		alerts ? 100.0 * (double)tp / (double)alerts : 0.0);
	if (nofile || skipped)
		fprintf(out, "(%" PRIu64 " alerts listing no record (log.file.path + spoor.line), %" PRIu64 " unreadable lines)\n",
			nofile, skipped);
out:
	free(line);
	free(tr);
	free(rs);
	names_free(&files);
	names_free(&behs);
	names_free(&rules);
	names_free(&scopes);
	fclose(tf);
	if (af != stdin)
		fclose(af);
	return rc;
}
