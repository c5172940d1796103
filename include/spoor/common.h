/* spoor — common definitions for the public headers. */
#ifndef SPOOR_COMMON_H
#define SPOOR_COMMON_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define SPOOR_API __attribute__((visibility("default")))
#else
#define SPOOR_API
#endif

/* A string view: pointer + length.  Never assumed NUL-terminated nor valid
 * UTF-8.  Borrowed: the owner of the bytes says how long they live. */
typedef struct spoor_sv {
	const char *p;
	size_t n;
} spoor_sv;

#define SPOOR_SV(lit) ((spoor_sv){(lit), sizeof(lit) - 1})
#define SPOOR_SV_NULL ((spoor_sv){NULL, 0})

#endif
