/* spoor rules — check, list and count Sigma rules; install a rule set
 * (update); where the default rules are (rules_default_dirs). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "spoor/rules.h"

static void help(FILE *f)
{
	fprintf(f, "usage: spoor rules check|list|stats [OPTIONS] [PATH...]\n"
		   "       spoor rules update --from DIR|ARCHIVE [--dest DIR] [-n]\n\n"
		   "PATH is a Sigma rule file or a directory searched for *.yml / *.yaml; without\n"
		   "PATH, the default rules `spoor hunt` uses (the installed set and spoor's own).\n\n"
		   "  check   load every rule; print each one that cannot be loaded as\n"
		   "          FILE:LINE:COL: reason, then a summary.  Exit 3 when any failed.\n"
		   "  list    one line per loaded rule: level, id, title, logsource, FILE:LINE,\n"
		   "          and why it does not run when it does not\n"
		   "  stats   loaded rules by kind, status, level, logsource and ATT&CK tag,\n"
		   "          and logsource coverage: how many detection rules select events of a\n"
		   "          format spoor reads, and the logsources no format feeds\n"
		   "  update  install or refresh the default rule set (spoor rules update --help)\n\n"
		   "Options:\n"
		   "  -q, --quiet   check: print only the summary\n"
		   "      --placeholders FILE  values for |expand placeholders (YAML: name: [values])\n"
		   "      --logsource-map FILE  a YAML logsource mapping added to the built-in one\n"
		   "                            (docs/sigma.md, Logsources)\n"
		   "      --rules-cache DIR  read and keep parsed rule files in DIR, as hunt does\n"
		   "                        (default here: no cache)\n");
}

typedef struct rctx {
	bool quiet;
	uint64_t shown;
	/* failure reasons, for the summary */
	char **why;
	uint64_t *whyn;
	size_t nwhy;
} rctx;

/* The reason without quoted specifics, to group failures. */
static void reason_key(const char *msg, char *out, size_t n)
{
	size_t o = 0;
	bool inq = false;
	for (const char *p = msg; *p && o + 1 < n; p++) {
		if (*p == '\'') {
			inq = !inq;
			if (inq && o + 4 < n) {
				memcpy(out + o, "'…'", 5);
				o += 5;
			}
			continue;
		}
		if (!inq)
			out[o++] = *p;
	}
	out[o] = 0;
	char *c = strstr(out, " (at column");
	if (c)
		*c = 0;
	c = strstr(out, "at offset");
	if (c)
		*c = 0;
}

static void on_error(const spoor_diag *d, void *payload)
{
	rctx *c = payload;
	if (!c->quiet) {
		if (d->line)
			fprintf(stdout, "%s:%" PRIu64 ":%u: %s\n", d->source, d->line, d->col, d->msg);
		else
			fprintf(stdout, "%s: %s\n", d->source, d->msg);
	}
	char k[200];
	reason_key(d->msg, k, sizeof(k));
	for (size_t i = 0; i < c->nwhy; i++)
		if (!strcmp(c->why[i], k)) {
			c->whyn[i]++;
			return;
		}
	if (c->nwhy >= 256)
		return;
	char **w = realloc(c->why, (c->nwhy + 1) * sizeof(*w));
	uint64_t *wn = realloc(c->whyn, (c->nwhy + 1) * sizeof(*wn));
	if (w)
		c->why = w;
	if (wn)
		c->whyn = wn;
	if (!w || !wn)
		return;
	c->why[c->nwhy] = strdup(k);
	if (!c->why[c->nwhy])
		return;
	c->whyn[c->nwhy++] = 1;
}

typedef struct kv {
	char *k;
	uint64_t n;
} kv;

typedef struct tally {
	kv *v;
	size_t n, cap;
} tally;

static void tally_add(tally *t, const char *k)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].k, k)) {
			t->v[i].n++;
			return;
		}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 32;
		kv *v = realloc(t->v, nc * sizeof(*v));
		if (!v)
			return;
		t->v = v;
		t->cap = nc;
	}
	t->v[t->n].k = strdup(k);
	if (!t->v[t->n].k)
		return;
	t->v[t->n++].n = 1;
}

static int cmp_kv(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->k, y->k);
}

static void tally_print(tally *t, const char *title, size_t top)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_kv);
	printf("%s (%zu):\n", title, t->n);
	for (size_t i = 0; i < t->n && (!top || i < top); i++)
		printf("  %7" PRIu64 "  %s\n", t->v[i].n, t->v[i].k);
	if (top && t->n > top)
		printf("  (%zu more)\n", t->n - top);
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].k);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static const char *kind_name(spoor_rule_kind k)
{
	return k == SPOOR_RULE_FILTER ? "filter" : k == SPOOR_RULE_CORRELATION ? "correlation" : "detection";
}

