/* spoor — error codes and the caller-owned diagnostic.
 *
 * Fallible functions return int: >= 0 is success, a negative value is one of
 * enum spoor_err.  Details go into a spoor_diag that the caller owns; the
 * library has no "last error" state of its own. */
#ifndef SPOOR_ERROR_H
#define SPOOR_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "spoor/common.h"

typedef enum spoor_err {
	SPOOR_OK = 0,
	SPOOR_ERR = -1,       /* generic failure */
	SPOOR_ENOMEM = -2,    /* out of memory */
	SPOOR_EINVAL = -3,    /* invalid argument or option */
	SPOOR_EIO = -4,       /* read/write failure */
	SPOOR_EPARSE = -5,    /* malformed input */
	SPOOR_ELIMIT = -6,    /* a configured limit was exceeded */
	SPOOR_ECORRUPT = -7,  /* structural corruption (checksums, offsets) */
	SPOOR_ENOTFOUND = -8, /* no such file, field, format, ... */
	SPOOR_EAGAIN = -9,    /* try again later */
	SPOOR_ETIMEOUT = -10, /* a time limit was exceeded */
	_SPOOR_ERR_MIN = -11
} spoor_err;

/* A diagnostic: what went wrong and where.  Owned by the caller; the
 * library only writes into it.  `source` is a file path or "<stdin>";
 * `offset` is the byte offset of the record in its (decompressed) stream. */
typedef struct spoor_diag {
	int code;
	char msg[256];
	char source[512];
	uint64_t offset;
	uint64_t line; /* 1-based record/line number, 0 when unknown */
	uint32_t col;  /* 1-based column, 0 when unknown */
} spoor_diag;

#define SPOOR_DIAG_INIT {0, {0}, {0}, 0, 0, 0}

/* A short constant name for an error code ("EPARSE", ...). */
SPOOR_API const char *spoor_strerror(int code);

#endif
