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

typedef struct cat_opts {
	spoor_out_options oo;
	const char *fields_arg;
	spoor_out *out;
} cat_opts;

static int cat_option(void *u, int argc, char **argv, int *i)
{
	cat_opts *c = u;
	bool missing;
	const char *v = cli_value("cat", argc, argv, i, "-f", "--fields", &missing);
	if (missing)
		return -1;
	if (v) {
		c->fields_arg = v;
		return 1;
	}
	if (!strcmp(argv[*i], "--no-raw")) {
		c->oo.raw = 0;
		return 1;
	}
	return 0;
}

static int cat_event(spoor_event *ev, void *u)
{
	cat_opts *c = u;
	if (spoor_out_event(c->out, ev) < 0) {
		fprintf(stderr, "spoor cat: cannot write output\n");
		return -EXIT_FAIL;
	}
	return 0;
}

int cmd_cat(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	cat_opts c = {SPOOR_OUT_OPTIONS_INIT, NULL, NULL};
	int rc = scan_cli_args(&s, "cat", argc, argv, help, cat_option, &c);
	if (rc >= 0) {
		scan_cli_done(&s);
		return rc;
	}
	rc = 0;
	/* --fields A,B,C: split a copy at the commas */
	char *fcopy = NULL;
	const char **fields = NULL;
	if (c.fields_arg) {
		fcopy = strdup(c.fields_arg);
		fields = calloc(strlen(c.fields_arg) + 1, sizeof(char *));
		if (!fcopy || !fields)
			rc = EXIT_FAIL;
		for (char *tok = fcopy, *cm; rc == 0 && tok; tok = cm) {
			cm = strchr(tok, ',');
			if (cm)
				*cm++ = 0;
			if (*tok)
				fields[c.oo.nfields++] = tok;
		}
		c.oo.fields = fields;
	}

	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (rc == 0)
		rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0 && spoor_out_new(&c.out, STDOUT_FILENO, &c.oo, &d) < 0) {
		fprintf(stderr, "spoor cat: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	if (rc == 0)
		rc = scan_cli_each(&s, sc, "cat", cat_event, &c);
	if (c.out && spoor_out_flush(c.out) < 0 && rc == 0) {
		fprintf(stderr, "spoor cat: cannot write output\n");
		rc = EXIT_FAIL;
	}
	if (sc)
		rc = scan_cli_finish(&s, sc, rc);
	spoor_out_free(c.out);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	free(fields);
	free(fcopy);
	scan_cli_done(&s);
	return rc;
}
