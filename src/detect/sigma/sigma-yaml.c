/* sigma-yaml — libyaml documents to a small tree with positions, and
 * Sigma rule collections: a document with `action: global` is merged into
 * every following document, `action: reset` forgets it, `action: repeat`
 * is merged into the previous document (Sigma 1.0 collections). */
#include <string.h>
#include <yaml.h>

#include "detect/sigma/sigma-int.h"
#include "detect/sigma/sigma-ycache.h"

typedef struct conv {
	arena *ar;  /* nodes */
	arena *sar; /* scalar text */
	yaml_document_t *doc;
	size_t nodes;
	spoor_diag *diag;
} conv;

static ynode *ynew(arena *ar, uint8_t kind, uint32_t line, uint32_t col)
{
	ynode *y = arena_alloc(ar, sizeof(*y));
	if (!y)
		return NULL;
	memset(y, 0, sizeof(*y));
	y->kind = kind;
	y->line = line;
	y->col = col;
	y->s = "";
	return y;
}

static int conv_node(conv *c, int idx, unsigned depth, ynode **out)
{
	yaml_node_t *n = yaml_document_get_node(c->doc, idx);
	if (!n)
		return diag_set(c->diag, SPOOR_EPARSE, "bad YAML node reference");
	uint32_t line = (uint32_t)n->start_mark.line + 1, col = (uint32_t)n->start_mark.column + 1;
	if (depth > SIGMA_MAX_DEPTH || ++c->nodes > SIGMA_MAX_NODES) {
		c->diag->line = line;
		c->diag->col = col;
		return diag_set(c->diag, SPOOR_ELIMIT, "YAML nested deeper than %d or more than %d nodes (aliases?)",
				SIGMA_MAX_DEPTH, SIGMA_MAX_NODES);
	}
	ynode *y;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		y = ynew(c->ar, YN_SCALAR, line, col);
		if (!y)
			return SPOOR_ENOMEM;
		char *t = arena_alloc_bytes(c->sar, n->data.scalar.length + 1);
		if (!t)
			return SPOOR_ENOMEM;
		memcpy(t, n->data.scalar.value, n->data.scalar.length);
		t[n->data.scalar.length] = 0;
		y->s = t;
		y->n = n->data.scalar.length;
		y->plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_NODE: {
		y = ynew(c->ar, YN_SEQ, line, col);
		if (!y)
			return SPOOR_ENOMEM;
		size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		y->kv = arena_alloc(c->ar, (cnt + 1) * sizeof(ynode *));
		if (!y->kv)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			int r = conv_node(c, n->data.sequence.items.start[i], depth + 1, &y->kv[i]);
			if (r < 0)
				return r;
		}
		y->nkv = cnt;
		break;
	}
	case YAML_MAPPING_NODE: {
		y = ynew(c->ar, YN_MAP, line, col);
		if (!y)
			return SPOOR_ENOMEM;
		size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		y->kv = arena_alloc(c->ar, (2 * cnt + 1) * sizeof(ynode *));
		if (!y->kv)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
			int r = conv_node(c, p->key, depth + 1, &y->kv[2 * i]);
			if (r < 0)
				return r;
			if (y->kv[2 * i]->kind != YN_SCALAR) {
				c->diag->line = y->kv[2 * i]->line;
				c->diag->col = y->kv[2 * i]->col;
				return diag_set(c->diag, SPOOR_EPARSE, "mapping key is not a scalar");
			}
			r = conv_node(c, p->value, depth + 1, &y->kv[2 * i + 1]);
			if (r < 0)
				return r;
		}
		y->nkv = 2 * cnt;
		break;
	}
	default:
		return diag_set(c->diag, SPOOR_EPARSE, "empty YAML node");
	}
	*out = y;
	return 0;
}

const ynode *ynode_get(const ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i + 1 < map->nkv; i += 2) {
		const ynode *k = map->kv[i];
		if (k->n == kl && !memcmp(k->s, key, kl))
			return map->kv[i + 1];
	}
	return NULL;
}

bool ynode_is_null(const ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	return n->n == 0 || !strcmp(n->s, "null") || !strcmp(n->s, "Null") || !strcmp(n->s, "NULL") ||
	       !strcmp(n->s, "~");
}

