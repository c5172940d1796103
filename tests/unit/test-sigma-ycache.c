/* Unit tests: the YAML tree cache (sigma-ycache.c) — a tree read from the
 * cache is the tree libyaml gives, collections included; every truncation
 * and bit flip of a cache file is ignored with the same result; a changed
 * file is parsed again; failed parses are not kept and give the same
 * errors; limits hold on entries that exceed them; the size cap; the
 * file on disk (written once, not rewritten by a run of hits); the stat
 * table (a file whose stat is exactly as recorded is not read again). */
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/fsutil.h"
#include "detect/sigma/sigma-ycache.h"

#define CAP ((size_t)1 << 20)

static const char coll_yaml[] = "action: global\n"
				"title: Base\n"
				"logsource:\n"
				"  product: windows\n"
				"detection:\n"
				"  condition: sel\n"
				"---\n"
				"id: 1\n"
				"detection:\n"
				"  sel:\n"
				"    CommandLine|contains:\n"
				"      - 'a\\b'\n"
				"      - \"tab\\there\"\n"
				"      - plain * text\n"
				"    Empty: ''\n"
				"    Nul: null\n"
				"---\n"
				"action: repeat\n"
				"id: 2\n"
				"tags: [attack.t1059, {x: y}]\n"
				"---\n"
				"action: reset\n"
				"---\n"
				"title: Alone\n"
				"text: |\n"
				"  two\n"
				"  lines\n";

static void same_tree(const ynode *a, const ynode *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->plain, b->plain);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->col, b->col);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->s, b->s, a->n + 1);
	assert_int_equal(a->nkv, b->nkv);
	for (size_t i = 0; i < a->nkv; i++)
		same_tree(a->kv[i], b->kv[i]);
}

typedef struct parsed {
	arena ar;
	ydoc *docs;
	size_t n;
	int rc;
	spoor_diag d;
} parsed;

static void parse(parsed *p, ycache *c, const char *text, size_t len)
{
	arena_init(&p->ar, 4096, 64u << 20);
	spoor_diag d = SPOOR_DIAG_INIT;
	p->rc = sigma_yaml_parse_yc(c, &p->ar, NULL, NULL, text, len, &p->docs, &p->n, &d);
	p->d = d;
}

static void same_parse(const parsed *a, const parsed *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->docs[i].line, b->docs[i].line);
		same_tree(a->docs[i].root, b->docs[i].root);
	}
	assert_int_equal(a->d.code, b->d.code);
	assert_int_equal(a->d.line, b->d.line);
	assert_int_equal(a->d.col, b->d.col);
	assert_string_equal(a->d.msg, b->d.msg);
}

static void done(parsed *p)
{
	arena_done(&p->ar);
}

/* A cache file holding the trees of the given texts. */
static unsigned char *cache_of(const char *const *texts, size_t n, size_t *len)
{
	ycache *c = ycache_open_mem(NULL, 0, CAP, NULL);
	assert_non_null(c);
	for (size_t i = 0; i < n; i++) {
		parsed p;
		parse(&p, c, texts[i], strlen(texts[i]));
		assert_int_equal(p.rc, 0);
		done(&p);
	}
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.added, n);
	unsigned char *out = ycache_serialize(c, len);
	assert_non_null(out);
	ycache_free(c);
	return out;
}

static void test_round_trip(void **state)
{
	(void)state;
	const char *texts[] = {coll_yaml, "a: 1\n"};
	size_t len;
	unsigned char *bytes = cache_of(texts, 2, &len);
	ycache *c = ycache_open_mem(bytes, len, CAP, NULL);
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.loaded, 2);
	assert_false(st.file_bad);
	parsed ref, got;
	parse(&ref, NULL, coll_yaml, strlen(coll_yaml));
	assert_int_equal(ref.rc, 0);
	assert_int_equal(ref.n, 3); /* base+1, repeat 2, Alone */
	parse(&got, c, coll_yaml, strlen(coll_yaml));
	ycache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 0);
	assert_int_equal(st.added, 0);
	same_parse(&ref, &got);
	/* scalars are the cache's bytes, NUL-terminated there: the same
	 * pointer on every hit, nothing copied into the caller's arena */
	const ynode *t = ynode_get(got.docs[2].root, "text");
	assert_non_null(t);
	assert_string_equal(t->s, "two\nlines\n");
	const char *first = t->s;
	done(&got);
	parse(&got, c, coll_yaml, strlen(coll_yaml));
	same_parse(&ref, &got);
	assert_ptr_equal(ynode_get(got.docs[2].root, "text")->s, first);
	/* a hit adds nothing: the same bytes again */
	size_t len2;
	unsigned char *again = ycache_serialize(c, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(again, bytes, len);
	free(again);
	/* ycache_free_keep: the strings outlive the cache (ASan would see a
	 * read of freed memory), until ycache_bytes_free */
	ycache_bytes *kept = ycache_free_keep(c);
	assert_non_null(kept);
	same_parse(&ref, &got);
	ycache_bytes_free(kept);
	done(&got);
	done(&ref);
	free(bytes);
	assert_null(ycache_free_keep(NULL));
	ycache_bytes_free(NULL);
}

