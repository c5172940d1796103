/* attack — STIX domain objects that say who and how: intrusion sets,
 * malware, tools, attack patterns, campaigns (MITRE ATT&CK's STIX and
 * any CERT bundle), and the relationships between them. */
#include <string.h>

#include "intel/intel-int.h"

static int kind_of(spoor_sv type)
{
	if (sv_eq_cstr(type, "intrusion-set") || sv_eq_cstr(type, "threat-actor"))
		return ENT_GROUP;
	if (sv_eq_cstr(type, "malware"))
		return ENT_MALWARE;
	if (sv_eq_cstr(type, "tool"))
		return ENT_TOOL;
	if (sv_eq_cstr(type, "attack-pattern"))
		return ENT_TECHNIQUE;
	if (sv_eq_cstr(type, "campaign"))
		return ENT_CAMPAIGN;
	return -1;
}

static int add_aliases(spoor_intel *in, ent *e, const jnode *arr)
{
	if (!arr || arr->type != J_ARR)
		return 0;
	for (const jnode *a = arr->child; a; a = a->next) {
		if (a->type != J_STR || !a->s.n || sv_ieq(a->s, e->name))
			continue;
		bool dup = false;
		for (uint32_t k = 0; k < e->naliases && !dup; k++)
			dup = sv_ieq(e->aliases[k], a->s);
		if (dup || e->naliases >= 256)
			continue;
		spoor_sv *na = xreallocarray(e->aliases, e->naliases + 1, sizeof(*na));
		if (!na)
			return SPOOR_ENOMEM;
		e->aliases = na;
		if (!intel_strdup(in, a->s, &e->aliases[e->naliases]))
			return SPOOR_ENOMEM;
		e->naliases++;
	}
	return 0;
}

int attack_entity(spoor_intel *in, ent_kind kind, spoor_sv id, spoor_sv name, spoor_sv ext_id, const jnode *aliases,
		  const jnode *aliases2, bool deprecated, uint32_t *out);
int attack_entity(spoor_intel *in, ent_kind kind, spoor_sv id, spoor_sv name, spoor_sv ext_id, const jnode *aliases,
		  const jnode *aliases2, bool deprecated, uint32_t *out)
{
	uint32_t k;
	int rc = intel_ent_add(in, kind, id, name, &k);
	if (rc < 0)
		return rc;
	ent *e = &in->ents.v[k];
	if (!e->name.n && name.n && !intel_strdup(in, name, &e->name))
		return SPOOR_ENOMEM;
	if (!e->ext_id.n && ext_id.n && !intel_strdup(in, ext_id, &e->ext_id))
		return SPOOR_ENOMEM;
	if (rc == 0)
		e->deprecated = deprecated;
	rc = add_aliases(in, e, aliases);
	if (rc == 0)
		rc = add_aliases(in, e, aliases2);
	if (out)
		*out = k;
	return rc;
}

int attack_object(spoor_intel *in, const jnode *o, spoor_sv type)
{
	if (sv_eq_cstr(type, "relationship")) {
		if (jbool(o, "revoked", false))
			return 0;
		spoor_sv s = jstr(o, "source_ref"), t = jstr(o, "target_ref"), rt = jstr(o, "relationship_type");
		if (!s.n || !t.n || !rt.n)
			return 1;
		return intel_rel_add(in, s, rt, t);
	}
	if (sv_eq_cstr(type, "sighting"))
		return 0;
	int kind = kind_of(type);
	if (kind < 0)
		return 0; /* identity, marking-definition, report, ...: nothing to match */
	spoor_sv id = jstr(o, "id"), name = jstr(o, "name");
	if (!id.n || !name.n)
		return 1;
	spoor_sv ext = SPOOR_SV_NULL;
	const jnode *refs = jget(o, "external_references");
	if (refs && refs->type == J_ARR) {
		for (const jnode *r = refs->child; r && !ext.n; r = r->next) {
			spoor_sv sn = jstr(r, "source_name");
			if (sv_eq_cstr(sn, "mitre-attack") || sv_eq_cstr(sn, "mitre-mobile-attack") ||
			    sv_eq_cstr(sn, "mitre-ics-attack"))
				ext = jstr(r, "external_id");
		}
	}
	bool dep = jbool(o, "x_mitre_deprecated", false) || jbool(o, "revoked", false);
	return attack_entity(in, (ent_kind)kind, id, name, ext, jget(o, "aliases"), jget(o, "x_mitre_aliases"), dep,
			     NULL);
}