/* Deep merge: a copy of a with b's keys put over it (maps merge, anything
 * else is replaced). */
static ynode *ymerge(arena *ar, const ynode *a, const ynode *b)
{
	if (!a)
		return (ynode *)b;
	if (!b)
		return (ynode *)a;
	if (a->kind != YN_MAP || b->kind != YN_MAP)
		return (ynode *)b;
	ynode *m = ynew(ar, YN_MAP, b->line, b->col);
	if (!m)
		return NULL;
	m->kv = arena_alloc(ar, (a->nkv + b->nkv + 1) * sizeof(ynode *));
	if (!m->kv)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i + 1 < a->nkv; i += 2) {
		const ynode *bv = ynode_get(b, a->kv[i]->s);
		ynode *v = a->kv[i + 1];
		if (bv) {
			v = ymerge(ar, v, bv);
			if (!v)
				return NULL;
		}
		m->kv[n++] = a->kv[i];
		m->kv[n++] = v;
	}
	for (size_t i = 0; i + 1 < b->nkv; i += 2) {
		if (ynode_get(a, b->kv[i]->s))
			continue;
		m->kv[n++] = b->kv[i];
		m->kv[n++] = b->kv[i + 1];
	}
	m->nkv = n;
	return m;
}

/* A copy of map m without key `key`. */
static ynode *ywithout(arena *ar, const ynode *m, const char *key)
{
	ynode *c = ynew(ar, YN_MAP, m->line, m->col);
	if (!c)
		return NULL;
	c->kv = arena_alloc(ar, (m->nkv + 1) * sizeof(ynode *));
	if (!c->kv)
		return NULL;
	for (size_t i = 0; i + 1 < m->nkv; i += 2) {
		if (!strcmp(m->kv[i]->s, key))
			continue;
		c->kv[c->nkv++] = m->kv[i];
		c->kv[c->nkv++] = m->kv[i + 1];
	}
	return c;
}

/* Collection handling over a file's documents, one at a time. */
typedef struct coll {
	arena *ar;
	ydoc *v;
	size_t n, cap;
	const ynode *global, *prev;
	spoor_diag *diag;
} coll;

