/* inventory-load — inventory files (YAML, or the same structure as JSON,
 * which libyaml reads as YAML flow style) into the model of inventory.h.
 *
 * Every value is checked where it is read, so an error names the file,
 * the line and column of the offending node, and what was expected.
 * Unknown keys are errors too: a misspelt `jump_host:` silently ignored
 * would leave a provider's jump host unmodelled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "enrich/inventory.h"

#define INV_MAX_DEPTH 32

enum { YS = 1, YQ, YM }; /* scalar, sequence, mapping */

typedef struct yn yn;
struct yn {
	uint8_t kind;
	uint32_t line, col;
	const char *s;
	size_t n;
	yn **kv; /* seq items; map key0, val0, ... */
	size_t nkv;
};

typedef struct ld {
	spoor_inventory *inv;
	arena *tmp;
	const char *file; /* arena copy in inv */
	spoor_diag *diag;
	yaml_document_t *doc;
	size_t nodes;
} ld;

static int err_at(ld *l, const yn *n, int code, const char *fmt, ...) PRINTF(4, 5);
static int err_at(ld *l, const yn *n, int code, const char *fmt, ...)
{
	spoor_diag *d = l->diag;
	if (!d)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->code = code;
	snprintf(d->source, sizeof(d->source), "%s", l->file);
	d->line = n ? n->line : 0;
	d->col = n ? n->col : 0;
	d->offset = 0;
	return code;
}

static int conv(ld *l, int idx, unsigned depth, yn **out)
{
	yaml_node_t *n = yaml_document_get_node(l->doc, idx);
	if (!n)
		return err_at(l, NULL, SPOOR_EPARSE, "bad YAML node reference");
	yn *y = arena_alloc(l->tmp, sizeof(*y));
	if (!y)
		return SPOOR_ENOMEM;
	memset(y, 0, sizeof(*y));
	y->line = (uint32_t)n->start_mark.line + 1;
	y->col = (uint32_t)n->start_mark.column + 1;
	y->s = "";
	if (depth > INV_MAX_DEPTH || ++l->nodes > l->inv->lim.max_entries)
		return err_at(l, y, SPOOR_ELIMIT, "YAML nested deeper than %d or more than %zu nodes (aliases?)",
			      INV_MAX_DEPTH, l->inv->lim.max_entries);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		y->kind = YS;
		y->s = arena_memdup(l->tmp, n->data.scalar.value, n->data.scalar.length + 1);
		if (!y->s)
			return SPOOR_ENOMEM;
		y->n = n->data.scalar.length;
		if (memchr(y->s, 0, y->n))
			return err_at(l, y, SPOOR_EPARSE, "NUL byte in a value");
		break;
	case YAML_SEQUENCE_NODE: {
		y->kind = YQ;
		size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		y->kv = arena_alloc(l->tmp, (cnt + 1) * sizeof(yn *));
		if (!y->kv)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			int r = conv(l, n->data.sequence.items.start[i], depth + 1, &y->kv[i]);
			if (r < 0)
				return r;
		}
		y->nkv = cnt;
		break;
	}
	case YAML_MAPPING_NODE: {
		y->kind = YM;
		size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		y->kv = arena_alloc(l->tmp, (2 * cnt + 1) * sizeof(yn *));
		if (!y->kv)
			return SPOOR_ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
			int r = conv(l, p->key, depth + 1, &y->kv[2 * i]);
			if (r == 0)
				r = conv(l, p->value, depth + 1, &y->kv[2 * i + 1]);
			if (r < 0)
				return r;
			if (y->kv[2 * i]->kind != YS)
				return err_at(l, y->kv[2 * i], SPOOR_EPARSE, "a mapping key must be a plain value");
			for (size_t j = 0; j < i; j++)
				if (!strcmp(y->kv[2 * j]->s, y->kv[2 * i]->s))
					return err_at(l, y->kv[2 * i], SPOOR_EPARSE,
						      "key '%s' given twice (first at line %u)", y->kv[2 * i]->s,
						      y->kv[2 * j]->line);
		}
		y->nkv = 2 * cnt;
		break;
	}
	default:
		return err_at(l, y, SPOOR_EPARSE, "empty YAML node");
	}
	*out = y;
	return 0;
}

static const char *kind_name(const yn *n)
{
	return n->kind == YS ? "a value" : n->kind == YQ ? "a list" : "a mapping";
}

static inv_pos pos_of(ld *l, const yn *n)
{
	inv_pos p = {l->file, n->line, n->col};
	return p;
}

