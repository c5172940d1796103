/* ioc-match — the indicator index and the typed per-event match.
 *
 * Built once from an intel store: exact values of each type in one hash
 * table keyed by (type, normal form), IPs and CIDRs in a radix tree,
 * command-line and file-path patterns (substrings, regular expressions)
 * in one Vectorscan database each.  An event is matched field by field:
 * each field id maps to the indicator class of its content (source.ip
 * -> IP, dns.question.name -> domain, Hashes -> hashes, ...), and a value
 * is only looked up among the indicators of that class.  The cost per
 * event is a hash probe per value (a few per domain: one per parent
 * label), a radix walk per IP and one Vectorscan scan per command line or
 * path: independent of the number of indicators. */
#ifndef SPOOR_IOC_MATCH_H
#define SPOOR_IOC_MATCH_H

#include <stdint.h>

#include "event/event-int.h"
#include "intel/intel-int.h"

typedef struct ioc_index ioc_index;

typedef struct ioc_hit {
	uint32_t atom;	 /* the first atom that matched */
	uint32_t obj;	 /* its indicator object */
	uint32_t field;	 /* the event field it matched in */
	spoor_sv value;	 /* the event's value (borrowed from the event) */
} ioc_hit;

int ioc_index_build(ioc_index **out, spoor_intel *in, spoor_ctx *ctx, spoor_diag *diag);
void ioc_index_free(ioc_index *x);
/* Match one event: *hits gets one entry per indicator object that matched
 * (valid for the event's time, to_ids unless the store says otherwise,
 * every AND term present).  Returns the count or SPOOR_E*. */
int ioc_index_match(ioc_index *x, spoor_event *ev, const ioc_hit **hits);
/* Counters for the summary. */
void ioc_index_counts(const ioc_index *x, uint64_t *exact, uint64_t *nets, uint64_t *patterns, uint64_t *rejected);

#endif
