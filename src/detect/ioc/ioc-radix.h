/* ioc-radix — a path-compressed binary radix tree (PATRICIA) of IPv6
 * prefixes (IPv4 mapped into ::ffff:0:0/96), for IP and CIDR indicators.
 *
 * At most 2n - 1 nodes for n prefixes; a lookup walks at most 129 nodes
 * whatever n is and reports every stored prefix that contains the
 * address (a /32 indicator and a /16 one both match). */
#ifndef SPOOR_IOC_RADIX_H
#define SPOOR_IOC_RADIX_H

#include <stddef.h>
#include <stdint.h>

typedef struct rnode {
	uint8_t key[16];
	uint8_t plen;
	uint8_t has;	   /* a stored prefix ends here */
	uint32_t child[2]; /* node index + 1; 0 = none */
	uint32_t val;	   /* caller's value (first atom of the chain) */
} rnode;

typedef struct radix {
	rnode *v;
	size_t n, cap;
	uint32_t root; /* index + 1; 0 = empty */
} radix;

/* Insert key/plen; *slot points to the node's value (UINT32_MAX when new)
 * so the caller can chain.  0 or SPOOR_ENOMEM. */
int radix_insert(radix *t, const uint8_t key[16], unsigned plen, uint32_t **slot);
/* Call fn for every stored prefix containing addr (shortest first);
 * returns how many. */
size_t radix_lookup(const radix *t, const uint8_t addr[16], void (*fn)(uint32_t val, void *u), void *u);
void radix_free(radix *t);

#endif