static void do_stats(const spoor_ruleset *rs)
{
	tally kind = {0}, status = {0}, level = {0}, ls = {0}, tactic = {0}, tech = {0}, inactive = {0};
	tally unfed = {0}, fedby = {0};
	uint64_t ndet = 0, nfed = 0;
	size_t n = spoor_ruleset_count(rs);
	for (size_t i = 0; i < n; i++) {
		spoor_rule_info ri;
		if (spoor_ruleset_rule(rs, i, &ri) < 0)
			continue;
		tally_add(&kind, kind_name(ri.kind));
		tally_add(&status, ri.status ? ri.status : "(none)");
		tally_add(&level, ri.level ? spoor_level_name(ri.level) : "(none)");
		char b[300];
		snprintf(b, sizeof(b), "%s/%s/%s", ri.product ? ri.product : "-", ri.category ? ri.category : "-",
			 ri.service ? ri.service : "-");
		tally_add(&ls, b);
		if (ri.kind == SPOOR_RULE_DETECTION) {
			ndet++;
			if (ri.fed_by) {
				nfed++;
				tally_add(&fedby, ri.fed_by);
			} else {
				tally_add(&unfed, b);
			}
		}
		if (!ri.active)
			tally_add(&inactive, ri.inactive_reason ? ri.inactive_reason : "?");
		for (size_t t = 0; t < ri.ntags; t++) {
			const char *g = ri.tags[t];
			if (strncmp(g, "attack.", 7))
				continue;
			if ((g[7] == 't' || g[7] == 'T') && g[8] >= '0' && g[8] <= '9')
				tally_add(&tech, g + 7);
			else if (!(g[7] == 'g' && g[8] >= '0' && g[8] <= '9') &&
				 !(g[7] == 's' && g[8] >= '0' && g[8] <= '9'))
				tally_add(&tactic, g + 7);
		}
	}
	tally_print(&kind, "by kind", 0);
	tally_print(&status, "by status", 0);
	tally_print(&level, "by level", 0);
	tally_print(&ls, "by logsource (product/category/service)", 40);
	tally_print(&tactic, "by ATT&CK tactic", 0);
	tally_print(&tech, "by ATT&CK technique", 30);
	tally_print(&inactive, "loaded but not run", 0);
	printf("logsource coverage: %" PRIu64 " of %" PRIu64 " detection rules (%.1f%%) select events of a format "
	       "spoor reads\n",
	       nfed, ndet, ndet ? 100.0 * (double)nfed / (double)ndet : 0.0);
	tally_print(&fedby, "covered rules by format", 0);
	tally_print(&unfed, "not covered: no format spoor reads gives these logsources (product/category/service)", 0);
}

static void do_list(const spoor_ruleset *rs)
{
	size_t n = spoor_ruleset_count(rs);
	for (size_t i = 0; i < n; i++) {
		spoor_rule_info ri;
		if (spoor_ruleset_rule(rs, i, &ri) < 0)
			continue;
		printf("%-13s %-36s %s\t%s/%s/%s\t%s:%" PRIu64 "%s%s%s\n", ri.level ? spoor_level_name(ri.level) : "-",
		       ri.id ? ri.id : "-", ri.title, ri.product ? ri.product : "-", ri.category ? ri.category : "-",
		       ri.service ? ri.service : "-", ri.path, ri.line,
		       ri.active ? "" : "\tnot run: ", ri.active ? "" : (ri.inactive_reason ? ri.inactive_reason : "?"),
		       ri.kind == SPOOR_RULE_DETECTION && !ri.fed_by ? "\tno format spoor reads feeds this logsource"
								     : "");
	}
}