/* A hit on an entry added by this run (its bytes are in a buffer that
 * grows and moves as entries are added) copies the scalars: they stay
 * valid through later additions, and after the cache is gone.  A cache
 * not read from a file keeps nothing. */
static void test_new_entries_copied(void **state)
{
	(void)state;
	ycache *c = ycache_open_mem(NULL, 0, 64u << 20, NULL);
	assert_non_null(c);
	parsed ref, first, hit;
	parse(&ref, NULL, coll_yaml, strlen(coll_yaml));
	parse(&first, c, coll_yaml, strlen(coll_yaml)); /* a miss, kept */
	parse(&hit, c, coll_yaml, strlen(coll_yaml));	/* a hit, from the new entries */
	parsed again;
	parse(&again, c, coll_yaml, strlen(coll_yaml));
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.hits, 2);
	/* each hit a copy of its own (in place, both would point into the
	 * buffer, which did not move between them) */
	const ynode *t1 = ynode_get(hit.docs[2].root, "text"), *t2 = ynode_get(again.docs[2].root, "text");
	assert_non_null(t1);
	assert_non_null(t2);
	assert_string_equal(t1->s, t2->s);
	assert_ptr_not_equal(t1->s, t2->s);
	done(&again);
	/* 2,000 more files: the new entries' buffer grows (and moves) */
	char text[64];
	for (int i = 0; i < 2000; i++) {
		parsed q;
		int n = snprintf(text, sizeof(text), "title: file %d\nvalue: %d\n", i, i * 7);
		parse(&q, c, text, (size_t)n);
		assert_int_equal(q.rc, 0);
		done(&q);
	}
	same_parse(&ref, &hit);
	assert_null(ycache_free_keep(c));
	same_parse(&ref, &hit);
	done(&hit);
	done(&first);
	done(&ref);
}

/* Every truncation and every single-bit flip of a cache file: the file is
 * ignored, the result the same as libyaml's, and nothing is a hit. */
static void test_corrupt(void **state)
{
	(void)state;
	const char *texts[] = {coll_yaml};
	size_t len;
	unsigned char *bytes = cache_of(texts, 1, &len);
	parsed ref;
	parse(&ref, NULL, coll_yaml, strlen(coll_yaml));
	unsigned char *m = malloc(len);
	assert_non_null(m);
	for (size_t cut = 0; cut < len; cut++) {
		ycache *c = ycache_open_mem(bytes, cut, CAP, NULL);
		assert_non_null(c);
		parsed got;
		parse(&got, c, coll_yaml, strlen(coll_yaml));
		same_parse(&ref, &got);
		ycache_stats st;
		ycache_get_stats(c, &st);
		assert_int_equal(st.hits, 0);
		assert_true(st.file_bad || cut == 0);
		done(&got);
		ycache_free(c);
	}
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(m, bytes, len);
		m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ycache *c = ycache_open_mem(m, len, CAP, NULL);
		parsed got;
		parse(&got, c, coll_yaml, strlen(coll_yaml));
		same_parse(&ref, &got);
		ycache_stats st;
		ycache_get_stats(c, &st);
		assert_int_equal(st.hits, 0);
		assert_true(st.file_bad);
		/* the next write replaces it with a sound file */
		size_t nl;
		unsigned char *w = ycache_serialize(c, &nl);
		assert_int_equal(nl, len);
		assert_memory_equal(w, bytes, len);
		free(w);
		done(&got);
		ycache_free(c);
	}
	free(m);
	done(&ref);
	free(bytes);
}

