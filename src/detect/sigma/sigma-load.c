/* sigma-load — YAML tree -> rule AST, with positions for every error.
 *
 * A document is a detection rule (`detection:`), a filter (`filter:`,
 * Sigma filters spec v2.1) or a correlation (`correlation:`, correlation
 * spec v2.1).  All three are parsed and kept; the AST points into the
 * file's arena. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/sigma/sigma-int.h"
#include "detect/sigma/sigma-ycache.h"

typedef struct ld {
	sigma_rule *r;
	spoor_diag *d;
	/* where the detection's AST goes (searches, maps, items, values,
	 * conditions): the caller's scratch arena when it compiles the rules
	 * before resetting it (sigma_file_load_yc's tmp), else the file's */
	arena *ast;
} ld;

static int fail(ld *l, const ynode *at, const char *fmt, ...) PRINTF(3, 4);
static int fail(ld *l, const ynode *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->d->msg, sizeof(l->d->msg), fmt, ap);
	va_end(ap);
	l->d->code = SPOOR_EPARSE;
	if (at) {
		l->d->line = at->line;
		l->d->col = at->col;
	}
	return SPOOR_EPARSE;
}

int sigma_level_num(const char *s)
{
	static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
	if (!s)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i + 1;
	return 0;
}

/* An optional scalar; a non-scalar is an error. */
static int opt_str(ld *l, const ynode *m, const char *key, const char **out)
{
	const ynode *v = ynode_get(m, key);
	*out = NULL;
	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_SCALAR)
		return fail(l, v, "'%s' must be a string", key);
	*out = v->s;
	return 0;
}

/* An optional list of scalars (a single scalar counts as a list of one). */
static int opt_strlist(ld *l, const ynode *m, const char *key, const char ***out, size_t *n)
{
	const ynode *v = ynode_get(m, key);
	*out = NULL;
	*n = 0;
	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind == YN_SCALAR) {
		const char **a = arena_alloc(l->r->ar, sizeof(char *));
		if (!a)
			return SPOOR_ENOMEM;
		a[0] = v->s;
		*out = a;
		*n = 1;
		return 0;
	}
	if (v->kind != YN_SEQ)
		return fail(l, v, "'%s' must be a list of strings", key);
	const char **a = arena_alloc(l->r->ar, (v->nkv + 1) * sizeof(char *));
	if (!a)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < v->nkv; i++) {
		if (v->kv[i]->kind != YN_SCALAR)
			return fail(l, v->kv[i], "'%s' must be a list of strings", key);
		a[i] = v->kv[i]->s;
	}
	*out = a;
	*n = v->nkv;
	return 0;
}

static bool looks_num(const char *s, size_t n)
{
	size_t i = 0;
	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i == n)
		return false;
	bool dot = false, dig = false;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			dig = true;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return dig;
}

static int to_val(ld *l, const ynode *y, sigma_val *v)
{
	if (y->kind != YN_SCALAR)
		return fail(
		    l, y, "a value must be a string, number, boolean or null (nested lists and maps are not allowed)");
	v->s = y->s;
	v->n = y->n;
	v->line = y->line;
	v->col = y->col;
	v->kind = SVAL_STR;
	if (y->plain) {
		if (ynode_is_null(y))
			v->kind = SVAL_NULL;
		else if (!strcmp(y->s, "true") || !strcmp(y->s, "false") || !strcmp(y->s, "True") ||
			 !strcmp(y->s, "False"))
			v->kind = SVAL_BOOL;
		else if (looks_num(y->s, y->n))
			v->kind = SVAL_NUM;
	}
	return 0;
}

/* "field|mod1|mod2" (field may be empty: a keyword item with modifiers).
 * A key without modifiers is the field name as it is; with modifiers one
 * copy holds the field and the modifiers, NUL-terminated in place. */