/* Check that map m only has keys from `known` (NULL-terminated). */
static int known_keys(ld *l, const yn *m, const char *what, const char *const *known)
{
	for (size_t i = 0; i < m->nkv; i += 2) {
		const yn *k = m->kv[i];
		bool ok = false;
		for (size_t j = 0; known[j] && !ok; j++)
			ok = !strcmp(k->s, known[j]);
		if (!ok) {
			char list[200] = "";
			size_t o = 0;
			for (size_t j = 0; known[j] && o < sizeof(list); j++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "", known[j]);
			return err_at(l, k, SPOOR_EPARSE, "unknown key '%s' in %s (known: %s)", k->s, what, list);
		}
	}
	return 0;
}

static const yn *get(const yn *m, const char *key)
{
	for (size_t i = 0; i + 1 < m->nkv; i += 2)
		if (!strcmp(m->kv[i]->s, key))
			return m->kv[i + 1];
	return NULL;
}

static bool is_null(const yn *n)
{
	return n->kind == YS && (n->n == 0 || !strcmp(n->s, "~") || !strcmp(n->s, "null"));
}

/* A required or optional non-empty scalar. */
static int scalar(ld *l, const yn *m, const char *key, const char *what, bool req, const yn **out)
{
	const yn *v = get(m, key);
	*out = NULL;
	if (!v || is_null(v)) {
		if (req)
			return err_at(l, v ? v : m, SPOOR_EPARSE, "%s has no '%s'", what, key);
		return 0;
	}
	if (v->kind != YS)
		return err_at(l, v, SPOOR_EPARSE, "'%s' of %s must be a value, not %s", key, what, kind_name(v));
	*out = v;
	return 0;
}

static int strs_add(ld *l, inv_strs *s, const char *p, size_t n, const yn *at, bool lower)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 4;
		char **nv = arena_alloc(&l->inv->ar, nc * sizeof(*nv));
		inv_pos *np = arena_alloc(&l->inv->ar, nc * sizeof(*np));
		if (!nv || !np)
			return SPOOR_ENOMEM;
		if (s->n) {
			memcpy(nv, s->v, s->n * sizeof(*nv));
			memcpy(np, s->pos, s->n * sizeof(*np));
		}
		s->v = nv;
		s->pos = np;
		s->cap = nc;
	}
	char *c = lower ? inv_lower(&l->inv->ar, p, n) : arena_memdup(&l->inv->ar, p, n + 1);
	if (!c)
		return SPOOR_ENOMEM;
	c[n] = 0;
	s->v[s->n] = c;
	s->pos[s->n++] = pos_of(l, at);
	return 0;
}

/* A list of values (a single value is a list of one).  Each value goes
 * through check (may be NULL) before it is kept. */
typedef int (*item_fn)(ld *l, const yn *item, void *u);

