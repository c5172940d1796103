/* rules-archive — regular files of .zip / .tar / .tar.gz archives in
 * memory (rules-archive.c), for `spoor rules update --from ARCHIVE`. */
#ifndef SPOOR_RULES_ARCHIVE_H
#define SPOOR_RULES_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum { ARC_NONE = 0, ARC_ZIP, ARC_TAR, ARC_TGZ };

/* Limits (docs/limits.md). */
#define ARC_MAX_PATH	1024
#define ARC_MAX_MEMBERS 200000u
#define ARC_MAX_FILE	(4u << 20)   /* larger members are passed without data */
#define ARC_MAX_TOTAL	(256u << 20) /* bytes of members up to ARC_MAX_FILE */
#define ARC_MAX_GUNZIP	((size_t)1 << 30)

/* Called per regular file; data is NULL for a file larger than
 * ARC_MAX_FILE (its size in n).  Returns 0 or a negative SPOOR_E* to stop. */
typedef int (*arc_fn)(void *payload, const char *name, size_t name_n, const char *data, uint64_t n);

/* ARC_* from the first bytes. */
int arc_kind(const char *data, size_t n);
/* 1 when a member name is safe to create below a folder: relative, no
 * `..` segment, no NUL or backslash, at most ARC_MAX_PATH bytes. */
int arc_name_ok(const char *p, size_t n);
/* Each regular file of the archive, in archive order. */
int arc_each(const char *data, size_t n, arc_fn fn, void *payload, spoor_diag *diag);

#endif