static int parse_key(ld *l, const ynode *k, sigma_item *it)
{
	const char *s = k->s;
	const char *bar = strchr(s, '|');
	size_t fl = bar ? (size_t)(bar - s) : k->n;
	it->field = fl ? s : NULL;
	it->field_n = fl;
	it->mods = NULL;
	it->nmods = 0;
	it->line = k->line;
	it->col = k->col;
	if (!bar)
		return 0;
	char *cp = arena_memdup(l->ast, s, k->n);
	if (!cp)
		return SPOOR_ENOMEM;
	const char *mv[SIGMA_MAX_MODS];
	uint8_t n = 0;
	char *b = cp + fl;
	while (b) {
		*b = 0;
		char *m = b + 1;
		b = strchr(m, '|');
		size_t ml = b ? (size_t)(b - m) : strlen(m);
		if (!ml)
			return fail(l, k, "empty modifier in '%s'", s);
		if (n >= SIGMA_MAX_MODS)
			return fail(l, k, "more than %d modifiers in '%s'", SIGMA_MAX_MODS, s);
		mv[n++] = m;
	}
	const char **mods = arena_alloc(l->ast, n * sizeof(*mods));
	if (!mods)
		return SPOOR_ENOMEM;
	memcpy(mods, mv, n * sizeof(*mods));
	it->mods = mods;
	it->nmods = n;
	it->field = fl ? cp : NULL;
	return 0;
}

static int item_vals(ld *l, const ynode *v, sigma_item *it)
{
	if (v->kind == YN_SEQ) {
		it->vals = arena_alloc(l->ast, (v->nkv + 1) * sizeof(sigma_val));
		if (!it->vals)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < v->nkv; i++) {
			int r = to_val(l, v->kv[i], &it->vals[i]);
			if (r < 0)
				return r;
		}
		it->nvals = v->nkv;
		if (!v->nkv)
			return fail(l, v, "empty list of values");
		return 0;
	}
	if (v->kind == YN_MAP)
		return fail(l, v, "a field's value must not be a map");
	it->vals = arena_alloc(l->ast, sizeof(sigma_val));
	if (!it->vals)
		return SPOOR_ENOMEM;
	it->nvals = 1;
	return to_val(l, v, &it->vals[0]);
}

