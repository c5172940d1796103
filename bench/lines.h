/* lines — read a file in big blocks and call back for each line (without
 * its newline).  Shared by the parse-only benchmarks so that they all pay
 * the same framing cost: one reused 4 MiB buffer, memchr for newlines. */
#ifndef BENCH_LINES_H
#define BENCH_LINES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define LINES_BUF (4u << 20)

/* Returns bytes read, or -1. */
static inline long long for_each_line(const char *path, void (*fn)(const char *p, size_t n, void *arg), void *arg)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	char *buf = malloc(LINES_BUF);
	if (!buf) {
		close(fd);
		return -1;
	}
	size_t have = 0;
	long long total = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, LINES_BUF - have);
		if (r < 0) {
			perror("read");
			break;
		}
		total += r;
		size_t end = have + (size_t)r, start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', end - start);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + start));
			if (len)
				fn(buf + start, len, arg);
			start += len + 1;
		}
		if (r == 0) {
			if (end > start)
				fn(buf + start, end - start, arg);
			break;
		}
		memmove(buf, buf + start, end - start);
		have = end - start;
		if (have == LINES_BUF) { /* a line longer than the buffer: skip it */
			have = 0;
		}
	}
	free(buf);
	close(fd);
	return total;
}

#endif