/* The file's trailing check, as sigma-ycache.c writes it. */
static void fix_sum(unsigned char *m, size_t len)
{
	le_put(m + len - YCACHE_SUM, hash_bytes(m, len - YCACHE_SUM, YCACHE_SEED), YCACHE_SUM);
}

/* Flips with the check made right again (a file written by something
 * else): the decoder checks every length itself; no crash, and a flip
 * that breaks the structure is a miss with libyaml's result. */
static void test_crafted(void **state)
{
	(void)state;
	const char *texts[] = {coll_yaml};
	size_t len;
	unsigned char *bytes = cache_of(texts, 1, &len);
	parsed ref;
	parse(&ref, NULL, coll_yaml, strlen(coll_yaml));
	unsigned char *m = malloc(len);
	assert_non_null(m);
	size_t hits = 0, misses = 0;
	for (size_t bit = 0; bit < (len - YCACHE_SUM) * 8; bit++) {
		memcpy(m, bytes, len);
		m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		fix_sum(m, len);
		ycache *c = ycache_open_mem(m, len, CAP, NULL);
		parsed got;
		parse(&got, c, coll_yaml, strlen(coll_yaml));
		ycache_stats st;
		ycache_get_stats(c, &st);
		if (st.hits) {
			hits++;
			assert_int_equal(got.rc, 0);
		} else {
			misses++;
			same_parse(&ref, &got);
		}
		done(&got);
		ycache_free(c);
	}
	assert_true(hits > 0);	 /* a changed letter of a scalar decodes */
	assert_true(misses > 0); /* a changed key, length or tag does not */
	free(m);
	done(&ref);
	free(bytes);
}

/* A changed file has another key: parsed again, kept beside the old one. */
static void test_changed_file(void **state)
{
	(void)state;
	const char *texts[] = {coll_yaml};
	size_t len;
	unsigned char *bytes = cache_of(texts, 1, &len);
	char *changed = strdup(coll_yaml);
	assert_non_null(changed);
	changed[strlen(changed) - 3] = 'X'; /* "lines" -> "linXs" */
	ycache *c = ycache_open_mem(bytes, len, CAP, NULL);
	parsed ref, got;
	parse(&ref, NULL, changed, strlen(changed));
	parse(&got, c, changed, strlen(changed));
	same_parse(&ref, &got);
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.added, 1);
	done(&got);
	parse(&got, c, changed, strlen(changed));
	ycache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	same_parse(&ref, &got);
	done(&got);
	done(&ref);
	ycache_free(c);
	free(changed);
	free(bytes);
}

/* A regular file's stat, changed `ago` seconds before now. */
static struct stat fake_stat(uint64_t ino, long long size, time_t ago)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_dev = 42;
	st.st_ino = (ino_t)ino;
	st.st_size = (off_t)size;
	st.st_mtim.tv_sec = time(NULL) - ago - 100;
	st.st_mtim.tv_nsec = 123456789;
	st.st_ctim.tv_sec = time(NULL) - ago;
	st.st_ctim.tv_nsec = 987654321;
	return st;
}

static void key_of(ycache *c, const char *text, unsigned char key[32])
{
	assert_true(ycache_key(c, text, strlen(text), key));
}

/* The stat table: a row is kept only for a tree the cache holds and a
 * ctime old enough; any difference of device, inode, size, mtime or ctime
 * is a miss; rows survive the file (those of trees written) and a
 * text-less load through a row gives the tree a parse gives. */
