/* misp — MISP events (single exports, restSearch arrays, feed folders
 * with manifest.json) and MISP galaxy cluster files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-int.h"

int attack_entity(spoor_intel *in, ent_kind kind, spoor_sv id, spoor_sv name, spoor_sv ext_id, const jnode *aliases,
		  const jnode *aliases2, bool deprecated, uint32_t *out);
int intel_load_file(spoor_intel *in, const char *path, bool quiet_skip, spoor_diag *diag);

static const jnode *event_of(const jnode *r)
{
	const jnode *e = jget(r, "Event");
	if (e && e->type == J_OBJ)
		return e;
	if (r && r->type == J_OBJ && (jget(r, "Attribute") || jget(r, "Object")) && jget(r, "info"))
		return r;
	return NULL;
}

bool misp_is_event(const jnode *r)
{
	if (!r)
		return false;
	if (r->type == J_ARR)
		return r->child && event_of(r->child);
	const jnode *resp = jget(r, "response");
	if (resp && resp->type == J_ARR)
		return !resp->child || event_of(resp->child);
	return event_of(r) != NULL;
}

bool misp_is_galaxy(const jnode *r)
{
	const jnode *v = jget(r, "values");
	return v && v->type == J_ARR && v->child && jget(v->child, "value") && !jget(r, "Event");
}

/* The kind a galaxy says its clusters are. */
static int galaxy_kind(spoor_sv g)
{
	if (!g.n)
		return -1; /* an empty name may have no bytes at all: memmem wants a pointer */
	if (memmem(g.p, g.n, "threat-actor", 12) || memmem(g.p, g.n, "intrusion-set", 13) ||
	    memmem(g.p, g.n, "microsoft-activity-group", 24))
		return ENT_GROUP;
	if (memmem(g.p, g.n, "attack-pattern", 14))
		return ENT_TECHNIQUE;
	if (memmem(g.p, g.n, "tool", 4))
		return ENT_TOOL;
	if (memmem(g.p, g.n, "malpedia", 8) || memmem(g.p, g.n, "malware", 7) || memmem(g.p, g.n, "ransomware", 10) ||
	    memmem(g.p, g.n, "rat", 3) || memmem(g.p, g.n, "backdoor", 8) || memmem(g.p, g.n, "botnet", 6))
		return ENT_MALWARE;
	return -1;
}

/* misp-galaxy:threat-actor="BlackTech" -> a reference by name */
static int tag_refs(spoor_intel *in, uint32_t obj, const jnode *tags)
{
	if (!tags || tags->type != J_ARR)
		return 0;
	int rc = 0;
	for (const jnode *t = tags->child; t && rc == 0; t = t->next) {
		spoor_sv n = jstr(t, "name");
		if (!sv_starts(n, "misp-galaxy:"))
			continue;
		const char *eq = memchr(n.p, '=', n.n);
		if (!eq)
			continue;
		spoor_sv g = sv_make(n.p + 12, (size_t)(eq - n.p - 12));
		spoor_sv v = sv_make(eq + 1, n.n - (size_t)(eq + 1 - n.p));
		if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
			v = sv_make(v.p + 1, v.n - 2);
		int k = galaxy_kind(g);
		if (k >= 0)
			rc = intel_name_ref(in, obj, (ent_kind)k, v);
	}
	return rc;
}

/* Galaxy clusters attached to an event or attribute: entities with their
 * synonyms, and references to them. */
static int galaxies(spoor_intel *in, uint32_t obj, const jnode *gal)
{
	if (!gal || gal->type != J_ARR)
		return 0;
	int rc = 0;
	for (const jnode *g = gal->child; g && rc == 0; g = g->next) {
		int k = galaxy_kind(jstr(g, "type"));
		const jnode *cl = jget(g, "GalaxyCluster");
		if (k < 0 || !cl || cl->type != J_ARR)
			continue;
		for (const jnode *c = cl->child; c && rc == 0; c = c->next) {
			spoor_sv v = jstr(c, "value");
			if (!v.n)
				continue;
			const jnode *meta = jget(c, "meta");
			rc = attack_entity(in, (ent_kind)k, jstr(c, "uuid"), v, SPOOR_SV_NULL, jget(meta, "synonyms"),
					   NULL, false, NULL);
			if (rc == 0 && obj != UINT32_MAX)
				rc = intel_name_ref(in, obj, (ent_kind)k, v);
		}
	}
	return rc;
}

/* Attribute types with no event field to match: kept as context. */
static bool context_type(spoor_sv t)
{
	static const char *const ctx[] = {"link", "comment", "text", "other", "attachment", "datetime", "counter",
					  "boolean", "float", "size-in-bytes", "whois-registrant-name"};
	for (size_t i = 0; i < ARRAY_SIZE(ctx); i++)
		if (sv_eq_cstr(t, ctx[i]))
			return true;
	return false;
}

typedef struct evctx {
	spoor_sv source, event_uuid;
	const jnode *event_tags;
	uint32_t src;
	int64_t from, until;
} evctx;

