/* sigma-ycache — parsed YAML trees of rule files kept on disk between runs,
 * looked up by the SHA-256 of a file's bytes (sigma-ycache.c;
 * docs/internals/sigma.md, "YAML tree cache").
 *
 * Use: c = ycache_open(dir, cap); sigma_yaml_parse_yc(c, ...) for every
 * file (a hit skips libyaml, a miss parses and keeps the tree);
 * ycache_flush(c) writes the file when something was added;
 * ycache_free(c), or ycache_free_keep(c) while trees' strings are used.
 * A NULL cache is valid everywhere and does nothing. */
#ifndef SPOOR_DETECT_SIGMA_YCACHE_H
#define SPOOR_DETECT_SIGMA_YCACHE_H

#include <sys/stat.h>

#include "detect/sigma/sigma-int.h"

typedef struct ycache ycache;

/* The file's name inside the cache folder. */
#define YCACHE_FILE "yaml-trees.yc"
/* Default cap on the cache file (bytes); SPOOR_RULES_TREE_CACHE_MAX
 * overrides it, 0 turns the tree cache off (docs/limits.md). */
#define YCACHE_DEFAULT_MAX ((size_t)64 << 20)
/* The file ends with hash_bytes(every byte before it, YCACHE_SEED) in
 * YCACHE_SUM little-endian bytes. */
#define YCACHE_SUM  8
#define YCACHE_SEED 0x5350594332ull

typedef struct ycache_stats {
	size_t loaded; /* entries read from the file */
	size_t hits;   /* files whose tree came from the cache */
	size_t misses; /* files parsed with libyaml (and kept when they parsed) */
	size_t added;  /* new entries */
	size_t stat_hits; /* files not read: their stat matched the stat table */
	bool file_bad; /* a cache file was there but failed a check */
	bool written;  /* ycache_flush wrote the file */
} ycache_stats;

/* Open the cache of folder `dir` (read dir/YCACHE_FILE when it is there
 * and sound; a missing, corrupt, truncated or foreign file is an empty
 * cache).  cap: the largest file written (and read).  NULL when dir is
 * NULL or "", cap is 0, or out of memory: no cache. */
ycache *ycache_open(const char *dir, size_t cap);
/* The same over a file's bytes in memory (tests, fuzzing); path may be
 * NULL (flush writes nothing then). */
ycache *ycache_open_mem(const void *data, size_t len, size_t cap, const char *path);
void ycache_free(ycache *c);
/* The bytes of the file a cache was read from.  The scalars of a tree
 * ycache_get decoded from the file point into them (no copy: 5.9 MB for
 * SigmaHQ that were written into fresh heap memory), so they must
 * outlive the strings a caller keeps of such trees. */
typedef struct ycache_bytes ycache_bytes;
/* Free c except those bytes, which are returned (NULL when c was not read
 * from a file, or on NULL); release them with ycache_bytes_free. */
ycache_bytes *ycache_free_keep(ycache *c);
void ycache_bytes_free(ycache_bytes *b);
/* Write the file (temporary file + rename) when entries were added; used
 * entries first, then entries of earlier runs while they fit the cap. */
int ycache_flush(ycache *c);
void ycache_get_stats(const ycache *c, ycache_stats *st);
/* The bytes flush would write (malloc'd; tests); NULL on ENOMEM. */
unsigned char *ycache_serialize(ycache *c, size_t *len);

/* The key of the tree a rule file had when it was last read, when the
 * file's stat (a regular file: device, inode, size, mtime and ctime) is
 * exactly as recorded then and that tree is in the cache; false
 * otherwise (read the file). */
bool ycache_stat_get(ycache *c, const struct stat *st, unsigned char key[32]);
/* Record that the file with this stat holds the bytes of `key` (whose
 * tree must be in the cache); not when its ctime is too recent to tell a
 * later change in the same clock tick apart. */
void ycache_stat_put(ycache *c, const struct stat *st, const unsigned char key[32]);

/* sigma_yaml_parse through the cache c (NULL: libyaml every time).  The
 * scalar text goes to ar (on a hit, the cache's bytes: see ycache_bytes),
 * the nodes and the document list to nar (NULL: ar too): a caller that
 * keeps only the strings resets nar once it is done with the tree.  key:
 * the text's ycache_key when the caller has it (NULL: computed here).
 * text NULL (with a key): the tree from the cache only, SPOOR_ENOTFOUND
 * when it is not there. */
int sigma_yaml_parse_yc(ycache *c, arena *ar, arena *nar, const unsigned char *key, const char *text, size_t len,
			ydoc **docs, size_t *ndocs, spoor_diag *diag);

/* sigma_file_load through the cache c (NULL: libyaml every time), the
 * YAML tree and the rules' detections (searches, maps, items, values,
 * conditions) in tmp (NULL: the file's arena).  The caller compiles the
 * rules, then resets tmp and clears their searches and conds: the plans
 * and the rules keep strings, no node and no part of a detection.  The
 * rules go to shared when it is given (a rule set's arena, which then
 * outlives the file; sigma_file_free leaves it alone), else to an arena
 * of the file's own.  key and text as for sigma_yaml_parse_yc (text NULL:
 * SPOOR_ENOTFOUND and no file when the tree is not in the cache; len is
 * then the file's size). */
int sigma_file_load_yc(ycache *c, arena *tmp, arena *shared, const unsigned char *key, sigma_file **out,
		       const char *path, const char *text, size_t len, sigma_err_fn on_err, void *payload);

/* Internal to sigma-yaml.c / sigma-ycache.c: the documents of a file
 * before collection merging (raw: as libyaml gave them). */
bool ycache_key(ycache *c, const char *text, size_t len, unsigned char key[32]);
/* 1: hit, roots/lines filled (scalar text in the cache's bytes for an
 * entry read from the file, in ar for one added by this run; nodes and
 * the two arrays in nar, or ar when NULL); 0: miss. */
int ycache_get(ycache *c, const unsigned char key[32], arena *ar, arena *nar, ynode ***roots, uint32_t **lines,
	       size_t *n);
void ycache_put(ycache *c, const unsigned char key[32], ynode *const *roots, const uint32_t *lines, size_t n);

#endif
