/* spoor formats — list the formats spoor reads. */
#include <string.h>

#include "cli.h"

int cmd_formats(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: spoor formats\n\nList the log formats spoor reads and what each recognizes.\n"
			       "Formats are detected per file from its first bytes; --format NAME forces one.\n");
			return EXIT_OK;
		}
		fprintf(stderr, "spoor formats: unexpected argument '%s'\n", argv[i]);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < spoor_format_count(); i++) {
		const spoor_format_info *f = spoor_format_get(i);
		printf("%-10s %s\n", f->name, f->summary);
		if (f->recognizes && *f->recognizes)
			printf("%-10s recognizes: %s\n", "", f->recognizes);
	}
	return EXIT_OK;
}
