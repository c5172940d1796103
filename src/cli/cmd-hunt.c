/* spoor hunt — run Sigma rules over logs; alerts as JSON lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hunt-int.h"
#include "spoor/case.h"
#include "spoor/evidence.h"
#include "spoor/analytics.h"
#include "spoor/geo.h"
#include "spoor/hunt.h"
#include "spoor/intel.h"
#include "spoor/rules.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: spoor hunt [--rules PATH]... [--intel PATH]... [OPTIONS] [PATH...]\n\n"
		"Pass every event through the hunt pipeline and print one JSON line per alert\n"
		"(@timestamp, rule.id, rule.name, rule.ruleset, rule.level, threat.technique.id,\n"
		"threat.tactic.name, host.name, user.name, source.ip, spoor.agency, log.file.path,\n"
		"log.offset, spoor.line / spoor.record_id, ...).  A summary goes to stderr.\n"
		"The pipeline, in order: evidence store, enrichers (GeoIP, inventory), detectors\n"
		"(Sigma rules, intel indicators, identity and mailbox analytics, provider scope).\n\n"
		"Detectors:\n"
		"  -r, --rules PATH      a Sigma rule file or directory (repeatable); when no\n"
		"                        detector is given at all: the set `spoor rules update`\n"
		"                        installed ($SPOOR_RULES, $XDG_DATA_HOME/spoor/rules) and\n"
		"                        spoor's own rules\n"
		"      --no-default-rules  no Sigma rules unless --rules gives them\n"
		"      --logsource-map FILE  a YAML logsource mapping added to the built-in one\n"
		"      --min-level L     only rules of level L or above\n"
		"                        (informational, low, medium, high, critical)\n"
		"      --placeholders FILE  values for |expand placeholders (YAML: name: [values])\n"
		"      --show-rule-errors print each rule that cannot be loaded\n"
		"      --rules-cache DIR  keep compiled databases of rules and intel patterns in\n"
		"                        DIR (default $SPOOR_CACHE_DIR, $XDG_CACHE_HOME/spoor,\n"
		"                        ~/.cache/spoor)\n"
		"      --no-rules-cache  compile them every run\n"
		"      --correlation KEY=N  bounds of Sigma correlation state (repeatable): groups\n"
		"                        (per rule, 100000), entries (per group, 10000), total\n"
		"                        (2000000), related (records per alert, 32), reorder\n"
		"                        (seconds of tolerance; default: decide at the end)\n"
		"      --intel PATH      intel: a MISP feed folder or event, a STIX 2.1 bundle, a CSV\n"
		"                        or a plain list (repeatable; docs/intel.md); alerts of every\n"
		"                        engine then name the groups and software they point to.\n"
		"                        Without it, spoor's built-in pack (@builtin: BlackTech /\n"
		"                        Taidoor) is used with the rules\n"
		"      --no-intel        no intel at all (not even the built-in pack)\n"
		"      --sightings FILE  write the indicators sighted to FILE ('-': standard output)\n"
		"      --sightings-format F  stix (a STIX 2.1 bundle of sightings, default), misp or csv\n"
		"      --analytics       run the identity and mailbox analytics (docs/analytics.md)\n"
		"      --analytics-config FILE  analytics parameters and caps (YAML; implies --analytics)\n"
		"      --state FILE      keep the analytics' baselines in FILE between runs (read now,\n"
		"                        written at the end; implies --analytics)\n"
		"      --analytics-defaults     print every analytics parameter with its default and exit\n\n"
		"Enrichers:\n"
		"      --geo PATH        GeoIP source (repeatable, first wins): a MaxMind .mmdb or a\n"
		"                        CSV of cidr,country,city,lat,lon,asn,asn_org\n"
		"      --inventory FILE  agency / IT service provider inventory (repeatable,\n"
		"                        docs/inventory.md): adds spoor.agency, spoor.provider,\n"
		"                        spoor.identity.owner to events (Sigma can match them)\n"
		"                        and runs the provider-scope analytics (docs/providers.md)\n\n"
		"Evidence and outputs:\n"
		"      --evidence DIR    append every record to the evidence store DIR (spoor evidence\n"
		"                        init); alerts carry spoor.evidence.leaf\n"
		"      --evidence-checkpoint-records N / --evidence-checkpoint-seconds S\n"
		"                        checkpoint intervals (default 100000 records, 10 s)\n"
		"      --covered-tracks  detect covered tracks: logs cleared, audit policy changed,\n"
		"                        logging stopped, EventRecordID gaps, time going back, a host\n"
		"                        or source falling silent against its own baseline\n"
		"      --silent KEY=VALUE  thresholds of the silent-source alert (implies --covered-tracks):\n"
		"                        factor=X (5; 0 = off), hours=H (6), baseline-hours=H (48),\n"
		"                        events=N (50), others=N (1); see docs/evidence.md\n"
		"  -o, --output FILE     write alerts to FILE instead of standard output\n"
		"      --csv FILE        also write a CSV timeline (Timestamp, Computer, Channel,\n"
		"                        EventID, Level, RuleTitle, RuleID, Details)\n"
		"      --case CASE.db    also store alerts, their events, entities and traffic volumes\n"
		"                        in a case database (created if needed; for scope, report),\n"
		"                        with --analytics / --inventory the mailbox / provider views\n"
		"                        (spoor mailboxes|providers|trace --case)\n"
		"      --job-buffer BYTES  with -j N over several files: alerts of one file kept in\n"
		"                        memory before spilling to a temporary file (4194304)\n\n"
		"With -j N and several files, whole files are read on N threads and the alerts\n"
		"written in file order (the output of -j 1); Sigma correlations, --analytics,\n"
		"--inventory, --evidence, --case, --covered-tracks and --sightings need every\n"
		"event in order on one thread, and then only EVTX chunks are decoded in parallel.\n\n%s",
		scan_cli_help);
}

typedef struct hctx {
	bool show;
	uint64_t failed;
} hctx;

static void on_rule_error(const spoor_diag *d, void *payload)
{
	hctx *h = payload;
	h->failed++;
	if (h->show)
		fprintf(stderr, "spoor hunt: %s:%" PRIu64 ":%u: %s\n", d->source, d->line, d->col, d->msg);
}

/* One CSV cell (RFC 4180 quoting), at most 2048 bytes of it. */
static void csv_cell(FILE *f, const char *p, size_t n, bool last)
{
	n = n > 2048 ? 2048 : n;
	bool q = false;
	for (size_t i = 0; i < n && !q; i++)
		q = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (q) {
		fputc('"', f);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '"')
				fputc('"', f);
			fputc(p[i], f);
		}
		fputc('"', f);
	} else if (n) {
		fwrite(p, 1, n, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_event_field(FILE *f, spoor_event *ev, const char *a, const char *b)
{
	spoor_value v;
	spoor_sv t = {NULL, 0};
	if (ev && (spoor_event_get(ev, a, strlen(a), &v) == 0 || (b && spoor_event_get(ev, b, strlen(b), &v) == 0)) &&
	    v.type != SPOOR_VT_NULL)
		spoor_event_text(ev, &v, &t);
	csv_cell(f, t.p, t.n, false);
}

/* One timeline row per finding (Hayabusa's column names). */
void hunt_csv_row(FILE *f, const spoor_finding *fd)
{
	char ts[48] = "";
	if (fd->ts) {
		int64_t ns = fd->ts;
		time_t sec = (time_t)(ns / 1000000000);
		long ms = (long)((ns % 1000000000) / 1000000);
		if (ms < 0) {
			ms += 1000;
			sec--;
		}
		struct tm tm;
		if (gmtime_r(&sec, &tm)) {
			size_t l = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(ts + l, sizeof(ts) - l, ".%03ldZ", ms);
		}
	}
	csv_cell(f, ts, strlen(ts), false);
	csv_event_field(f, fd->ev, "host.name", "Computer");
	spoor_sv ch = {NULL, 0};
	if (fd->ev) {
		const spoor_logsource *ls = spoor_event_logsource(fd->ev);
		ch = ls->channel.n ? ls->channel : ls->service;
	}
	csv_cell(f, ch.p, ch.n, false);
	csv_event_field(f, fd->ev, "EventID", "event.code");
	const char *lv = spoor_level_name(fd->level);
	csv_cell(f, lv, strlen(lv), false);
	const char *t = fd->rule_name ? fd->rule_name : "";
	csv_cell(f, t, strlen(t), false);
	csv_cell(f, fd->rule_id ? fd->rule_id : "", fd->rule_id ? strlen(fd->rule_id) : 0, false);
	csv_cell(f, fd->details.p, fd->details.n, true);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Alerts per rule, for the summary: a small open-addressing table keyed by
 * rule name (findings from every engine). */
typedef struct rcount {
	char *name;
	spoor_level level;
	uint64_t n;
} rcount;

typedef struct rtable {
	rcount *v;
	size_t cap, n;
} rtable;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int rtable_add(rtable *t, const char *name, spoor_level level)
{
	if (!name)
		name = "";
	if (2 * (t->n + 1) > t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 256;
		rcount *nv = calloc(nc, sizeof(*nv));
		if (!nv)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].name)
				continue;
			size_t j = hash_str(t->v[i].name) & (nc - 1);
			while (nv[j].name)
				j = (j + 1) & (nc - 1);
			nv[j] = t->v[i];
		}
		free(t->v);
		t->v = nv;
		t->cap = nc;
	}
	size_t j = hash_str(name) & (t->cap - 1);
	while (t->v[j].name && strcmp(t->v[j].name, name))
		j = (j + 1) & (t->cap - 1);
	if (!t->v[j].name) {
		t->v[j].name = strdup(name);
		if (!t->v[j].name)
			return -1;
		t->v[j].level = level;
		t->n++;
	}
	t->v[j].n++;
	return 0;
}