static int attribute(spoor_intel *in, const evctx *ev, const jnode *a, spoor_sv objname)
{
	spoor_sv type = jstr(a, "type"), value = jstr(a, "value"), uuid = jstr(a, "uuid");
	if (!type.n || !value.n) {
		in->srcs.v[ev->src].bad++;
		return 0;
	}
	bool ids = jbool(a, "to_ids", false);
	if (context_type(type)) {
		in->context_attrs++;
		return 0;
	}
	/* composite types: "filename|md5", "domain|ip", "ip-dst|port" */
	spoor_sv parts[2] = {type, SPOOR_SV_NULL}, vals[2] = {value, SPOOR_SV_NULL};
	size_t np = 1;
	const char *bar = memchr(type.p, '|', type.n);
	if (bar) {
		const char *vb = memchr(value.p, '|', value.n);
		if (!vb) {
			in->srcs.v[ev->src].bad++;
			return intel_unsupported(in, ev->src, uuid, value, "composite MISP value without '|'");
		}
		parts[0] = sv_make(type.p, (size_t)(bar - type.p));
		parts[1] = sv_make(bar + 1, type.n - (size_t)(bar + 1 - type.p));
		vals[0] = sv_make(value.p, (size_t)(vb - value.p));
		vals[1] = sv_make(vb + 1, value.n - (size_t)(vb + 1 - value.p));
		np = 2;
		if (sv_eq_cstr(parts[0], "filename") || sv_eq_cstr(parts[0], "malware-sample")) {
			/* the hash says which file; the name alone is weak */
			parts[0] = parts[1];
			vals[0] = vals[1];
			np = 1;
		}
	}
	if (sv_eq_cstr(parts[0], "malware-sample")) {
		in->context_attrs++;
		return 0;
	}
	int types[2];
	ioc_mode modes[2];
	for (size_t i = 0; i < np; i++) {
		types[i] = intel_type_from_name(parts[i], &modes[i]);
		if (types[i] == -2)
			types[i] = hash_type_by_len(sv_trim(vals[i]).n);
	}
	if (np == 2 && types[1] < 0)
		np = 1; /* "ip-dst|port": the port is not an indicator */
	if (types[0] < 0) {
		if (!ids) {
			in->context_attrs++;
			return 0;
		}
		char why[96];
		snprintf(why, sizeof(why), "MISP type %.*s: spoor has no event field for it", (int)MIN(type.n, 40),
			 type.p);
		return intel_unsupported(in, ev->src, uuid, value, why);
	}
	if (!ids && !in->opt.ignore_to_ids) {
		in->not_ids++;
		return 0;
	}
	uint32_t k;
	int rc = intel_obj_new(in, ev->src, &k);
	if (rc < 0)
		return rc;
	iobj *o = &in->objs.v[k];
	char nm[160];
	spoor_sv cat = jstr(a, "category");
	snprintf(nm, sizeof(nm), "%.*s%s%.*s%s%.*s", (int)MIN(objname.n, 40), objname.p, objname.n ? " " : "",
		 (int)MIN(type.n, 40), type.p, cat.n ? " / " : "", (int)MIN(cat.n, 60), cat.p);
	if (!intel_strdup(in, uuid, &o->id) || !intel_strdup(in, sv_cstr(nm), &o->name) ||
	    !intel_strdup(in, ev->source, &o->source))
		return SPOOR_ENOMEM;
	if (!ids)
		o->flags &= (uint8_t)~IOBJ_IDS;
	o->from = ev->from;
	o->until = ev->until;
	int64_t t;
	if (intel_time(jstr(a, "first_seen"), &t))
		o->from = t;
	if (intel_time(jstr(a, "last_seen"), &t))
		o->until = t;
	for (size_t i = 0; i < np && rc >= 0; i++) {
		rc = intel_atom_add(in, k, (ioc_type)types[i], modes[i], vals[i], 0, 1);
		if (rc == 1) {
			char why[96];
			snprintf(why, sizeof(why), "not a valid %s value", spoor_intel_type_name((unsigned)types[i]));
			rc = intel_unsupported(in, ev->src, uuid, vals[i], why);
		}
	}
	if (rc == 0)
		rc = tag_refs(in, k, ev->event_tags);
	if (rc == 0)
		rc = tag_refs(in, k, jget(a, "Tag"));
	if (rc == 0)
		rc = galaxies(in, k, jget(a, "Galaxy"));
	return rc;
}

