/* input — byte streams from files, stdin, gzip and zstd; directory walks. */
#ifndef SPOOR_INPUT_H
#define SPOOR_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>
#include <zstd.h>

#include "spoor/error.h"

typedef enum instream_kind { IN_RAW = 0, IN_GZIP, IN_ZSTD } instream_kind;

typedef struct instream {
	int fd;
	bool own_fd;
	instream_kind kind;
	const char *path;
	int64_t mtime;
	/* compressed-side buffer (also holds the sniffed head for IN_RAW) */
	unsigned char *in;
	size_t in_cap, in_len, in_pos;
	bool in_eof;
	bool z_init;
	bool z_end; /* gzip member ended; more may follow */
	z_stream z;
	ZSTD_DStream *zs;
} instream;

/* Open path ("-" = stdin) and detect compression by magic bytes.
 * 0, SPOOR_EIO (diag says why) or SPOOR_ENOMEM. */
int instream_open(instream *s, const char *path, spoor_diag *diag);
/* Read up to n decompressed bytes: > 0 bytes, 0 at end, < 0 error. */
ssize_t instream_read(instream *s, void *dst, size_t n, spoor_diag *diag);
void instream_close(instream *s);
const char *instream_kind_name(instream_kind k);

/* A list of paths to scan, expanded from arguments. */
typedef struct pathlist {
	char **v;
	size_t n, cap;
} pathlist;

/* Append path; directories are expanded recursively in byte order of
 * names, without following symbolic links to directories.  Errors
 * (unreadable directory) are returned after everything readable was
 * added; diag names the first one. */
int pathlist_add(pathlist *pl, const char *path, unsigned max_depth, spoor_diag *diag);
void pathlist_done(pathlist *pl);

#endif
