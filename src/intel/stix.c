/* stix — STIX 2.1 bundles: indicators (patterns -> atoms) and, through
 * attack.c, the groups, software and techniques they point to. */
#include <stdio.h>
#include <string.h>

#include "intel/intel-int.h"

static int indicator(spoor_intel *in, uint32_t src, const jnode *o)
{
	spoor_sv id = jstr(o, "id");
	spoor_sv pattern = jstr(o, "pattern");
	spoor_sv ptype = jstr(o, "pattern_type");
	if (!pattern.n) {
		in->srcs.v[src].bad++;
		return intel_unsupported(in, src, id, SPOOR_SV("(no pattern)"), "indicator without a pattern");
	}
	if (ptype.n && !sv_eq_cstr(ptype, "stix")) {
		char why[96];
		snprintf(why, sizeof(why), "pattern_type %.*s (only stix patterns are matched)", (int)MIN(ptype.n, 40),
			 ptype.p);
		return intel_unsupported(in, src, id, pattern, why);
	}
	uint32_t k;
	int rc = intel_obj_new(in, src, &k);
	if (rc < 0)
		return rc;
	iobj *ob = &in->objs.v[k];
	spoor_sv name = jstr(o, "name");
	spoor_sv by = jstr(o, "created_by_ref");
	if (!intel_strdup(in, id, &ob->id) || !intel_strdup(in, name, &ob->name) ||
	    !intel_strdup(in, pattern, &ob->pattern) || !intel_strdup(in, by, &ob->source))
		return SPOOR_ENOMEM;
	int64_t t;
	if (intel_time(jstr(o, "valid_from"), &t))
		ob->from = t;
	if (intel_time(jstr(o, "valid_until"), &t))
		ob->until = t;
	spoor_sv conf = jstr(o, "confidence");
	int64_t c;
	if (conf.n && sv_to_i64(conf, &c) && c >= 0 && c <= 100)
		ob->confidence = (uint8_t)c;
	if (jbool(o, "revoked", false))
		ob->flags |= IOBJ_REVOKED;
	if (id.n && smap_put(&in->obj_by_id, ob->id, k) < 0)
		return SPOOR_ENOMEM;
	return stix_pattern_atoms(in, k, ob->pattern, ob->id);
}

static int object(spoor_intel *in, uint32_t src, const jnode *o)
{
	if (o->type != J_OBJ) {
		in->srcs.v[src].bad++;
		return 0;
	}
	spoor_sv type = jstr(o, "type");
	int rc;
	if (sv_eq_cstr(type, "indicator")) {
		rc = indicator(in, src, o);
	} else {
		rc = attack_object(in, o, type);
		if (rc == 1) {
			in->srcs.v[src].bad++;
			rc = 0;
		}
	}
	return rc;
}

int stix_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag)
{
	const jnode *objs = root->type == J_ARR ? root : jget(root, "objects");
	int rc = 0;
	if (objs && objs->type == J_ARR) {
		for (const jnode *o = objs->child; o && rc == 0; o = o->next)
			rc = object(in, src, o);
	} else if (!sv_eq_cstr(jstr(root, "type"), "bundle")) {
		rc = object(in, src, root);
	}
	if (rc < 0)
		return diag_set(diag, rc, "%s: %s", in->srcs.v[src].path,
				rc == SPOOR_ELIMIT ? "more indicators than the limit (intel max_indicators)"
						   : "out of memory");
	return 0;
}