static void rtable_free(rtable *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].name);
	free(t->v);
}

static int cmp_rc(const void *a, const void *b)
{
	const rcount *x = a, *y = b;
	if (!x->name || !y->name)
		return !x->name - !y->name;
	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->name, y->name);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

typedef struct hunt_opts {
	hctx *h;
	const char *out_path, *csv_path, *ph, *lsmap;
	const char *case_path;
	const char *rules_cache; /* NULL = the default folder */
	bool no_rules_cache;
	char cachebuf[4096];
	int min_level;
	char **rules;
	int nrules;
	const char *evidence;
	spoor_evidence_options evo;
	spoor_sigma_stage_options corr;
	char **intel;
	int nintel;
	const char *sightings, *sightings_format;
	const char **geo;
	int ngeo;
	bool analytics;
	const char *an_config, *an_state;
	bool an_defaults;
	char **inventories;
	int ninventories;
	bool tracks;
	spoor_tracks_options tro; /* --silent KEY=VALUE */
	bool no_intel;
	bool no_default_rules;
	char defbuf[4096];
	size_t job_buffer; /* -j: bytes of one file's alerts kept in memory */
} hunt_opts;

static void opts_free(hunt_opts *o)
{
	free(o->rules);
	free(o->intel);
	free(o->geo);
	free(o->inventories);
}

