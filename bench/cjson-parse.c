/* cjson-parse — parse-only baseline: every line through cJSON.
 *
 *   cjson-parse FILE
 *
 * Reads FILE line by line (bench/lines.h), cJSON_ParseWithLength +
 * cJSON_Delete per line.  Prints "lines N bytes B bad K". */
#include <cJSON.h>

#include "lines.h"

typedef struct acc {
	unsigned long long lines, bad;
} acc;

static void one(const char *p, size_t n, void *arg)
{
	acc *a = arg;
	cJSON *j = cJSON_ParseWithLength(p, n);
	a->lines++;
	if (!j)
		a->bad++;
	cJSON_Delete(j);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cjson-parse FILE\n");
		return 2;
	}
	acc a = {0, 0};
	long long bytes = for_each_line(argv[1], one, &a);
	if (bytes < 0)
		return 1;
	printf("lines %llu bytes %lld bad %llu\n", a.lines, bytes, a.bad);
	return 0;
}
