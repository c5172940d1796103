/* ruleset — the public Sigma API (spoor/rules.h): load files and
 * directories, compile against the context, match events, format alerts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeparse.h"
#include "input/input.h"
#include "detect/alert.h"
#include "detect/sigma/sigma-corr.h"
#include "detect/sigma/sigma-int.h"
#include "detect/sigma/sigma-ycache.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/rules.h"

#define RULES_MAX_FILES 100000
#define RULES_MAX_DEPTH 16

typedef struct rentry {
	sigma_rule *r;
	bool active;
	const char *why;
	const char *fed; /* formats that feed the logsource (sigma_ls_fed) */
	/* filters (rule indices) that apply to this rule, set when the
	 * ruleset is finalized by spoor_matcher_new */
	uint32_t *filters;
	size_t nfilters;
	/* runs on its own (loaded active): raises its own alerts unless a
	 * correlation with generate: false names it; a rule that is active
	 * only because a correlation needs it raises none */
	bool own;
} rentry;

/* Active rules grouped by logsource (product, category, service): the
 * logsource is checked once per group and event, not once per rule. */
typedef struct lsgroup {
	const sigma_rule *first;
	uint32_t *rules;
	size_t n, cap;
	/* the rules of the group the prefilter does not gate (set with it) */
	uint32_t *ungated;
	size_t nungated;
} lsgroup;

struct spoor_ruleset {
	spoor_ctx *ctx;
	lsgroup *groups;
	size_t ngroups, capgroups;
	size_t lastgroup; /* group_add's last answer: a folder's rules share a logsource */
	spoor_rules_options opts;
	sigma_file **files;
	size_t nfiles, capfiles;
	rentry *rules;
	size_t n, cap;
	spoor_rules_stats st;
	/* rule index -> group index (UINT32_MAX: the rule does not run) */
	uint32_t *rule_group;
	size_t caprg;
	/* the order rules run in on an event, (group, rule index): rank[rule]
	 * (UINT32_MAX: not in a group) and byrank[rank]; set with the prefilter */
	uint32_t *rank, *byrank;
	size_t nrank;
	/* built by the first spoor_matcher_new after rules were added */
	sigma_prefilter *pf;
	bool pf_dirty;
	bool no_prefilter; /* SPOOR_SIGMA_NO_PREFILTER set: every rule runs (for testing) */
	/* correlations resolved against all rules (finalize) */
	corr_plan *corr;
	bool corr_dirty;
	/* placeholder values (spoor_rules_options.placeholders) */
	arena ph_ar;
	buf file; /* add_file's buffer, kept from file to file */
	/* a file's YAML tree while it loads and compiles (the rules keep its
	 * strings, which are in the file's arena): reset after each file, so
	 * the same memory serves every file */
	arena ytmp;
	/* the rules and plans of every file, packed one after the other: an
	 * arena per file left the unused end of each file's first chunk (4 MB
	 * for SigmaHQ) inside huge pages that are zeroed whole.  While a file
	 * loads and compiles, its cap is what it holds + SIGMA_FILE_ARENA_MAX,
	 * the cap of a file's own arena; 0 (none) between files */
	arena rar;
	const ynode *ph;
	/* user logsource map (spoor_rules_options.logsource_map) */
	sigma_lsmap *lsmap;
	/* parsed YAML trees of rule files (sigma-ycache.c), in cache_dir;
	 * opened with the first file, written and closed by the first
	 * spoor_matcher_new (or by free) */
	ycache *yc;
	/* the tree cache file's bytes once the cache is closed: the rules'
	 * strings from it point into them (ycache_free_keep) */
	ycache_bytes *ybytes;
	size_t yc_max; /* SPOOR_RULES_TREE_CACHE_MAX (0: off) */
	bool yc_tried;
	/* the rules' logsource selectors, one per distinct logsource */
	sigma_ls_cache *lscache;
};

typedef struct alert_slot {
	size_t rule;
	uint32_t hits[SIGMA_MAX_HITS];
	size_t nhits;
} alert_slot;

/* Which groups' logsources select an event depends only on the event's
 * logsource (product, service, category, channel) and the few fields the
 * selectors test (EventID, EventType, process.name ...): the decisions are
 * cached per matcher under a 64-bit hash of those values. */
#define LSC_MAX_CONDS 16
#define LSC_SLOTS     4096 /* cleared when 3/4 full */

struct spoor_matcher {
	const spoor_ruleset *rs;
	sigma_re_scratch *re;
	sigma_pf_scratch *pf;
	alert_slot *a;
	size_t na, cap;
	buf out;
	/* logsource decision cache */
	uint32_t condf[LSC_MAX_CONDS];
	size_t ncondf;
	bool lsc_off;	    /* too many condition fields: no cache */
	size_t words;	    /* uint64_t words per group bitset */
	uint64_t *lsc_key;  /* LSC_SLOTS keys (0 = empty) */
	uint64_t *lsc_bits; /* LSC_SLOTS bitsets */
	size_t lsc_used;
	uint64_t *tmp_bits;
	/* rules to run on this event: a bit per rank (ruleset.rank), so that
	 * they run in (group, rule) order without sorting */
	uint64_t *runbits;
	size_t runwords;
};

SPOOR_API const char *spoor_level_name(spoor_level l)
{
	static const char *const names[] = {"", "informational", "low", "medium", "high", "critical"};
	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "";
}

SPOOR_API int spoor_level_parse(const char *name)
{
	int l = sigma_level_num(name);
	return l ? l : (name && !strcmp(name, "none") ? 0 : -1);
}