/* --silent KEY=VALUE: thresholds of the silent-source detector (docs/evidence.md) */
static int silent_option(hunt_opts *o, const char *v)
{
	const char *eq = strchr(v, '=');
	char *end = NULL;
	double x = eq ? strtod(eq + 1, &end) : -1;
	if (!eq || end == eq + 1 || *end || x < 0 || x > 1e12) {
		fprintf(stderr,
			"spoor hunt: --silent wants factor=X, hours=H, baseline-hours=H, events=N or others=N, not "
			"'%s'\n",
			v);
		return -1;
	}
	size_t k = (size_t)(eq - v);
	if (k == 6 && !strncmp(v, "factor", k))
		o->tro.silent_factor = x;
	else if (k == 5 && !strncmp(v, "hours", k))
		o->tro.silent_min_seconds = x * 3600;
	else if (k == 14 && !strncmp(v, "baseline-hours", k))
		o->tro.silent_baseline_seconds = x * 3600;
	else if (k == 6 && !strncmp(v, "events", k))
		o->tro.silent_min_events = (uint64_t)x;
	else if (k == 6 && !strncmp(v, "others", k))
		o->tro.silent_min_others = (size_t)x;
	else
		return silent_option(o, "?"); /* the message */
	o->tracks = true;
	return 1;
}

/* --correlation KEY=N (docs/limits.md) */
static int corr_option(hunt_opts *o, const char *v)
{
	const char *eq = strchr(v, '=');
	char *end = NULL;
	long long n = eq ? strtoll(eq + 1, &end, 10) : 0;
	if (!eq || end == eq + 1 || *end || n < (strncmp(v, "reorder=", 8) ? 1 : 0)) {
		fprintf(stderr,
			"spoor hunt: --correlation wants groups=N, entries=N, total=N, related=N or "
			"reorder=SECONDS, not '%s'\n",
			v);
		return -1;
	}
	if (!strncmp(v, "groups=", 7))
		o->corr.corr_max_groups = (uint64_t)n;
	else if (!strncmp(v, "entries=", 8))
		o->corr.corr_max_entries = (uint64_t)n;
	else if (!strncmp(v, "total=", 6))
		o->corr.corr_max_total = (uint64_t)n;
	else if (!strncmp(v, "related=", 8) && n <= UINT32_MAX)
		o->corr.corr_max_related = (uint32_t)n;
	else if (!strncmp(v, "reorder=", 8))
		o->corr.corr_reorder_s = n;
	else {
		fprintf(stderr, "spoor hunt: --correlation: unknown key in '%s'\n", v);
		return -1;
	}
	return 1;
}