static void test_stat_table(void **state)
{
	(void)state;
	static const char other[] = "title: Other\nlogsource: {product: windows}\n";
	ycache *c = ycache_open_mem(NULL, 0, CAP, NULL);
	assert_non_null(c);
	unsigned char k1[32], k2[32], got[32];
	key_of(c, coll_yaml, k1);
	key_of(c, other, k2);
	struct stat s1 = fake_stat(7, (long long)strlen(coll_yaml), 60);
	/* no tree for the key yet: nothing recorded */
	ycache_stat_put(c, &s1, k1);
	assert_false(ycache_stat_get(c, &s1, got));
	parsed p;
	parse(&p, c, coll_yaml, strlen(coll_yaml));
	assert_int_equal(p.rc, 0);
	ycache_stat_put(c, &s1, k1);
	assert_true(ycache_stat_get(c, &s1, got));
	assert_memory_equal(got, k1, 32);
	/* each field */
	struct stat x = s1;
	x.st_dev++;
	assert_false(ycache_stat_get(c, &x, got));
	x = s1;
	x.st_ino++;
	assert_false(ycache_stat_get(c, &x, got));
	x = s1;
	x.st_size++;
	assert_false(ycache_stat_get(c, &x, got));
	x = s1;
	x.st_mtim.tv_nsec++;
	assert_false(ycache_stat_get(c, &x, got));
	x = s1;
	x.st_ctim.tv_nsec++;
	assert_false(ycache_stat_get(c, &x, got));
	x = s1;
	x.st_mode = S_IFDIR | 0755;
	assert_false(ycache_stat_get(c, &x, got));
	/* changed a moment ago: not recorded (a change in the same clock tick
	 * would keep this ctime) */
	parsed q;
	parse(&q, c, other, strlen(other));
	assert_int_equal(q.rc, 0);
	struct stat s2 = fake_stat(8, (long long)strlen(other), 0);
	ycache_stat_put(c, &s2, k2);
	assert_false(ycache_stat_get(c, &s2, got));
	s2 = fake_stat(8, (long long)strlen(other), 10);
	ycache_stat_put(c, &s2, k2);
	assert_true(ycache_stat_get(c, &s2, got));
	assert_memory_equal(got, k2, 32);
	/* the same inode with other bytes now: the row is replaced */
	struct stat s1b = fake_stat(7, (long long)strlen(other), 30);
	ycache_stat_put(c, &s1b, k2);
	assert_false(ycache_stat_get(c, &s1, got));
	assert_true(ycache_stat_get(c, &s1b, got));
	assert_memory_equal(got, k2, 32);
	ycache_stat_put(c, &s1, k1);
	/* through the file */
	size_t len;
	unsigned char *bytes = ycache_serialize(c, &len);
	assert_non_null(bytes);
	ycache_free(c);
	c = ycache_open_mem(bytes, len, CAP, NULL);
	assert_non_null(c);
	assert_true(ycache_stat_get(c, &s1, got));
	assert_memory_equal(got, k1, 32);
	assert_true(ycache_stat_get(c, &s2, got));
	assert_memory_equal(got, k2, 32);
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.stat_hits, 2);
	/* a text-less load gives the tree a parse gives */
	arena ar, nar;
	arena_init(&ar, 4096, 64u << 20);
	arena_init(&nar, 4096, 64u << 20);
	ydoc *docs;
	size_t nd;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_yaml_parse_yc(c, &ar, &nar, got, NULL, 0, &docs, &nd, &d), 0);
	assert_int_equal(nd, q.n);
	for (size_t i = 0; i < nd; i++)
		same_tree(docs[i].root, q.docs[i].root);
	/* a key the cache does not hold: ENOTFOUND, no parse of nothing */
	unsigned char k3[32];
	key_of(c, "title: none\n", k3);
	assert_int_equal(sigma_yaml_parse_yc(c, &ar, &nar, k3, NULL, 0, &docs, &nd, &d), SPOOR_ENOTFOUND);
	arena_done(&ar);
	arena_done(&nar);
	ycache_free(c);
	free(bytes);
	done(&p);
	done(&q);
}

/* A file that does not parse is not kept, every time the same error. */
static void test_errors_not_cached(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "a: [1, 2\nb: 3\n",
	    "title: x\n---\naction: repeat\n---\naction: nonsense\n",
	    "action: repeat\nx: 1\n",
	    "a: b: c\n",
	};
	ycache *c = ycache_open_mem(NULL, 0, CAP, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int round = 0; round < 2; round++) {
			parsed ref, got;
			parse(&ref, NULL, bad[i], strlen(bad[i]));
			parse(&got, c, bad[i], strlen(bad[i]));
			assert_true(ref.rc < 0);
			same_parse(&ref, &got);
			done(&got);
			done(&ref);
		}
	}
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.hits, 0);
	ycache_free(c);
}

/* A cache entry deeper than SIGMA_MAX_DEPTH (a file cannot put one there,
 * another build could): not used, and the file's own parse says why. */
