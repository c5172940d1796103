/* sigma-yaml — libyaml documents to a small tree with positions, and
 * Sigma rule collections: a document with `action: global` is merged into
 * every following document, `action: reset` forgets it, `action: repeat`
 * is merged into the previous document (Sigma 1.0 collections). */
#include <string.h>
#include <yaml.h>

#include "detect/sigma/sigma-int.h"

typedef struct conv {
	arena *ar;
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
		y->s = arena_memdup(c->ar, n->data.scalar.value, n->data.scalar.length + 1);
		if (!y->s)
			return SPOOR_ENOMEM;
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

int sigma_yaml_parse(arena *ar, const char *text, size_t len, ydoc **docs, size_t *ndocs, spoor_diag *diag)
{
	yaml_parser_t p;
	*docs = NULL;
	*ndocs = 0;
	if (len > SIGMA_MAX_FILE)
		return diag_set(diag, SPOOR_ELIMIT, "rule file larger than %u bytes", SIGMA_MAX_FILE);
	if (!yaml_parser_initialize(&p))
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	size_t cap = 4, n = 0;
	ydoc *v = arena_alloc(ar, cap * sizeof(*v));
	const ynode *global = NULL;
	const ynode *prev = NULL;
	int rc = v ? 0 : SPOOR_ENOMEM;
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
		conv c = {ar, &doc, 0, diag};
		ynode *root = NULL;
		rc = conv_node(&c, 1, 0, &root);
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
		if (n >= SIGMA_MAX_DOCS) {
			rc = diag_set(diag, SPOOR_ELIMIT, "more than %d documents in one file", SIGMA_MAX_DOCS);
			break;
		}
		const ynode *act = ynode_get(root, "action");
		if (act && act->kind == YN_SCALAR) {
			ynode *rest = ywithout(ar, root, "action");
			if (!rest) {
				rc = SPOOR_ENOMEM;
				break;
			}
			if (!strcmp(act->s, "global")) {
				global = ymerge(ar, global, rest);
				continue;
			} else if (!strcmp(act->s, "reset")) {
				global = NULL;
				continue;
			} else if (!strcmp(act->s, "repeat")) {
				if (!prev) {
					diag->line = act->line;
					diag->col = act->col;
					rc = diag_set(diag, SPOOR_EPARSE, "action: repeat with no previous document");
					break;
				}
				root = ymerge(ar, prev, rest);
			} else {
				diag->line = act->line;
				diag->col = act->col;
				rc = diag_set(diag, SPOOR_EPARSE, "unknown collection action '%s'", act->s);
				break;
			}
		} else if (global) {
			root = ymerge(ar, global, root);
		}
		if (!root) {
			rc = SPOOR_ENOMEM;
			break;
		}
		if (n == cap) {
			ydoc *nv = arena_alloc(ar, 2 * cap * sizeof(*nv));
			if (!nv) {
				rc = SPOOR_ENOMEM;
				break;
			}
			memcpy(nv, v, n * sizeof(*nv));
			v = nv;
			cap *= 2;
		}
		v[n].root = root;
		v[n].line = dline;
		n++;
		prev = root;
	}
	yaml_parser_delete(&p);
	if (rc < 0 && rc != SPOOR_EPARSE && rc != SPOOR_ELIMIT)
		return rc;
	*docs = v;
	*ndocs = n;
	return rc;
}