static int load_placeholders(spoor_ruleset *rs, const char *path, spoor_diag *diag)
{
	size_t len;
	int err = 0;
	char *text = file_slurp(path, SIGMA_MAX_FILE, &len, &err);
	if (!text)
		return diag_set(diag, err, "%s: %s", path,
				err == SPOOR_ENOTFOUND ? "no such file"
				: err == SPOOR_ELIMIT  ? "too large"
						       : "cannot read");
	ydoc *docs;
	size_t nd;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = sigma_yaml_parse(&rs->ph_ar, text, len, &docs, &nd, &d);
	free(text);
	if (rc == 0 && (nd != 1 || docs[0].root->kind != YN_MAP)) {
		d.line = nd ? docs[0].root->line : 1;
		d.col = nd ? docs[0].root->col : 1;
		rc = diag_set(&d, SPOOR_EPARSE, "a placeholder file is one map: name: value or name: [values]");
	}
	if (rc < 0) {
		diag_set(diag, rc, "%s:%u:%u: %s", path, (unsigned)d.line, d.col, d.msg);
		if (diag) {
			diag->line = d.line;
			diag->col = d.col;
		}
		return rc;
	}
	rs->ph = docs[0].root;
	return 0;
}

SPOOR_API int spoor_ruleset_new(spoor_ruleset **out, spoor_ctx *ctx, const spoor_rules_options *opts, spoor_diag *diag)
{
	if (!out || !ctx)
		return diag_set(diag, SPOOR_EINVAL, "spoor_ruleset_new: no context");
	if (opts && opts->version != 1 && opts->version != SPOOR_RULES_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "spoor_rules_options version %u not supported", opts->version);
	spoor_ruleset *rs = xcalloc(1, sizeof(*rs));
	if (!rs)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	rs->ctx = ctx;
	arena_init(&rs->ytmp, 64u << 10, 64u << 20);
	arena_init(&rs->rar, 1u << 20, 0);
	const char *np = getenv("SPOOR_SIGMA_NO_PREFILTER");
	rs->no_prefilter = np && *np && strcmp(np, "0");
	rs->yc_max = YCACHE_DEFAULT_MAX;
	const char *ym = getenv("SPOOR_RULES_TREE_CACHE_MAX");
	if (ym && *ym) {
		char *end;
		unsigned long long v = strtoull(ym, &end, 10);
		if (!*end && v <= SIZE_MAX)
			rs->yc_max = (size_t)v;
	}
	spoor_rules_options def = SPOOR_RULES_OPTIONS_INIT;
	rs->opts = def;
	if (opts && opts->version == 1) /* without the members of version 2 */
		memcpy(&rs->opts, opts, offsetof(spoor_rules_options, cache_dir));
	else if (opts)
		rs->opts = *opts;
	rs->opts.version = SPOOR_RULES_OPTIONS_VERSION;
	arena_init(&rs->ph_ar, 4096, 16u << 20);
	buf_init(&rs->file, SIGMA_MAX_FILE);
	if (!(rs->lscache = sigma_ls_cache_new())) {
		spoor_ruleset_free(rs);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (rs->opts.placeholders) {
		int rc = load_placeholders(rs, rs->opts.placeholders, diag);
		if (rc < 0) {
			spoor_ruleset_free(rs);
			return rc;
		}
	}
	if (rs->opts.logsource_map) {
		size_t len;
		int err = 0;
		char *text = file_slurp(rs->opts.logsource_map, SIGMA_MAX_FILE, &len, &err);
		int rc = text ? sigma_lsmap_load(&rs->lsmap, rs->opts.logsource_map, text, len, diag)
			      : diag_set(diag, err, "%s: %s", rs->opts.logsource_map,
					 err == SPOOR_ENOTFOUND ? "no such file"
					 : err == SPOOR_ELIMIT	? "too large"
								: "cannot read");
		free(text);
		if (rc < 0) {
			spoor_ruleset_free(rs);
			return rc;
		}
	}
	rs->opts.logsource_map = NULL;
	rs->opts.placeholders = NULL; /* not kept: the caller's string */
	*out = rs;
	return 0;
}

SPOOR_API spoor_ruleset *spoor_ruleset_free(spoor_ruleset *rs)
{
	if (!rs)
		return NULL;
	for (size_t i = 0; i < rs->nfiles; i++)
		sigma_file_free(rs->files[i]);
	free(rs->files);
	for (size_t i = 0; i < rs->n; i++)
		free(rs->rules[i].filters);
	free(rs->rules);
	for (size_t i = 0; i < rs->ngroups; i++) {
		free(rs->groups[i].rules);
		free(rs->groups[i].ungated);
	}
	free(rs->groups);
	free(rs->rule_group);
	free(rs->rank);
	free(rs->byrank);
	sigma_pf_free(rs->pf);
	sigma_lsmap_free(rs->lsmap);
	ycache_flush(rs->yc);
	ycache_free(rs->yc);
	ycache_bytes_free(rs->ybytes); /* after the files */
	sigma_ls_cache_free(rs->lscache); /* after the plans (files) */
	corr_plan_free(rs->corr);
	arena_done(&rs->ph_ar);
	arena_done(&rs->ytmp);
	arena_done(&rs->rar); /* after the files */
	buf_done(&rs->file);
	free(rs);
	return NULL;
}

static void report(spoor_ruleset *rs, const spoor_diag *d)
{
	if (rs->opts.on_error)
		rs->opts.on_error(d, rs->opts.payload);
}

static void on_load_err(const spoor_diag *d, void *payload)
{
	report(payload, d);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcasecmp(a, b));
}

/* Whether rules a and b select the same events: the same interned
 * selector (the ruleset's sigma_ls_cache gives one per logsource), else
 * (no selector) the same product, category and service. */