/* Take the next document of the file: 0, or an error (stop). */
static int coll_add(coll *c, ynode *root, uint32_t dline)
{
	spoor_diag *diag = c->diag;
	if (c->n >= SIGMA_MAX_DOCS)
		return diag_set(diag, SPOOR_ELIMIT, "more than %d documents in one file", SIGMA_MAX_DOCS);
	const ynode *act = ynode_get(root, "action");
	if (act && act->kind == YN_SCALAR) {
		ynode *rest = ywithout(c->ar, root, "action");
		if (!rest)
			return SPOOR_ENOMEM;
		if (!strcmp(act->s, "global")) {
			c->global = ymerge(c->ar, c->global, rest);
			return 0;
		} else if (!strcmp(act->s, "reset")) {
			c->global = NULL;
			return 0;
		} else if (!strcmp(act->s, "repeat")) {
			if (!c->prev) {
				diag->line = act->line;
				diag->col = act->col;
				return diag_set(diag, SPOOR_EPARSE, "action: repeat with no previous document");
			}
			root = ymerge(c->ar, c->prev, rest);
		} else {
			diag->line = act->line;
			diag->col = act->col;
			return diag_set(diag, SPOOR_EPARSE, "unknown collection action '%s'", act->s);
		}
	} else if (c->global) {
		root = ymerge(c->ar, c->global, root);
	}
	if (!root)
		return SPOOR_ENOMEM;
	if (c->n == c->cap) {
		ydoc *nv = arena_alloc(c->ar, 2 * c->cap * sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		memcpy(nv, c->v, c->n * sizeof(*nv));
		c->v = nv;
		c->cap *= 2;
	}
	c->v[c->n].root = root;
	c->v[c->n].line = dline;
	c->n++;
	c->prev = root;
	return 0;
}

static int coll_init(coll *c, arena *ar, spoor_diag *diag)
{
	memset(c, 0, sizeof(*c));
	c->ar = ar;
	c->diag = diag;
	c->cap = 4;
	c->v = arena_alloc(ar, c->cap * sizeof(*c->v));
	return c->v ? 0 : SPOOR_ENOMEM;
}

/* The documents of a file from the tree cache: true when they were there
 * (and went through collection handling without error, which they do:
 * only files that parsed are kept). */
static bool from_cache(ycache *yc, const unsigned char key[32], arena *ar, arena *nar, ydoc **docs, size_t *ndocs)
{
	ynode **roots;
	uint32_t *lines;
	size_t nr;
	if (ycache_get(yc, key, ar, nar, &roots, &lines, &nr) != 1)
		return false;
	spoor_diag d = SPOOR_DIAG_INIT;
	coll c;
	int rc = coll_init(&c, nar, &d);
	for (size_t i = 0; i < nr && rc == 0; i++)
		rc = coll_add(&c, roots[i], lines[i]);
	if (rc < 0)
		return false; /* a cache file written by something else: parse */
	*docs = c.v;
	*ndocs = c.n;
	return true;
}

int sigma_yaml_parse(arena *ar, const char *text, size_t len, ydoc **docs, size_t *ndocs, spoor_diag *diag)
{
	return sigma_yaml_parse_yc(NULL, ar, NULL, NULL, text, len, docs, ndocs, diag);
}

int sigma_yaml_parse_yc(ycache *yc, arena *ar, arena *nar, const unsigned char *key_in, const char *text,
			size_t len, ydoc **docs, size_t *ndocs, spoor_diag *diag)
{
	yaml_parser_t p;
	if (!nar)
		nar = ar;
	*docs = NULL;
	*ndocs = 0;
	if (len > SIGMA_MAX_FILE)
		return diag_set(diag, SPOOR_ELIMIT, "rule file larger than %u bytes", SIGMA_MAX_FILE);
	unsigned char key[32];
	bool keyed = yc && key_in;
	if (keyed)
		memcpy(key, key_in, 32);
	else
		keyed = text && ycache_key(yc, text, len, key);
	if (keyed && from_cache(yc, key, ar, nar, docs, ndocs))
		return 0;
	if (!text)
		return SPOOR_ENOTFOUND;
	if (!yaml_parser_initialize(&p))
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	coll c;
	int rc = coll_init(&c, nar, diag);
	/* the documents as parsed, for the cache */
	ynode **raw = NULL;
	uint32_t *rawl = NULL;
	size_t nraw = 0, capraw = 0;
	while (rc == 0) {
		yaml_document_t doc;
		if (!yaml_parser_load(&p, &doc)) {
			diag->line = p.problem_mark.line + 1;
			diag->col = (uint32_t)p.problem_mark.column + 1;
			if (p.error == YAML_MEMORY_ERROR)
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
			else
				rc =
				    diag_set(diag, SPOOR_EPARSE, "YAML: %s%s%s", p.problem ? p.problem : "syntax error",
					     p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		yaml_node_t *rootn = yaml_document_get_root_node(&doc);
		if (!rootn) {
			yaml_document_delete(&doc);
			break;
		}
		uint32_t dline = (uint32_t)doc.start_mark.line + 1;
		conv cv = {nar, ar, &doc, 0, diag};
		ynode *root = NULL;
		rc = conv_node(&cv, 1, 0, &root);
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
		if (keyed) {
			if (nraw == capraw) {
				size_t nc = capraw ? 2 * capraw : 8;
				ynode **nr = xreallocarray(raw, nc, sizeof(*nr));
				uint32_t *nl = nr ? xreallocarray(rawl, nc, sizeof(*nl)) : NULL;
				if (nr)
					raw = nr;
				if (nl)
					rawl = nl;
				if (!nr || !nl)
					keyed = false; /* not cached, parsed all the same */
				else
					capraw = nc;
			}
			if (keyed) {
				raw[nraw] = root;
				rawl[nraw++] = dline;
			}
		}
		rc = coll_add(&c, root, dline);
	}
	yaml_parser_delete(&p);
	if (rc == 0 && keyed)
		ycache_put(yc, key, raw, rawl, nraw);
	free(raw);
	free(rawl);
	if (rc < 0 && rc != SPOOR_EPARSE && rc != SPOOR_ELIMIT)
		return rc;
	*docs = c.v;
	*ndocs = c.n;
	return rc;
}
