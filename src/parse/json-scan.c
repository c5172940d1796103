/* json-scan — see json-scan.h.
 *
 * Recursive descent with an explicit depth limit.  Strings are scanned 16
 * bytes at a time (SSE2) for quote, backslash and control characters. */
#include "parse/json-scan.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/base.h"

typedef struct jctx {
	const char *base;
	const char *end;
	spoor_event *ev; /* NULL when validating */
	field_table *ft;
	unsigned depth, max_depth;
	int code;
	const char *errpos;
	const char *errmsg;
} jctx;

#define S_ESC 1u
#define S_HI 2u
#define S_ODD 4u /* a \u or \/ escape: the raw bytes write a character another way */

static int fail(jctx *c, const char *at, int code, const char *msg)
{
	if (!c->code) {
		c->code = code;
		c->errpos = at;
		c->errmsg = msg;
	}
	return code;
}

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p is just past the opening quote.  Returns the closing quote's position,
 * or NULL with c->code set. */
static inline const char *scan_string(jctx *c, const char *p, unsigned *flags)
{
	const char *end = c->end;
	unsigned fl = 0;
	for (;;) {
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ct = _mm_set1_epi8(0x1f);
		unsigned hiacc = 0;
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned hi = (unsigned)_mm_movemask_epi8(v);
			__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
						  _mm_cmpeq_epi8(_mm_max_epu8(v, ct), ct));
			unsigned m = (unsigned)_mm_movemask_epi8(sp);
			if (!m) {
				hiacc |= hi;
				p += 16;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			hiacc |= hi & ((1u << k) - 1);
			p += k;
			/* The common escapes of log text (\\ in Windows paths, \" and
			 * \n): skip them here and stay in the vector loop. */
			if (*p == '\\' && end - p >= 2) {
				char e = p[1];
				if (e == '\\' || e == '"' || e == 'n' || e == '/' || e == 't' || e == 'r') {
					fl |= S_ESC | (e == '/' ? S_ODD : 0);
					p += 2;
					continue;
				}
			}
			break;
		}
		if (hiacc)
			fl |= S_HI;
#endif
		while (p < end) {
			unsigned char ch = (unsigned char)*p;
			if (ch == '"' || ch == '\\' || ch < 0x20)
				break;
			if (ch >= 0x80)
				fl |= S_HI;
			p++;
		}
		if (p >= end) {
			fail(c, p, SPOOR_EAGAIN, "unterminated string");
			return NULL;
		}
		if (*p == '"') {
			*flags = fl;
			return p;
		}
		if (*p == '\\') {
			fl |= S_ESC;
			if (p + 1 >= end) {
				fail(c, p, SPOOR_EAGAIN, "unterminated string");
				return NULL;
			}
			char e = p[1];
			if (e == 'u' || e == '/')
				fl |= S_ODD;
			if (e == 'u') {
				if (end - p < 6) {
					fail(c, p, SPOOR_EAGAIN, "unterminated string");
					return NULL;
				}
				for (int k = 2; k < 6; k++) {
					unsigned char h = (unsigned char)p[k];
					if (!((h >= '0' && h <= '9') || ((h | 0x20) >= 'a' && (h | 0x20) <= 'f'))) {
						fail(c, p, SPOOR_EPARSE, "bad \\u escape");
						return NULL;
					}
				}
				p += 6;
			} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
				p += 2;
			} else {
				fail(c, p, SPOOR_EPARSE, "bad escape in string");
				return NULL;
			}
			continue;
		}
		fail(c, p, SPOOR_EPARSE, "control character in string");
		return NULL;
	}
}

static const char *scan_number(jctx *c, const char *p)
{
	const char *end = c->end, *s = p;
	if (p < end && *p == '-')
		p++;
	if (p >= end)
		goto more;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		fail(c, s, SPOOR_EPARSE, "bad number");
		return NULL;
	}
	if (p < end && *p == '.') {
		p++;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			goto bad_or_more;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			goto bad_or_more;
	}
	if (p >= end)
		goto more;
	return p;
bad_or_more:
	if (p >= end)
		goto more;
	fail(c, s, SPOOR_EPARSE, "bad number");
	return NULL;
more:
	fail(c, s, SPOOR_EAGAIN, "input ends inside a number");
	return NULL;
}