static bool same_logsource(const sigma_rule *a, const sigma_rule *b)
{
	const ls_sel *la = a->plan ? a->plan->ls : NULL, *lb = b->plan ? b->plan->ls : NULL;
	if (la && lb)
		return la == lb;
	return same_str(a->product, b->product) && same_str(a->category, b->category) &&
	       same_str(a->service, b->service);
}

static int group_add(spoor_ruleset *rs, const sigma_rule *r, size_t idx)
{
	/* active rules have an interned selector, so at most one group is
	 * the same: asking the last one first gives the same answer */
	lsgroup *g = NULL;
	if (rs->lastgroup < rs->ngroups && same_logsource(rs->groups[rs->lastgroup].first, r))
		g = &rs->groups[rs->lastgroup];
	for (size_t i = 0; i < rs->ngroups && !g; i++)
		if (same_logsource(rs->groups[i].first, r))
			g = &rs->groups[i];
	if (!g) {
		if (rs->ngroups == rs->capgroups) {
			size_t nc = rs->capgroups ? rs->capgroups * 2 : 32;
			lsgroup *v = xreallocarray(rs->groups, nc, sizeof(*v));
			if (!v)
				return SPOOR_ENOMEM;
			rs->groups = v;
			rs->capgroups = nc;
		}
		g = &rs->groups[rs->ngroups++];
		memset(g, 0, sizeof(*g));
		g->first = r;
	}
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 8;
		uint32_t *v = xreallocarray(g->rules, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		g->rules = v;
		g->cap = nc;
	}
	g->rules[g->n++] = (uint32_t)idx;
	if (idx >= rs->caprg) {
		size_t nc = rs->caprg ? rs->caprg * 2 : 1024;
		while (nc <= idx)
			nc *= 2;
		uint32_t *v = xreallocarray(rs->rule_group, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		memset(v + rs->caprg, 0xff, (nc - rs->caprg) * sizeof(*v));
		rs->rule_group = v;
		rs->caprg = nc;
	}
	rs->rule_group[idx] = (uint32_t)(g - rs->groups);
	rs->lastgroup = (size_t)(g - rs->groups);
	return 0;
}

static int push_rule(spoor_ruleset *rs, sigma_rule *r, bool active, const char *why)
{
	if (active) {
		int rc = group_add(rs, r, rs->n);
		if (rc < 0)
			return rc;
	}
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 256;
		rentry *v = xreallocarray(rs->rules, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		rs->rules = v;
		rs->cap = nc;
	}
	const char *fed = NULL;
	if (r->kind == SIGMA_RULE && r->plan) {
		fed = sigma_ls_fed(r->plan->ls);
	} else if (r->kind == SIGMA_RULE) {
		/* not compiled (placeholders ...): the logsource alone */
		const ls_sel *sel = NULL;
		const char *w;
		if (sigma_ls_resolve(r, &rs->ctx->ft, &sel, &w) == SPOOR_ENOMEM)
			return SPOOR_ENOMEM;
		fed = sigma_ls_fed(sel);
		sigma_ls_free((ls_sel *)sel);
	}
	rs->rules[rs->n++] = (rentry){r, active, why, fed, NULL, 0, active};
	rs->pf_dirty = true;
	rs->corr_dirty = true;
	rs->st.loaded++;
	rs->st.active += active;
	rs->st.detection += r->kind == SIGMA_RULE;
	rs->st.filters += r->kind == SIGMA_FILTER;
	rs->st.correlations += r->kind == SIGMA_CORRELATION;
	rs->st.fed += fed != NULL;
	return 0;
}

static ycache *rs_ycache(spoor_ruleset *rs)
{
	if (!rs->yc_tried) {
		rs->yc_tried = true;
		rs->yc = ycache_open(rs->opts.cache_dir, rs->yc_max);
	}
	return rs->yc;
}

static int compile_file(spoor_ruleset *rs, sigma_file *f, const char *name);

/* Load a rule file (text, or with text NULL the tree of `key` from the
 * tree cache) and compile its rules.  0, SPOOR_ENOTFOUND (text NULL and
 * the tree is not in the cache: nothing was added), or an error. */
static int add_text(spoor_ruleset *rs, const char *name, const unsigned char *key, const char *text, size_t len,
		    spoor_diag *diag)
{
	if (rs->nfiles == rs->capfiles) {
		size_t nc = rs->capfiles ? rs->capfiles * 2 : 64;
		sigma_file **v = xreallocarray(rs->files, nc, sizeof(*v));
		if (!v)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		rs->files = v;
		rs->capfiles = nc;
	}
	sigma_file *f;
	rs->rar.cap = rs->rar.used_total + SIGMA_FILE_ARENA_MAX;
	int rc = sigma_file_load_yc(rs_ycache(rs), &rs->ytmp, &rs->rar, key, &f, name, text, len, on_load_err, rs);
	if (rc == 0) {
		rs->files[rs->nfiles++] = f;
		rc = compile_file(rs, f, name);
		/* the tree and the detections' ASTs go with ytmp: the plans
		 * hold what they need */
		for (size_t i = 0; i < f->n; i++) {
			f->rules[i]->searches = NULL;
			f->rules[i]->nsearches = 0;
			f->rules[i]->conds = NULL;
			f->rules[i]->nconds = 0;
		}
	}
	rs->rar.cap = 0;
	arena_reset(&rs->ytmp);
	if (rc == SPOOR_ENOTFOUND && !text)
		return rc;
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

/* Compile the rules of file f and add them to rs: 0 or SPOOR_ENOMEM. */
static int compile_file(spoor_ruleset *rs, sigma_file *f, const char *name)
{
	int rc;
	rs->st.files++;
	rs->st.failed += f->nbad;
	for (size_t i = 0; i < f->n; i++) {
		sigma_rule *r = f->rules[i];
		bool active = false;
		const char *why = NULL;
		if (r->kind == SIGMA_CORRELATION) {
			/* decided when the rules are resolved (finalize) */
			why = "correlation not resolved yet";
		} else {
			spoor_diag d = SPOOR_DIAG_INIT;
			d.line = r->line;
			r->lsmap = rs->lsmap;
			r->lscache = rs->lscache;
			rc = sigma_compile_ph(r, &rs->ctx->ft, rs->ph, &d);
			if (rc == SPOOR_ENOMEM)
				return rc;
			if (rc == SPOOR_EINVAL) {
				/* loads, cannot run here (placeholders, date parts) */
				char *m = arena_memdup(r->ar, d.msg, strlen(d.msg) + 1);
				why = m ? m : "not supported";
			} else if (rc < 0) {
				snprintf(d.source, sizeof(d.source), "%s", name);
				report(rs, &d);
				rs->st.failed++;
				continue;
			} else if (r->kind == SIGMA_FILTER) {
				why = "a filter: applies to the rules it names, raises no alert itself";
			} else if (!r->plan->ls) {
				why = r->plan->ls_why;
			} else if (rs->opts.min_level && r->level_num < (int)rs->opts.min_level) {
				why = "below the minimum level";
			} else {
				active = true;
			}
		}
		if ((rc = push_rule(rs, r, active, why)) < 0)
			return rc;
	}
	return 0;
}

/* A rule file: path as given, or name relative to the open folder dfd
 * (add_dir: one lookup per file instead of one per path component). */
static int add_file_at(spoor_ruleset *rs, int dfd, const char *name, const char *path, spoor_diag *diag)
{
	/* unchanged since a run read it (the tree cache's stat table): the
	 * tree of the bytes it had then, without opening it */
	ycache *yc = rs_ycache(rs);
	struct stat st;
	unsigned char key[32];
	if (yc && (dfd >= 0 ? fstatat(dfd, name, &st, 0) : stat(path, &st)) == 0 && ycache_stat_get(yc, &st, key)) {
		int rc = add_text(rs, path, key, NULL, (size_t)st.st_size, diag);
		if (rc != SPOOR_ENOTFOUND)
			return rc;
	}
	int fd = dfd >= 0 ? openat(dfd, name, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rs->st.files_bad++;
		spoor_diag d = SPOOR_DIAG_INIT;
		diag_set(&d, SPOOR_EIO, "cannot open: %s", strerror(errno));
		snprintf(d.source, sizeof(d.source), "%s", path);
		report(rs, &d);
		return 0;
	}
	buf *b = &rs->file;
	buf_clear(b);
	int rc = file_read_fd(fd, b);
	/* the stat of the bytes read (the path may be replaced meanwhile) */
	bool stated = rc == 0 && yc && fstat(fd, &st) == 0;
	close(fd);
	if (rc == SPOOR_ENOMEM)
		return diag_set(diag, rc, "out of memory");
	if (rc < 0) {
		rs->st.files_bad++;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (rc == SPOOR_ELIMIT)
			diag_set(&d, rc, "rule file larger than %u bytes", SIGMA_MAX_FILE);
		else
			diag_set(&d, SPOOR_EIO, "read error");
		snprintf(d.source, sizeof(d.source), "%s", path);
		report(rs, &d);
		return 0;
	}
	bool keyed = yc && ycache_key(yc, b->p, b->len, key);
	rc = add_text(rs, path, keyed ? key : NULL, b->p, b->len, diag);
	if (rc == 0 && keyed && stated)
		ycache_stat_put(yc, &st, key); /* when the tree is in the cache now */
	return rc;
}

SPOOR_API int spoor_ruleset_add_buffer(spoor_ruleset *rs, const char *name, const char *text, size_t len,
				       spoor_diag *diag)
{
	return add_text(rs, name, NULL, text, len, diag);
}

static int add_file(spoor_ruleset *rs, const char *path, spoor_diag *diag)
{
	return add_file_at(rs, -1, NULL, path, diag);
}

static bool is_yaml(const char *n)
{
	size_t l = strlen(n);
	return (l > 4 && !strcmp(n + l - 4, ".yml")) || (l > 5 && !strcmp(n + l - 5, ".yaml"));
}

/* Every .yml/.yaml file below dir, in the scanner's deterministic order
 * (pathlist_add), leaving out hidden files and folders (.github, ...). */
static int add_dir(spoor_ruleset *rs, const char *dir, spoor_diag *diag)
{
	pathlist pl = {0};
	spoor_diag e = SPOOR_DIAG_INIT;
	int rc = pathlist_add(&pl, dir, RULES_MAX_DEPTH, &e);
	if (rc == SPOOR_ENOMEM) {
		pathlist_done(&pl);
		return diag_set(diag, rc, "out of memory");
	}
	if (rc < 0) {
		/* an unreadable folder: reported, the rest is still loaded */
		report(rs, &e);
		rs->st.files_bad++;
	}
	rc = 0;
	size_t dl = strlen(dir);
	/* the folder of the previous file, kept open (files come sorted, a
	 * folder's files together) */
	int dfd = -1;
	const char *dprev = NULL;
	size_t dprevn = 0;
	for (size_t i = 0; i < pl.n && rc == 0; i++) {
		const char *f = pl.v[i];
		if (!is_yaml(f) || strstr(f + dl, "/."))
			continue;
		if (rs->st.files >= RULES_MAX_FILES) {
			rc = diag_set(diag, SPOOR_ELIMIT, "more than %d rule files", RULES_MAX_FILES);
			break;
		}
		const char *slash = strrchr(f, '/');
		size_t dn = slash ? (size_t)(slash - f) : 0;
		if (slash && dn > 0 && (!dprev || dn != dprevn || memcmp(f, dprev, dn))) {
			if (dfd >= 0)
				close(dfd);
			char *d = xstrndup(f, dn);
			dfd = d ? open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
			free(d);
			dprev = f;
			dprevn = dn;
		}
		/* no folder open (root, or it failed): the whole path */
		rc = slash && dn > 0 && dfd >= 0 ? add_file_at(rs, dfd, slash + 1, f, diag) : add_file(rs, f, diag);
	}
	if (dfd >= 0)
		close(dfd);
	pathlist_done(&pl);
	return rc;
}

SPOOR_API int spoor_ruleset_add(spoor_ruleset *rs, const char *path, spoor_diag *diag)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return diag_set(diag, errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		size_t l = strlen(path);
		while (l > 1 && path[l - 1] == '/')
			l--;
		char *p = xstrndup(path, l);
		if (!p)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		int rc = add_dir(rs, p, diag);
		free(p);
		return rc;
	}
	return add_file(rs, path, diag);
}

/* Resolve correlations against every rule loaded so far: correlations
 * whose rules all run become active, rules a correlation needs run even
 * when they would not on their own (below --min-level), and rules named
 * by a correlation with generate: false raise no alert of their own. */
static int finalize(spoor_ruleset *rs)
{
	if (!rs->corr_dirty)
		return 0;
	sigma_rule **all = xcalloc(rs->n + 1, sizeof(*all));
	bool *ok = xcalloc(rs->n + 1, sizeof(*ok));
	int rc = all && ok ? 0 : SPOOR_ENOMEM;
	for (size_t i = 0; i < rs->n && rc == 0; i++) {
		all[i] = rs->rules[i].r;
		ok[i] = all[i]->kind == SIGMA_RULE && all[i]->plan && all[i]->plan->ls;
	}
	corr_plan *p = NULL;
	if (rc == 0)
		rc = corr_plan_build(&p, all, ok, rs->n, &rs->ctx->ft, (int)rs->opts.min_level);
	free(all);
	free(ok);
	if (rc < 0)
		return rc;
	corr_plan_free(rs->corr);
	rs->corr = p;
	for (size_t i = 0; i < rs->n && rc == 0; i++) {
		rentry *e = &rs->rules[i];
		if (e->r->kind == SIGMA_CORRELATION) {
			e->active = !p->why[i];
			e->why = p->why[i];
			if (e->active && !(p->flags[i] & CORR_RULE_NEEDED) && rs->opts.min_level &&
			    e->r->level_num < (int)rs->opts.min_level) {
				e->active = false;
				e->why = "below the minimum level";
			}
		} else if ((p->flags[i] & CORR_RULE_NEEDED) && !e->active && e->r->kind == SIGMA_RULE) {
			rc = group_add(rs, e->r, i);
			e->active = true;
			e->why = NULL;
			rs->pf_dirty = true;
		}
	}
	rs->st.active = 0;
	for (size_t i = 0; i < rs->n; i++)
		rs->st.active += rs->rules[i].active;
	rs->corr_dirty = false;
	return rc;
}

const corr_plan *ruleset_corr_plan(const spoor_ruleset *rs)
{
	return rs->corr && rs->corr->nc ? rs->corr : NULL;
}

bool ruleset_rule_emits(const spoor_ruleset *rs, size_t i)
{
	if (i >= rs->n || !rs->rules[i].own)
		return false;
	return !(rs->corr && i < rs->corr->nrules && (rs->corr->flags[i] & CORR_RULE_SILENT));
}

SPOOR_API int spoor_ruleset_has_correlations(const spoor_ruleset *rs)
{
	if (!rs || finalize((spoor_ruleset *)rs) < 0)
		return 1; /* cannot tell: assume state */
	return ruleset_corr_plan(rs) != NULL;
}

SPOOR_API size_t spoor_ruleset_count(const spoor_ruleset *rs)
{
	return rs ? rs->n : 0;
}

SPOOR_API int spoor_ruleset_rule(const spoor_ruleset *rs, size_t i, spoor_rule_info *out)
{
	if (!rs || i >= rs->n)
		return SPOOR_ENOTFOUND;
	if (finalize((spoor_ruleset *)rs) < 0)
		return SPOOR_ENOMEM;
	const rentry *e = &rs->rules[i];
	const sigma_rule *r = e->r;
	memset(out, 0, sizeof(*out));
	out->kind = r->kind == SIGMA_FILTER	   ? SPOOR_RULE_FILTER
		    : r->kind == SIGMA_CORRELATION ? SPOOR_RULE_CORRELATION
						   : SPOOR_RULE_DETECTION;
	out->id = r->id;
	out->title = r->title;
	out->status = r->status;
	out->level = (spoor_level)r->level_num;
	out->path = r->path;
	out->line = r->line;
	out->product = r->product;
	out->category = r->category;
	out->service = r->service;
	out->tags = r->tags;
	out->ntags = r->ntags;
	out->regression_tests_path = r->regression_tests_path;
	out->active = e->active;
	out->inactive_reason = e->why;
	out->fed_by = e->fed;
	return 0;
}

SPOOR_API void spoor_ruleset_stats(const spoor_ruleset *rs, spoor_rules_stats *out)
{
	(void)finalize((spoor_ruleset *)rs); /* out of memory: the counts as they were */
	*out = rs->st;
	size_t g, a, d;
	sigma_pf_counts(rs->pf, &g, &a, &d);
	out->prefiltered = g;
	out->atoms = a;
	out->atom_dbs = d;
}

/* Attach each compiled filter to the rules it names (by id or name). */
static int resolve_filters(spoor_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->rules[i].filters);
		rs->rules[i].filters = NULL;
		rs->rules[i].nfilters = 0;
	}
	for (size_t fi = 0; fi < rs->n; fi++) {
		const sigma_rule *f = rs->rules[fi].r;
		if (f->kind != SIGMA_FILTER || !f->plan)
			continue;
		for (size_t k = 0; k < f->nfilter_rules; k++) {
			const char *ref = f->filter_rules[k];
			for (size_t i = 0; i < rs->n; i++) {
				rentry *e = &rs->rules[i];
				if (e->r->kind != SIGMA_RULE ||
				    !((e->r->id && !strcmp(e->r->id, ref)) || (e->r->name && !strcmp(e->r->name, ref))))
					continue;
				uint32_t *v = xreallocarray(e->filters, e->nfilters + 1, sizeof(*v));
				if (!v)
					return SPOOR_ENOMEM;
				v[e->nfilters++] = (uint32_t)fi;
				e->filters = v;
			}
		}
	}
	return 0;
}

