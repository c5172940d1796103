/* ctx — what outlives one file: interned names, limits, the default zone. */
#include <stdlib.h>
#include <string.h>

#include "event/event-int.h"

SPOOR_API int spoor_ctx_new(spoor_ctx **out, const spoor_ctx_options *opts, spoor_diag *diag)
{
	spoor_ctx_options def = SPOOR_CTX_OPTIONS_INIT;
	if (!opts)
		opts = &def;
	if (opts->version != SPOOR_CTX_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "spoor_ctx_options version %u not supported", opts->version);
	spoor_ctx *c = xcalloc(1, sizeof(*c));
	if (!c)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	c->lim = opts->limits;
	c->year = opts->year;
	if (c->year && (c->year < 1970 || c->year > 9999)) {
		free(c);
		return diag_set(diag, SPOOR_EINVAL, "year %d out of range 1970..9999", opts->year);
	}
	if (c->lim.max_record < 64 || c->lim.max_depth < 1 || c->lim.max_fields < 16 || c->lim.max_names < 64) {
		free(c);
		return diag_set(diag, SPOOR_EINVAL, "limits too small (record >= 64, depth >= 1, fields >= 16, names >= 64)");
	}
	if (c->lim.max_record > ((size_t)1 << 30)) {
		free(c);
		return diag_set(diag, SPOOR_EINVAL, "max record size above 1 GiB");
	}
	int r = tz_load(&c->tz, opts->tz, NULL);
	if (r < 0) {
		free(c);
		return diag_set(diag, r, "unknown time zone '%s'", opts->tz ? opts->tz : "");
	}
	if (field_table_init(&c->ft, c->lim.max_names) < 0) {
		field_table_done(&c->ft);
		tz_done(&c->tz);
		free(c);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

SPOOR_API int spoor_ctx_clone(spoor_ctx **out, const spoor_ctx *src, spoor_diag *diag)
{
	*out = NULL;
	spoor_ctx *c = xcalloc(1, sizeof(*c));
	if (!c)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	c->lim = src->lim;
	c->year = src->year;
	c->tz = src->tz;
	c->tz.trans = NULL;
	memcpy(c->keycache, src->keycache, sizeof(c->keycache));
	bool ok = true;
	if (src->tz.ntrans) {
		c->tz.trans = xreallocarray(NULL, src->tz.ntrans, sizeof(*c->tz.trans));
		if (c->tz.trans)
			memcpy(c->tz.trans, src->tz.trans, src->tz.ntrans * sizeof(*c->tz.trans));
		else
			ok = false;
	}
	for (unsigned k = 0; k < _MEMO_MAX && ok; k++) {
		const name_memo *m = &src->memo[k];
		if (!m->cap)
			continue;
		c->memo[k].v = xreallocarray(NULL, m->cap, sizeof(*m->v));
		if (!c->memo[k].v) {
			ok = false;
			break;
		}
		memcpy(c->memo[k].v, m->v, m->cap * sizeof(*m->v));
		c->memo[k].cap = m->cap;
	}
	if (!ok || field_table_copy(&c->ft, &src->ft) < 0) {
		spoor_ctx_free(c);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

void ctx_memo_put(spoor_ctx *c, unsigned kind, uint32_t id, uint32_t val)
{
	name_memo *m = &c->memo[kind];
	if (id >= m->cap) {
		size_t ncap = m->cap ? m->cap : 1024;
		while (ncap <= id)
			ncap *= 2;
		uint32_t *v = xreallocarray(m->v, ncap, sizeof(*v));
		if (!v)
			return; /* a memo is only a cache */
		memset(v + m->cap, 0, (ncap - m->cap) * sizeof(*v));
		m->v = v;
		m->cap = ncap;
	}
	m->v[id] = val;
}

SPOOR_API spoor_ctx *spoor_ctx_free(spoor_ctx *ctx)
{
	if (ctx) {
		for (unsigned k = 0; k < _MEMO_MAX; k++)
			free(ctx->memo[k].v);
		field_table_done(&ctx->ft);
		tz_done(&ctx->tz);
		free(ctx);
	}
	return NULL;
}