static int add_field(jctx *c, uint32_t id, spoor_sv name, spoor_vtype type, spoor_sv val, unsigned fl)
{
	if (!c->ev)
		return 0;
	/* JSON-safe: a STR without escapes or high bytes, and every number
	 * and literal the scanner validated */
	unsigned flags = (fl & S_HI) ? EF_HI : (type == SPOOR_VT_STR || type == SPOOR_VT_NUM) ? EF_JSAFE : 0;
	if (type == SPOOR_VT_JSTR && !(fl & S_ODD))
		flags |= EF_PLAINESC;
	if (fl & S_ODD)
		c->ev->odd_esc = true;
	int r = id ? event_add(c->ev, id, type, val, flags) : event_add_named(c->ev, name, type, val, flags);
	if (r < 0)
		return fail(c, val.p, r, r == SPOOR_ELIMIT ? "too many fields" : "out of memory");
	return 0;
}

/* The name of a child: interned when possible, else built in the arena. */
static int child_name(jctx *c, uint32_t pid, spoor_sv pname, bool root, spoor_sv key, uint32_t *id, spoor_sv *name)
{
	*id = 0;
	*name = SPOOR_SV_NULL;
	if (root || pid)
		*id = field_child(c->ft, root ? 0 : pid, key.p, key.n);
	if (*id)
		return 0;
	if (!root && pid)
		pname = field_name(c->ft, pid);
	size_t n = root ? key.n : pname.n + 1 + key.n;
	char *b = arena_alloc(&c->ev->ar, n + 1);
	if (!b)
		return fail(c, key.p, SPOOR_ENOMEM, "out of memory");
	if (root) {
		memcpy(b, key.p, key.n);
	} else {
		memcpy(b, pname.p, pname.n);
		b[pname.n] = '.';
		memcpy(b + pname.n + 1, key.p, key.n);
	}
	*name = sv_make(b, n);
	return 0;
}

static const char *parse_value(jctx *c, const char *p, uint32_t id, spoor_sv name);

/* Records of one source mostly repeat the same keys in the same order, so
 * the id of a key is first predicted from the key that preceded it (or,
 * for a first key, from the parent) and checked with one comparison of
 * names; only a miss costs a hash lookup.  Predictions are memos in the
 * context, so they also carry over between files. */
/* The key predicted at ks (just past its opening quote): the candidate's
 * last name component must be the next bytes and be followed by the
 * closing quote.  Only names that need no escaping qualify, so equal raw
 * bytes mean an equal key.  Returns the id and sets *ke, or 0. */
static inline uint32_t predict(jctx *c, uint32_t pid, bool root, uint32_t prev, const char *ks, const char **ke)
{
	spoor_ctx *ctx = c->ev->ctx;
	uint32_t m = prev ? ctx_memo_get(ctx, MEMO_JSON_NEXT, prev) : ctx_memo_get(ctx, MEMO_JSON_FIRST, root ? 0 : pid);
	if (!m || m == MEMO_NONE)
		return 0;
	uint32_t cand = m - 1;
	if (!field_plain(c->ft, cand))
		return 0;
	spoor_sv cn = field_name(c->ft, cand);
	size_t off = root ? 0 : field_name(c->ft, pid).n + 1;
	if (cn.n < off)
		return 0;
	size_t kn = cn.n - off;
	if ((size_t)(c->end - ks) <= kn || ks[kn] != '"' || !mem_eq(ks, cn.p + off, kn))
		return 0;
	/* the candidate's prefix is its parent's name: it was recorded as a
	 * child of this parent (or of the previous sibling, same parent) */
	if (!root && (cn.p[off - 1] != '.' || !mem_eq(cn.p, field_name(c->ft, pid).p, off - 1)))
		return 0;
	*ke = ks + kn;
	return cand;
}

/* The key-cache slot of (parent, key): a cheap mix of the key's first and
 * last 8 bytes, its length and the parent. */
static inline size_t keyslot(uint32_t pid, const char *k, size_t n)
{
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, k, 8);
		memcpy(&b, k + n - 8, 8);
	} else {
		memcpy(&a, k, n);
	}
	uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)n << 32) ^ pid;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return (size_t)(h >> 52); /* 12 bits: 4096 slots */
}

/* Is cand the child `key` of parent pid (root when root)? */
static inline bool is_child(jctx *c, uint32_t pid, bool root, uint32_t cand, spoor_sv key)
{
	spoor_sv cn = field_name(c->ft, cand);
	if (root)
		return cn.n == key.n && mem_eq(cn.p, key.p, key.n);
	spoor_sv pn = field_name(c->ft, pid);
	return cn.n == pn.n + 1 + key.n && cn.p[pn.n] == '.' && mem_eq(cn.p + pn.n + 1, key.p, key.n) &&
	       mem_eq(cn.p, pn.p, pn.n);
}