static bool is_dir(const char *p)
{
	struct stat st;
	return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder `spoor rules update` installs into: $SPOOR_RULES, else
 * $XDG_DATA_HOME/spoor/rules, else ~/.local/share/spoor/rules.  false
 * when none can be named (no HOME). */
bool rules_install_dir(char *out, size_t n)
{
	const char *e = getenv("SPOOR_RULES");
	if (e && *e)
		return (size_t)snprintf(out, n, "%s", e) < n;
	e = getenv("XDG_DATA_HOME");
	if (e && *e == '/')
		return (size_t)snprintf(out, n, "%s/spoor/rules", e) < n;
	e = getenv("HOME");
	if (e && *e)
		return (size_t)snprintf(out, n, "%s/.local/share/spoor/rules", e) < n;
	return false;
}

/* The folder for compiled rule databases: $SPOOR_CACHE_DIR (empty = no
 * cache), else $XDG_CACHE_HOME/spoor, else ~/.cache/spoor; "" when none. */
const char *rules_cache_dir(char *out, size_t n)
{
	const char *e = getenv("SPOOR_CACHE_DIR");
	int r = -1;
	if (e)
		r = snprintf(out, n, "%s", e);
	else if ((e = getenv("XDG_CACHE_HOME")) && *e == '/')
		r = snprintf(out, n, "%s/spoor", e);
	else if ((e = getenv("HOME")) && *e)
		r = snprintf(out, n, "%s/.cache/spoor", e);
	if (r < 0 || (size_t)r >= n)
		out[0] = 0;
	return out;
}

/* spoor's own rules: installed beside spoor (<datadir>/spoor/rules), or
 * the source tree's rules/ for a build that is not installed. */
const char *rules_builtin_dir(void)
{
#ifdef SPOOR_DATADIR
	if (is_dir(SPOOR_DATADIR "/spoor/rules"))
		return SPOOR_DATADIR "/spoor/rules";
#endif
#ifdef SPOOR_SOURCE_RULES
	if (is_dir(SPOOR_SOURCE_RULES))
		return SPOOR_SOURCE_RULES;
#endif
	return NULL;
}

int rules_default_dirs(const char **out, char *buf, size_t bufn)
{
	int n = 0;
	if (rules_install_dir(buf, bufn) && is_dir(buf))
		out[n++] = buf;
	const char *b = rules_builtin_dir();
	if (b)
		out[n++] = b;
	return n;
}

static void update_help(FILE *f)
{
	char d[4096];
	fprintf(f,
		"usage: spoor rules update --from DIR|ARCHIVE [--dest DIR] [-n]\n\n"
		"Install or refresh the Sigma rule set `spoor hunt` uses when given no --rules.\n"
		"DIR is a rule folder or a SigmaHQ checkout (its rules* folders are taken);\n"
		"ARCHIVE a .zip, .tar or .tar.gz of one (a SigmaHQ release, a GitHub tarball).\n"
		"The new set is verified (it must be a Sigma rule tree: at least one detection\n"
		"rule, 90%% of the rule files load), compared with the installed one and swapped\n"
		"in atomically; the counts of added, changed and removed files are printed.\n\n"
		"  --from DIR|ARCHIVE  where the rules come from (no download: fetch first)\n"
		"  --dest DIR          where to install (default: $SPOOR_RULES, else\n"
		"                      $XDG_DATA_HOME/spoor/rules, else ~/.local/share/spoor/rules)\n"
		"  -n, --dry-run       verify and count, change nothing\n\n"
		"Default destination here: %s\n",
		rules_install_dir(d, sizeof(d)) ? d : "(none: set SPOOR_RULES or HOME)");
}

static int cmd_update(int argc, char **argv)
{
	const char *from = NULL, *dest = NULL;
	unsigned flags = 0;
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			update_help(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run")) {
			flags |= SPOOR_RULES_INSTALL_DRY_RUN;
		} else if (!strcmp(argv[i], "--from") || !strcmp(argv[i], "--dest")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "spoor rules update: %s needs a value\n", argv[i]);
				return EXIT_USAGE;
			}
			if (argv[i][2] == 'f')
				from = argv[++i];
			else
				dest = argv[++i];
		} else {
			fprintf(stderr, "spoor rules update: unknown argument '%s' (spoor rules update --help)\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!from) {
		fprintf(stderr,
			"spoor rules update: give --from DIR or --from ARCHIVE (spoor does not download; fetch a "
			"SigmaHQ release first)\n");
		return EXIT_USAGE;
	}
	char d[4096];
	if (!dest) {
		if (!rules_install_dir(d, sizeof(d))) {
			fprintf(stderr, "spoor rules update: no destination: give --dest or set SPOOR_RULES\n");
			return EXIT_USAGE;
		}
		dest = d;
	}
	spoor_rules_install_stats st;
	spoor_diag dg = SPOOR_DIAG_INIT;
	int r = spoor_rules_install(dest, from, flags, &st, &dg);
	if (r < 0) {
		fprintf(stderr, "spoor rules update: %s\n", dg.msg);
		return r == SPOOR_EINVAL || r == SPOOR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	printf("%s %" PRIu64 " rule files (%" PRIu64 " rules; %" PRIu64 " do not load) from %s (%s) %s %s\n",
	       (flags & SPOOR_RULES_INSTALL_DRY_RUN) ? "would install" : "installed", st.files, st.rules, st.failed,
	       from, st.source_kind, (flags & SPOOR_RULES_INSTALL_DRY_RUN) ? "into" : "in", dest);
	printf("%" PRIu64 " added, %" PRIu64 " changed, %" PRIu64 " removed, %" PRIu64 " unchanged\n", st.added,
	       st.changed, st.removed, st.unchanged);
	return EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "spoor rules: give a subcommand: check, list, stats or update (spoor rules --help)\n");
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		help(stdout);
		return EXIT_OK;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "update"))
		return cmd_update(argc, argv);
	if (strcmp(sub, "check") && strcmp(sub, "list") && strcmp(sub, "stats")) {
		fprintf(stderr, "spoor rules: unknown subcommand '%s' (check, list, stats, update)\n", sub);
		return EXIT_USAGE;
	}
	rctx rc = {0};
	int npaths = 0;
	const char *ph = NULL, *lsmap = NULL, *cache = NULL;
	char **paths = calloc((size_t)argc, sizeof(char *));
	if (!paths)
		return EXIT_FAIL;
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			help(stdout);
			free(paths);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			rc.quiet = true;
		} else if (!strcmp(argv[i], "--placeholders")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "spoor rules: --placeholders needs a file\n");
				free(paths);
				return EXIT_USAGE;
			}
			ph = argv[++i];
		} else if (!strcmp(argv[i], "--logsource-map")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "spoor rules: --logsource-map needs a file\n");
				free(paths);
				return EXIT_USAGE;
			}
			lsmap = argv[++i];
		} else if (!strcmp(argv[i], "--rules-cache")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "spoor rules: --rules-cache needs a folder\n");
				free(paths);
				return EXIT_USAGE;
			}
			cache = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "spoor rules: unknown option '%s' (see spoor rules --help)\n", argv[i]);
			free(paths);
			return EXIT_USAGE;
		} else {
			paths[npaths++] = argv[i];
		}
	}
	char defbuf[4096];
	if (!npaths) {
		const char *dd[2];
		int nd = rules_default_dirs(dd, defbuf, sizeof(defbuf));
		for (int k = 0; k < nd; k++)
			paths[npaths++] = (char *)dd[k];
	}
	if (!npaths) {
		fprintf(stderr, "spoor rules %s: give a rule file or directory (no default rules found)\n", sub);
		free(paths);
		return EXIT_USAGE;
	}
	bool check = !strcmp(sub, "check");
	if (!check)
		rc.quiet = true; /* list/stats: errors only counted */
	spoor_ctx *ctx = NULL;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	ro.on_error = on_error;
	ro.payload = &rc;
	ro.placeholders = ph;
	ro.logsource_map = lsmap;
	ro.cache_dir = cache;
	int ret = EXIT_OK;
	if (spoor_ctx_new(&ctx, &co, &d) < 0 || spoor_ruleset_new(&rs, ctx, &ro, &d) < 0) {
		fprintf(stderr, "spoor rules: %s\n", d.msg);
		spoor_ctx_free(ctx);
		free(paths);
		return d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	for (int i = 0; i < npaths && ret == EXIT_OK; i++) {
		if (spoor_ruleset_add(rs, paths[i], &d) < 0) {
			fprintf(stderr, "spoor rules: %s\n", d.msg);
			ret = d.code == SPOOR_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	spoor_rules_stats st;
	spoor_ruleset_stats(rs, &st);
	if (ret == EXIT_OK) {
		if (!strcmp(sub, "list"))
			do_list(rs);
		else if (!strcmp(sub, "stats"))
			do_stats(rs);
	}
	FILE *sf = check ? stdout : stderr;
	fprintf(sf,
		"%" PRIu64 " rule files: %" PRIu64 " rules loaded (%" PRIu64 " detection, %" PRIu64 " filters, %" PRIu64
		" correlations; %" PRIu64 " run), %" PRIu64 " failed",
		st.files, st.loaded, st.detection, st.filters, st.correlations, st.active, st.failed);
	if (st.files_bad)
		fprintf(sf, ", %" PRIu64 " unreadable", st.files_bad);
	fprintf(sf, "\n");
	if (check && rc.nwhy) {
		fprintf(sf, "failures by reason:\n");
		for (size_t i = 0; i < rc.nwhy; i++)
			fprintf(sf, "  %6" PRIu64 "  %s\n", rc.whyn[i], rc.why[i]);
	}
	if (check && st.loaded > st.active) {
		size_t n = spoor_ruleset_count(rs);
		tally t = {0};
		for (size_t i = 0; i < n; i++) {
			spoor_rule_info ri;
			if (spoor_ruleset_rule(rs, i, &ri) == 0 && !ri.active)
				tally_add(&t, ri.inactive_reason ? ri.inactive_reason : "?");
		}
		tally_print(&t, "loaded but not run, by reason", 0);
	}
	for (size_t i = 0; i < rc.nwhy; i++)
		free(rc.why[i]);
	free(rc.why);
	free(rc.whyn);
	spoor_ruleset_free(rs);
	spoor_ctx_free(ctx);
	free(paths);
	if (ret == EXIT_OK && (st.failed || st.files_bad))
		ret = EXIT_BADINPUT;
	return ret;
}
