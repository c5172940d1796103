/* test-evidence-tamper — a store of N records (default 100,000), then M
 * random mutations (default 1,000), one at a time, each undone after the
 * check: every one must be detected by spoor_evidence_verify with the
 * right diagnosis (the first failure reported is of the expected kind and,
 * for leaf mutations, names the leaf).
 *
 *   bit flip in a leaf          -> changed-leaf  "leaf I changed"
 *   leaf deleted from a bundle  -> missing-leaf  "leaf I missing"
 *   two leaves swapped          -> reordered-leaves "leaves I and J swapped"
 *   bundles cut from the end    -> truncated
 *   bundle deleted in the middle-> missing-leaf
 *   checkpoint text changed     -> bad-signature
 *   signature byte changed      -> bad-signature
 *   checkpoint rolled back      -> rollback
 *   history checkpoint forged with the log key (a fork) -> inconsistent-checkpoints
 *   hash tile byte flipped      -> tile
 *
 * Usage: test-evidence-tamper [RECORDS [MUTATIONS [SEED]]] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "evidence/evidence.h"

static char dir[256];
static uint64_t nrec;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *m)
{
	fprintf(stderr, "test-evidence-tamper: %s\n", m);
	exit(1);
}

/* a saved copy of one file, to undo a mutation */
typedef struct saved {
	char rel[256];
	buf data;
	bool existed;
} saved;
static saved sv[600];
static size_t nsv;

static void save(const char *rel)
{
	if (nsv == sizeof(sv) / sizeof(sv[0]))
		die("too many saved files");
	saved *s = &sv[nsv++];
	snprintf(s->rel, sizeof(s->rel), "%s", rel);
	buf_init(&s->data, 0);
	s->existed = ev_read_file(dir, rel, &s->data, 1u << 30, NULL) == 0;
}

static void restore(void)
{
	while (nsv) {
		saved *s = &sv[--nsv];
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, s->rel);
		if (s->existed) {
			if (ev_write_file(dir, s->rel, s->data.p, s->data.len, false, NULL) < 0)
				die("cannot restore");
		} else {
			unlink(p);
		}
		buf_done(&s->data);
	}
}

static void bundle_rel(uint64_t n, char *rel, size_t cap)
{
	unsigned w = tile_width(0, n, nrec);
	tile_path(rel, cap, -1, n, w == TILE_WIDTH ? 0 : w);
}

/* read bundle n into entries (offsets of each entry) */
typedef struct bundle {
	buf raw;
	size_t off[TILE_WIDTH + 1], len[TILE_WIDTH];
	size_t n;
} bundle;

static void bundle_read(uint64_t n, bundle *b)
{
	char rel[128];
	bundle_rel(n, rel, sizeof(rel));
	buf f;
	buf_init(&f, 0);
	buf_init(&b->raw, 0);
	if (ev_read_file(dir, rel, &f, 1u << 30, NULL) < 0 || ev_bundle_decode(f.p, f.len, &b->raw, NULL) < 0)
		die("cannot read a bundle");
	buf_done(&f);
	b->n = 0;
	size_t o = 0;
	while (o < b->raw.len) {
		size_t l = (size_t)((uint8_t)b->raw.p[o] << 8 | (uint8_t)b->raw.p[o + 1]);
		b->off[b->n] = o;
		b->len[b->n] = l;
		b->n++;
		o += 2 + l;
	}
}

static void bundle_write(uint64_t n, const char *p, size_t len)
{
	char rel[128];
	bundle_rel(n, rel, sizeof(rel));
	save(rel);
	size_t cap = ZSTD_compressBound(len);
	char *z = malloc(cap);
	size_t r = ZSTD_compress(z, cap, p, len, 1);
	if (ZSTD_isError(r) || ev_write_file(dir, rel, z, r, false, NULL) < 0)
		die("cannot write a bundle");
	free(z);
}

static spoor_evidence_problem first_kind;
static char first_msg[512];
static int nprob;

static void on_problem(spoor_evidence_problem p, const char *msg, void *u)
{
	(void)u;
	if (p == SPOOR_EVP_NOTE)
		return;
	if (nprob++ == 0) {
		first_kind = p;
		snprintf(first_msg, sizeof(first_msg), "%s", msg);
	}
}

static char vkey[256];

static int verify_now(void)
{
	spoor_evidence_verify_options o = SPOOR_EVIDENCE_VERIFY_INIT;
	o.vkey = vkey;
	o.on_problem = on_problem;
	spoor_evidence_report rep;
	spoor_diag d = SPOOR_DIAG_INIT;
	nprob = 0;
	first_msg[0] = 0;
	int r = spoor_evidence_verify(dir, &o, &rep, &d);
	if (r < 0)
		die(d.msg);
	return r;
}

static note_key logkey;
static uint64_t hist_sizes[64];
static size_t nhist;