static int parse_map(ld *l, const ynode *m, sigma_map *out)
{
	size_t np = m->nkv / 2;
	out->items = arena_alloc(l->ast, (np + 1) * sizeof(sigma_item));
	if (!out->items)
		return SPOOR_ENOMEM;
	memset(out->items, 0, (np + 1) * sizeof(sigma_item));
	out->n = np;
	if (!np)
		return fail(l, m, "empty selection");
	for (size_t i = 0; i < np; i++) {
		int r = parse_key(l, m->kv[2 * i], &out->items[i]);
		if (r < 0)
			return r;
		r = item_vals(l, m->kv[2 * i + 1], &out->items[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A search identifier: a map, a list of maps, or a list of keywords. */
static int parse_search(ld *l, const ynode *k, const ynode *v, sigma_search *s)
{
	s->name = k->s;
	s->line = k->line;
	s->col = k->col;
	if (v->kind == YN_MAP) {
		s->maps = arena_alloc(l->ast, sizeof(sigma_map));
		if (!s->maps)
			return SPOOR_ENOMEM;
		s->nmaps = 1;
		return parse_map(l, v, &s->maps[0]);
	}
	if (v->kind == YN_SCALAR && ynode_is_null(v))
		return fail(l, k, "search identifier '%s' is empty", k->s);
	if (v->kind == YN_SCALAR || (v->kind == YN_SEQ && v->nkv && v->kv[0]->kind == YN_SCALAR)) {
		/* keywords: one field-less item, values OR-ed */
		s->maps = arena_alloc(l->ast, sizeof(sigma_map));
		if (!s->maps)
			return SPOOR_ENOMEM;
		s->nmaps = 1;
		s->maps[0].items = arena_alloc(l->ast, sizeof(sigma_item));
		if (!s->maps[0].items)
			return SPOOR_ENOMEM;
		memset(s->maps[0].items, 0, sizeof(sigma_item));
		s->maps[0].n = 1;
		sigma_item *it = &s->maps[0].items[0];
		it->line = v->line;
		it->col = v->col;
		return item_vals(l, v, it);
	}
	if (v->kind != YN_SEQ || !v->nkv)
		return fail(l, v, "search identifier '%s' must be a map, a list of maps or a list of keywords", k->s);
	s->maps = arena_alloc(l->ast, v->nkv * sizeof(sigma_map));
	if (!s->maps)
		return SPOOR_ENOMEM;
	s->nmaps = v->nkv;
	for (size_t i = 0; i < v->nkv; i++) {
		if (v->kv[i]->kind != YN_MAP)
			return fail(l, v->kv[i], "search identifier '%s' mixes maps and keywords", k->s);
		int r = parse_map(l, v->kv[i], &s->maps[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_conditions(ld *l, const ynode *c)
{
	sigma_rule *r = l->r;
	if (c->kind == YN_SCALAR && !ynode_is_null(c)) {
		r->conds = arena_alloc(l->ast, sizeof(sigma_text));
		if (!r->conds)
			return SPOOR_ENOMEM;
		r->conds[0] = (sigma_text){c->s, c->n, c->line, c->col};
		r->nconds = 1;
		return 0;
	}
	if (c->kind != YN_SEQ || !c->nkv)
		return fail(l, c, "'condition' must be a string or a list of strings");
	r->conds = arena_alloc(l->ast, c->nkv * sizeof(sigma_text));
	if (!r->conds)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < c->nkv; i++) {
		const ynode *e = c->kv[i];
		if (e->kind != YN_SCALAR || ynode_is_null(e))
			return fail(l, e, "'condition' must be a string or a list of strings");
		r->conds[i] = (sigma_text){e->s, e->n, e->line, e->col};
	}
	r->nconds = c->nkv;
	return 0;
}

/* The searches of a detection-like map (`detection:` or `filter:`), all
 * keys except those in skip[]. */
static int parse_searches(ld *l, const ynode *det, const char *const *skip, size_t nskip)
{
	sigma_rule *r = l->r;
	r->searches = arena_alloc(l->ast, (det->nkv / 2 + 1) * sizeof(sigma_search));
	if (!r->searches)
		return SPOOR_ENOMEM;
	r->nsearches = 0;
	for (size_t i = 0; i + 1 < det->nkv; i += 2) {
		const ynode *k = det->kv[i];
		bool skipit = false;
		for (size_t j = 0; j < nskip; j++)
			if (!strcmp(k->s, skip[j]))
				skipit = true;
		if (skipit)
			continue;
		for (size_t j = 0; j < r->nsearches; j++)
			if (!strcmp(r->searches[j].name, k->s))
				return fail(l, k, "search identifier '%s' defined twice", k->s);
		int rc = parse_search(l, k, det->kv[i + 1], &r->searches[r->nsearches]);
		if (rc < 0)
			return rc;
		r->nsearches++;
	}
	return 0;
}

/* The key node of `key` in a map (for positions), or the map. */
static const ynode *ykey(const ynode *map, const char *key)
{
	for (size_t i = 0; map && map->kind == YN_MAP && i + 1 < map->nkv; i += 2)
		if (!strcmp(map->kv[i]->s, key))
			return map->kv[i];
	return map;
}

static int parse_detection(ld *l, const ynode *root)
{
	const ynode *det = ynode_get(root, "detection");
	if (!det)
		return fail(l, root, "no 'detection'");
	if (det->kind != YN_MAP)
		return fail(l, det, "'detection' must be a map");
	const ynode *c = ynode_get(det, "condition");
	if (!c)
		return fail(l, ykey(root, "detection"), "'detection' has no 'condition'");
	int rc = parse_conditions(l, c);
	if (rc < 0)
		return rc;
	static const char *const skip[] = {"condition", "timeframe"};
	rc = parse_searches(l, det, skip, ARRAY_SIZE(skip));
	if (rc < 0)
		return rc;
	if (!l->r->nsearches)
		return fail(l, ykey(root, "detection"), "'detection' has no search identifiers");
	return 0;
}

static int parse_filter(ld *l, const ynode *root)
{
	const ynode *f = ynode_get(root, "filter");
	if (f->kind != YN_MAP)
		return fail(l, f, "'filter' must be a map");
	int rc = opt_strlist(l, f, "rules", &l->r->filter_rules, &l->r->nfilter_rules);
	if (rc < 0)
		return rc;
	const ynode *c = ynode_get(f, "condition");
	if (!c)
		return fail(l, f, "'filter' has no 'condition'");
	rc = parse_conditions(l, c);
	if (rc < 0)
		return rc;
	static const char *const skip[] = {"condition", "rules"};
	rc = parse_searches(l, f, skip, ARRAY_SIZE(skip));
	if (rc < 0)
		return rc;
	if (!l->r->nsearches)
		return fail(l, f, "'filter' has no selection");
	return 0;
}

/* "<number><s|m|h|d>" (also M and y as pySigma does). */
static bool parse_timespan(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || end[0] == 0 || end[1] != 0)
		return false;
	int64_t mul;
	switch (end[0]) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	case 'M':
		mul = 30 * 86400;
		break;
	case 'y':
		mul = 365 * 86400;
		break;
	default:
		return false;
	}
	if (v > INT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

/* A deep copy of n in ar: the tree itself may live in a scratch arena
 * (sigma_file_load_yc), and a correlation keeps its aliases as YAML. */
static ynode *ynode_copy(arena *ar, const ynode *n)
{
	ynode *y = arena_alloc(ar, sizeof(*y));
	if (!y)
		return NULL;
	*y = *n; /* scalar text is in the file's arena already */
	if (n->kind == YN_SCALAR)
		return y;
	y->kv = arena_alloc(ar, (n->nkv + 1) * sizeof(ynode *));
	if (!y->kv)
		return NULL;
	for (size_t i = 0; i < n->nkv; i++)
		if (!(y->kv[i] = ynode_copy(ar, n->kv[i])))
			return NULL;
	y->kv[n->nkv] = NULL;
	return y;
}

static int parse_correlation(ld *l, const ynode *root)
{
	static const char *const types[] = {"event_count", "value_count", "temporal",	     "temporal_ordered",
					    "value_sum",   "value_avg",	  "value_percentile"};
	static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
	sigma_corr *c = &l->r->corr;
	const ynode *cy = ynode_get(root, "correlation");
	if (cy->kind != YN_MAP)
		return fail(l, cy, "'correlation' must be a map");
	int rc = opt_str(l, cy, "type", &c->type);
	if (rc < 0)
		return rc;
	if (!c->type)
		return fail(l, cy, "correlation has no 'type'");
	bool known = false;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		known |= !strcmp(types[i], c->type);
	if (!known)
		return fail(l, ynode_get(cy, "type"), "unknown correlation type '%s'", c->type);
	if ((rc = opt_strlist(l, cy, "rules", &c->rules, &c->nrules)) < 0)
		return rc;
	if (!c->nrules)
		return fail(l, cy, "correlation has no 'rules'");
	if ((rc = opt_strlist(l, cy, "group-by", &c->group_by, &c->ngroup_by)) < 0)
		return rc;
	const char *ts;
	if ((rc = opt_str(l, cy, "timespan", &ts)) < 0)
		return rc;
	if (!ts)
		return fail(l, cy, "correlation has no 'timespan'");
	if (!parse_timespan(ts, &c->timespan_s))
		return fail(l, ynode_get(cy, "timespan"), "bad timespan '%s' (want <number><s|m|h|d>)", ts);
	c->percentile = -1;
	const ynode *al = ynode_get(cy, "aliases");
	if (al && !(c->aliases = ynode_copy(l->r->ar, al)))
		return SPOOR_ENOMEM;
	const ynode *cond = ynode_get(cy, "condition");
	bool temporal = !strncmp(c->type, "temporal", 8);
	if (!cond && !temporal)
		return fail(l, cy, "correlation of type %s needs a 'condition'", c->type);
	if (cond) {
		if (cond->kind != YN_MAP)
			return fail(l, cond, "correlation 'condition' must be a map");
		for (size_t i = 0; i + 1 < cond->nkv; i += 2) {
			const ynode *k = cond->kv[i], *v = cond->kv[i + 1];
			if (!strcmp(k->s, "field")) {
				if ((rc = opt_strlist(l, cond, "field", &c->cond_fields, &c->ncond_fields)) < 0)
					return rc;
				if (!c->ncond_fields)
					return fail(l, v, "correlation condition 'field' must be a string");
				c->cond_field = c->cond_fields[0];
				continue;
			}
			if (!strcmp(k->s, "percentile")) {
				double d;
				if (v->kind != YN_SCALAR || !sigma_parse_num(v->s, v->n, &d) || !(d >= 0 && d <= 100))
					return fail(l, v,
						    "correlation condition 'percentile' needs a number from 0 to 100");
				c->percentile = d;
				continue;
			}
			size_t j = 0;
			while (j < ARRAY_SIZE(ops) && strcmp(ops[j], k->s))
				j++;
			if (j == ARRAY_SIZE(ops))
				return fail(l, k, "unknown correlation condition operator '%s'", k->s);
			double d;
			if (v->kind != YN_SCALAR || !sigma_parse_num(v->s, v->n, &d))
				return fail(l, v, "correlation condition '%s' needs a number", k->s);
			c->cond[j] = d;
			c->has_cond[j] = true;
		}
		if (!strncmp(c->type, "value_", 6) && !c->cond_field)
			return fail(l, cond, "correlation of type %s needs 'condition.field'", c->type);
		if (c->percentile >= 0 && strcmp(c->type, "value_percentile"))
			return fail(l, cond, "'percentile' belongs to value_percentile correlations");
		bool any = false;
		for (size_t j = 0; j < ARRAY_SIZE(c->has_cond); j++)
			any |= c->has_cond[j];
		if (!any)
			return fail(l, cond, "correlation condition has no operator (gt, gte, lt, lte, eq, neq)");
	}
	if (c->aliases && c->aliases->kind != YN_MAP && !ynode_is_null(c->aliases))
		return fail(l, c->aliases, "correlation 'aliases' must be a map: alias: {rule: field}");
	const ynode *g = ynode_get(cy, "generate");
	if (g && g->kind == YN_SCALAR)
		c->generate = !strcasecmp(g->s, "true") || !strcasecmp(g->s, "yes");
	return 0;
}

static int load_doc(sigma_file *f, arena *ast, const ydoc *doc, sigma_rule **out, spoor_diag *d)
{
	const ynode *root = doc->root;
	sigma_rule *r = arena_alloc(f->ar, sizeof(*r));
	if (!r)
		return SPOOR_ENOMEM;
	memset(r, 0, sizeof(*r));
	r->ar = f->ar;
	r->path = f->path;
	r->line = root->kind == YN_MAP ? root->line : doc->line;
	ld l = {r, d, ast ? ast : f->ar};
	d->line = doc->line;
	d->col = 1;
	if (root->kind != YN_MAP)
		return fail(&l, root, "a rule document must be a map");
	int rc;
	const char *const skeys[] = {"title",	    "id",     "name", "status",	  "level",
				     "description", "author", "date", "modified", "regression_tests_path"};
	const char **sdst[] = {&r->title,	&r->id,	    &r->name, &r->status,   &r->level,
			       &r->description, &r->author, &r->date, &r->modified, &r->regression_tests_path};
	for (size_t i = 0; i < ARRAY_SIZE(skeys); i++) {
		/* author/description/date may be odd types in the wild; only the
		 * identifying keys are strict */
		const ynode *v = ynode_get(root, skeys[i]);
		if (v && v->kind != YN_SCALAR && i < 5)
			return fail(&l, v, "'%s' must be a string", skeys[i]);
		*sdst[i] = v && v->kind == YN_SCALAR && !ynode_is_null(v) ? v->s : NULL;
	}
	if ((rc = opt_strlist(&l, root, "tags", &r->tags, &r->ntags)) < 0)
		return rc;
	if ((rc = opt_strlist(&l, root, "falsepositives", &r->falsepositives, &r->nfalsepositives)) < 0)
		return rc;
	if (r->level) {
		r->level_num = sigma_level_num(r->level);
		if (!r->level_num)
			return fail(&l, ynode_get(root, "level"),
				    "unknown level '%s' (informational, low, medium, high, critical)", r->level);
	}
	const ynode *ls = ynode_get(root, "logsource");
	if (ls && ls->kind != YN_MAP)
		return fail(&l, ls, "'logsource' must be a map");
	if (ls) {
		if ((rc = opt_str(&l, ls, "product", &r->product)) < 0 ||
		    (rc = opt_str(&l, ls, "category", &r->category)) < 0 ||
		    (rc = opt_str(&l, ls, "service", &r->service)) < 0 ||
		    (rc = opt_str(&l, ls, "definition", &r->definition)) < 0)
			return rc;
	}
	if (ynode_get(root, "correlation")) {
		r->kind = SIGMA_CORRELATION;
		rc = parse_correlation(&l, root);
	} else if (ynode_get(root, "filter")) {
		r->kind = SIGMA_FILTER;
		if (!ls)
			return fail(&l, root, "filter has no 'logsource'");
		rc = parse_filter(&l, root);
	} else {
		r->kind = SIGMA_RULE;
		if (!ls)
			return fail(&l, root, "rule has no 'logsource'");
		rc = parse_detection(&l, root);
	}
	if (rc < 0)
		return rc;
	if (!r->title)
		return fail(&l, root, "no 'title'");
	*out = r;
	return 0;
}

int sigma_file_load(sigma_file **out, const char *path, const char *text, size_t len, sigma_err_fn on_err,
		    void *payload)
{
	return sigma_file_load_yc(NULL, NULL, NULL, NULL, out, path, text, len, on_err, payload);
}

int sigma_file_load_yc(ycache *yc, arena *tmp, arena *shared, const unsigned char *key, sigma_file **out,
		       const char *path, const char *text, size_t len, sigma_err_fn on_err, void *payload)
{
	sigma_file *f = xcalloc(1, sizeof(*f));
	if (!f)
		return SPOOR_ENOMEM;
	/* A rule set packs all its files into one arena (shared: ruleset.c,
	 * where the choice is measured).  A file alone keeps its tree, its
	 * rules and their plans in an arena of its own, a first chunk of 6
	 * times its text; primed before the size is checked (sigma-yaml.c), so
	 * no larger than for the largest file accepted. */
	if (shared) {
		f->ar = shared;
	} else {
		arena_init(&f->own, 1024, SIGMA_FILE_ARENA_MAX);
		arena_prime(&f->own, MIN(len, (size_t)SIGMA_MAX_FILE) * 6);
		f->ar = &f->own;
	}
	f->path = arena_memdup(f->ar, path, strlen(path) + 1);
	if (!f->path) {
		sigma_file_free(f);
		return SPOOR_ENOMEM;
	}
	spoor_diag d = SPOOR_DIAG_INIT;
	ydoc *docs;
	size_t ndocs;
	int yrc = sigma_yaml_parse_yc(yc, f->ar, tmp, key, text, len, &docs, &ndocs, &d);
	if (yrc == SPOOR_ENOMEM || (!text && yrc < 0)) {
		sigma_file_free(f);
		*out = NULL;
		return yrc == SPOOR_ENOMEM ? yrc : SPOOR_ENOTFOUND;
	}
	f->rules = arena_alloc(f->ar, (ndocs + 1) * sizeof(sigma_rule *));
	if (!f->rules) {
		sigma_file_free(f);
		return SPOOR_ENOMEM;
	}
	for (size_t i = 0; i < ndocs; i++) {
		spoor_diag dd = SPOOR_DIAG_INIT;
		sigma_rule *r = NULL;
		int rc = load_doc(f, tmp, &docs[i], &r, &dd);
		if (rc == SPOOR_ENOMEM) {
			sigma_file_free(f);
			return rc;
		}
		if (rc < 0) {
			f->nbad++;
			snprintf(dd.source, sizeof(dd.source), "%s", path);
			if (on_err)
				on_err(&dd, payload);
			continue;
		}
		f->rules[f->n++] = r;
	}
	if (yrc < 0) {
		f->nbad++;
		snprintf(d.source, sizeof(d.source), "%s", path);
		if (on_err)
			on_err(&d, payload);
	} else if (ndocs == 0) {
		f->nbad++;
		d.line = 1;
		d.col = 1;
		diag_set(&d, SPOOR_EPARSE, "no YAML document in the file");
		snprintf(d.source, sizeof(d.source), "%s", path);
		if (on_err)
			on_err(&d, payload);
	}
	*out = f;
	return 0;
}

sigma_file *sigma_file_free(sigma_file *f)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n; i++)
		if (f->rules[i]->plan)
			sigma_plan_free(f->rules[i]->plan);
	if (f->ar == &f->own)
		arena_done(&f->own);
	free(f);
	return NULL;
}
