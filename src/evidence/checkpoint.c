/* checkpoint — C2SP tlog-checkpoint@v1.0.0 note text and the C2SP
 * tlog-proof@v1 container.
 *
 * A checkpoint body is origin, tree size (canonical decimal), base64 of the
 * 32-byte root, then optional non-empty extension lines.  Everything is
 * checked strictly: "08", "+8" and non-canonical base64 are rejected, as
 * the reference parsers do. */
#include <inttypes.h>
#include <stdlib.h>

#include "evidence/evidence.h"

static bool parse_dec(spoor_sv s, uint64_t *out)
{
	if (s.n == 0 || s.n > 20 || (s.n > 1 && s.p[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Next line of [*p, e) without its "\n"; false when none (or no "\n"). */
static bool next_line(const char **p, const char *e, spoor_sv *l)
{
	if (*p >= e)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(e - *p));
	if (!nl)
		return false;
	*l = sv_make(*p, (size_t)(nl - *p));
	*p = nl + 1;
	return true;
}

int checkpoint_parse(checkpoint *c, const char *text, size_t n, spoor_diag *diag)
{
	memset(c, 0, sizeof(*c));
	const char *p = text, *e = text + n;
	spoor_sv l;
	if (n == 0 || text[n - 1] != '\n')
		return diag_set(diag, SPOOR_EPARSE, "malformed checkpoint: text does not end with a newline");
	if (!next_line(&p, e, &l) || l.n == 0)
		return diag_set(diag, SPOOR_EPARSE, "malformed checkpoint: empty origin line");
	c->origin = l;
	if (!next_line(&p, e, &l) || !parse_dec(l, &c->size))
		return diag_set(diag, SPOOR_EPARSE, "malformed checkpoint: tree size is not canonical decimal");
	if (!next_line(&p, e, &l) || b64_decode(l.p, l.n, c->root, 32) != 32)
		return diag_set(diag, SPOOR_EPARSE, "malformed checkpoint: root is not base64 of 32 bytes");
	while (next_line(&p, e, &l)) {
		if (l.n == 0)
			return diag_set(diag, SPOOR_EPARSE, "malformed checkpoint: empty extension line");
		if (c->next == CKPT_MAX_EXT)
			return diag_set(diag, SPOOR_ELIMIT, "checkpoint has more than %d extension lines",
					CKPT_MAX_EXT);
		c->ext[c->next++] = l;
	}
	return 0;
}

int checkpoint_text(buf *out, const char *origin, uint64_t size, const uint8_t root[32])
{
	char b[48];
	b64_encode(root, 32, b);
	return buf_printf(out, "%s\n%" PRIu64 "\n%s\n", origin, size, b);
}

#define TLOG_PROOF_MAGIC "c2sp.org/tlog-proof@v1"

int tlog_proof_parse(tlog_proof *tp, const char *p, size_t n, spoor_diag *diag)
{
	memset(tp, 0, sizeof(*tp));
	const char *q = p, *e = p + n;
	spoor_sv l;
	if (!next_line(&q, e, &l) || !sv_eq_cstr(l, TLOG_PROOF_MAGIC))
		return diag_set(diag, SPOOR_EPARSE, "not a tlog-proof: first line is not %s", TLOG_PROOF_MAGIC);
	if (!next_line(&q, e, &l))
		return diag_set(diag, SPOOR_EPARSE, "malformed tlog-proof: truncated");
	if (sv_starts(l, "extra ")) {
		tp->extra = sv_make(l.p + 6, l.n - 6);
		uint8_t *scratch = xmalloc(tp->extra.n + 1);
		long r = scratch ? b64_decode(tp->extra.p, tp->extra.n, scratch, tp->extra.n) : -1;
		free(scratch);
		if (tp->extra.n == 0 || r < 0)
			return diag_set(diag, SPOOR_EPARSE, "malformed tlog-proof: extra is not base64");
		if (!next_line(&q, e, &l))
			return diag_set(diag, SPOOR_EPARSE, "malformed tlog-proof: truncated");
	}
	if (!sv_starts(l, "index ") || !parse_dec(sv_make(l.p + 6, l.n - 6), &tp->index))
		return diag_set(diag, SPOOR_EPARSE, "malformed tlog-proof: no canonical \"index N\" line");
	for (;;) {
		if (!next_line(&q, e, &l))
			return diag_set(diag, SPOOR_EPARSE,
					"malformed tlog-proof: no blank line before the checkpoint");
		if (l.n == 0)
			break;
		if (tp->n == TLOG_MAX_PROOF)
			return diag_set(diag, SPOOR_ELIMIT, "tlog-proof has more than %d hashes", TLOG_MAX_PROOF);
		if (b64_decode(l.p, l.n, tp->path[tp->n], 32) != 32)
			return diag_set(diag, SPOOR_EPARSE,
					"malformed tlog-proof: proof line %zu is not base64 of 32 bytes", tp->n + 1);
		tp->n++;
	}
	tp->note = sv_make(q, (size_t)(e - q));
	return 0;
}

int tlog_proof_format(buf *out, const char *extra, uint64_t index, const uint8_t (*path)[32], size_t n,
		      const char *note, size_t notelen)
{
	int rc = buf_adds(out, TLOG_PROOF_MAGIC "\n");
	if (rc == 0 && extra && *extra)
		rc = buf_printf(out, "extra %s\n", extra);
	if (rc == 0)
		rc = buf_printf(out, "index %" PRIu64 "\n", index);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char b[48];
		b64_encode(path[i], 32, b);
		rc = buf_printf(out, "%s\n", b);
	}
	if (rc == 0)
		rc = buf_addc(out, '\n');
	if (rc == 0)
		rc = buf_add(out, note, notelen);
	return rc;
}