static int each_scalar(ld *l, const yn *m, const char *key, const char *what, item_fn fn, void *u)
{
	const yn *v = get(m, key);
	if (!v || is_null(v))
		return 0;
	if (v->kind == YS)
		return fn(l, v, u);
	if (v->kind != YQ)
		return err_at(l, v, SPOOR_EPARSE, "'%s' of %s must be a list of values, not %s", key, what,
			      kind_name(v));
	for (size_t i = 0; i < v->nkv; i++) {
		const yn *it = v->kv[i];
		if (it->kind != YS || is_null(it))
			return err_at(l, it, SPOOR_EPARSE, "'%s' of %s: each item must be a value, not %s", key, what,
				      is_null(it) ? "empty" : kind_name(it));
		int r = fn(l, it, u);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_lower(ld *l, const yn *it, void *u)
{
	return strs_add(l, u, it->s, it->n, it, true);
}

static int add_domain(ld *l, const yn *it, void *u)
{
	const char *p = it->s;
	size_t n = it->n;
	if (n && p[0] == '@') {
		p++;
		n--;
	}
	if (!n || memchr(p, ' ', n) || memchr(p, '@', n))
		return err_at(l, it, SPOOR_EPARSE, "'%s' is not a domain name", it->s);
	return strs_add(l, u, p, n, it, true);
}

static int add_keyfp(ld *l, const yn *it, void *u)
{
	/* "SHA256:base64" as sshd logs it (case matters), "MD5:aa:bb:..."
	 * (lower-cased), or another token as written */
	if (memchr(it->s, ' ', it->n) || memchr(it->s, '\t', it->n))
		return err_at(l, it, SPOOR_EPARSE, "'%s' is not an SSH key fingerprint (SHA256:... or MD5:...)", it->s);
	if (!strncasecmp(it->s, "MD5:", 4))
		return strs_add(l, u, it->s, it->n, it, true);
	return strs_add(l, u, it->s, it->n, it, false);
}

typedef struct netctx {
	bool provider;
	uint32_t owner;
} netctx;

static int add_net(ld *l, const yn *it, void *u)
{
	netctx *c = u;
	spoor_inventory *inv = l->inv;
	inv_net nt;
	memset(&nt, 0, sizeof(nt));
	if (!inv_parse_cidr(it->s, it->n, nt.addr, &nt.plen))
		return err_at(l, it, SPOOR_EPARSE, "'%s' is not a network (CIDR like 10.1.0.0/16 or 2001:db8::/32)",
			      it->s);
	nt.owner_is_provider = c->provider;
	nt.owner = c->owner;
	nt.pos = pos_of(l, it);
	if (inv->nnets == inv->capnets) {
		size_t nc = inv->capnets ? 2 * inv->capnets : 16;
		inv_net *nv = xreallocarray(inv->nets, nc, sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		inv->nets = nv;
		inv->capnets = nc;
	}
	inv->nets[inv->nnets++] = nt;
	return 0;
}

static int add_jump(ld *l, const yn *it, void *u)
{
	uint8_t a[16];
	bool ip = inv_parse_ip(it->s, it->n, a);
	if (!ip && (memchr(it->s, ' ', it->n) || memchr(it->s, '/', it->n)))
		return err_at(l, it, SPOOR_EPARSE, "jump host '%s' is neither an address nor a host name", it->s);
	return strs_add(l, u, it->s, it->n, it, true);
}

static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 8;
	void *nv = xreallocarray(*v, nc, sz);
	if (!nv)
		return SPOOR_ENOMEM;
	memset((char *)nv + *cap * sz, 0, (nc - *cap) * sz);
	*v = nv;
	*cap = nc;
	return 0;
}

static int check_id(ld *l, const yn *id, const char *what)
{
	for (size_t i = 0; i < id->n; i++) {
		unsigned char c = (unsigned char)id->s[i];
		if (c <= ' ' || c == '"' || c == '\\' || c >= 0x7f)
			return err_at(l, id, SPOOR_EPARSE, "%s id '%s' has a space, quote, control or non-ASCII byte",
				      what, id->s);
	}
	return 0;
}

static int load_host(ld *l, const yn *h, uint32_t agency)
{
	spoor_inventory *inv = l->inv;
	static const char *const keys[] = {"name", "ip", "role", NULL};
	if (h->kind == YS) {
		/* a bare host name */
	} else if (h->kind != YM) {
		return err_at(l, h, SPOOR_EPARSE, "a host must be a name or a mapping (name, ip, role), not %s",
			      kind_name(h));
	}
	const yn *name = h, *ip = NULL, *role = NULL;
	int r = 0;
	if (h->kind == YM) {
		if ((r = known_keys(l, h, "host", keys)) < 0 || (r = scalar(l, h, "name", "host", true, &name)) < 0 ||
		    (r = scalar(l, h, "ip", "host", false, &ip)) < 0 ||
		    (r = scalar(l, h, "role", "host", false, &role)) < 0)
			return r;
	}
	if ((r = grow((void **)&inv->hosts, &inv->caphosts, inv->nhosts, sizeof(inv_host))) < 0)
		return r;
	inv_host *ho = &inv->hosts[inv->nhosts];
	memset(ho, 0, sizeof(*ho));
	ho->name = inv_lower(&inv->ar, name->s, name->n);
	ho->role = role ? inv_lower(&inv->ar, role->s, role->n) : (char *)"";
	if (!ho->name || !ho->role)
		return SPOOR_ENOMEM;
	if (ip) {
		if (!inv_parse_ip(ip->s, ip->n, ho->ip))
			return err_at(l, ip, SPOOR_EPARSE, "host ip '%s' is not an IPv4 or IPv6 address", ip->s);
		ho->has_ip = true;
	}
	ho->agency = agency;
	ho->pos = pos_of(l, name);
	inv->nhosts++;
	return 0;
}

static int load_agency(ld *l, const yn *a)
{
	spoor_inventory *inv = l->inv;
	static const char *const keys[] = {"id",	  "name",      "mail_domains", "ad_domains",   "networks", "hosts",
					   "admins", "admin_hosts", "tenant_id",    "mail_platform", "tz",	  "workstations",
					   NULL};
	if (a->kind != YM)
		return err_at(l, a, SPOOR_EPARSE, "an agency must be a mapping (id, name, ...), not %s", kind_name(a));
	int r = known_keys(l, a, "agency", keys);
	const yn *id, *name;
	if (r == 0)
		r = scalar(l, a, "id", "agency", true, &id);
	if (r == 0)
		r = check_id(l, id, "agency");
	if (r == 0)
		r = scalar(l, a, "name", "agency", false, &name);
	if (r == 0)
		r = grow((void **)&inv->agencies, &inv->capagencies, inv->nagencies, sizeof(inv_agency));
	if (r < 0)
		return r;
	uint32_t idx = (uint32_t)inv->nagencies;
	inv_agency *ag = &inv->agencies[idx];
	memset(ag, 0, sizeof(*ag));
	ag->id = arena_memdup(&inv->ar, id->s, id->n + 1);
	ag->name = arena_memdup(&inv->ar, name ? name->s : id->s, (name ? name->n : id->n) + 1);
	if (!ag->id || !ag->name)
		return SPOOR_ENOMEM;
	ag->pos = pos_of(l, id);
	inv->nagencies++;
	netctx nc = {false, idx};
	if ((r = each_scalar(l, a, "mail_domains", "agency", add_domain, &ag->mail_domains)) < 0 ||
	    (r = each_scalar(l, a, "ad_domains", "agency", add_domain, &ag->ad_domains)) < 0 ||
	    (r = each_scalar(l, a, "admin_hosts", "agency", add_lower, &ag->admin_hosts)) < 0 ||
	    (r = each_scalar(l, a, "networks", "agency", add_net, &nc)) < 0)
		return r;
	/* tenant_id (an M365 / Entra tenant: organization.id), mail_platform
	 * (informational), tz (checked), workstations {count, network} */
	const yn *ten, *plat, *tz;
	if ((r = scalar(l, a, "tenant_id", "agency", false, &ten)) < 0 ||
	    (r = scalar(l, a, "mail_platform", "agency", false, &plat)) < 0 ||
	    (r = scalar(l, a, "tz", "agency", false, &tz)) < 0)
		return r;
	if (ten && (r = strs_add(l, &ag->tenants, ten->s, ten->n, ten, true)) < 0)
		return r;
	if (tz) {
		spoor_tz z;
		memset(&z, 0, sizeof(z));
		if (tz_load(&z, tz->s, l->inv->lim.zonedir) < 0)
			return err_at(l, tz, SPOOR_EPARSE, "unknown time zone '%s'", tz->s);
		tz_done(&z);
	}
	const yn *ws = get(a, "workstations");
	if (ws && !is_null(ws)) {
		static const char *const wkeys[] = {"count", "network", NULL};
		if (ws->kind != YM)
			return err_at(l, ws, SPOOR_EPARSE, "'workstations' must be a mapping (count, network)");
		if ((r = known_keys(l, ws, "workstations", wkeys)) < 0 ||
		    (r = each_scalar(l, ws, "network", "workstations", add_net, &nc)) < 0)
			return r;
	}
	const yn *hosts = get(a, "hosts");
	if (hosts && !is_null(hosts)) {
		if (hosts->kind != YQ)
			return err_at(l, hosts, SPOOR_EPARSE, "'hosts' of agency must be a list, not %s",
				      kind_name(hosts));
		for (size_t i = 0; i < hosts->nkv; i++)
			if ((r = load_host(l, hosts->kv[i], idx)) < 0)
				return r;
	}
	/* admins: account names, or {account|name, host} for an admin working
	 * from an admin host */
	const yn *adm = get(a, "admins");
	if (adm && !is_null(adm)) {
		size_t n = adm->kind == YQ ? adm->nkv : 1;
		if (adm->kind == YM)
			return err_at(l, adm, SPOOR_EPARSE, "'admins' of agency must be a list, not a mapping");
		for (size_t i = 0; i < n; i++) {
			const yn *it = adm->kind == YQ ? adm->kv[i] : adm;
			if (it->kind == YS && !is_null(it)) {
				r = strs_add(l, &ag->admins, it->s, it->n, it, true);
			} else if (it->kind == YM) {
				static const char *const akeys[] = {"account", "name", "host", NULL};
				const yn *nm = NULL, *hn = NULL;
				if ((r = known_keys(l, it, "admin", akeys)) < 0 ||
				    (r = scalar(l, it, "host", "admin", false, &hn)) < 0 ||
				    (r = scalar(l, it, get(it, "account") ? "account" : "name", "admin", !hn, &nm)) < 0)
					return r;
				if (nm)
					r = strs_add(l, &ag->admins, nm->s, nm->n, nm, true);
				if (r == 0 && hn)
					r = strs_add(l, &ag->admin_hosts, hn->s, hn->n, hn, true);
			} else {
				r = err_at(l, it, SPOOR_EPARSE, "an admin must be an account name or a mapping (account, host)");
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int load_account(ld *l, const yn *it, inv_provider *p)
{
	const yn *name = it, *svc = NULL;
	static const char *const keys[] = {"name", "service", NULL};
	int r;
	if (it->kind == YM) {
		if ((r = known_keys(l, it, "account", keys)) < 0 ||
		    (r = scalar(l, it, "name", "account", true, &name)) < 0 ||
		    (r = scalar(l, it, "service", "account", false, &svc)) < 0)
			return r;
	} else if (it->kind != YS || is_null(it)) {
		return err_at(l, it, SPOOR_EPARSE, "an account must be a name or a mapping (name, service)");
	}
	bool service = false;
	if (svc) {
		if (!strcmp(svc->s, "true") || !strcmp(svc->s, "yes"))
			service = true;
		else if (strcmp(svc->s, "false") && strcmp(svc->s, "no"))
			return err_at(l, svc, SPOOR_EPARSE, "'service' must be true or false, not '%s'", svc->s);
	}
	if ((r = grow((void **)&p->accounts, &p->capaccounts, p->naccounts, sizeof(inv_account))) < 0)
		return r;
	inv_account *ac = &p->accounts[p->naccounts];
	ac->name = inv_lower(&l->inv->ar, name->s, name->n);
	if (!ac->name)
		return SPOOR_ENOMEM;
	ac->service = service;
	ac->pos = pos_of(l, name);
	p->naccounts++;
	return 0;
}

static int load_serve(ld *l, const yn *it, inv_provider *p)
{
	static const char *const keys[] = {"agency", "hosts", NULL};
	const yn *ag = it;
	int r;
	if (it->kind == YM) {
		if ((r = known_keys(l, it, "serves entry", keys)) < 0 ||
		    (r = scalar(l, it, "agency", "serves entry", true, &ag)) < 0)
			return r;
	} else if (it->kind != YS || is_null(it)) {
		return err_at(l, it, SPOOR_EPARSE, "a serves entry must be an agency id or a mapping (agency, hosts)");
	}
	if ((r = grow((void **)&p->serves, &p->capserves, p->nserves, sizeof(inv_serve))) < 0)
		return r;
	inv_serve *s = &p->serves[p->nserves];
	memset(s, 0, sizeof(*s));
	s->agency_id = arena_memdup(&l->inv->ar, ag->s, ag->n + 1);
	if (!s->agency_id)
		return SPOOR_ENOMEM;
	s->agency = INV_NONE;
	s->pos = pos_of(l, ag);
	p->nserves++;
	const yn *hosts = it->kind == YM ? get(it, "hosts") : NULL;
	if (!hosts || is_null(hosts) ||
	    (hosts->kind == YS && (!strcmp(hosts->s, "*") || !strcasecmp(hosts->s, "all")))) {
		s->all_hosts = true;
		return 0;
	}
	return each_scalar(l, it, "hosts", "serves entry", add_lower, &s->hosts);
}

/* "HH:MM" or "HH:MM:SS" (seconds must be 00) */
static int parse_hhmm(const yn *v, uint16_t *out)
{
	unsigned h, m, sec = 0;
	char tail;
	int k = sscanf(v->s, "%2u:%2u:%2u%c", &h, &m, &sec, &tail);
	if (k == 2 && v->n > 5)
		return -1;
	if ((k != 2 && k != 3) || h > 24 || m > 59 || sec || (h == 24 && m))
		return -1;
	*out = (uint16_t)(h * 60 + m);
	return 0;
}

static int day_of(const char *p, size_t n)
{
	/* ISO numbers 1 (Monday) .. 7 (Sunday); 0 is Sunday too */
	if (n == 1 && p[0] >= '0' && p[0] <= '7')
		return (p[0] - '0') % 7;
	static const char *const d[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	static const char *const full[] = {"sunday",   "monday", "tuesday", "wednesday",
					   "thursday", "friday", "saturday"};
	for (int i = 0; i < 7; i++)
		if ((n == 3 && !strncasecmp(p, d[i], 3)) || (n == strlen(full[i]) && !strncasecmp(p, full[i], n)))
			return i;
	return -1;
}

/* "mon-fri", "sat,sun", "mon", "*" / "daily" */
static int add_days(ld *l, const yn *it, void *u)
{
	uint8_t *days = u;
	const char *p = it->s, *e = it->s + it->n;
	if (!strcmp(it->s, "*") || !strcasecmp(it->s, "daily") || !strcasecmp(it->s, "all")) {
		*days = 0x7f;
		return 0;
	}
	while (p < e) {
		while (p < e && (*p == ',' || *p == ' '))
			p++;
		if (p == e)
			break;
		const char *q = p;
		while (q < e && *q != ',' && *q != ' ' && *q != '-')
			q++;
		int a = day_of(p, (size_t)(q - p)), b = a;
		if (q < e && *q == '-') {
			const char *r = ++q;
			while (q < e && *q != ',' && *q != ' ')
				q++;
			b = day_of(r, (size_t)(q - r));
		}
		if (a < 0 || b < 0)
			return err_at(l, it, SPOOR_EPARSE,
				      "'%s' is not a day or day range (mon, tue, ..., sun; mon-fri; daily)", it->s);
		for (int d = a;; d = (d + 1) % 7) {
			*days |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		p = q;
	}
	return 0;
}

static int load_window(ld *l, const yn *it, inv_provider *p)
{
	static const char *const keys[] = {"days", "start", "end", "tz", NULL};
	if (it->kind != YM)
		return err_at(l, it, SPOOR_EPARSE, "a window must be a mapping (days, start, end, tz), not %s",
			      kind_name(it));
	const yn *start, *end, *tz;
	int r = known_keys(l, it, "window", keys);
	if (r == 0)
		r = scalar(l, it, "start", "window", true, &start);
	if (r == 0)
		r = scalar(l, it, "end", "window", true, &end);
	if (r == 0)
		r = scalar(l, it, "tz", "window", false, &tz);
	if (r == 0)
		r = grow((void **)&p->windows, &p->capwindows, p->nwindows, sizeof(inv_window));
	if (r < 0)
		return r;
	inv_window *w = &p->windows[p->nwindows];
	memset(w, 0, sizeof(*w));
	w->pos = pos_of(l, it);
	if (parse_hhmm(start, &w->start_min) < 0)
		return err_at(l, start, SPOOR_EPARSE, "window start '%s' is not a time HH:MM (00:00 to 24:00)",
			      start->s);
	if (parse_hhmm(end, &w->end_min) < 0)
		return err_at(l, end, SPOOR_EPARSE, "window end '%s' is not a time HH:MM (00:00 to 24:00)", end->s);
	if (w->start_min == w->end_min)
		return err_at(l, end, SPOOR_EPARSE, "window start and end are both %s: an empty window", end->s);
	if (w->start_min == 24 * 60)
		return err_at(l, start, SPOOR_EPARSE, "a window cannot start at 24:00");
	if (!get(it, "days")) {
		w->days = 0x7f;
	} else if ((r = each_scalar(l, it, "days", "window", add_days, &w->days)) < 0) {
		return r;
	} else if (!w->days) {
		return err_at(l, get(it, "days"), SPOOR_EPARSE, "window has no days");
	}
	r = tz_load(&w->tz, tz ? tz->s : "UTC", l->inv->lim.zonedir);
	if (r < 0)
		return err_at(l, tz, r, "unknown time zone '%s' (an IANA name like Europe/Berlin, or +02:00, or UTC)",
			      tz ? tz->s : "UTC");
	p->nwindows++;
	return 0;
}

static int parse_date(ld *l, const yn *v, bool end, int64_t *out)
{
	/* a date (the whole day, UTC) or an RFC 3339 time */
	unsigned y, m, d;
	char tail;
	if (v->n == 10 && sscanf(v->s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31) {
		/* nanoseconds since 1970 in 64 bits end in 2262 */
		if (y < 1900 || y > 2200)
			return err_at(l, v, SPOOR_EPARSE, "contract %s '%s': the year must be 1900 to 2200",
				      end ? "end" : "start", v->s);
		*out = (days_from_civil(y, m, d) + (end ? 1 : 0)) * 86400 * (int64_t)1000000000;
		return 0;
	}
	if (time_parse_iso(sv_make(v->s, v->n), NULL, out))
		return 0;
	return err_at(l, v, SPOOR_EPARSE, "contract %s '%s' is not a date (YYYY-MM-DD) or RFC 3339 time",
		      end ? "end" : "start", v->s);
}

static int load_provider(ld *l, const yn *a)
{
	spoor_inventory *inv = l->inv;
	static const char *const keys[] = {
	    "id",     "name",	 "source_networks", "jump_hosts", "accounts", "key_fingerprints",
	    "serves", "windows", "contract",	    NULL};
	if (a->kind != YM)
		return err_at(l, a, SPOOR_EPARSE, "a provider must be a mapping (id, name, ...), not %s", kind_name(a));
	int r = known_keys(l, a, "provider", keys);
	const yn *id, *name;
	if (r == 0)
		r = scalar(l, a, "id", "provider", true, &id);
	if (r == 0)
		r = check_id(l, id, "provider");
	if (r == 0)
		r = scalar(l, a, "name", "provider", false, &name);
	if (r == 0)
		r = grow((void **)&inv->providers, &inv->capproviders, inv->nproviders, sizeof(inv_provider));
	if (r < 0)
		return r;
	uint32_t idx = (uint32_t)inv->nproviders;
	inv_provider *p = &inv->providers[idx];
	memset(p, 0, sizeof(*p));
	p->id = arena_memdup(&inv->ar, id->s, id->n + 1);
	p->name = arena_memdup(&inv->ar, name ? name->s : id->s, (name ? name->n : id->n) + 1);
	if (!p->id || !p->name)
		return SPOOR_ENOMEM;
	p->pos = pos_of(l, id);
	inv->nproviders++;
	netctx nc = {true, idx};
	if ((r = each_scalar(l, a, "source_networks", "provider", add_net, &nc)) < 0)
		return r;
	/* jump_hosts: names / addresses, or {name, ip}; key_fingerprints:
	 * fingerprints, or {account, fingerprint} */
	static const char *const jkeys[] = {"name", "ip", NULL}, *const kkeys[] = {"account", "fingerprint", NULL};
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "key_fingerprints" : "jump_hosts";
		const yn *v = get(a, key);
		if (!v || is_null(v))
			continue;
		if (v->kind == YM)
			return err_at(l, v, SPOOR_EPARSE, "'%s' of provider must be a list, not a mapping", key);
		size_t n = v->kind == YQ ? v->nkv : 1;
		for (size_t i = 0; i < n && r == 0; i++) {
			const yn *it = v->kind == YQ ? v->kv[i] : v;
			if (it->kind == YS && !is_null(it)) {
				r = k ? add_keyfp(l, it, &p->keys) : add_jump(l, it, &p->jump_hosts);
			} else if (it->kind == YM && !k) {
				const yn *nm, *ip;
				if ((r = known_keys(l, it, "jump host", jkeys)) < 0 ||
				    (r = scalar(l, it, "name", "jump host", false, &nm)) < 0 ||
				    (r = scalar(l, it, "ip", "jump host", !nm, &ip)) < 0)
					return r;
				if (nm)
					r = add_jump(l, nm, &p->jump_hosts);
				if (r == 0 && ip) {
					uint8_t ad[16];
					if (!inv_parse_ip(ip->s, ip->n, ad))
						return err_at(l, ip, SPOOR_EPARSE, "jump host ip '%s' is not an address", ip->s);
					r = add_jump(l, ip, &p->jump_hosts);
				}
			} else if (it->kind == YM) {
				const yn *fp, *acct;
				if ((r = known_keys(l, it, "key fingerprint", kkeys)) < 0 ||
				    (r = scalar(l, it, "fingerprint", "key fingerprint", true, &fp)) < 0 ||
				    (r = scalar(l, it, "account", "key fingerprint", false, &acct)) < 0)
					return r;
				r = add_keyfp(l, fp, &p->keys);
			} else {
				r = err_at(l, it, SPOOR_EPARSE, "'%s' of provider: each item must be a value or a mapping", key);
			}
		}
		if (r < 0)
			return r;
	}
	static const char *const lists[] = {"accounts", "serves", "windows"};
	for (size_t k = 0; k < 3; k++) {
		const yn *v = get(a, lists[k]);
		if (!v || is_null(v))
			continue;
		if (v->kind != YQ && !(k < 2 && v->kind == YS))
			return err_at(l, v, SPOOR_EPARSE, "'%s' of provider must be a list, not %s", lists[k],
				      kind_name(v));
		size_t n = v->kind == YQ ? v->nkv : 1;
		for (size_t i = 0; i < n; i++) {
			const yn *it = v->kind == YQ ? v->kv[i] : v;
			/* p may move when the provider table grows: it does not here */
			r = k == 0 ? load_account(l, it, p) : k == 1 ? load_serve(l, it, p) : load_window(l, it, p);
			if (r < 0)
				return r;
		}
	}
	const yn *c = get(a, "contract");
	if (c && !is_null(c)) {
		static const char *const ckeys[] = {"start", "end", NULL};
		if (c->kind != YM)
			return err_at(l, c, SPOOR_EPARSE, "'contract' must be a mapping (start, end), not %s",
				      kind_name(c));
		const yn *cs, *ce;
		if ((r = known_keys(l, c, "contract", ckeys)) < 0 ||
		    (r = scalar(l, c, "start", "contract", false, &cs)) < 0 ||
		    (r = scalar(l, c, "end", "contract", false, &ce)) < 0)
			return r;
		if (cs && (r = parse_date(l, cs, false, &p->contract_start)) < 0)
			return r;
		if (ce && (r = parse_date(l, ce, true, &p->contract_end)) < 0)
			return r;
		p->has_start = cs != NULL;
		p->has_end = ce != NULL;
		if (cs && ce && p->contract_end <= p->contract_start)
			return err_at(l, ce, SPOOR_EPARSE, "contract ends (%s) before it starts (%s)", ce->s, cs->s);
	}
	return 0;
}

int inv_load_text(spoor_inventory *inv, const char *name, const char *text, size_t len, spoor_diag *diag)
{
	arena tmp;
	arena_init(&tmp, 1u << 16, 0);
	ld l = {inv, &tmp, NULL, diag, NULL, 0};
	l.file = arena_memdup(&inv->ar, name, strlen(name) + 1);
	if (!l.file)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (inv->finished)
		return diag_set(diag, SPOOR_EINVAL, "inventory already finished");
	if (len > inv->lim.max_file)
		return err_at(&l, NULL, SPOOR_ELIMIT, "file larger than %zu bytes (limit max_file)", inv->lim.max_file);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int rc = 0;
	bool any = false;
	while (rc == 0) {
		yaml_document_t doc;
		if (!yaml_parser_load(&p, &doc)) {
			yn at = {0, (uint32_t)p.problem_mark.line + 1, (uint32_t)p.problem_mark.column + 1, "", 0, NULL,
				 0};
			rc = p.error == YAML_MEMORY_ERROR ? SPOOR_ENOMEM
							  : err_at(&l, &at, SPOOR_EPARSE, "malformed YAML: %s%s%s",
								   p.problem ? p.problem : "syntax error",
								   p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		l.doc = &doc;
		yn *root = NULL;
		rc = conv(&l, 1, 0, &root);
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
		any = true;
		static const char *const keys[] = {"agencies", "providers", NULL};
		if (root->kind != YM) {
			rc = err_at(&l, root, SPOOR_EPARSE,
				    "an inventory is a mapping with 'agencies' and 'providers', not %s",
				    kind_name(root));
			break;
		}
		if ((rc = known_keys(&l, root, "the inventory", keys)) < 0)
			break;
		const yn *ag = get(root, "agencies"), *pr = get(root, "providers");
		if (ag && !is_null(ag) && ag->kind != YQ) {
			rc = err_at(&l, ag, SPOOR_EPARSE, "'agencies' must be a list, not %s", kind_name(ag));
			break;
		}
		if (pr && !is_null(pr) && pr->kind != YQ) {
			rc = err_at(&l, pr, SPOOR_EPARSE, "'providers' must be a list, not %s", kind_name(pr));
			break;
		}
		for (size_t i = 0; ag && ag->kind == YQ && i < ag->nkv && rc == 0; i++)
			rc = load_agency(&l, ag->kv[i]);
		for (size_t i = 0; pr && pr->kind == YQ && i < pr->nkv && rc == 0; i++)
			rc = load_provider(&l, pr->kv[i]);
	}
	yaml_parser_delete(&p);
	arena_done(&tmp);
	if (rc == 0 && !any)
		rc = err_at(&l, NULL, SPOOR_EPARSE, "empty inventory file");
	if (rc == SPOOR_ENOMEM && diag && !diag->msg[0])
		diag_set(diag, rc, "out of memory");
	if (rc == 0) {
		inv_source *ns = xreallocarray(inv->sources, inv->nfiles + 1, sizeof(*ns));
		char *t = arena_alloc(&inv->ar, len + 1);
		if (ns)
			inv->sources = ns;
		if (!ns || !t)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		if (len)
			memcpy(t, text, len);
		t[len] = 0;
		inv->sources[inv->nfiles++] = (inv_source){l.file, t, len};
	}
	return rc;
}