/* ---- matching ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The run order of rules on an event is the order of a plain walk of the
 * groups, by rule index within a group: rank every grouped rule once. */
static int set_ranks(spoor_ruleset *rs)
{
	free(rs->rank);
	free(rs->byrank);
	rs->rank = xmalloc((rs->caprg + 1) * sizeof(uint32_t));
	rs->byrank = xmalloc((rs->n + 1) * sizeof(uint32_t));
	rs->nrank = 0;
	if (!rs->rank || !rs->byrank)
		return SPOOR_ENOMEM;
	memset(rs->rank, 0xff, (rs->caprg + 1) * sizeof(uint32_t));
	for (size_t gi = 0; gi < rs->ngroups; gi++) {
		const lsgroup *g = &rs->groups[gi];
		size_t first = rs->nrank;
		for (size_t k = 0; k < g->n; k++)
			if (g->rules[k] < rs->caprg && rs->rule_group[g->rules[k]] == gi && rs->nrank < rs->n)
				rs->byrank[rs->nrank++] = g->rules[k];
		qsort(rs->byrank + first, rs->nrank - first, sizeof(uint32_t), cmp_u32);
	}
	for (size_t q = 0; q < rs->nrank; q++)
		rs->rank[rs->byrank[q]] = (uint32_t)q;
	return 0;
}

