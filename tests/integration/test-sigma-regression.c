/* Integration test: SigmaHQ's regression data.
 *
 * Every regression_data/<...>/info.yml names a rule (rule_metadata[].id)
 * and a sample (regression_tests_info[].path, an .evtx with a .json
 * beside it, evtx_dump-style).  All SigmaHQ rules (rules*) are loaded
 * into one ruleset; each sample is scanned with spoor's scanner and
 * matched against every rule.  A sample passes when its rule fires exactly
 * at least match_count times (1 when info.yml gives none), as SigmaHQ's
 * own runner decides; samples with more alerts than match_count are
 * listed and counted separately ("over").  The .evtx samples are checked too when spoor can
 * read EVTX (`spoor formats` lists "evtx").
 *
 * Shared data comes from SPOOR_SHARED_DATA; without it the test skips
 * (exit 77).  The test fails when fewer samples pass than MIN_PASS_JSON:
 * the count this engine reached when the test was written, so any
 * regression shows. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/sigma/sigma-int.h"
#include "spoor/rules.h"
#include "spoor/scan.h"

#define MIN_PASS_JSON 202

typedef struct sample {
	char *info;
	char *rule_id;
	char *json, *evtx;
	long expect;
} sample;

static sample *samples;
static size_t nsamples, capsamples;

static char *xdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return d;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *b = NULL;
	size_t n = 0, cap = 0, got;
	char tmp[8192];
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (n + got + 1 > cap) {
			cap = (n + got + 1) * 2;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
		}
		memcpy(b + n, tmp, got);
		n += got;
	}
	fclose(f);
	if (!b)
		b = xdup("");
	b[n] = 0;
	*len = n;
	return b;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_info(const char *sigma_dir, const char *path)
{
	size_t len;
	char *text = read_all(path, &len);
	if (!text)
		return;
	arena ar;
	arena_init(&ar, 4096, 1u << 20);
	ydoc *docs;
	size_t nd;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (sigma_yaml_parse(&ar, text, len, &docs, &nd, &d) < 0 || nd < 1) {
		printf("BAD-INFO %s: %s\n", path, d.msg);
		goto done;
	}
	const ynode *rm = ynode_get(docs[0].root, "rule_metadata");
	const ynode *ti = ynode_get(docs[0].root, "regression_tests_info");
	if (!rm || rm->kind != YN_SEQ || !rm->nkv || !ti || ti->kind != YN_SEQ || !ti->nkv) {
		printf("BAD-INFO %s: no rule_metadata / regression_tests_info\n", path);
		goto done;
	}
	const ynode *id = ynode_get(rm->kv[0], "id");
	for (size_t t = 0; t < ti->nkv; t++) {
		const ynode *p = ynode_get(ti->kv[t], "path");
		const ynode *mc = ynode_get(ti->kv[t], "match_count");
		if (!id || !p || p->kind != YN_SCALAR)
			continue;
		if (nsamples == capsamples) {
			capsamples = capsamples ? capsamples * 2 : 256;
			samples = realloc(samples, capsamples * sizeof(*samples));
			if (!samples)
				exit(1);
		}
		sample *s = &samples[nsamples++];
		memset(s, 0, sizeof(*s));
		s->info = xdup(path);
		s->rule_id = xdup(id->s);
		s->expect = mc && mc->kind == YN_SCALAR ? strtol(mc->s, NULL, 10) : 1;
		size_t l = strlen(sigma_dir) + p->n + 8;
		s->evtx = malloc(l);
		s->json = malloc(l);
		if (!s->evtx || !s->json)
			exit(1);
		snprintf(s->evtx, l, "%s/%s", sigma_dir, p->s);
		snprintf(s->json, l, "%s", s->evtx);
		char *dot = strrchr(s->json, '.');
		if (dot && !strcmp(dot, ".evtx"))
			strcpy(dot, ".json");
	}
done:
	arena_done(&ar);
	free(text);
}

static void walk(const char *sigma_dir, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		size_t l = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(l);
		if (!names || !names[n])
			exit(1);
		snprintf(names[n], l, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
			walk(sigma_dir, names[i]);
		else if (!strcmp(strrchr(names[i], '/') + 1, "info.yml"))
			add_info(sigma_dir, names[i]);
		free(names[i]);
	}
	free(names);
}

static int cmp_sample(const void *a, const void *b)
{
	return strcmp(((const sample *)a)->info, ((const sample *)b)->info);
}

/* Alerts of rule `target` over one file; *other counts other rules' alerts. */
static long run_file(spoor_ctx *ctx, spoor_matcher *m, const char *path, size_t target, long *other, long *events)
{
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	if (spoor_scanner_new(&sc, ctx, &so, &d) < 0 || spoor_scanner_add(sc, path) < 0) {
		fprintf(stderr, "scanner: %s\n", d.msg);
		exit(1);
	}
	long hits = 0;
	*other = 0;
	*events = 0;
	spoor_event *ev;
	int r;
	while ((r = spoor_scanner_next(sc, &ev, &d)) > 0) {
		(*events)++;
		int na = spoor_matcher_match(m, ev);
		if (na < 0) {
			fprintf(stderr, "match: out of memory\n");
			exit(1);
		}
		for (int k = 0; k < na; k++) {
			spoor_alert a;
			spoor_matcher_alert(m, (size_t)k, &a);
			if (a.rule == target)
				hits++;
			else
				(*other)++;
		}
	}
	spoor_scanner_free(sc);
	return hits;
}

