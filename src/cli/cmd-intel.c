/* spoor intel — load threat intelligence, count it, describe groups,
 * match it over logs and export sightings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spoor/intel.h"

static void help(FILE *f)
{
	fprintf(f, "usage: spoor intel stats [PATH...]\n"
		   "       spoor intel show [--intel PATH]... NAME\n"
		   "       spoor intel match --intel PATH [--intel PATH]... [HUNT OPTIONS] [LOG...]\n"
		   "       spoor intel export --intel PATH... [--format stix|misp|csv] [LOG...]\n\n"
		   "Threat intelligence: MISP feed folders (manifest.json + events), MISP event\n"
		   "exports, MISP galaxy clusters, STIX 2.1 bundles (indicators; ATT&CK intrusion\n"
		   "sets, malware, tools, attack patterns, relationships), CSV files with a type and\n"
		   "a value column, plain lists of indicators and lists of STIX patterns; the\n"
		   "format of each file is recognised from its content, folders are read\n"
		   "recursively.  Without a path, spoor's built-in pack (@builtin: the BlackTech /\n"
		   "Taidoor groups, software and indicators, each with its public source) is used.\n\n"
		   "  stats   count indicators by type, by file and by group; list what could not\n"
		   "          be loaded (unsupported STIX patterns, unknown types, bad values)\n"
		   "  show    what is known about a group or software (name, alias or ATT&CK id):\n"
		   "          aliases, software, techniques, indicator counts\n"
		   "  match   `spoor hunt --intel PATH` without Sigma rules: one JSON line per\n"
		   "          indicator sighted, in the event field of its type (spoor hunt --help)\n"
		   "  export  match, then print the sightings instead of the alerts: a STIX 2.1\n"
		   "          bundle of sighting objects, a MISP sightings array, or CSV\n\n"
		   "Exit codes: 0 ok, 1 failure, 2 usage error, 3 completed with bad input.\n"
		   "docs/intel.md tells more.\n");
}

static int load_all(spoor_intel **out, char **paths, int n, const char *cmd)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_intel_new(out, NULL, &d) < 0) {
		fprintf(stderr, "spoor intel %s: %s\n", cmd, d.msg);
		return EXIT_FAIL;
	}
	for (int i = 0; i < n; i++) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		if (spoor_intel_load(*out, paths[i], &d) < 0) {
			fprintf(stderr, "spoor intel %s: %s\n", cmd, d.msg);
			return d.code == SPOOR_ENOMEM || d.code == SPOOR_ELIMIT ? EXIT_FAIL : EXIT_BADINPUT;
		}
	}
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const spoor_intel_entity *x = a, *y = b;
	if (x->indicators != y->indicators)
		return x->indicators < y->indicators ? 1 : -1;
	size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
	int c = memcmp(x->name.p, y->name.p, n);
	return c ? c : (x->name.n > y->name.n) - (x->name.n < y->name.n);
}

static int stats(int argc, char **argv)
{
	char **paths = calloc((size_t)argc + 1, sizeof(char *));
	int np = 0;
	bool list_all = false;
	if (!paths)
		return EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			help(stdout);
			free(paths);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--all"))
			list_all = true;
		else if (!strcmp(argv[i], "--intel") && i + 1 < argc)
			paths[np++] = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "spoor intel stats: unknown option '%s'\n", argv[i]);
			free(paths);
			return EXIT_USAGE;
		} else
			paths[np++] = argv[i];
	}
	if (!np)
		paths[np++] = "@builtin";
	spoor_intel *in = NULL;
	int rc = load_all(&in, paths, np, "stats");
	free(paths);
	spoor_intel_stats st;
	if (rc == 0 && spoor_intel_stats_get(in, &st) < 0)
		rc = EXIT_FAIL;
	if (rc) {
		spoor_intel_free(in);
		return rc;
	}
	printf("files        %" PRIu64 " (%" PRIu64 " skipped: no intel format)\n", st.files, st.skipped_files);
	printf("indicators   %" PRIu64 " (%" PRIu64 " values to match)\n", st.objects, st.atoms);
	for (unsigned t = 0; spoor_intel_type_name(t); t++)
		if (st.by_type[t])
			printf("  %-12s %" PRIu64 "\n", spoor_intel_type_name(t), st.by_type[t]);
	printf("not loaded   %" PRIu64 " (unsupported patterns, types or values; listed below)\n", st.unsupported);
	printf("not to_ids   %" PRIu64 " (MISP attributes not meant for detection)\n", st.not_ids);
	printf("context      %" PRIu64 " (MISP links, comments, text)\n", st.context);
	printf("groups       %" PRIu64 "\nsoftware     %" PRIu64 "\ntechniques   %" PRIu64 "\nrelationships %" PRIu64
	       "\n",
	       st.groups, st.software, st.techniques, st.relationships);
	printf("\nby file:\n");
	uint64_t bad = 0;
	for (size_t i = 0; i < spoor_intel_source_count(in); i++) {
		spoor_intel_source s;
		spoor_intel_source_at(in, i, &s);
		printf("  %-12s %7" PRIu64 " indicators %7" PRIu64 " values %5" PRIu64 " not loaded %5" PRIu64
		       " bad  %s\n",
		       s.format, s.objects, s.atoms, s.unsupported, s.bad, s.path);
		bad += s.bad;
	}
	size_t ne = spoor_intel_entity_count(in);
	spoor_intel_entity *ents = calloc(ne + 1, sizeof(*ents));
	size_t k = 0;
	for (size_t i = 0; ents && i < ne; i++)
		if (spoor_intel_entity_at(in, i, &ents[k]) == 0 && strcmp(ents[k].kind, "technique") &&
		    (ents[k].indicators || list_all))
			k++;
	if (ents && k) {
		qsort(ents, k, sizeof(*ents), cmp_ent);
		printf("\nby group and software (indicators pointing to each):\n");
		for (size_t i = 0; i < k; i++)
			printf("  %7" PRIu64 "  %-8s %.*s%s%.*s%s\n", ents[i].indicators, ents[i].kind, (int)ents[i].name.n,
			       ents[i].name.p, ents[i].ext_id.n ? " (" : "", (int)ents[i].ext_id.n, ents[i].ext_id.p,
			       ents[i].ext_id.n ? ")" : "");
	}
	free(ents);
	size_t nu = spoor_intel_unsupported_count(in);
	if (nu)
		printf("\nnot loaded:\n");
	for (size_t i = 0; i < nu; i++) {
		spoor_intel_issue u;
		spoor_intel_unsupported_at(in, i, &u);
		printf("  %s: %.*s: %.*s\n      %.*s\n", u.path, (int)u.where.n, u.where.p, (int)u.why.n, u.why.p,
		       (int)(u.what.n > 300 ? 300 : u.what.n), u.what.p);
	}
	spoor_intel_free(in);
	return bad ? EXIT_BADINPUT : EXIT_OK;
}

static int show(int argc, char **argv)
{
	char **paths = calloc((size_t)argc + 1, sizeof(char *));
	int np = 0;
	const char *name = NULL;
	if (!paths)
		return EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			help(stdout);
			free(paths);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--intel") && i + 1 < argc) {
			paths[np++] = argv[++i];
		} else if (!strncmp(argv[i], "--intel=", 8)) {
			paths[np++] = argv[i] + 8;
		} else if (argv[i][0] == '-' || name) {
			fprintf(stderr, "spoor intel show: unexpected '%s' (spoor intel --help)\n", argv[i]);
			free(paths);
			return EXIT_USAGE;
		} else {
			name = argv[i];
		}
	}
	if (!np)
		paths[np++] = "@builtin";
	if (!name) {
		fprintf(stderr, "spoor intel show: give a group or software name\n");
		free(paths);
		return EXIT_USAGE;
	}
	spoor_intel *in = NULL;
	int rc = load_all(&in, paths, np, "show");
	free(paths);
	if (rc == 0) {
		spoor_sv t;
		int r = spoor_intel_show(in, name, &t);
		if (r == SPOOR_ENOTFOUND) {
			fprintf(stderr, "spoor intel show: '%s' is not a known group, software or technique\n", name);
			rc = EXIT_FAIL;
		} else if (r < 0) {
			fprintf(stderr, "spoor intel show: %s\n", spoor_strerror(r));
			rc = EXIT_FAIL;
		} else {
			fwrite(t.p, 1, t.n, stdout);
		}
	}
	spoor_intel_free(in);
	return rc;
}

/* match / export: spoor hunt with intel only */
static int match(int argc, char **argv, bool export)
{
	const char *fmt = "stix";
	char **av = calloc((size_t)argc + 8, sizeof(char *));
	if (!av)
		return EXIT_FAIL;
	int n = 0;
	av[n++] = "hunt";
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			help(stdout);
			free(av);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--rules") || !strcmp(argv[i], "-r") || !strncmp(argv[i], "--rules=", 8)) {
			fprintf(stderr, "spoor intel: --rules belongs to spoor hunt\n");
			free(av);
			return EXIT_USAGE;
		}
		if (export && !strcmp(argv[i], "--format") && i + 1 < argc) {
			fmt = argv[++i];
			continue;
		}
		if (export && !strncmp(argv[i], "--format=", 9)) {
			fmt = argv[i] + 9;
			continue;
		}
		av[n++] = argv[i];
	}
	if (export) {
		if (strcmp(fmt, "stix") && strcmp(fmt, "misp") && strcmp(fmt, "csv")) {
			fprintf(stderr, "spoor intel export: --format is stix, misp or csv\n");
			free(av);
			return EXIT_USAGE;
		}
		av[n++] = "--output";
		av[n++] = "/dev/null";
		av[n++] = "--sightings";
		av[n++] = "-";
		av[n++] = "--sightings-format";
		av[n++] = (char *)fmt;
	}
	av[n] = NULL;
	int rc = cmd_hunt(n, av);
	free(av);
	return rc;
}

int cmd_intel(int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "stats"))
		return stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "match"))
		return match(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "export"))
		return match(argc - 1, argv + 1, true);
	fprintf(stderr, "spoor intel: '%s' is not a subcommand (stats, show, match, export)\n", argv[1]);
	return EXIT_USAGE;
}