SPOOR_API int spoor_matcher_new(spoor_matcher **out, const spoor_ruleset *rs, spoor_diag *diag)
{
	spoor_matcher *m = xcalloc(1, sizeof(*m));
	if (!m)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	m->rs = rs;
	m->re = sigma_re_scratch_new();
	if (!m->re) {
		free(m);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (finalize((spoor_ruleset *)rs) < 0) {
		spoor_matcher_free(m);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	if (rs->pf_dirty || (!rs->no_prefilter && !rs->pf)) {
		/* the ruleset is complete once a matcher exists: attach filters and
		 * build the prefilter (documented: not concurrently with another
		 * spoor_matcher_new) */
		spoor_ruleset *w = (spoor_ruleset *)rs;
		/* the trees of every rule file are in: write them, and give the
		 * memory back for the hunt (files added later are parsed), all
		 * but the file's bytes, which hold the rules' strings */
		ycache_flush(w->yc);
		if (w->yc)
			w->ybytes = ycache_free_keep(w->yc); /* opened once (rs_ycache): kept once */
		w->yc = NULL;
		if (resolve_filters(w) < 0) {
			spoor_matcher_free(m);
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
	}
	if (!rs->no_prefilter && (rs->pf_dirty || !rs->pf)) {
		spoor_ruleset *w = (spoor_ruleset *)rs;
		const sigma_plan **plans = xcalloc(rs->n + 1, sizeof(*plans));
		int rc = plans ? 0 : SPOOR_ENOMEM;
		for (size_t i = 0; i < rs->n && plans; i++)
			plans[i] = rs->rules[i].active ? rs->rules[i].r->plan : NULL;
		sigma_prefilter *pf = NULL;
		if (rc == 0)
			rc = sigma_pf_build(&pf, plans, rs->n, rs->opts.cache_dir, diag);
		free(plans);
		if (rc < 0) {
			spoor_matcher_free(m);
			return rc == SPOOR_ENOMEM ? diag_set(diag, rc, "out of memory") : rc;
		}
		sigma_pf_free(w->pf);
		w->pf = pf;
		if (sigma_pf_set_groups(pf, w->rule_group, w->caprg) < 0) {
			spoor_matcher_free(m);
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
		for (size_t gi = 0; gi < w->ngroups; gi++) {
			lsgroup *g = &w->groups[gi];
			free(g->ungated);
			g->nungated = 0;
			g->ungated = xcalloc(g->n + 1, sizeof(uint32_t));
			if (!g->ungated) {
				spoor_matcher_free(m);
				return diag_set(diag, SPOOR_ENOMEM, "out of memory");
			}
			for (size_t k = 0; k < g->n; k++)
				if (!sigma_pf_gated(pf, g->rules[k]))
					g->ungated[g->nungated++] = g->rules[k];
		}
		if (set_ranks(w) < 0) {
			spoor_matcher_free(m);
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
	}
	((spoor_ruleset *)rs)->pf_dirty = false;
	if (rs->pf && sigma_pf_scratch_new(&m->pf, rs->pf) < 0) {
		spoor_matcher_free(m);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	buf_init(&m->out, 1u << 20);
	/* the logsource decision cache */
	for (size_t gi = 0; gi < rs->ngroups && !m->lsc_off; gi++) {
		size_t n = sigma_ls_cond_fields(rs->groups[gi].first->plan->ls, m->condf, m->ncondf, LSC_MAX_CONDS);
		if (n > LSC_MAX_CONDS)
			m->lsc_off = true;
		else
			m->ncondf = n;
	}
	m->words = (rs->ngroups + 63) / 64;
	if (!m->words)
		m->words = 1;
	m->lsc_key = xcalloc(LSC_SLOTS, sizeof(uint64_t));
	m->lsc_bits = xcalloc(LSC_SLOTS * m->words, sizeof(uint64_t));
	m->tmp_bits = xcalloc(m->words, sizeof(uint64_t));
	m->runwords = (rs->nrank + 63) / 64 + 1;
	m->runbits = xcalloc(m->runwords, sizeof(uint64_t));
	if (!m->lsc_key || !m->lsc_bits || !m->tmp_bits || !m->runbits) {
		spoor_matcher_free(m);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	*out = m;
	return 0;
}

SPOOR_API spoor_matcher *spoor_matcher_free(spoor_matcher *m)
{
	if (!m)
		return NULL;
	sigma_re_scratch_free(m->re);
	sigma_pf_scratch_free(m->pf);
	free(m->a);
	free(m->lsc_key);
	free(m->lsc_bits);
	free(m->tmp_bits);
	free(m->runbits);
	buf_done(&m->out);
	free(m);
	return NULL;
}

static uint64_t sv_hash(spoor_sv v, uint64_t seed)
{
	return hash_bytes(v.p ? v.p : "", v.n, seed);
}

/* The groups whose logsource selects ev, as a bitset (cached). */
static const uint64_t *groups_for(spoor_matcher *m, spoor_event *ev)
{
	const spoor_ruleset *rs = m->rs;
	uint64_t *bits = m->tmp_bits;
	uint64_t key = 0;
	size_t slot = 0;
	if (!m->lsc_off) {
		const spoor_logsource *ls = &ev->ls;
		key = sv_hash(ls->product, 0x9e3779b97f4a7c15ull);
		key = sv_hash(ls->service, key);
		key = sv_hash(ls->category, key);
		key = sv_hash(ls->channel, key);
		for (size_t i = 0; i < m->ncondf; i++) {
			const efield *f = event_find(ev, m->condf[i]);
			/* absent, null and present fields hash apart */
			key = f ? sv_hash(f->val, key ^ (0x100u + f->type)) : hash_bytes("", 0, key ^ 0x55);
		}
		key |= 1; /* 0 marks an empty slot */
		slot = (size_t)(key >> 20) & (LSC_SLOTS - 1);
		while (m->lsc_key[slot] && m->lsc_key[slot] != key)
			slot = (slot + 1) & (LSC_SLOTS - 1);
		if (m->lsc_key[slot] == key)
			return &m->lsc_bits[slot * m->words];
	}
	memset(bits, 0, m->words * sizeof(uint64_t));
	for (size_t gi = 0; gi < rs->ngroups; gi++)
		if (sigma_ls_match(rs->groups[gi].first->plan->ls, ev))
			bits[gi / 64] |= 1ull << (gi % 64);
	if (!m->lsc_off) {
		if (m->lsc_used >= LSC_SLOTS * 3 / 4) {
			memset(m->lsc_key, 0, LSC_SLOTS * sizeof(uint64_t));
			m->lsc_used = 0;
			slot = (size_t)(key >> 20) & (LSC_SLOTS - 1);
		}
		m->lsc_key[slot] = key;
		memcpy(&m->lsc_bits[slot * m->words], bits, m->words * sizeof(uint64_t));
		m->lsc_used++;
	}
	return bits;
}

/* Rule i on the event: its detection, then the filters that name it. */
static int run_rule(spoor_matcher *m, spoor_event *ev, size_t i)
{
	const spoor_ruleset *rs = m->rs;
	const rentry *e = &rs->rules[i];
	if (m->na == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		alert_slot *v = xreallocarray(m->a, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		m->a = v;
		m->cap = nc;
	}
	alert_slot *s = &m->a[m->na];
	const sigma_pf_scratch *pfs = m->pf && rs->pf ? m->pf : NULL;
	if (!sigma_match_detection(e->r->plan, ev, m->re, pfs, s->hits, &s->nhits))
		return 0;
	/* a filter's condition is AND-ed to the rule's (filters spec v2.1) */
	bool keep = true;
	for (size_t fi = 0; fi < e->nfilters && keep; fi++) {
		uint32_t fh[SIGMA_MAX_HITS];
		size_t fn;
		/* no value atoms: a filter is not a rule the prefilter was built
		 * with (glob_pat.atom is set and cleared for those only) */
		keep = sigma_match_detection(rs->rules[e->filters[fi]].r->plan, ev, m->re, NULL, fh, &fn);
	}
	if (keep) {
		s->rule = i;
		m->na++;
	}
	return 0;
}

SPOOR_API int spoor_matcher_match(spoor_matcher *m, spoor_event *ev)
{
	m->na = 0;
	sigma_arr_reset(sigma_re_scratch_arr(m->re)); /* a new event */
	const spoor_ruleset *rs = m->rs;
	const sigma_prefilter *pf = m->pf ? rs->pf : NULL;
	const uint64_t *sel = groups_for(m, ev);
	bool any = false;
	for (size_t w = 0; w < m->words && !any; w++)
		any = sel[w] != 0;
	if (!any)
		return 0;
	int r;
	if (!pf) {
		/* every rule of every selected group (SPOOR_SIGMA_NO_PREFILTER) */
		for (size_t gi = 0; gi < rs->ngroups; gi++) {
			if (!(sel[gi / 64] >> (gi % 64) & 1))
				continue;
			const lsgroup *g = &rs->groups[gi];
			for (size_t k = 0; k < g->n; k++)
				if ((r = run_rule(m, ev, g->rules[k])) < 0)
					return r;
		}
		return (int)m->na;
	}
	if ((r = sigma_pf_scan(pf, m->pf, ev, sel)) < 0)
		return r;
	/* candidates of selected groups and the selected groups' ungated rules,
	 * run in (group, rule) order: the order of a plain walk of the groups */
	size_t nc;
	const uint32_t *cand = sigma_pf_candidates(m->pf, &nc);
	size_t lo = SIZE_MAX, hi = 0;
	for (size_t k = 0; k < nc; k++) {
		uint32_t g = cand[k] < rs->caprg ? rs->rule_group[cand[k]] : UINT32_MAX;
		if (g != UINT32_MAX && (sel[g / 64] >> (g % 64) & 1) && rs->rank[cand[k]] != UINT32_MAX &&
		    sigma_pf_check(pf, m->pf, cand[k])) {
			size_t q = rs->rank[cand[k]];
			m->runbits[q / 64] |= 1ull << (q % 64);
			lo = MIN(lo, q / 64);
			hi = MAX(hi, q / 64);
		}
	}
	/* the ungated rules of the selected groups (the set bits of sel) */
	for (size_t sw = 0; sw < m->words; sw++) {
		for (uint64_t gbits = sel[sw]; gbits; gbits &= gbits - 1) {
			size_t gi = sw * 64 + (size_t)__builtin_ctzll(gbits);
			if (gi >= rs->ngroups)
				break;
			const lsgroup *g = &rs->groups[gi];
			for (size_t k = 0; k < g->nungated; k++) {
				size_t q = g->ungated[k] < rs->caprg ? rs->rank[g->ungated[k]] : UINT32_MAX;
				if (q == UINT32_MAX)
					continue;
				m->runbits[q / 64] |= 1ull << (q % 64);
				lo = MIN(lo, q / 64);
				hi = MAX(hi, q / 64);
			}
		}
	}
	/* in rank order, clearing the bits as they are taken */
	for (size_t w = lo; w <= hi && lo != SIZE_MAX; w++) {
		uint64_t bits = m->runbits[w];
		m->runbits[w] = 0;
		while (bits) {
			size_t q = w * 64 + (size_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if ((r = run_rule(m, ev, rs->byrank[q])) < 0) {
				for (size_t w2 = w + 1; w2 <= hi; w2++)
					m->runbits[w2] = 0;
				return r;
			}
		}
	}
	return (int)m->na;
}

SPOOR_API int spoor_matcher_alert(const spoor_matcher *m, size_t i, spoor_alert *out)
{
	if (i >= m->na)
		return SPOOR_ENOTFOUND;
	out->rule = m->a[i].rule;
	out->fields = m->a[i].hits;
	out->nfields = m->a[i].nhits;
	return 0;
}

/* The finding's rule members for rule i (attack ids in *att). */
static void rule_finding(const spoor_ruleset *rs, size_t i, alert_attack *att, spoor_finding *f)
{
	const sigma_rule *r = rs->rules[i].r;
	alert_attack_from_tags(att, (const char *const *)r->tags, r->ntags);
	memset(f, 0, sizeof(*f));
	f->rule_id = r->id;
	f->rule_name = r->title;
	f->ruleset = "sigma";
	f->level = (spoor_level)r->level_num;
	f->techniques = att->tech;
	f->ntechniques = att->ntech;
	f->tactics = att->tactic;
	f->ntactics = att->ntactic;
}

SPOOR_API int spoor_matcher_alert_json(spoor_matcher *m, size_t i, spoor_event *ev, spoor_sv *out)
{
	if (i >= m->na)
		return SPOOR_ENOTFOUND;
	const alert_slot *s = &m->a[i];
	const sigma_rule *r = m->rs->rules[s->rule].r;
	alert_attack att;
	spoor_finding f;
	rule_finding(m->rs, s->rule, &att, &f);
	f.ev = ev;
	f.ts = ev->has_ts ? ev->ts : 0;
	buf *b = &m->out;
	int rc = alert_begin(b, &f, r->path);
	if (rc == 0 && s->nhits) {
		rc = alert_raw(b, "spoor.matched", "", 0);
		bool f2 = true;
		for (size_t k = 0; k < s->nhits && rc == 0; k++) {
			spoor_sv nm = field_name(&ev->ctx->ft, s->hits[k]);
			const efield *ef = event_find(ev, s->hits[k]);
			spoor_sv t;
			if (!ef || !event_text(ev, ef, &t))
				continue;
			rc = buf_adds(b, f2 ? "{" : ",");
			f2 = false;
			if (rc == 0)
				rc = json_str(b, nm.p, nm.n);
			if (rc == 0)
				rc = buf_addc(b, ':');
			/* a matched value is evidence, not the record: capped */
			if (rc == 0)
				rc = json_str(b, t.p, MIN(t.n, (size_t)ALERT_MAX_VALUE));
		}
		if (rc == 0)
			rc = buf_adds(b, f2 ? "{}" : "}");
	}
	if (rc == 0)
		rc = alert_end(b);
	if (rc < 0)
		return rc;
	out->p = b->p;
	out->n = b->len;
	return 0;
}