static int hunt_option(void *u, int argc, char **argv, int *i)
{
	hunt_opts *o = u;
	bool missing = false;
	const char *v;
	if ((v = cli_value("hunt", argc, argv, i, "-r", "--rules", &missing))) {
		o->rules[o->nrules++] = (char *)v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--intel", &missing))) {
		o->intel[o->nintel++] = (char *)v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--sightings", &missing))) {
		o->sightings = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--sightings-format", &missing))) {
		o->sightings_format = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--inventory", &missing))) {
		o->inventories[o->ninventories++] = (char *)v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--placeholders", &missing))) {
		o->ph = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--csv", &missing))) {
		o->csv_path = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, "-o", "--output", &missing))) {
		o->out_path = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--min-level", &missing))) {
		o->min_level = spoor_level_parse(v);
		if (o->min_level < 0) {
			fprintf(stderr, "spoor hunt: unknown level '%s' (informational, low, medium, high, critical)\n", v);
			return -1;
		}
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--case", &missing))) {
		o->case_path = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--evidence", &missing))) {
		o->evidence = v;
	} else if (!missing &&
		   (v = cli_value("hunt", argc, argv, i, NULL, "--evidence-checkpoint-records", &missing))) {
		char *e;
		o->evo.checkpoint_records = strtoull(v, &e, 10);
		if (*e || *v == '-') {
			fprintf(stderr, "spoor hunt: --evidence-checkpoint-records: not a number\n");
			return -1;
		}
	} else if (!missing &&
		   (v = cli_value("hunt", argc, argv, i, NULL, "--evidence-checkpoint-seconds", &missing))) {
		char *e;
		o->evo.checkpoint_seconds = strtod(v, &e);
		if (*e || o->evo.checkpoint_seconds < 0) {
			fprintf(stderr, "spoor hunt: --evidence-checkpoint-seconds: not a number\n");
			return -1;
		}
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--job-buffer", &missing))) {
		char *e;
		unsigned long long n = strtoull(v, &e, 10);
		if (*e || *v == '-' || n < 4096 || n > (1ull << 32)) {
			fprintf(stderr, "spoor hunt: --job-buffer wants bytes from 4096 to 4294967296\n");
			return -1;
		}
		o->job_buffer = (size_t)n;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--correlation", &missing))) {
		return corr_option(o, v);
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--geo", &missing))) {
		o->geo[o->ngeo++] = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--analytics-config", &missing))) {
		o->an_config = v;
		o->analytics = true;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--state", &missing))) {
		o->an_state = v;
		o->analytics = true;
	} else if (!missing && !strcmp(argv[*i], "--analytics")) {
		o->analytics = true;
	} else if (!missing && !strcmp(argv[*i], "--analytics-defaults")) {
		o->an_defaults = true;
	} else if (!missing && !strcmp(argv[*i], "--covered-tracks")) {
		o->tracks = true;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--silent", &missing))) {
		return silent_option(o, v);
	} else if (!missing && !strcmp(argv[*i], "--no-intel")) {
		o->no_intel = true;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--logsource-map", &missing))) {
		o->lsmap = v;
	} else if (!missing && (v = cli_value("hunt", argc, argv, i, NULL, "--rules-cache", &missing))) {
		o->rules_cache = v;
	} else if (!missing && !strcmp(argv[*i], "--no-rules-cache")) {
		o->no_rules_cache = true;
	} else if (!missing && !strcmp(argv[*i], "--no-default-rules")) {
		o->no_default_rules = true;
	} else if (!missing && !strcmp(argv[*i], "--show-rule-errors")) {
		o->h->show = true;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

/* The run: stages in pipeline order, outputs, counters. */
typedef struct hunt {
	hunt_opts *ho;
	spoor_stage *stages[16];
	size_t nstages;
	int ofd;
	FILE *csv;
	char obuf[1 << 16];
	size_t olen;
	uint64_t alerts, by_level[_SPOOR_LEVEL_MAX];
	rtable counts;
	bool write_failed;
	spoor_case *kase; /* --case: findings are also stored there */
	spoor_stage *an_stage; /* --analytics (borrowed from stages[]) */
	spoor_diag case_diag;
	/* intel: the store (attribution of every engine's alerts) and its stage */
	spoor_intel *intel;
	spoor_stage *intel_stage;
	const spoor_ruleset *rs;
	spoor_inventory *inv;
	struct gtag {
		const char *id;
		const char *const *tags;
		size_t ntags;
	} *gtags;
	size_t ngtags;
	/* --evidence: records the scanner rejects are kept too (on_rejected) */
	spoor_stage *ev_stage;
	spoor_diag rej_diag;
	bool rej_failed;
} hunt;

static void hunt_rejected(const spoor_rejected *r, const spoor_diag *why, void *u)
{
	(void)why;
	hunt *hu = u;
	if (!hu->ev_stage || hu->rej_failed)
		return;
	if (spoor_evidence_stage_rejected(hu->ev_stage, r, &hu->rej_diag) < 0)
		hu->rej_failed = true;
}

static int add_stage(hunt *hu, spoor_stage *st)
{
	if (hu->nstages == sizeof(hu->stages) / sizeof(hu->stages[0])) {
		spoor_stage_free(st);
		return -1;
	}
	hu->stages[hu->nstages++] = st;
	return 0;
}

/* The rule tags of a Sigma finding, for the rules whose tags name a group
 * or software (attack.g0098, attack.s0011): hu->gtags, built once. */
static void finding_tags(const hunt *hu, const spoor_finding *f, const char *const **tags, size_t *ntags)
{
	*tags = NULL;
	*ntags = 0;
	if (!hu->ngtags || !f->rule_id || !f->ruleset || strcmp(f->ruleset, "sigma"))
		return;
	/* sorted by id (collect_gtags): every Sigma alert asks, hundreds of
	 * thousands of times in a noisy hunt */
	size_t lo = 0, hi = hu->ngtags;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(hu->gtags[mid].id, f->rule_id);
		if (c == 0) {
			*tags = hu->gtags[mid].tags;
			*ntags = hu->gtags[mid].ntags;
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
}

static int cmp_gtag(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_gtags(hunt *hu)
{
	if (!hu->rs || !hu->intel)
		return 0;
	spoor_rule_info ri;
	for (size_t i = 0, n = spoor_ruleset_count(hu->rs); i < n; i++) {
		if (spoor_ruleset_rule(hu->rs, i, &ri) < 0 || !ri.id)
			continue;
		bool named = false;
		for (size_t k = 0; k < ri.ntags && !named; k++)
			named = !strncasecmp(ri.tags[k], "attack.g", 8) || !strncasecmp(ri.tags[k], "attack.s", 8);
		if (!named)
			continue;
		void *nv = realloc(hu->gtags, (hu->ngtags + 1) * sizeof(*hu->gtags));
		if (!nv)
			return -1;
		hu->gtags = nv;
		hu->gtags[hu->ngtags].id = ri.id;
		hu->gtags[hu->ngtags].tags = ri.tags;
		hu->gtags[hu->ngtags].ntags = ri.ntags;
		hu->ngtags++;
	}
	if (hu->ngtags > 1)
		qsort(hu->gtags, hu->ngtags, sizeof(*hu->gtags), cmp_gtag);
	return 0;
}

/* The alert line as written: intel attribution added to other engines'
 * alerts (a view into the intel store's buffer, or f->json). */
static int hunt_attribute(void *payload, const spoor_finding *f, spoor_sv *json)
{
	hunt *hu = payload;
	*json = f->json;
	if (hu->intel && f->ruleset && strcmp(f->ruleset, "intel")) {
		const char *const *tags;
		size_t ntags;
		finding_tags(hu, f, &tags, &ntags);
		int r = spoor_intel_attribute(hu->intel, f, tags, ntags, json);
		if (r < 0)
			return r;
	}
	return 0;
}

static int count_alert(hunt *hu, spoor_level level, const char *rule_name)
{
	hu->alerts++;
	hu->by_level[level < _SPOOR_LEVEL_MAX ? level : 0]++;
	return rtable_add(&hu->counts, rule_name, level) < 0 ? SPOOR_ENOMEM : 0;
}

static int write_alert(hunt *hu, spoor_sv js)
{
	if (hu->olen + js.n > sizeof(hu->obuf)) {
		if (!write_all(hu->ofd, hu->obuf, hu->olen))
			goto fail;
		hu->olen = 0;
	}
	if (js.n > sizeof(hu->obuf)) {
		if (!write_all(hu->ofd, js.p, js.n))
			goto fail;
	} else {
		memcpy(hu->obuf + hu->olen, js.p, js.n);
		hu->olen += js.n;
	}
	return 0;
fail:
	hu->write_failed = true;
	return SPOOR_EIO;
}

/* hunt -j: one alert, replayed in file order (hunt-parallel.c). */
static int hunt_emit(void *payload, spoor_level level, const char *rule_name, spoor_sv json, spoor_sv csv)
{
	hunt *hu = payload;
	int r = count_alert(hu, level, rule_name);
	if (r < 0)
		return r;
	if (hu->csv && csv.n && fwrite(csv.p, 1, csv.n, hu->csv) != csv.n)
		return SPOOR_EIO;
	return write_alert(hu, json);
}

static int on_finding(const spoor_finding *f, void *payload)
{
	hunt *hu = payload;
	spoor_finding fa = *f;
	int r = hunt_attribute(hu, f, &fa.json);
	if (r < 0)
		return r;
	f = &fa;
	r = count_alert(hu, f->level, f->rule_name);
	if (r < 0)
		return r;
	if (hu->csv)
		hunt_csv_row(hu->csv, f);
	if (hu->kase) {
		r = spoor_case_add_finding(hu->kase, f, &hu->case_diag);
		if (r < 0)
			return r;
	}
	return write_alert(hu, f->json);
}

/* The folder for compiled Vectorscan databases (rules and intel), or NULL. */
static const char *hunt_cache_dir(hunt_opts *ho)
{
	return ho->no_rules_cache ? NULL
	       : ho->rules_cache  ? ho->rules_cache
				  : rules_cache_dir(ho->cachebuf, sizeof(ho->cachebuf));
}

/* Load the Sigma rules and add the Sigma stage.  0 or an exit code. */
static int sigma_setup(hunt *hu, spoor_ctx *ctx, hunt_opts *ho, scan_cli *s, spoor_ruleset **rsp)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	ro.min_level = (spoor_level)ho->min_level;
	ro.on_error = on_rule_error;
	ro.payload = ho->h;
	ro.placeholders = ho->ph;
	ro.logsource_map = ho->lsmap;
	ro.cache_dir = hunt_cache_dir(ho);
	if (spoor_ruleset_new(rsp, ctx, &ro, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	spoor_ruleset *rs = *rsp;
	for (int i = 0; i < ho->nrules; i++) {
		if (spoor_ruleset_add(rs, ho->rules[i], &d) < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	spoor_rules_stats rst = {0};
	spoor_ruleset_stats(rs, &rst);
	if (!s->quiet)
		fprintf(stderr,
			"spoor hunt: %" PRIu64 " rules loaded, %" PRIu64 " run, %" PRIu64 " could not be loaded%s\n",
			rst.loaded, rst.active, rst.failed,
			rst.failed && !ho->h->show ? " (spoor rules check PATH lists them)" : "");
	if (!rst.active) {
		fprintf(stderr, "spoor hunt: no rule to run\n");
		return EXIT_USAGE;
	}
	spoor_stage *st = NULL;
	if (spoor_sigma_stage_new_opts(&st, rs, &ho->corr, &d) < 0 || add_stage(hu, st) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg[0] ? d.msg : "too many stages");
		return EXIT_FAIL;
	}
	if (s->verbose) {
		spoor_ruleset_stats(rs, &rst);
		fprintf(stderr,
			"spoor hunt: %" PRIu64 " rules run only when one of %" PRIu64 " literal atoms (%" PRIu64
			" Vectorscan databases) is seen\n",
			rst.prefiltered, rst.atoms, rst.atom_dbs);
	}
	return 0;
}

/* Load the intel and add the intel stage.  0 or an exit code. */
static int intel_setup(hunt *hu, spoor_ctx *ctx, hunt_opts *ho, scan_cli *s)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_intel_options io = SPOOR_INTEL_OPTIONS_INIT;
	io.cache_dir = hunt_cache_dir(ho);
	if (spoor_intel_new(&hu->intel, &io, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return EXIT_FAIL;
	}
	for (int i = 0; i < ho->nintel; i++) {
		if (spoor_intel_load(hu->intel, ho->intel[i], &d) < 0) {
			fprintf(stderr, "spoor hunt: intel: %s\n", d.msg);
			return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	spoor_intel_stats st;
	if (spoor_intel_stats_get(hu->intel, &st) < 0)
		return EXIT_FAIL;
	if (!s->quiet)
		fprintf(stderr,
			"spoor hunt: intel: %" PRIu64 " indicators (%" PRIu64 " values) from %" PRIu64
			" files, %" PRIu64 " groups, %" PRIu64 " software, %" PRIu64 " techniques; %" PRIu64
			" not loaded (spoor intel stats PATH lists them)\n",
			st.objects, st.atoms, st.files, st.groups, st.software, st.techniques, st.unsupported);
	spoor_stage *stg = NULL;
	if (spoor_intel_stage_new(&stg, hu->intel, ctx, &d) < 0 || add_stage(hu, stg) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg[0] ? d.msg : "too many stages");
		return EXIT_FAIL;
	}
	hu->intel_stage = stg;
	return 0;
}

static void on_geo_load(const char *path, bool mmdb, uint64_t count, uint64_t bad, uint64_t bad_line, void *payload)
{
	scan_cli *s = payload;
	if (bad)
		fprintf(stderr, "spoor hunt: %s: %" PRIu64 " bad rows skipped (first at line %" PRIu64 ")\n", path, bad,
			bad_line);
	if (s->verbose)
		fprintf(stderr, "spoor hunt: %s: %" PRIu64 " %s\n", path, count, mmdb ? "database nodes" : "networks");
}

/* The GeoIP enricher (--geo).  0 or an exit code. */
static int geo_setup(hunt *hu, hunt_opts *ho, scan_cli *s)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_stage *st = NULL;
	if (spoor_geo_stage_new(&st, ho->geo, (size_t)ho->ngeo, on_geo_load, s, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	return add_stage(hu, st) < 0 ? EXIT_FAIL : 0;
}

/* The identity analytics (--analytics).  0 or an exit code. */
static int analytics_setup(hunt *hu, spoor_ctx *ctx, hunt_opts *ho)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_stage *st = NULL;
	if (spoor_analytics_stage_new(&st, ctx, ho->an_config, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	if (ho->an_state && spoor_analytics_state(st, ho->an_state, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		spoor_stage_free(st);
		return d.code == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	/* the inventory's networks are known egress, not travel */
	if (hu->inv && spoor_analytics_use_inventory(st, hu->inv, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		spoor_stage_free(st);
		return EXIT_FAIL;
	}
	hu->an_stage = st;
	return add_stage(hu, st) < 0 ? EXIT_FAIL : 0;
}

/* --case with --analytics: the per-mailbox summary goes into the case, so
 * scope and `spoor mailboxes --case` answer from it without the logs. */
static int case_mailboxes(hunt *hu)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = 0;
	if (!m || spoor_analytics_mailboxes(hu->an_stage, m, true) < 0 || fclose(m) != 0) {
		fprintf(stderr, "spoor hunt: cannot build the mailbox summary (out of memory)\n");
		rc = EXIT_FAIL;
	} else if (spoor_case_add_mailboxes(hu->kase, text, n, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	free(text);
	return rc;
}

/* --case with --inventory: the provider stage's state goes into the case,
 * for `spoor providers --case` and `spoor trace --case`. */
static int case_providers(hunt *hu)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	for (size_t i = 0; i < hu->nstages; i++)
		if (!strcmp(spoor_stage_name(hu->stages[i]), "providers") &&
		    spoor_case_add_providers(hu->kase, hu->stages[i], &d) < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			return EXIT_FAIL;
		}
	return 0;
}

/* Build the stages, in pipeline order: evidence, enrichers, detectors.
 * 0 or an exit code. */
static int build_stages(hunt *hu, spoor_ctx *ctx, hunt_opts *ho, scan_cli *s, spoor_ruleset **rs)
{
	int rc = 0;
	/* evidence: first, so every later stage sees spoor.evidence.leaf */
	if (ho->evidence) {
		spoor_stage *st = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (spoor_evidence_stage_new(&st, ho->evidence, &ho->evo, &d) < 0 || add_stage(hu, st) < 0) {
			fprintf(stderr, "spoor hunt: --evidence %s: %s\n", ho->evidence,
				d.msg[0] ? d.msg : "too many stages");
			rc = EXIT_FAIL;
		} else {
			hu->ev_stage = st;
		}
	}
	/* enrichers: GeoIP, then the agency/provider inventory */
	if (rc == 0 && ho->ngeo)
		rc = geo_setup(hu, ho, s);
	spoor_stage *prov = NULL;
	if (rc == 0 && ho->ninventories) {
		spoor_diag d = SPOOR_DIAG_INIT;
		spoor_stage *st = NULL;
		rc = cli_inventory_load("hunt", ho->inventories, ho->ninventories, &hu->inv);
		spoor_providers_options po = SPOOR_PROVIDERS_OPTIONS_INIT;
		if (rc == 0 && (spoor_inventory_stage_new(&st, hu->inv, &d) < 0 || add_stage(hu, st) < 0 ||
				(po.enricher = st, spoor_providers_stage_new(&prov, hu->inv, &po, &d) < 0))) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg[0] ? d.msg : "too many stages");
			rc = EXIT_FAIL;
		}
	}
	size_t enrichers = hu->nstages;
	/* detectors */
	if (rc == 0 && !ho->nrules && !ho->no_default_rules && !ho->nintel && !ho->analytics && !ho->ninventories &&
	    !ho->tracks && !ho->evidence) {
		/* no detector asked for: the default Sigma rules (cmd-rules.c) */
		const char *dd[2];
		int nd = rules_default_dirs(dd, ho->defbuf, sizeof(ho->defbuf));
		for (int k = 0; k < nd; k++) {
			ho->rules[ho->nrules++] = (char *)dd[k];
			if (!s->quiet)
				fprintf(stderr, "spoor hunt: rules from %s\n", dd[k]);
		}
	}
	if (rc == 0 && ho->nrules)
		rc = sigma_setup(hu, ctx, ho, s, rs);
	/* intel: what was given, else the built-in pack beside the rules */
	if (rc == 0 && ho->nintel && ho->no_intel) {
		fprintf(stderr, "spoor hunt: --intel and --no-intel together\n");
		rc = EXIT_USAGE;
	}
	if (rc == 0 && !ho->nintel && ho->nrules && !ho->no_intel)
		ho->intel[ho->nintel++] = "@builtin";
	if (rc == 0 && ho->nintel)
		rc = intel_setup(hu, ctx, ho, s);
	hu->rs = *rs;
	if (rc == 0 && prov) {
		rc = add_stage(hu, prov) < 0 ? EXIT_FAIL : 0;
		prov = NULL;
	}
	spoor_stage_free(prov);
	if (rc == 0 && ho->tracks) {
		spoor_stage *st = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (spoor_tracks_stage_new(&st, &ho->tro, &d) < 0 || add_stage(hu, st) < 0) {
			fprintf(stderr, "spoor hunt: --covered-tracks: %s\n", d.msg[0] ? d.msg : "too many stages");
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0 && collect_gtags(hu) < 0)
		rc = EXIT_FAIL;
	/* analytics: when asked for */
	if (rc == 0 && ho->analytics)
		rc = analytics_setup(hu, ctx, ho);
	if (rc == 0 && hu->nstages == enrichers && !ho->evidence) {
		fprintf(stderr,
			"spoor hunt: nothing to hunt with: give Sigma rules (--rules PATH), intel (--intel PATH), "
			"--analytics, an inventory (--inventory FILE), --covered-tracks or --evidence DIR\n");
		rc = EXIT_USAGE;
	}
	return rc;
}

/* Why the pipeline must stay on one thread (a stage keeps state across
 * events and must see them in input order), or NULL. */
static const char *stateful_reason(const hunt_opts *ho, const hunt *hu)
{
	if (ho->evidence)
		return "--evidence";
	if (ho->ninventories)
		return "--inventory (provider analytics)";
	if (ho->analytics)
		return "--analytics";
	if (ho->tracks)
		return "--covered-tracks";
	if (ho->case_path)
		return "--case";
	if (ho->sightings && hu->intel_stage)
		return "--sightings";
	if (hu->rs && spoor_ruleset_has_correlations(hu->rs))
		return "Sigma correlation rules";
	/* every stage must have a per-worker copy below */
	if (hu->nstages != (size_t)(ho->ngeo > 0) + (hu->rs != NULL) + (hu->intel_stage != NULL))
		return "a stage without a parallel form";
	return NULL;
}

/* hunt -j: one worker's copies of the stateless stages, in the order of
 * build_stages (GeoIP, Sigma, intel), over the worker's context. */
static int worker_stages(void *payload, spoor_ctx *ctx, spoor_stage **v, size_t cap, size_t *n)
{
	hunt *hu = payload;
	hunt_opts *ho = hu->ho;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_stage *st = NULL;
	*n = 0;
	if (cap < 3)
		return EXIT_FAIL;
	if (ho->ngeo) {
		if (spoor_geo_stage_new(&st, ho->geo, (size_t)ho->ngeo, NULL, NULL, &d) < 0)
			goto fail;
		v[(*n)++] = st;
	}
	if (hu->rs) {
		if (spoor_sigma_stage_new_opts(&st, hu->rs, &ho->corr, &d) < 0)
			goto fail;
		v[(*n)++] = st;
	}
	if (hu->intel_stage) {
		if (spoor_intel_stage_new(&st, hu->intel, ctx, &d) < 0)
			goto fail;
		v[(*n)++] = st;
	}
	return 0;
fail:
	fprintf(stderr, "spoor hunt: %s\n", d.msg);
	return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

/* --case: open (or create) the case, record the run, and count traffic
 * volumes with a last stage.  0 or an exit code. */
static int case_setup(hunt *hu, const char *path, int argc, char **argv)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	char cmd[4096];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "spoor hunt");
	for (int i = 1; i < argc && n < sizeof(cmd); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s", argv[i]);
	spoor_stage *st = NULL;
	hu->case_diag = (spoor_diag)SPOOR_DIAG_INIT;
	if (spoor_case_open(&hu->kase, path, SPOOR_CASE_WRITE, &d) < 0 || spoor_case_begin_run(hu->kase, cmd, &d) < 0 ||
	    spoor_case_stage_new(&st, hu->kase, &d) < 0) {
		fprintf(stderr, "spoor hunt: %s\n", d.msg);
		return EXIT_FAIL;
	}
	if (add_stage(hu, st) < 0) {
		fprintf(stderr, "spoor hunt: too many stages\n");
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_hunt(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	hctx h = {0};
	hunt_opts ho = {0};
	ho.h = &h;
	spoor_evidence_options evo = SPOOR_EVIDENCE_OPTIONS_INIT;
	ho.evo = evo;
	ho.tro = (spoor_tracks_options)SPOOR_TRACKS_OPTIONS_INIT;
	ho.corr = (spoor_sigma_stage_options)SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	ho.rules = calloc((size_t)argc + 2, sizeof(char *)); /* + the default rule folders */
	ho.intel = calloc((size_t)argc, sizeof(char *));
	ho.geo = calloc((size_t)argc, sizeof(char *));
	ho.inventories = calloc((size_t)argc, sizeof(char *));
	hunt *hu = calloc(1, sizeof(*hu));
	if (hu)
		hu->ho = &ho;
	if (!ho.rules || !ho.intel || !ho.geo || !ho.inventories || !hu) {
		opts_free(&ho);
		free(hu);
		return EXIT_FAIL;
	}
	int rc = scan_cli_args(&s, "hunt", argc, argv, help, hunt_option, &ho);
	if (rc >= 0) {
		scan_cli_done(&s);
		opts_free(&ho);
		free(hu);
		return rc;
	}
	if (ho.an_defaults) {
		rc = spoor_analytics_describe(stdout) < 0 ? EXIT_FAIL : EXIT_OK;
		scan_cli_done(&s);
		opts_free(&ho);
		free(hu);
		return rc;
	}
	rc = 0;
	double t0 = now();
	hu->ofd = STDOUT_FILENO;
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (ho.out_path) {
		hu->ofd = open(ho.out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (hu->ofd < 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.out_path, strerror(errno));
			rc = EXIT_FAIL;
		}
	}
	if (rc == 0 && ho.csv_path) {
		hu->csv = fopen(ho.csv_path, "w");
		if (!hu->csv) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.csv_path, strerror(errno));
			rc = EXIT_FAIL;
		} else {
			fputs("Timestamp,Computer,Channel,EventID,Level,RuleTitle,RuleID,Details\n", hu->csv);
		}
	}
	if (ho.evidence) {
		s.scan_opts.on_rejected = hunt_rejected;
		s.scan_opts.rejected_payload = hu;
	}
	if (rc == 0)
		rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0)
		rc = build_stages(hu, ctx, &ho, &s, &rs);
	if (rc == 0 && ho.case_path)
		rc = case_setup(hu, ho.case_path, argc, argv);
	if (rc == 0 && hu->kase && hu->inv)
		spoor_case_use_inventory(hu->kase, hu->inv);
	uint64_t events = 0;
	/* -j N over several files: whole files on N threads (hunt-parallel.c) */
	bool par = false;
	spoor_scan_stats pst = {0};
	if (rc == 0 && s.scan_opts.jobs != 1) {
		unsigned jobs = hunt_par_jobs(&s, sc);
		const char *why = stateful_reason(&ho, hu);
		if (jobs > 1 && !why) {
			hunt_par_ops po = {hu, worker_stages, hu->intel ? hunt_attribute : NULL, hunt_emit, hu->csv != NULL,
					   ho.job_buffer};
			par = true;
			rc = hunt_par_run(&s, sc, ctx, jobs, &po, &events, &pst);
		} else if (jobs > 1 && s.verbose) {
			fprintf(stderr,
				"spoor hunt: -j: one pipeline in input order (%s: state across events); only EVTX "
				"chunks are decoded on several threads\n",
				why);
		}
	}
	/* records parsed a batch at a time, then each through the stages:
	 * the parser's code and the matcher's stay in the CPU's caches
	 * (spoor_scanner_next_batch) */
	spoor_event *batch[SPOOR_SCAN_BATCH];
	size_t nb = 0, bi = 0;
	while (rc == 0 && !par) {
		if (bi == nb) {
			bi = 0;
			int r = spoor_scanner_next_batch(sc, batch, SPOOR_SCAN_BATCH, &nb, &d);
			if (r == 0)
				break;
			if (r < 0) {
				fprintf(stderr, "spoor hunt: %s\n", d.msg);
				rc = EXIT_FAIL;
				break;
			}
		}
		spoor_event *ev = batch[bi++];
		int r;
		if (hu->rej_failed) {
			fprintf(stderr, "spoor hunt: evidence: a rejected record: %s\n", hu->rej_diag.msg);
			rc = EXIT_FAIL;
			break;
		}
		events++;
		for (size_t i = 0; i < hu->nstages && rc == 0; i++) {
			r = spoor_stage_event(hu->stages[i], ev, on_finding, hu);
			if (r < 0) {
				if (hu->write_failed)
					fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
				else if (hu->case_diag.msg[0])
					fprintf(stderr, "spoor hunt: %s\n", hu->case_diag.msg);
				else
					fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]),
						spoor_strerror(r));
				rc = EXIT_FAIL;
			}
		}
		scan_cli_tick(&s, sc, events);
	}
	if (rc == 0 && hu->rej_failed) {
		fprintf(stderr, "spoor hunt: evidence: a rejected record: %s\n", hu->rej_diag.msg);
		rc = EXIT_FAIL;
	}
	/* end of input: windows close, summaries come out, state is saved */
	for (size_t i = 0; i < hu->nstages && (rc == 0 || rc == EXIT_BADINPUT); i++) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		int r = spoor_stage_finish(hu->stages[i], on_finding, hu, &d);
		if (r < 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]),
				d.msg[0] ? d.msg : spoor_strerror(r));
			rc = EXIT_FAIL;
		}
	}
	if (hu->kase && hu->an_stage && (rc == 0 || rc == EXIT_BADINPUT)) {
		int r = case_mailboxes(hu);
		if (r)
			rc = r;
	}
	if (hu->kase && hu->inv && (rc == 0 || rc == EXIT_BADINPUT)) {
		int r = case_providers(hu);
		if (r)
			rc = r;
	}
	if (hu->intel_stage && ho.sightings && (rc == 0 || rc == EXIT_BADINPUT)) {
		char *text = NULL;
		size_t tn = 0;
		d = (spoor_diag)SPOOR_DIAG_INIT;
		FILE *sf = NULL;
		if (spoor_intel_stage_export(hu->intel_stage, ho.sightings_format ? ho.sightings_format : "stix", &text,
					     &tn, &d) < 0) {
			fprintf(stderr, "spoor hunt: sightings: %s\n", d.msg);
			rc = EXIT_FAIL;
		} else if (!strcmp(ho.sightings, "-")) {
			if (!write_all(STDOUT_FILENO, text, tn)) {
				fprintf(stderr, "spoor hunt: cannot write sightings: %s\n", strerror(errno));
				rc = EXIT_FAIL;
			}
		} else if (!(sf = fopen(ho.sightings, "w")) || fwrite(text, 1, tn, sf) != tn) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.sightings, strerror(errno));
			rc = EXIT_FAIL;
		}
		if (sf && fclose(sf) != 0 && rc == 0) {
			fprintf(stderr, "spoor hunt: %s: %s\n", ho.sightings, strerror(errno));
			rc = EXIT_FAIL;
		}
		free(text);
	}
	if (hu->olen && !write_all(hu->ofd, hu->obuf, hu->olen) && rc == 0) {
		fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	if (sc && !s.quiet && hu->nstages) {
		double dt = now() - t0;
		fprintf(stderr, "spoor hunt: %" PRIu64 " events, %" PRIu64 " alerts", events, hu->alerts);
		for (int l = _SPOOR_LEVEL_MAX - 1; l >= 0; l--)
			if (hu->by_level[l])
				fprintf(stderr, ", %" PRIu64 " %s", hu->by_level[l],
					l ? spoor_level_name((spoor_level)l) : "no level");
		fprintf(stderr, " in %.2f s\n", dt);
		for (size_t i = 0; i < hu->nstages && s.verbose && !par; i++) {
			const char *sum = spoor_stage_summary(hu->stages[i]);
			if (sum[0])
				fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(hu->stages[i]), sum);
		}
		if (hu->alerts && hu->counts.n) {
			qsort(hu->counts.v, hu->counts.cap, sizeof(*hu->counts.v), cmp_rc);
			for (size_t i = 0; i < hu->counts.cap && i < 20 && hu->counts.v[i].name; i++)
				fprintf(stderr, "  %7" PRIu64 "  %-13s %s\n", hu->counts.v[i].n,
					hu->counts.v[i].level ? spoor_level_name(hu->counts.v[i].level) : "-",
					hu->counts.v[i].name);
		}
	}
	if (sc)
		rc = par ? scan_cli_finish_stats(&s, &pst, rc) : scan_cli_finish(&s, sc, rc);
	if (hu->csv && (fclose(hu->csv) != 0) && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: cannot write: %s\n", ho.csv_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (ho.out_path && hu->ofd >= 0 && close(hu->ofd) < 0 && rc == 0) {
		fprintf(stderr, "spoor hunt: %s: %s\n", ho.out_path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (hu->kase) {
		if (spoor_case_close(hu->kase, &d) < 0 && rc == 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			rc = EXIT_FAIL;
		}
	}
	if (!cli_free_at_exit())
		return rc; /* everything is written and closed: the rest is memory */
	for (size_t i = 0; i < hu->nstages; i++)
		spoor_stage_free(hu->stages[i]);
	rtable_free(&hu->counts);
	free(hu->gtags);
	spoor_ruleset_free(rs);
	spoor_intel_free(hu->intel);
	spoor_inventory_free(hu->inv);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	opts_free(&ho);
	free(hu);
	return rc;
}
