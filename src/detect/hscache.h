/* hscache — compiled Vectorscan databases kept on disk between runs,
 * named by a digest of what was compiled (hscache.c; docs/internals/sigma.md).
 *
 * Use: k = dbc_key_new(ndbs, platform); dbc_key_add(k, ...) every byte the compiler
 * will be given, in order; dbc_load(k, dir, dbs, n, path, cap, &map)
 * returns 1 with dbs[] filled, or 0 (a miss: compile, then dbc_store(dir,
 * path, dbs, n) to keep them; path is "" when there is no cache);
 * dbc_key_free(k).  Loaded databases are in the mapped file, read only:
 * never hs_free_database them; dbc_unmap(map) once none is used. */
#ifndef SPOOR_DETECT_HSCACHE_H
#define SPOOR_DETECT_HSCACHE_H

#include <stddef.h>

struct hs_database;
struct hs_platform_info;
typedef struct dbc_key dbc_key;
typedef struct dbc_map dbc_map;
/* plat: what the databases are compiled for (NULL: the host), part of the key */
dbc_key *dbc_key_new(size_t ndbs, const struct hs_platform_info *plat);
void dbc_key_add(dbc_key *k, const void *p, size_t n);
/* One literal the compiler will be given: its length and flags, then its bytes. */
void dbc_key_lit(dbc_key *k, const void *p, size_t n, unsigned flags);
void dbc_key_free(dbc_key *k);
int dbc_load(dbc_key *k, const char *dir, struct hs_database **dbs, size_t n, char *path, size_t pathcap,
	     dbc_map **map);
void dbc_unmap(dbc_map *map);
void dbc_store(const char *dir, const char *path, struct hs_database *const *dbs, size_t n);
/* hash_bytes seed of a cache file's check (its last 8 bytes) */
#define DBC_SEED 0x5350484332ull
/* The bytes of a cache file, at a 64-byte boundary (dbc_load's checks,
 * for the fuzz target): 1 with dbs[0..n) pointing into p, or 0 with none. */
int dbc_parse(const unsigned char *p, size_t len, struct hs_database **dbs, size_t n);

#endif