static inline void remember(jctx *c, uint32_t pid, bool root, uint32_t prev, uint32_t id)
{
	if (prev)
		ctx_memo_put(c->ev->ctx, MEMO_JSON_NEXT, prev, id + 1);
	else
		ctx_memo_put(c->ev->ctx, MEMO_JSON_FIRST, root ? 0 : pid, id + 1);
}

static const char *parse_object(jctx *c, const char *p, uint32_t pid, spoor_sv pname, bool root)
{
	/* p at '{' */
	if (++c->depth > c->max_depth) {
		fail(c, p, SPOOR_ELIMIT, "nesting deeper than the limit");
		return NULL;
	}
	p = skip_ws(p + 1, c->end);
	if (p >= c->end)
		goto more;
	if (*p == '}') {
		c->depth--;
		return p + 1;
	}
	uint32_t prev = 0;
	for (;;) {
		if (p >= c->end)
			goto more;
		if (*p != '"') {
			fail(c, p, SPOOR_EPARSE, "expected a key");
			return NULL;
		}
		unsigned fl = 0;
		const char *ks = p + 1, *ke = NULL;
		uint32_t cid = 0;
		spoor_sv cname = SPOOR_SV_NULL;
		if (c->ev && (root || pid))
			cid = predict(c, pid, root, prev, ks, &ke);
		if (!cid) {
			ke = scan_string(c, ks, &fl);
			if (!ke)
				return NULL;
		}
		p = skip_ws(ke + 1, c->end);
		if (p >= c->end)
			goto more;
		if (*p != ':') {
			fail(c, p, SPOOR_EPARSE, "expected ':'");
			return NULL;
		}
		p = skip_ws(p + 1, c->end);
		if (p >= c->end)
			goto more;
		if (c->ev && !cid) {
			spoor_sv key = sv_make(ks, (size_t)(ke - ks));
			if (fl & S_ESC) {
				char *kb = arena_alloc(&c->ev->ar, json_unescape_max(key.n));
				if (!kb) {
					fail(c, ks, SPOOR_ENOMEM, "out of memory");
					return NULL;
				}
				key = sv_make(kb, json_unescape(key.p, key.n, kb));
			}
			uint32_t *slot = NULL;
			if (root || pid) {
				slot = &c->ev->ctx->keycache[keyslot(root ? 0 : pid, key.p, key.n)];
				if (*slot && is_child(c, pid, root, *slot, key))
					cid = *slot;
			}
			if (!cid && child_name(c, pid, pname, root, key, &cid, &cname) < 0)
				return NULL;
			if (cid) {
				remember(c, pid, root, prev, cid);
				if (slot)
					*slot = cid;
			}
		}
		prev = cid;
		p = parse_value(c, p, cid, cname);
		if (!p)
			return NULL;
		p = skip_ws(p, c->end);
		if (p >= c->end)
			goto more;
		if (*p == ',') {
			p = skip_ws(p + 1, c->end);
			continue;
		}
		if (*p == '}') {
			c->depth--;
			return p + 1;
		}
		fail(c, p, SPOOR_EPARSE, "expected ',' or '}'");
		return NULL;
	}
more:
	fail(c, p, SPOOR_EAGAIN, "input ends inside an object");
	return NULL;
}

