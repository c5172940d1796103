/* spoor cat — print records as events, one JSON object per line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void help(FILE *f)
{
	fprintf(f, "usage: spoor cat [OPTIONS] [PATH...]\n\n"
		   "Print every record as one JSON line: @timestamp, ECS fields (event.code,\n"
		   "user.name, source.ip, ...), where it came from (log.file.path, log.offset,\n"
		   "spoor.line), the format, shape and Sigma logsource, and the source fields\n"
		   "under \"raw\" by their flattened names.\n\n"
		   "Output options:\n"
		   "  -f, --fields A,B,...  print only these fields (raw or ECS names, @timestamp)\n"
		   "      --no-raw          leave out the \"raw\" object\n\n%s",
		scan_cli_help);
}

int cmd_cat(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	spoor_out_options oo = SPOOR_OUT_OPTIONS_INIT;
	char *fields_arg = NULL;
	char **fields = NULL;
	size_t nfields = 0;
	char **paths = calloc((size_t)argc, sizeof(char *));
	if (!paths)
		return EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (is_help(a)) {
			help(stdout);
			free(paths);
			return EXIT_OK;
		}
		int r = scan_cli_option(&s, argc, argv, &i);
		if (r < 0) {
			free(paths);
			return EXIT_USAGE;
		}
		if (r > 0)
			continue;
		if (!strcmp(a, "-f") || !strcmp(a, "--fields")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "spoor cat: %s needs a value\n", a);
				free(paths);
				return EXIT_USAGE;
			}
			fields_arg = argv[++i];
		} else if (!strncmp(a, "--fields=", 9)) {
			fields_arg = (char *)a + 9;
		} else if (!strcmp(a, "--no-raw")) {
			oo.raw = 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "spoor cat: unknown option '%s' (see spoor cat --help)\n", a);
			free(paths);
			return EXIT_USAGE;
		} else {
			paths[s.npaths++] = (char *)a;
		}
	}
	s.paths = paths;
	char *fcopy = NULL;
	if (fields_arg) {
		fcopy = strdup(fields_arg);
		fields = calloc(strlen(fields_arg) + 1, sizeof(char *));
		if (!fcopy || !fields) {
			free(paths);
			return EXIT_FAIL;
		}
		for (char *tok = fcopy, *c; tok; tok = c) {
			c = strchr(tok, ',');
			if (c)
				*c++ = 0;
			if (*tok)
				fields[nfields++] = tok;
		}
		oo.fields = (const char *const *)fields;
		oo.nfields = nfields;
	}

	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_out *out = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0 && spoor_out_new(&out, STDOUT_FILENO, &oo, &d) < 0) {
		fprintf(stderr, "spoor cat: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	uint64_t n = 0;
	while (rc == 0) {
		spoor_event *ev;
		int r = spoor_scanner_next(sc, &ev, &d);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "spoor cat: %s\n", d.msg);
			rc = EXIT_FAIL;
			break;
		}
		if (spoor_out_event(out, ev) < 0) {
			fprintf(stderr, "spoor cat: cannot write output\n");
			rc = EXIT_FAIL;
			break;
		}
		scan_cli_tick(&s, sc, ++n);
	}
	if (out && spoor_out_flush(out) < 0 && rc == 0) {
		fprintf(stderr, "spoor cat: cannot write output\n");
		rc = EXIT_FAIL;
	}
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	spoor_out_free(out);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	free(fields);
	free(fcopy);
	free(paths);
	return rc;
}
