/* intel-json — a small JSON document tree for intel files.
 *
 * The project's json-scan flattens one log record into event fields; an
 * intel document (a STIX bundle of thousands of objects, a MISP event with
 * nested Object/Attribute/Tag arrays) needs random access to siblings and
 * to whole sub-objects instead, so intel files are parsed once into a tree
 * of nodes in an arena (see docs/internals/intel.md).  Strings without
 * escapes are views into the input; the input must outlive the tree. */
#ifndef SPOOR_INTEL_JSON_H
#define SPOOR_INTEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/base.h"

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jnode jnode;
struct jnode {
	jtype type;
	uint32_t n;   /* children (arrays, objects) */
	spoor_sv key; /* member name when the parent is an object */
	spoor_sv s;   /* decoded string, number text, "true"/"false" */
	jnode *child; /* first child */
	jnode *next;  /* next sibling */
};

typedef struct jdoc {
	arena ar;
	jnode *root;
	size_t nodes;
	size_t max_nodes;
	unsigned max_depth;
	size_t err_pos;
	const char *err;
} jdoc;

/* Parse p[0..n) (one JSON value, surrounding space allowed).  Returns 0,
 * SPOOR_EPARSE (err/err_pos say where), SPOOR_ELIMIT (depth or node count),
 * SPOOR_ENOMEM.  jdoc_done frees either way. */
int jdoc_parse(jdoc *d, const char *p, size_t n, unsigned max_depth, size_t max_nodes);
void jdoc_done(jdoc *d);

/* RFC 8259 number text? */
bool json_is_number_text(spoor_sv v);

/* Member of an object by name, or NULL. */
const jnode *jget(const jnode *o, const char *key);
/* String member (J_STR; J_NUM/J_BOOL give their text); empty view if none. */
spoor_sv jstr(const jnode *o, const char *key);
/* Boolean member: true/false, "1"/"0", "true"/"false"; def when absent. */
bool jbool(const jnode *o, const char *key, bool def);

#endif
