/* spoor — writing events out (JSON lines with ECS names). */
#ifndef SPOOR_OUTPUT_H
#define SPOOR_OUTPUT_H

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"

typedef struct spoor_out spoor_out;

#define SPOOR_OUT_OPTIONS_VERSION 1
typedef struct spoor_out_options {
	unsigned version;
	/* Only these fields (raw or ECS names), in this order; NULL = all:
	 * @timestamp, ECS fields, origin, then the raw fields under "raw". */
	const char *const *fields;
	size_t nfields;
	int raw; /* 1 = include the "raw" object (default), 0 = ECS only */
} spoor_out_options;

#define SPOOR_OUT_OPTIONS_INIT {SPOOR_OUT_OPTIONS_VERSION, NULL, 0, 1}

/* Buffered JSON-lines writer on a file descriptor (borrowed). */
SPOOR_API int spoor_out_new(spoor_out **out, int fd, const spoor_out_options *opts, spoor_diag *diag);
SPOOR_API int spoor_out_event(spoor_out *o, spoor_event *ev);
SPOOR_API int spoor_out_flush(spoor_out *o);
SPOOR_API spoor_out *spoor_out_free(spoor_out *o);

#endif