static const char *parse_array(jctx *c, const char *p, uint32_t pid, spoor_sv pname)
{
	if (++c->depth > c->max_depth) {
		fail(c, p, SPOOR_ELIMIT, "nesting deeper than the limit");
		return NULL;
	}
	p = skip_ws(p + 1, c->end);
	if (p >= c->end)
		goto more;
	if (*p == ']') {
		c->depth--;
		return p + 1;
	}
	for (unsigned idx = 0;; idx++) {
		uint32_t cid = 0;
		spoor_sv cname = SPOOR_SV_NULL;
		if (c->ev) {
			char num[16];
			size_t nl = 0;
			unsigned v = idx;
			char tmp[16];
			do {
				tmp[nl++] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			for (size_t k = 0; k < nl; k++)
				num[k] = tmp[nl - 1 - k];
			if (child_name(c, pid, pname, false, sv_make(num, nl), &cid, &cname) < 0)
				return NULL;
			if (!cid) {
				/* child_name built the name from num on the stack only if
				 * interned; otherwise it copied into the arena. */
			}
		}
		p = parse_value(c, p, cid, cname);
		if (!p)
			return NULL;
		p = skip_ws(p, c->end);
		if (p >= c->end)
			goto more;
		if (*p == ',') {
			p = skip_ws(p + 1, c->end);
			if (p >= c->end)
				goto more;
			continue;
		}
		if (*p == ']') {
			c->depth--;
			return p + 1;
		}
		fail(c, p, SPOOR_EPARSE, "expected ',' or ']'");
		return NULL;
	}
more:
	fail(c, p, SPOOR_EAGAIN, "input ends inside an array");
	return NULL;
}

static const char *literal(jctx *c, const char *p, const char *lit, size_t n)
{
	size_t avail = (size_t)(c->end - p);
	if (avail < n) {
		if (memcmp(p, lit, avail) == 0) {
			fail(c, p, SPOOR_EAGAIN, "input ends inside a literal");
			return NULL;
		}
		fail(c, p, SPOOR_EPARSE, "bad literal");
		return NULL;
	}
	if (memcmp(p, lit, n) != 0) {
		fail(c, p, SPOOR_EPARSE, "unexpected character");
		return NULL;
	}
	return p + n;
}

static const char *parse_value(jctx *c, const char *p, uint32_t id, spoor_sv name)
{
	const char *e;
	unsigned fl;
	switch (*p) {
	case '"':
		e = scan_string(c, p + 1, &fl);
		if (!e)
			return NULL;
		if (add_field(c, id, name, (fl & S_ESC) ? SPOOR_VT_JSTR : SPOOR_VT_STR, sv_make(p + 1, (size_t)(e - p - 1)), fl) < 0)
			return NULL;
		return e + 1;
	case '{':
		return parse_object(c, p, id, name, false);
	case '[':
		return parse_array(c, p, id, name);
	case 't':
		e = literal(c, p, "true", 4);
		if (e && add_field(c, id, name, SPOOR_VT_BOOL, sv_make(p, 4), 0) < 0)
			return NULL;
		return e;
	case 'f':
		e = literal(c, p, "false", 5);
		if (e && add_field(c, id, name, SPOOR_VT_BOOL, sv_make(p, 5), 0) < 0)
			return NULL;
		return e;
	case 'n':
		e = literal(c, p, "null", 4);
		if (e && add_field(c, id, name, SPOOR_VT_NULL, sv_make(p, 4), 0) < 0)
			return NULL;
		return e;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			e = scan_number(c, p);
			if (e && add_field(c, id, name, SPOOR_VT_NUM, sv_make(p, (size_t)(e - p)), 0) < 0)
				return NULL;
			return e;
		}
		fail(c, p, SPOOR_EPARSE, "unexpected character");
		return NULL;
	}
}

static int run(jctx *c, const char *p, size_t n, size_t *used, json_err *err)
{
	const char *e;
	if (n == 0) {
		fail(c, p, SPOOR_EAGAIN, "empty input");
		e = NULL;
	} else if (*p != '{') {
		fail(c, p, SPOOR_EPARSE, "record is not a JSON object");
		e = NULL;
	} else {
		e = parse_object(c, p, 0, SPOOR_SV_NULL, true);
	}
	if (!e) {
		if (err) {
			err->pos = (size_t)(c->errpos - c->base);
			err->msg = c->errmsg;
		}
		return c->code ? c->code : SPOOR_EPARSE;
	}
	*used = (size_t)(e - p);
	return 0;
}

int json_flatten(spoor_event *ev, const char *p, size_t n, size_t *used, json_err *err)
{
	jctx c = {p, p + n, ev, &ev->ctx->ft, 0, ev->ctx->lim.max_depth, 0, NULL, NULL};
	return run(&c, p, n, used, err);
}

int json_validate(const char *p, size_t n, unsigned max_depth, size_t *used, json_err *err)
{
	jctx c = {p, p + n, NULL, NULL, 0, max_depth, 0, NULL, NULL};
	return run(&c, p, n, used, err);
}

bool json_is_number(spoor_sv v)
{
	jctx c = {v.p, v.p + v.n, NULL, NULL, 0, 1, 0, NULL, NULL};
	if (v.n == 0)
		return false;
	const char *e = scan_number(&c, v.p);
	/* scan_number needs a terminator to tell a complete number: at the
	 * end of v it reports "more", which here means "ends in a digit". */
	if (!e)
		return c.code == SPOOR_EAGAIN && (v.p[v.n - 1] >= '0' && v.p[v.n - 1] <= '9');
	return e == v.p + v.n;
}