int main(int argc, char **argv)
{
	nrec = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	unsigned muts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
	if (argc > 3)
		rng = strtoull(argv[3], NULL, 10) | 1;
	snprintf(dir, sizeof(dir), "/tmp/spoor-tamper-%d", (int)getpid());
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		die("rm");
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_init(dir, "tamper.example/log", &d) < 0)
		die(d.msg);
	spoor_evidence_options eo = SPOOR_EVIDENCE_OPTIONS_INIT;
	eo.checkpoint_records = nrec / 10 + 1;
	eo.checkpoint_seconds = 0;
	spoor_evidence *e;
	if (spoor_evidence_open(&e, dir, &eo, &d) < 0)
		die(d.msg);
	for (uint64_t i = 0; i < nrec; i++) {
		char rec[256];
		int l = snprintf(rec, sizeof(rec),
				 "<14>Nov 29 10:%02d:%02d host%" PRIu64 " sshd[%" PRIu64
				 "]: Accepted password for user%" PRIu64 " from 10.0.%d.%d port %d",
				 (int)(i / 60 % 60), (int)(i % 60), i % 17, 1000 + i, i % 101, (int)(i % 250),
				 (int)(i % 199), (int)(1024 + i % 60000));
		spoor_evidence_record r = {{rec, (size_t)l}, "/var/log/auth.log", "syslog", i * 120, i + 1, 0};
		if (spoor_evidence_append(e, &r, NULL, &d) < 0)
			die(d.msg);
	}
	if (spoor_evidence_close(e, &d) < 0)
		die(d.msg);
	/* keys */
	buf b;
	buf_init(&b, 0);
	if (ev_read_file(dir, "vkey", &b, 4096, NULL) < 0)
		die("vkey");
	snprintf(vkey, sizeof(vkey), "%.*s", (int)strcspn(b.p, "\n"), b.p);
	if (ev_read_file(dir, "key", &b, 4096, NULL) < 0 || note_key_parse_skey(&logkey, b.p, b.len, NULL) < 0)
		die("key");
	buf_done(&b);
	for (uint64_t s = eo.checkpoint_records; s < nrec && nhist < 64; s += eo.checkpoint_records)
		hist_sizes[nhist++] = s;
	if (verify_now() != 0)
		die("the untouched store does not verify");
	printf("store of %" PRIu64 " records verifies; %u mutations\n", nrec, muts);

	const char *names[] = {"bitflip",   "delete",	"swap",	    "truncate", "hole",
			       "ckpt-text", "ckpt-sig", "rollback", "fork",	"tile"};
	unsigned counts[10] = {0}, bad = 0;
	uint64_t nb = (nrec + TILE_WIDTH - 1) / TILE_WIDTH;
	for (unsigned m = 0; m < muts; m++) {
		unsigned kind = (unsigned)(rnd() % 10);
		spoor_evidence_problem want = SPOOR_EVP_NOTE;
		char want_text[128] = "";
		if (kind <= 2) {
			uint64_t leaf = rnd() % nrec, n = leaf / TILE_WIDTH;
			bundle bd;
			bundle_read(n, &bd);
			size_t k = (size_t)(leaf % TILE_WIDTH);
			if (kind == 0) {
				/* flip a bit inside the entry (not its length prefix) */
				size_t at = bd.off[k] + 2 + (size_t)(rnd() % bd.len[k]);
				bd.raw.p[at] ^= (char)(1u << (rnd() % 8));
				bundle_write(n, bd.raw.p, bd.raw.len);
				want = SPOOR_EVP_CHANGED;
				snprintf(want_text, sizeof(want_text), "leaf %" PRIu64 " changed", leaf);
			} else if (kind == 1) {
				size_t o = bd.off[k], l = 2 + bd.len[k];
				memmove(bd.raw.p + o, bd.raw.p + o + l, bd.raw.len - o - l);
				bundle_write(n, bd.raw.p, bd.raw.len - l);
				want = SPOOR_EVP_MISSING;
				snprintf(want_text, sizeof(want_text), "leaf %" PRIu64, leaf);
			} else {
				if (bd.n < 2) {
					m--;
					buf_done(&bd.raw);
					continue;
				}
				size_t k2 = (size_t)(rnd() % (bd.n - 1));
				if (k2 >= k)
					k2++;
				size_t a = k < k2 ? k : k2, c = k < k2 ? k2 : k;
				/* rebuild with a and c exchanged */
				buf nbuf;
				buf_init(&nbuf, 0);
				for (size_t i = 0; i < bd.n; i++) {
					size_t src = i == a ? c : i == c ? a : i;
					buf_add(&nbuf, bd.raw.p + bd.off[src], 2 + bd.len[src]);
				}
				bundle_write(n, nbuf.p, nbuf.len);
				buf_done(&nbuf);
				want = SPOOR_EVP_REORDERED;
				snprintf(want_text, sizeof(want_text), "leaves %" PRIu64 " and %" PRIu64 " swapped",
					 n * TILE_WIDTH + a, n * TILE_WIDTH + c);
			}
			buf_done(&bd.raw);
		} else if (kind == 3 || kind == 4) {
			/* delete bundles: the last k (truncation) or one in the middle (a hole) */
			uint64_t first, count;
			if (kind == 3) {
				count = 1 + rnd() % 3;
				first = nb - count;
				want = SPOOR_EVP_TRUNCATED;
			} else {
				first = rnd() % (nb - 1);
				count = 1;
				want = SPOOR_EVP_MISSING;
				snprintf(want_text, sizeof(want_text), "leaves %" PRIu64 "-", first * TILE_WIDTH);
			}
			for (uint64_t n = first; n < first + count; n++) {
				char rel[128], p[600];
				bundle_rel(n, rel, sizeof(rel));
				save(rel);
				snprintf(p, sizeof(p), "%s/%s", dir, rel);
				unlink(p);
			}
		} else if (kind == 5 || kind == 6 || kind == 7) {
			save("checkpoint");
			buf c;
			buf_init(&c, 0);
			ev_read_file(dir, "checkpoint", &c, NOTE_MAX, NULL);
			if (kind == 5) {
				/* change one digit of the size or one root character */
				char *nl = strchr(c.p, '\n');
				char *q = rnd() & 1 ? nl + 1 : strchr(nl + 1, '\n') + 1;
				*q = *q == '1' ? '2' : '1';
				want = SPOOR_EVP_SIGNATURE;
			} else if (kind == 6) {
				char *q = strstr(c.p, "\xe2\x80\x94 ");
				q = strchr(q + 4, ' ') + 10 + rnd() % 40;
				*q = *q == 'A' ? 'B' : 'A';
				want = SPOOR_EVP_SIGNATURE;
			} else {
				/* an older, genuinely signed checkpoint in place of the latest */
				char rel[64];
				snprintf(rel, sizeof(rel), "history/%020" PRIu64, hist_sizes[rnd() % nhist]);
				ev_read_file(dir, rel, &c, NOTE_MAX, NULL);
				want = SPOOR_EVP_ROLLBACK;
			}
			ev_write_file(dir, "checkpoint", c.p, c.len, false, NULL);
			buf_done(&c);
		} else if (kind == 8) {
			/* someone with the log key signs a different tree of an old size */
			uint64_t s = hist_sizes[rnd() % nhist];
			char rel[64];
			snprintf(rel, sizeof(rel), "history/%020" PRIu64, s);
			save(rel);
			uint8_t root[32];
			for (int i = 0; i < 32; i++)
				root[i] = (uint8_t)rnd();
			buf t, n;
			buf_init(&t, 0);
			buf_init(&n, 0);
			checkpoint_text(&t, "tamper.example/log", s, root);
			note_sign(&n, t.p, t.len, &logkey, NULL);
			ev_write_file(dir, rel, n.p, n.len, false, NULL);
			buf_done(&t);
			buf_done(&n);
			want = SPOOR_EVP_INCONSISTENT;
		} else {
			/* a byte of a full hash tile (level 0 or 1) */
			int level = nrec >= 65536 && (rnd() & 1) ? 1 : 0;
			uint64_t full = (nrec >> (8 * level)) / TILE_WIDTH;
			if (!full) {
				m--;
				continue;
			}
			char rel[128];
			tile_path(rel, sizeof(rel), level, rnd() % full, 0);
			save(rel);
			buf t;
			buf_init(&t, 0);
			ev_read_file(dir, rel, &t, 1 << 20, NULL);
			t.p[rnd() % t.len] ^= 0x10;
			ev_write_file(dir, rel, t.p, t.len, false, NULL);
			buf_done(&t);
			want = SPOOR_EVP_TILE;
		}
		counts[kind]++;
		int r = verify_now();
		bool ok = r > 0 && first_kind == want && (!want_text[0] || strstr(first_msg, want_text));
		if (!ok) {
			bad++;
			fprintf(stderr, "mutation %u (%s): want %s \"%s\", got %d problems, first %s: %s\n", m,
				names[kind], spoor_evidence_problem_name(want), want_text, r,
				r ? spoor_evidence_problem_name(first_kind) : "-", first_msg);
		}
		restore();
	}
	if (verify_now() != 0)
		die("the store does not verify after undoing the mutations");
	for (int k = 0; k < 10; k++)
		printf("  %-10s %u\n", names[k], counts[k]);
	printf("%u mutations, %u detected with the right diagnosis, %u not\n", muts, muts - bad, bad);
	if (system(cmd) != 0)
		die("rm");
	return bad ? 1 : 0;
}
