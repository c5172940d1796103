/* prov-graph — the provider graph, the exposure report and `trace`.
 *
 * Nodes are typed names: provider, agency, account, key, ip, network,
 * host.  Edges come from the inventory (a provider's accounts, keys,
 * networks, jump hosts, served agencies; an agency's hosts, admins,
 * networks) and from successful logons in the logs (source address ->
 * account -> host, key -> account, address -> the network holding it).
 *
 * Trace walks identity edges both ways, breadth first, and reports the
 * shortest path to every provider it reaches.  It does not walk through
 * agencies or "serves" edges: that two providers serve the same agency
 * links neither to the other's accounts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeparse.h"
#include "detect/analytics/prov-int.h"

#define TRACE_MAX_DEPTH 8

void prov_graph_init(prov_graph *g, arena *ar, size_t max_edges)
{
	memset(g, 0, sizeof(*g));
	g->ar = ar;
	g->max_edges = max_edges;
}

void prov_graph_done(prov_graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].e);
	free(g->v);
	inv_map_done(&g->nodes);
	inv_map_done(&g->edges);
}

/* "kind\0name" with the name lower-cased (SHA256 key fingerprints keep
 * their case); 0 when it does not fit */
static size_t node_key(const char *kind, const char *name, size_t n, char *key, size_t cap)
{
	size_t kl = strlen(kind);
	if (kl + 1 + n > cap || !n)
		return 0;
	memcpy(key, kind, kl);
	key[kl] = 0;
	bool keep = !strcmp(kind, "key") && n > 7 && !memcmp(name, "SHA256:", 7);
	for (size_t i = 0; i < n; i++)
		key[kl + 1 + i] = (!keep && name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	return kl + 1 + n;
}

static uint32_t node_find(const prov_graph *g, const char *kind, const char *name, size_t n)
{
	char key[400];
	size_t kn = node_key(kind, name, n, key, sizeof(key));
	const struct inv_slot *s = kn ? inv_map_get(&g->nodes, key, kn) : NULL;
	return s ? s->val : INV_NONE;
}

/* node id for (kind, name), created when new; INV_NONE on OOM */
static uint32_t node(prov_graph *g, const char *kind, const char *name, size_t n)
{
	char key[400];
	size_t kn = node_key(kind, name, n, key, sizeof(key)), kl = strlen(kind);
	if (!kn)
		return INV_NONE;
	const struct inv_slot *s = inv_map_get(&g->nodes, key, kl + 1 + n);
	if (s)
		return s->val;
	if (g->n == g->cap) {
		size_t nc = g->cap ? 2 * g->cap : 256;
		prov_gnode *nv = xreallocarray(g->v, nc, sizeof(*nv));
		if (!nv)
			return INV_NONE;
		g->v = nv;
		g->cap = nc;
	}
	char *k = arena_memdup(g->ar, key, kl + 1 + n);
	char *nm = arena_alloc(g->ar, n + 1);
	if (!k || !nm || inv_map_put(&g->nodes, k, kl + 1 + n, (uint32_t)g->n, 0) < 0)
		return INV_NONE;
	memcpy(nm, k + kl + 1, n);
	nm[n] = 0;
	prov_gnode *v = &g->v[g->n];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->name = nm;
	return (uint32_t)g->n++;
}

static int half(prov_gnode *a, uint32_t to, const char *label)
{
	if (a->n == a->cap) {
		size_t nc = a->cap ? 2 * a->cap : 4;
		prov_gedge *nv = xreallocarray(a->e, nc, sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		a->e = nv;
		a->cap = nc;
	}
	a->e[a->n].to = to;
	a->e[a->n++].label = label;
	return 0;
}

/* an edge a -> b (stored both ways; the label names a's relation to b) */
static int edge(prov_graph *g, uint32_t a, uint32_t b, const char *label)
{
	if (a == INV_NONE || b == INV_NONE)
		return 0; /* a side without a name (or not interned): no edge */
	char key[2 * sizeof(uint32_t) + sizeof(void *)];
	memcpy(key, &a, 4);
	memcpy(key + 4, &b, 4);
	memcpy(key + 8, &label, sizeof(void *));
	if (inv_map_get(&g->edges, key, sizeof(key)))
		return 0;
	if (g->nedges >= g->max_edges) {
		g->dropped++;
		return 0;
	}
	char *k = arena_memdup(g->ar, key, sizeof(key));
	if (!k || inv_map_put(&g->edges, k, sizeof(key), 0, 0) < 0)
		return SPOOR_ENOMEM;
	g->nedges++;
	int r = half(&g->v[a], b, label);
	if (r == 0)
		r = half(&g->v[b], a, label);
	return r;
}

static uint32_t nodes(prov_graph *g, const char *kind, const char *s)
{
	return node(g, kind, s, strlen(s));
}

static void cidr(const inv_net *n, char *out, size_t cap)
{
	char a[48];
	inv_format_ip(n->addr, a, sizeof(a));
	bool v4 = strchr(a, ':') == NULL;
	snprintf(out, cap, "%s/%u", a, n->plen - (v4 ? 96 : 0));
}

/* labels: identity edges are walked by trace; scope edges are not */
static const char L_ACCOUNT[] = "account", L_KEY[] = "key", L_NET[] = "network", L_JUMP[] = "jump-host",
		  L_SERVES[] = "serves", L_HOST[] = "host", L_ADMIN[] = "admin", L_ADDR[] = "address",
		  L_LOGON_FROM[] = "logon-from", L_LOGON_TO[] = "logon-to", L_AUTH[] = "authenticated",
		  L_IN[] = "in-network";

static bool walkable(const char *label)
{
	return label != L_SERVES && label != L_HOST && label != L_ADMIN;
}

/* ---- a graph saved elsewhere (the case database, src/case/case-prov.c) ---- */

const char *prov_graph_label(const char *name)
{
	static const char *const labels[] = {L_ACCOUNT, L_KEY,	L_NET,	      L_JUMP,	  L_SERVES, L_HOST,
					     L_ADMIN,	L_ADDR, L_LOGON_FROM, L_LOGON_TO, L_AUTH,   L_IN};
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (!strcmp(name, labels[i]))
			return labels[i];
	return NULL;
}

uint32_t prov_graph_add_node(prov_graph *g, const char *kind, const char *name)
{
	/* a node keeps its kind by address: one of the literals */
	static const char *const kinds[] = {"provider", "agency", "account", "key", "ip", "network", "host"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return node(g, kinds[i], name, strlen(name));
	return INV_NONE;
}

int prov_graph_add_half(prov_graph *g, uint32_t a, uint32_t b, const char *label)
{
	if (a >= g->n || b >= g->n)
		return SPOOR_EINVAL;
	g->nedges += a < b; /* each edge is saved from both ends */
	return half(&g->v[a], b, label);
}

int prov_graph_inventory(prov_graph *g, const spoor_inventory *inv)
{
	int r = 0;
	for (size_t i = 0; i < inv->nagencies && r == 0; i++) {
		const inv_agency *a = &inv->agencies[i];
		uint32_t an = nodes(g, "agency", a->id);
		for (size_t k = 0; k < a->admins.n && r == 0; k++)
			r = edge(g, an, nodes(g, "account", a->admins.v[k]), L_ADMIN);
	}
	for (size_t i = 0; i < inv->nhosts && r == 0; i++) {
		const inv_host *h = &inv->hosts[i];
		uint32_t hn = nodes(g, "host", h->name);
		r = edge(g, nodes(g, "agency", inv->agencies[h->agency].id), hn, L_HOST);
		if (r == 0 && h->has_ip) {
			char a[48];
			inv_format_ip(h->ip, a, sizeof(a));
			r = edge(g, hn, nodes(g, "ip", a), L_ADDR);
		}
	}
	for (size_t i = 0; i < inv->nnets && r == 0; i++) {
		const inv_net *n = &inv->nets[i];
		char c[64];
		cidr(n, c, sizeof(c));
		uint32_t o = n->owner_is_provider ? nodes(g, "provider", inv->providers[n->owner].id)
						  : nodes(g, "agency", inv->agencies[n->owner].id);
		r = edge(g, o, nodes(g, "network", c), n->owner_is_provider ? L_NET : L_HOST);
	}
	for (size_t i = 0; i < inv->nproviders && r == 0; i++) {
		const inv_provider *p = &inv->providers[i];
		uint32_t pn = nodes(g, "provider", p->id);
		for (size_t k = 0; k < p->naccounts && r == 0; k++)
			r = edge(g, pn, nodes(g, "account", p->accounts[k].name), L_ACCOUNT);
		for (size_t k = 0; k < p->keys.n && r == 0; k++)
			r = edge(g, pn, nodes(g, "key", p->keys.v[k]), L_KEY);
		for (size_t k = 0; k < p->jump_hosts.n && r == 0; k++) {
			uint8_t a[16];
			const char *j = p->jump_hosts.v[k];
			if (inv_parse_ip(j, strlen(j), a)) {
				char t[48];
				inv_format_ip(a, t, sizeof(t));
				r = edge(g, pn, nodes(g, "ip", t), L_JUMP);
			} else {
				r = edge(g, pn, nodes(g, "host", j), L_JUMP);
			}
		}
		for (size_t k = 0; k < p->nserves && r == 0; k++)
			r = edge(g, pn, nodes(g, "agency", inv->agencies[p->serves[k].agency].id), L_SERVES);
	}
	return r;
}

int prov_graph_event(prov_graph *g, const spoor_inventory *inv, const prov_ev *e)
{
	const inv_match *m = &e->m;
	spoor_sv u = m->user;
	bool hasu = u.n && !sv_eq_cstr(u, "-");
	uint32_t un = hasu ? node(g, "account", u.p, u.n) : INV_NONE;
	uint32_t hn = INV_NONE;
	if (m->host != INV_NONE)
		hn = nodes(g, "host", inv->hosts[m->host].name);
	else if (m->host_name.n && !sv_eq_cstr(m->host_name, "-"))
		hn = node(g, "host", m->host_name.p, m->host_name.n);
	uint32_t ipn = INV_NONE;
	int r = 0;
	if (m->has_src) {
		char a[48];
		inv_format_ip(m->src, a, sizeof(a));
		ipn = nodes(g, "ip", a);
		/* only provider networks: linking every address of an agency's
		 * network to each other would join unrelated accounts */
		uint32_t ni = inv_net_lookup(inv, &inv->provider_nets, m->src);
		if (ni != INV_NONE) {
			char c[64];
			cidr(&inv->nets[ni], c, sizeof(c));
			r = edge(g, ipn, nodes(g, "network", c), L_IN);
		}
	}
	if (r == 0)
		r = edge(g, ipn, un, L_LOGON_FROM);
	if (r == 0)
		r = edge(g, un, hn, L_LOGON_TO);
	if (r == 0 && un == INV_NONE)
		r = edge(g, ipn, hn, L_LOGON_TO);
	if (r == 0 && m->key.n)
		r = edge(g, node(g, "key", m->key.p, m->key.n), un, L_AUTH);
	return r;
}

/* ---- output helpers ---- */

static int jstr(buf *b, const char *s)
{
	int rc = buf_addc(b, '"');
	rc = rc ? rc : buf_add_json_str(b, s, strlen(s));
	return rc ? rc : buf_addc(b, '"');
}

static int finish_out(buf *b, int rc, char **out, size_t *len, spoor_diag *diag)
{
	if (rc == 0 && b->toobig)
		rc = SPOOR_ELIMIT;
	if (rc == 0) {
		*out = xmalloc(b->len + 1);
		if (!*out)
			rc = SPOOR_ENOMEM;
		else {
			if (b->len)
				memcpy(*out, b->p, b->len);
			(*out)[b->len] = 0;
			*len = b->len;
		}
	}
	buf_done(b);
	if (rc < 0)
		diag_set(diag, rc, rc == SPOOR_ELIMIT ? "report larger than its limit" : "out of memory");
	return rc;
}

/* English count nouns: "1 agency", "2 agencies" */
static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void fmt_time(int64_t ns, char *out)
{
	if (ns)
		time_format(ns, out);
	else
		strcpy(out, "-");
}

/* the names of hosts of agency a that serve s allows */
static int allowed_hosts_json(buf *b, const spoor_inventory *inv, const inv_serve *s)
{
	int rc = buf_addc(b, '[');
	bool first = true;
	for (size_t h = 0; h < inv->nhosts && rc == 0; h++) {
		if (inv->hosts[h].agency != s->agency || !inv_host_allowed(inv, s, (uint32_t)h))
			continue;
		if (!first)
			rc = buf_addc(b, ',');
		first = false;
		if (rc == 0)
			rc = jstr(b, inv->hosts[h].name);
	}
	return rc ? rc : buf_addc(b, ']');
}

static int strs_json(buf *b, const inv_strs *s)
{
	int rc = buf_addc(b, '[');
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		if (i)
			rc = buf_addc(b, ',');
		if (rc == 0)
			rc = jstr(b, s->v[i]);
	}
	return rc ? rc : buf_addc(b, ']');
}

static int report_json(prov_stage *s, buf *b)
{
	const spoor_inventory *inv = s->inv;
	int rc = buf_adds(b, "{\"providers\":[");
	for (size_t i = 0; i < inv->nproviders && rc == 0; i++) {
		const inv_provider *p = &inv->providers[i];
		if (i)
			rc = buf_addc(b, ',');
		rc = rc ? rc : buf_adds(b, "{\"id\":");
		rc = rc ? rc : jstr(b, p->id);
		rc = rc ? rc : buf_adds(b, ",\"name\":");
		rc = rc ? rc : jstr(b, p->name);
		/* can reach */
		rc = rc ? rc : buf_adds(b, ",\"can_reach\":{\"agencies\":[");
		for (size_t k = 0; k < p->nserves && rc == 0; k++) {
			const inv_serve *sv = &p->serves[k];
			const inv_agency *a = &inv->agencies[sv->agency];
			rc = k ? buf_addc(b, ',') : 0;
			rc = rc ? rc : buf_adds(b, "{\"id\":");
			rc = rc ? rc : jstr(b, a->id);
			rc = rc ? rc : buf_adds(b, ",\"all_hosts\":");
			rc = rc ? rc : buf_adds(b, sv->all_hosts ? "true" : "false");
			rc = rc ? rc : buf_adds(b, ",\"hosts\":");
			rc = rc ? rc : allowed_hosts_json(b, inv, sv);
			rc = rc ? rc : buf_adds(b, ",\"mail_domains\":");
			rc = rc ? rc : strs_json(b, &a->mail_domains);
			rc = rc ? rc : buf_addc(b, '}');
		}
		rc = rc ? rc : buf_adds(b, "],\"accounts\":[");
		for (size_t k = 0; k < p->naccounts && rc == 0; k++) {
			rc = k ? buf_addc(b, ',') : 0;
			rc = rc ? rc : buf_adds(b, "{\"name\":");
			rc = rc ? rc : jstr(b, p->accounts[k].name);
			rc = rc ? rc
				: buf_adds(b, p->accounts[k].service ? ",\"service\":true}" : ",\"service\":false}");
		}
		rc = rc ? rc : buf_adds(b, "],\"key_fingerprints\":");
		rc = rc ? rc : strs_json(b, &p->keys);
		rc = rc ? rc : buf_adds(b, ",\"jump_hosts\":");
		rc = rc ? rc : strs_json(b, &p->jump_hosts);
		rc = rc ? rc : buf_adds(b, ",\"source_networks\":[");
		bool first = true;
		for (size_t k = 0; k < inv->nnets && rc == 0; k++) {
			if (!inv->nets[k].owner_is_provider || inv->nets[k].owner != i)
				continue;
			char c[64];
			cidr(&inv->nets[k], c, sizeof(c));
			rc = first ? 0 : buf_addc(b, ',');
			first = false;
			rc = rc ? rc : jstr(b, c);
		}
		rc = rc ? rc : buf_adds(b, "]},\"reached\":[");
		first = true;
		for (size_t k = 0; k < s->nreach && rc == 0; k++) {
			const prov_reach *r = &s->reach[k];
			if (r->provider != i)
				continue;
			char t1[48], t2[48];
			fmt_time(r->first, t1);
			fmt_time(r->last, t2);
			rc = first ? 0 : buf_addc(b, ',');
			first = false;
			rc = rc ? rc : buf_adds(b, "{\"agency\":");
			rc = rc ? rc : jstr(b, inv->agencies[r->agency].id);
			rc = rc ? rc : buf_adds(b, ",\"host\":");
			rc = rc ? rc : jstr(b, r->host);
			rc = rc ? rc : buf_adds(b, ",\"account\":");
			rc = rc ? rc : jstr(b, r->account);
			rc = rc ? rc : buf_adds(b, ",\"source\":");
			rc = rc ? rc : jstr(b, r->src);
			rc = rc ? rc
				: buf_printf(b, ",\"count\":%" PRIu64 ",\"first\":\"%s\",\"last\":\"%s\"}", r->count,
					     t1, t2);
		}
		rc = rc ? rc : buf_adds(b, "],\"out_of_scope\":[");
		first = true;
		for (size_t k = 0; k < s->nviols && rc == 0; k++) {
			const prov_viol *v = &s->viols[k];
			if (v->provider != i)
				continue;
			char t1[48];
			fmt_time(v->ts, t1);
			rc = first ? 0 : buf_addc(b, ',');
			first = false;
			rc = rc ? rc : buf_adds(b, "{\"rule\":");
			rc = rc ? rc : jstr(b, v->rule->id);
			rc = rc ? rc : buf_printf(b, ",\"time\":\"%s\",\"agency\":", t1);
			rc = rc ? rc : jstr(b, v->agency != INV_NONE ? inv->agencies[v->agency].id : "");
			rc = rc ? rc : buf_adds(b, ",\"host\":");
			rc = rc ? rc : jstr(b, v->host);
			rc = rc ? rc : buf_adds(b, ",\"account\":");
			rc = rc ? rc : jstr(b, v->account);
			rc = rc ? rc : buf_adds(b, ",\"source\":");
			rc = rc ? rc : jstr(b, v->src);
			rc = rc ? rc : buf_adds(b, ",\"origin\":");
			rc = rc ? rc : jstr(b, v->origin);
			rc = rc ? rc : buf_adds(b, ",\"why\":");
			rc = rc ? rc : jstr(b, v->why);
			rc = rc ? rc : buf_addc(b, '}');
		}
		/* identities linking reached assets to the provider */
		rc = rc ? rc : buf_adds(b, "],\"identities\":[");
		first = true;
		uint32_t pn = nodes(&s->g, "provider", p->id);
		for (size_t k = 0; pn != INV_NONE && k < s->g.v[pn].n && rc == 0; k++) {
			const prov_gedge *ge = &s->g.v[pn].e[k];
			if (ge->label == L_SERVES)
				continue;
			const prov_gnode *o = &s->g.v[ge->to];
			rc = first ? 0 : buf_addc(b, ',');
			first = false;
			rc = rc ? rc : buf_adds(b, "{\"kind\":");
			rc = rc ? rc : jstr(b, o->kind);
			rc = rc ? rc : buf_adds(b, ",\"name\":");
			rc = rc ? rc : jstr(b, o->name);
			rc = rc ? rc : buf_adds(b, ",\"via\":");
			rc = rc ? rc : jstr(b, ge->label);
			/* what this identity logged on to */
			rc = rc ? rc : buf_adds(b, ",\"reached\":[");
			bool f2 = true;
			for (size_t x = 0; x < o->n && rc == 0; x++) {
				const prov_gedge *e2 = &o->e[x];
				if (e2->label != L_LOGON_TO && e2->label != L_LOGON_FROM && e2->label != L_AUTH &&
				    e2->label != L_IN)
					continue;
				const prov_gnode *t = &s->g.v[e2->to];
				rc = f2 ? 0 : buf_addc(b, ',');
				f2 = false;
				char nm[400];
				snprintf(nm, sizeof(nm), "%s:%s", t->kind, t->name);
				rc = rc ? rc : jstr(b, nm);
			}
			rc = rc ? rc : buf_adds(b, "]}");
		}
		rc = rc ? rc : buf_adds(b, "]}");
	}
	return rc ? rc : buf_adds(b, "]}\n");
}

static int report_table(prov_stage *s, buf *b)
{
	const spoor_inventory *inv = s->inv;
	int rc = 0;
	for (size_t i = 0; i < inv->nproviders && rc == 0; i++) {
		const inv_provider *p = &inv->providers[i];
		size_t nhosts = 0, nout = 0, nreach = 0;
		for (size_t k = 0; k < p->nserves; k++)
			for (size_t h = 0; h < inv->nhosts; h++)
				nhosts += inv->hosts[h].agency == p->serves[k].agency &&
					  inv_host_allowed(inv, &p->serves[k], (uint32_t)h);
		for (size_t k = 0; k < s->nviols; k++)
			nout += s->viols[k].provider == i;
		for (size_t k = 0; k < s->nreach; k++)
			nreach += s->reach[k].provider == i;
		rc = buf_printf(
		    b, "provider %s (%s)\n  can reach: %zu %s, %zu %s, %zu %s, %zu %s\n", p->id, p->name, p->nserves,
		    plural(p->nserves, "agency", "agencies"), nhosts, plural(nhosts, "host", "hosts"), p->naccounts,
		    plural(p->naccounts, "account", "accounts"), p->keys.n, plural(p->keys.n, "key", "keys"));
		for (size_t k = 0; k < p->nserves && rc == 0; k++) {
			const inv_agency *a = &inv->agencies[p->serves[k].agency];
			rc = buf_printf(b, "    agency %-16s hosts: %s", a->id, p->serves[k].all_hosts ? "all" : "");
			for (size_t h = 0; !p->serves[k].all_hosts && h < p->serves[k].hosts.n && rc == 0; h++)
				rc = buf_printf(b, "%s%s", h ? ", " : "", p->serves[k].hosts.v[h]);
			if (rc == 0 && a->mail_domains.n)
				rc = buf_printf(b, "; mailboxes @%s%s", a->mail_domains.v[0],
						a->mail_domains.n > 1 ? " ..." : "");
			rc = rc ? rc : buf_addc(b, '\n');
		}
		rc = rc ? rc
			: buf_printf(b, "  reached: %zu (agency, host, account, source) %s\n", nreach,
				     plural(nreach, "combination", "combinations"));
		for (size_t k = 0; k < s->nreach && rc == 0; k++) {
			const prov_reach *r = &s->reach[k];
			if (r->provider != i)
				continue;
			char t1[48], t2[48];
			fmt_time(r->first, t1);
			fmt_time(r->last, t2);
			rc = buf_printf(b, "    %-12s %-20s %-24s from %-16s %6" PRIu64 "x  %s .. %s\n",
					inv->agencies[r->agency].id, r->host[0] ? r->host : "-",
					r->account[0] ? r->account : "-", r->src[0] ? r->src : "-", r->count, t1, t2);
		}
		rc = rc ? rc : buf_printf(b, "  out of scope: %zu\n", nout);
		for (size_t k = 0; k < s->nviols && rc == 0; k++) {
			const prov_viol *v = &s->viols[k];
			if (v->provider != i)
				continue;
			char t1[48];
			fmt_time(v->ts, t1);
			rc = buf_printf(b, "    %s  %-38s %s  [%s]\n", t1, v->rule->id, v->why, v->origin);
		}
		rc = rc ? rc : buf_addc(b, '\n');
	}
	if (rc == 0 && (s->viols_dropped || s->g.dropped))
		rc = buf_printf(
		    b, "note: %" PRIu64 " out-of-scope %s and %" PRIu64 " graph %s beyond the limits not shown\n",
		    s->viols_dropped, plural(s->viols_dropped, "access", "accesses"), s->g.dropped,
		    plural(s->g.dropped, "edge", "edges"));
	return rc;
}

static int dot_id(buf *b, const prov_gnode *n)
{
	char t[400];
	snprintf(t, sizeof(t), "%s:%s", n->kind, n->name);
	return jstr(b, t); /* a DOT ID may be a C-style quoted string */
}

static int report_dot(prov_stage *s, buf *b)
{
	const prov_graph *g = &s->g;
	int rc = buf_adds(b, "graph providers {\n  node [shape=box];\n");
	for (size_t i = 0; i < g->n && rc == 0; i++) {
		const prov_gnode *n = &g->v[i];
		const char *shape = !strcmp(n->kind, "provider")  ? "doubleoctagon"
				    : !strcmp(n->kind, "agency")  ? "house"
				    : !strcmp(n->kind, "account") ? "ellipse"
								  : "box";
		rc = buf_adds(b, "  ");
		rc = rc ? rc : dot_id(b, n);
		rc = rc ? rc : buf_printf(b, " [shape=%s];\n", shape);
	}
	for (size_t i = 0; i < g->n && rc == 0; i++)
		for (size_t k = 0; k < g->v[i].n && rc == 0; k++) {
			const prov_gedge *e = &g->v[i].e[k];
			if (e->to < i)
				continue; /* each edge once */
			rc = buf_adds(b, "  ");
			rc = rc ? rc : dot_id(b, &g->v[i]);
			rc = rc ? rc : buf_adds(b, " -- ");
			rc = rc ? rc : dot_id(b, &g->v[e->to]);
			rc = rc ? rc : buf_printf(b, " [label=\"%s\"];\n", e->label);
		}
	return rc ? rc : buf_adds(b, "}\n");
}

static prov_stage *as_prov(spoor_stage *st, spoor_diag *diag)
{
	if (!st || st->ops != &prov_stage_ops) {
		diag_set(diag, SPOOR_EINVAL, "not a providers stage");
		return NULL;
	}
	return (prov_stage *)st;
}

SPOOR_API int spoor_providers_report(spoor_stage *st, spoor_providers_format fmt, char **out, size_t *len,
				     spoor_diag *diag)
{
	prov_stage *s = as_prov(st, diag);
	if (!s)
		return SPOOR_EINVAL;
	buf b;
	buf_init(&b, (size_t)1 << 31);
	int rc = fmt == SPOOR_PROVIDERS_JSON ? report_json(s, &b) : fmt == SPOOR_PROVIDERS_DOT ? report_dot(s, &b)
											 : report_table(s, &b);
	return finish_out(&b, rc, out, len, diag);
}

/* ---- trace ---- */

static uint32_t find_entity(prov_graph *g, const char *entity)
{
	static const char *const kinds[] = {"account", "ip", "host", "key", "provider", "agency", "network"};
	size_t n = strlen(entity);
	/* "kind:name" picks a kind; else try each kind in turn */
	const char *colon = strchr(entity, ':');
	const char *name = entity;
	size_t first = 0, last = ARRAY_SIZE(kinds);
	for (size_t k = 0; colon && k < ARRAY_SIZE(kinds); k++)
		if ((size_t)(colon - entity) == strlen(kinds[k]) && !strncmp(entity, kinds[k], strlen(kinds[k]))) {
			first = k;
			last = k + 1;
			name = colon + 1;
			n -= strlen(kinds[k]) + 1;
		}
	for (size_t k = first; k < last; k++) {
		uint32_t x = node_find(g, kinds[k], name, n);
		uint8_t a[16];
		char t[48];
		if (x == INV_NONE && !strcmp(kinds[k], "ip") && inv_parse_ip(name, n, a)) {
			/* an address in another spelling (::ffff:10.0.0.1, 2001:DB8::1) */
			inv_format_ip(a, t, sizeof(t));
			x = node_find(g, "ip", t, strlen(t));
		}
		if (x == INV_NONE && !strcmp(kinds[k], "account")) {
			/* "DOMAIN\\name" as Windows writes it; logons are kept by name */
			const char *bs = memchr(name, '\\', n);
			if (bs)
				x = node_find(g, "account", bs + 1, n - (size_t)(bs + 1 - name));
		}
		if (x != INV_NONE)
			return x;
	}
	return INV_NONE;
}

SPOOR_API int spoor_providers_trace(spoor_stage *st, const char *entity, spoor_providers_format fmt, char **out,
				    size_t *len, spoor_diag *diag)
{
	prov_stage *s = as_prov(st, diag);
	if (!s)
		return SPOOR_EINVAL;
	prov_graph *g = &s->g;
	uint32_t start = find_entity(g, entity);
	if (start == INV_NONE)
		return diag_set(diag, SPOOR_ENOTFOUND, "'%s' is not in the inventory or in any logon seen", entity);
	uint32_t *prev = xmalloc(g->n * sizeof(uint32_t));
	const char **via = xmalloc(g->n * sizeof(char *));
	uint32_t *queue = xmalloc(g->n * sizeof(uint32_t));
	uint8_t *depth = xcalloc(g->n, 1);
	if (!prev || !via || !queue || !depth) {
		free(prev);
		free(via);
		free(queue);
		free(depth);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < g->n; i++)
		prev[i] = INV_NONE;
	size_t qh = 0, qt = 0;
	prev[start] = start;
	queue[qt++] = start;
	while (qh < qt) {
		uint32_t x = queue[qh++];
		/* do not walk through agencies and providers: a path ends there */
		if (x != start && (!strcmp(g->v[x].kind, "agency") || !strcmp(g->v[x].kind, "provider")))
			continue;
		/* a host someone logged on to is an end point: other accounts
		 * that logged on there are not linked by it */
		if (x != start && via[x] == L_LOGON_TO && !strcmp(g->v[x].kind, "host"))
			continue;
		if (depth[x] >= TRACE_MAX_DEPTH)
			continue;
		for (size_t k = 0; k < g->v[x].n; k++) {
			const prov_gedge *e = &g->v[x].e[k];
			if (!walkable(e->label) || prev[e->to] != INV_NONE)
				continue;
			prev[e->to] = x;
			via[e->to] = e->label;
			depth[e->to] = (uint8_t)(depth[x] + 1);
			queue[qt++] = e->to;
		}
	}
	buf b;
	buf_init(&b, (size_t)1 << 30);
	int rc = 0;
	const prov_gnode *sn = &g->v[start];
	if (fmt == SPOOR_PROVIDERS_JSON) {
		rc = buf_adds(&b, "{\"entity\":");
		char nm[400];
		snprintf(nm, sizeof(nm), "%s:%s", sn->kind, sn->name);
		rc = rc ? rc : jstr(&b, nm);
		rc = rc ? rc : buf_adds(&b, ",\"providers\":[");
	} else {
		rc = buf_printf(&b, "%s:%s\n", sn->kind, sn->name);
	}
	size_t found = 0;
	/* every provider reached, shortest path first (BFS order) */
	for (size_t q = 0; q < qt && rc == 0; q++) {
		uint32_t x = queue[q];
		if (strcmp(g->v[x].kind, "provider"))
			continue;
		if (fmt == SPOOR_PROVIDERS_JSON) {
			rc = found ? buf_addc(&b, ',') : 0;
			rc = rc ? rc : buf_adds(&b, "{\"provider\":");
			rc = rc ? rc : jstr(&b, g->v[x].name);
			rc = rc ? rc : buf_adds(&b, ",\"path\":[");
		} else {
			rc = buf_printf(&b, "  provider %s:", g->v[x].name);
		}
		/* the path from the entity to the provider */
		uint32_t path[TRACE_MAX_DEPTH + 2];
		size_t np = 0;
		for (uint32_t y = x; np < ARRAY_SIZE(path); y = prev[y]) {
			path[np++] = y;
			if (y == start)
				break;
		}
		for (size_t i = np; i-- > 0 && rc == 0;) {
			uint32_t y = path[i];
			char nm[400];
			snprintf(nm, sizeof(nm), "%s:%s", g->v[y].kind, g->v[y].name);
			if (fmt == SPOOR_PROVIDERS_JSON) {
				rc = i + 1 == np ? 0 : buf_addc(&b, ',');
				rc = rc ? rc : buf_adds(&b, "{\"node\":");
				rc = rc ? rc : jstr(&b, nm);
				if (i)
					rc = rc ? rc : buf_adds(&b, ",\"next_via\":");
				if (i)
					rc = rc ? rc : jstr(&b, via[path[i - 1]]);
				rc = rc ? rc : buf_addc(&b, '}');
			} else {
				rc = buf_printf(&b, " %s", nm);
				if (rc == 0 && i)
					rc = buf_printf(&b, " -%s-", via[path[i - 1]]);
			}
		}
		rc = rc ? rc : buf_adds(&b, fmt == SPOOR_PROVIDERS_JSON ? "]}" : "\n");
		found++;
	}
	/* what the entity reached (hosts and agencies within the walk) */
	if (rc == 0 && fmt == SPOOR_PROVIDERS_JSON)
		rc = buf_adds(&b, "],\"reached\":[");
	else if (rc == 0)
		rc = buf_printf(&b, "  %zu provider%s linked\n  reached:", found, found == 1 ? "" : "s");
	size_t nr = 0;
	for (size_t q = 1; q < qt && rc == 0; q++) {
		uint32_t x = queue[q];
		if (strcmp(g->v[x].kind, "host") || via[x] != L_LOGON_TO)
			continue;
		char nm[400];
		snprintf(nm, sizeof(nm), "%s:%s", g->v[x].kind, g->v[x].name);
		if (fmt == SPOOR_PROVIDERS_JSON) {
			rc = nr ? buf_addc(&b, ',') : 0;
			rc = rc ? rc : jstr(&b, nm);
		} else {
			rc = buf_printf(&b, " %s", nm);
		}
		nr++;
	}
	if (rc == 0)
		rc = buf_adds(&b, fmt == SPOOR_PROVIDERS_JSON ? "]}\n" : nr ? "\n" : " -\n");
	free(prev);
	free(via);
	free(queue);
	free(depth);
	return finish_out(&b, rc, out, len, diag);
}