static bool have_evtx(void)
{
	for (size_t i = 0; i < spoor_format_count(); i++)
		if (!strcmp(spoor_format_get(i)->name, "evtx"))
			return true;
	return false;
}

int main(void)
{
	const char *data = getenv("SPOOR_SHARED_DATA");
	char sigma_dir[1024];
	if (!data || !*data) {
		printf("SKIP: SPOOR_SHARED_DATA is not set (it names ../shared/data with sigma/)\n");
		return 77;
	}
	snprintf(sigma_dir, sizeof(sigma_dir), "%s/sigma", data);
	char reg[1100];
	snprintf(reg, sizeof(reg), "%s/regression_data", sigma_dir);
	struct stat st;
	if (stat(reg, &st) < 0) {
		printf("SKIP: %s not found (shared data absent)\n", reg);
		return 77;
	}
	spoor_ctx *ctx = NULL;
	spoor_ruleset *rs = NULL;
	spoor_matcher *m = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	if (spoor_ctx_new(&ctx, &co, &d) < 0 || spoor_ruleset_new(&rs, ctx, NULL, &d) < 0) {
		fprintf(stderr, "%s\n", d.msg);
		return 1;
	}
	static const char *const dirs[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
					   "rules-placeholder", "rules-compliance"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[1200];
		snprintf(p, sizeof(p), "%s/%s", sigma_dir, dirs[i]);
		if (stat(p, &st) == 0 && spoor_ruleset_add(rs, p, &d) < 0) {
			fprintf(stderr, "%s\n", d.msg);
			return 1;
		}
	}
	if (spoor_matcher_new(&m, rs, &d) < 0)
		return 1;
	spoor_rules_stats rst;
	spoor_ruleset_stats(rs, &rst);
	printf("rules: %" PRIu64 " loaded, %" PRIu64 " run, %" PRIu64 " failed\n", rst.loaded, rst.active, rst.failed);

	walk(sigma_dir, reg);
	if (nsamples)
		qsort(samples, nsamples, sizeof(*samples), cmp_sample);
	bool evtx = have_evtx();
	long pass[2] = {0}, over[2] = {0}, fail[2] = {0}, miss[2] = {0}, norule = 0, other_total[2] = {0};
	size_t nr = spoor_ruleset_count(rs);
	for (size_t i = 0; i < nsamples; i++) {
		sample *s = &samples[i];
		size_t target = (size_t)-1;
		spoor_rule_info ri;
		for (size_t k = 0; k < nr; k++)
			if (spoor_ruleset_rule(rs, k, &ri) == 0 && ri.id && !strcmp(ri.id, s->rule_id)) {
				target = k;
				break;
			}
		if (target == (size_t)-1) {
			printf("NO-RULE %s (rule id %s not in rules*)\n", s->info, s->rule_id);
			norule++;
			continue;
		}
		spoor_ruleset_rule(rs, target, &ri);
		for (int kind = 0; kind < 2; kind++) {
			const char *path = kind == 0 ? s->json : s->evtx;
			if (kind == 1 && !evtx)
				continue;
			if (!exists(path)) {
				miss[kind]++;
				printf("MISSING %s\n", path);
				continue;
			}
			long other, events;
			long got = run_file(ctx, m, path, target, &other, &events);
			other_total[kind] += other;
			if (got == s->expect) {
				pass[kind]++;
			} else if (got > s->expect) {
				pass[kind]++;
				over[kind]++;
				printf("OVER %s %s: %ld alerts over %ld events, match_count %ld\n",
				       kind ? "evtx" : "json", path + strlen(sigma_dir) + 1, got, events, s->expect);
			} else {
				fail[kind]++;
				printf("FAIL %s %s: %ld alerts of %s over %ld events, expected %ld%s%s\n",
				       kind ? "evtx" : "json", path + strlen(sigma_dir) + 1, got, s->rule_id, events,
				       s->expect, ri.active ? "" : "; rule not run: ",
				       ri.active ? "" : (ri.inactive_reason ? ri.inactive_reason : "?"));
			}
		}
	}
	printf("regression samples: %zu (%ld with no rule in rules*)\n", nsamples, norule);
	printf("json: %ld pass (%ld of them with more alerts than match_count), %ld fail, %ld missing; %ld alerts "
	       "of other rules\n",
	       pass[0], over[0], fail[0], miss[0], other_total[0]);
	if (evtx)
		printf("evtx: %ld pass (%ld of them with more alerts than match_count), %ld fail, %ld missing; %ld "
		       "alerts of other rules\n",
		       pass[1], over[1], fail[1], miss[1], other_total[1]);
	else
		printf("evtx: not checked (this build of spoor does not read EVTX)\n");
	for (size_t i = 0; i < nsamples; i++) {
		free(samples[i].info);
		free(samples[i].rule_id);
		free(samples[i].json);
		free(samples[i].evtx);
	}
	free(samples);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	spoor_ctx_free(ctx);
	if (pass[0] < MIN_PASS_JSON) {
		printf("FAILED: %ld json samples pass, fewer than the %d this engine reached before\n", pass[0],
		       MIN_PASS_JSON);
		return 1;
	}
	return 0;
}