static void test_limits(void **state)
{
	(void)state;
	char text[200];
	size_t k = 0;
	for (int i = 0; i < SIGMA_MAX_DEPTH + 5; i++)
		text[k++] = '[';
	for (int i = 0; i < SIGMA_MAX_DEPTH + 5; i++)
		text[k++] = ']';
	text[k++] = '\n';
	text[k] = 0;
	parsed ref;
	parse(&ref, NULL, text, k);
	assert_int_equal(ref.rc, SPOOR_ELIMIT);
	/* build the deep tree by hand and put it under the text's key */
	arena ar;
	arena_init(&ar, 4096, 1u << 20);
	ynode *root = NULL, **slot = &root;
	for (int i = 0; i < SIGMA_MAX_DEPTH + 5; i++) {
		ynode *y = arena_alloc(&ar, sizeof(*y));
		memset(y, 0, sizeof(*y));
		y->kind = YN_SEQ;
		y->line = 1;
		y->col = (uint32_t)i + 1;
		y->s = "";
		y->kv = arena_alloc(&ar, 2 * sizeof(ynode *));
		y->kv[0] = y->kv[1] = NULL;
		*slot = y;
		if (i < SIGMA_MAX_DEPTH + 4) {
			y->nkv = 1;
			slot = &y->kv[0];
		}
	}
	ycache *c = ycache_open_mem(NULL, 0, CAP, NULL);
	unsigned char key[32];
	assert_true(ycache_key(c, text, k, key));
	uint32_t line = 1;
	ycache_put(c, key, &root, &line, 1);
	size_t len;
	unsigned char *bytes = ycache_serialize(c, &len);
	ycache_free(c);
	c = ycache_open_mem(bytes, len, CAP, NULL);
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.loaded, 1);
	parsed got;
	parse(&got, c, text, k);
	ycache_get_stats(c, &st);
	assert_int_equal(st.hits, 0);
	same_parse(&ref, &got);
	done(&got);
	done(&ref);
	ycache_free(c);
	free(bytes);
	arena_done(&ar);
}

/* The cap: entries used by this run first, then older ones while they fit;
 * an entry larger than the cap is not kept. */
static void test_cap(void **state)
{
	(void)state;
	char t[3][64];
	for (int i = 0; i < 3; i++)
		snprintf(t[i], sizeof(t[i]), "title: rule number %d with some text\n", i);
	const char *texts[] = {t[0], t[1], t[2]};
	size_t len;
	unsigned char *bytes = cache_of(texts, 3, &len);
	/* reopen with a cap that holds the file, use only t[2], add t4 */
	ycache *c = ycache_open_mem(bytes, len, len, NULL);
	parsed p;
	parse(&p, c, t[2], strlen(t[2]));
	done(&p);
	const char t4[] = "title: a fourth rule file\n";
	parse(&p, c, t4, strlen(t4));
	done(&p);
	size_t nl;
	unsigned char *w = ycache_serialize(c, &nl);
	assert_true(nl <= len);
	ycache_free(c);
	/* what was kept: t[2] and t4 surely, and not all of t[0], t[1] */
	c = ycache_open_mem(w, nl, len, NULL);
	ycache_stats st;
	ycache_get_stats(c, &st);
	assert_int_equal(st.loaded, 3);
	const char *order[] = {t[2], t4, t[1], t[0]};
	bool hit[4];
	for (int i = 0; i < 4; i++) {
		size_t before = st.hits;
		parse(&p, c, order[i], strlen(order[i]));
		done(&p);
		ycache_get_stats(c, &st);
		hit[i] = st.hits > before;
	}
	assert_true(hit[0] && hit[1]);
	assert_true(hit[2] != hit[3]); /* one of the old two fit */
	assert_true(hit[3]);	       /* the older order is kept: t[0] came first */
	ycache_free(c);
	free(w);
	/* a cap smaller than one entry: nothing is kept */
	c = ycache_open_mem(NULL, 0, 64, NULL);
	parse(&p, c, coll_yaml, strlen(coll_yaml));
	assert_int_equal(p.rc, 0);
	done(&p);
	ycache_get_stats(c, &st);
	assert_int_equal(st.added, 0);
	ycache_free(c);
	free(bytes);
}

/* On disk: written once, read back, not rewritten by a run of hits; a
 * garbage file is replaced. */