static int event(spoor_intel *in, uint32_t src, const jnode *e)
{
	evctx ev = {0};
	ev.src = src;
	ev.source = jstr(jget(e, "Orgc"), "name");
	if (!ev.source.n)
		ev.source = jstr(jget(e, "Org"), "name");
	ev.event_uuid = jstr(e, "uuid");
	ev.event_tags = jget(e, "Tag");
	ev.from = INT64_MIN;
	ev.until = INT64_MAX;
	int rc = galaxies(in, UINT32_MAX, jget(e, "Galaxy"));
	/* event-level galaxies apply to every attribute: as tag names */
	const jnode *attrs = jget(e, "Attribute");
	size_t before = in->objs.n;
	if (attrs && attrs->type == J_ARR)
		for (const jnode *a = attrs->child; a && rc == 0; a = a->next)
			rc = attribute(in, &ev, a, SPOOR_SV_NULL);
	const jnode *objs = jget(e, "Object");
	if (objs && objs->type == J_ARR) {
		for (const jnode *o = objs->child; o && rc == 0; o = o->next) {
			const jnode *oa = jget(o, "Attribute");
			if (!oa || oa->type != J_ARR)
				continue;
			for (const jnode *a = oa->child; a && rc == 0; a = a->next)
				rc = attribute(in, &ev, a, jstr(o, "name"));
		}
	}
	/* event galaxies name the actor of every attribute of the event */
	const jnode *gal = jget(e, "Galaxy");
	if (gal && gal->type == J_ARR)
		for (size_t k = before; k < in->objs.n && rc == 0; k++)
			for (const jnode *g = gal->child; g && rc == 0; g = g->next) {
				int kind = galaxy_kind(jstr(g, "type"));
				const jnode *cl = jget(g, "GalaxyCluster");
				if (kind < 0 || !cl || cl->type != J_ARR)
					continue;
				for (const jnode *c = cl->child; c && rc == 0; c = c->next)
					rc = intel_name_ref(in, (uint32_t)k, (ent_kind)kind, jstr(c, "value"));
			}
	return rc;
}

int misp_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag)
{
	int rc = 0;
	const jnode *list = root->type == J_ARR ? root : jget(root, "response");
	if (list && list->type == J_ARR) {
		for (const jnode *x = list->child; x && rc == 0; x = x->next) {
			const jnode *e = event_of(x);
			if (e)
				rc = event(in, src, e);
			else
				in->srcs.v[src].bad++;
		}
	} else {
		rc = event(in, src, event_of(root));
	}
	if (rc < 0)
		return diag_set(diag, rc, "%s: %s", in->srcs.v[src].path,
				rc == SPOOR_ELIMIT ? "more indicators than the limit (intel max_indicators)"
						   : "out of memory");
	return 0;
}

int misp_galaxy_load(spoor_intel *in, uint32_t src, const jnode *root, spoor_diag *diag)
{
	spoor_sv g = jstr(root, "type");
	if (!g.n)
		g = jstr(root, "name");
	if (!g.n)
		g = jstr(root, "source");
	int k = galaxy_kind(g);
	if (k < 0)
		k = ENT_MALWARE;
	int rc = 0;
	for (const jnode *c = jget(root, "values")->child; c && rc == 0; c = c->next) {
		spoor_sv v = jstr(c, "value");
		if (!v.n) {
			in->srcs.v[src].bad++;
			continue;
		}
		const jnode *meta = jget(c, "meta");
		rc = attack_entity(in, (ent_kind)k, jstr(c, "uuid"), v, SPOOR_SV_NULL, jget(meta, "synonyms"), NULL,
				   false, NULL);
	}
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	return 0;
}

int misp_feed_load(spoor_intel *in, const char *dir, spoor_diag *diag)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	/* the manifest is read as JSON here; each event it lists is a file */
	spoor_diag d2 = SPOOR_DIAG_INIT;
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(diag, SPOOR_EIO, "%s: cannot open", path);
	size_t cap = 1u << 16, n = 0;
	char *b = xmalloc(cap);
	int rc = b ? 0 : SPOOR_ENOMEM;
	while (rc == 0) {
		if (n == cap) {
			if (cap >= in->opt.max_file_bytes) {
				rc = SPOOR_ELIMIT;
				break;
			}
			char *nb = xrealloc(b, cap * 2);
			if (!nb) {
				rc = SPOOR_ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	if (rc < 0) {
		free(b);
		return diag_set(diag, rc, "%s: cannot read", path);
	}
	jdoc doc;
	rc = jdoc_parse(&doc, b, n, in->opt.max_depth, in->opt.max_json_values);
	if (rc < 0 || !doc.root || doc.root->type != J_OBJ) {
		diag_set(diag, rc < 0 ? rc : SPOOR_EPARSE, "%s: not a MISP manifest (%s at byte %zu)", path,
			 doc.err ? doc.err : "not an object", doc.err_pos);
		jdoc_done(&doc);
		free(b);
		return rc < 0 ? rc : SPOOR_EPARSE;
	}
	rc = 0;
	for (const jnode *e = doc.root->child; e && rc == 0; e = e->next) {
		if (e->key.n > 64 || !e->key.n || memchr(e->key.p, '/', e->key.n)) {
			in->skipped_files++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%.*s.json", dir, (int)e->key.n, e->key.p);
		d2 = (spoor_diag)SPOOR_DIAG_INIT;
		rc = intel_load_file(in, path, true, &d2);
		if (rc == SPOOR_EPARSE || rc == SPOOR_EIO || rc == SPOOR_ENOTFOUND) {
			/* a missing or broken event: the rest of the feed still loads */
			in->skipped_files++;
			rc = 0;
		}
		if (rc < 0 && diag)
			*diag = d2;
	}
	jdoc_done(&doc);
	free(b);
	return rc;
}