static void test_disk(void **state)
{
	(void)state;
	char dir[] = "/tmp/spoor-ycache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64], path[128];
	snprintf(sub, sizeof(sub), "%s/c", dir);
	snprintf(path, sizeof(path), "%s/%s", sub, YCACHE_FILE);
	ycache_stats st;
	for (int run = 0; run < 3; run++) {
		ycache *c = ycache_open(sub, CAP);
		assert_non_null(c);
		parsed p;
		parse(&p, c, coll_yaml, strlen(coll_yaml));
		assert_int_equal(p.rc, 0);
		done(&p);
		assert_int_equal(ycache_flush(c), 0);
		ycache_get_stats(c, &st);
		if (run == 0 || run == 2) {
			assert_int_equal(st.hits, 0);
			assert_true(st.written);
		} else {
			assert_int_equal(st.hits, 1);
			assert_false(st.written);
		}
		ycache_free(c);
		if (run == 1) { /* garbage: ignored, then replaced */
			FILE *f = fopen(path, "wb");
			assert_non_null(f);
			fputs("SPOORYC1 not really", f);
			fclose(f);
		}
	}
	ycache *c = ycache_open(sub, CAP);
	ycache_get_stats(c, &st);
	assert_int_equal(st.loaded, 1);
	assert_false(st.file_bad);
	ycache_free(c);
	assert_null(ycache_open(NULL, CAP));
	assert_null(ycache_open("", CAP));
	assert_null(ycache_open(sub, 0));
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* The seeds of fuzz-ycache (tests/fuzz/corpus/ycache) and its regression
 * input are files of the current format: with their check appended (as
 * the target does) they load, and every entry of a seed decodes.  A seed
 * of another version is refused at its header and fuzzes nothing (the
 * version 2 seeds did so from version 3 on, unnoticed); regenerate them
 * with tests/fuzz/mk-ycache-seeds.sh. */
static void test_fuzz_seeds_current(void **state)
{
	(void)state;
	const char *src = getenv("SPOOR_SRC");
	if (!src) {
		fprintf(stderr, "SPOOR_SRC not set (meson test sets it): fuzz seeds not checked\n");
		skip();
	}
	static const char *const seeds[] = {"corpus/ycache/basic.bin",	      "corpus/ycache/collection.bin",
					    "corpus/ycache/correlations.bin", "corpus/ycache/modifiers.bin",
					    "corpus/ycache/several.bin",      "regress/ycache/dup-keys-5125c003"};
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/tests/fuzz/%s", src, seeds[k]);
		size_t n;
		int err;
		char *b = file_slurp(path, CAP, &n, &err);
		if (!b)
			fail_msg("%s: cannot read", path);
		unsigned char *file = malloc(n + YCACHE_SUM);
		assert_non_null(file);
		memcpy(file, b, n);
		le_put(file + n, hash_bytes(file, n, YCACHE_SEED), YCACHE_SUM);
		ycache *c = ycache_open_mem(file, n + YCACHE_SUM, CAP, NULL);
		assert_non_null(c);
		ycache_stats st;
		ycache_get_stats(c, &st);
		if (st.file_bad || !st.loaded)
			fail_msg("%s: not a tree cache of this version (tests/fuzz/mk-ycache-seeds.sh)", path);
		/* every key of the index decodes (the regression input holds a
		 * key twice: one entry) */
		size_t cnt = (size_t)file[20] | (size_t)file[21] << 8 | (size_t)file[22] << 16 | (size_t)file[23] << 24;
		size_t hits = 0;
		for (size_t i = 0; i < cnt; i++) {
			arena ar;
			arena_init(&ar, 4096, 64u << 20);
			ynode **roots;
			uint32_t *lines;
			size_t nr;
			hits += ycache_get(c, file + 28 + i * 48, &ar, NULL, &roots, &lines, &nr) == 1;
			arena_done(&ar);
		}
		if (hits != cnt)
			fail_msg("%s: %zu of %zu entries decode", path, hits, cnt);
		ycache_free(c);
		free(file);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_new_entries_copied), cmocka_unit_test(test_fuzz_seeds_current),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_crafted),
	    cmocka_unit_test(test_changed_file),
	    cmocka_unit_test(test_stat_table),
	    cmocka_unit_test(test_errors_not_cached),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
