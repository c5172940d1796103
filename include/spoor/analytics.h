/* spoor — stateful identity and mailbox analytics (a hunt stage).
 *
 * One stage runs every analytic of docs/analytics.md over the identity
 * records of the events (logons, mail reads, mailbox changes) and raises
 * its findings (ruleset "analytics") at the end of the input, or at the
 * event for single-record analytics (forwarding, inbox rules,
 * delegation, consent, legacy auth, bulk access).  Parameters and caps
 * come from a YAML file; every default is documented with its published
 * source. */
#ifndef SPOOR_ANALYTICS_H
#define SPOOR_ANALYTICS_H

#include <stdbool.h>
#include <stdio.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"
#include "spoor/hunt.h"
#include "spoor/inventory.h"

/* The analytics stage.  config_path (YAML, may be NULL for the defaults)
 * is read now: an unknown analytic or parameter, or a bad value, is
 * SPOOR_EINVAL with file:line in diag. */
SPOOR_API int spoor_analytics_stage_new(spoor_stage **out, spoor_ctx *ctx, const char *config_path, spoor_diag *diag);
/* Keep the baselines between runs: read `path` now (a missing file is a
 * first run), write it (atomically, by rename) when the stage finishes.
 * Kept: successes per (account, source), first-seen countries / ASNs /
 * clients, legacy clients, mail clients per mailbox, consents, forwarding
 * destinations.  Windows (spray, brute force, ...) are not carried over. */
SPOOR_API int spoor_analytics_state(spoor_stage *st, const char *path, spoor_diag *diag);
/* Tell the analytics the networks an inventory knows (docs/inventory.md):
 * the agencies' networks and egress, the providers' source networks and
 * jump hosts.  Impossible travel and first-seen take logons from them as
 * the known egress they are (not a person's location); call before the
 * first event.  inv must be finished; it is not kept.  0 or SPOOR_ENOMEM. */
SPOOR_API int spoor_analytics_use_inventory(spoor_stage *st, const spoor_inventory *inv, spoor_diag *diag);
/* Print every analytic and parameter with its default, as a config file. */
SPOOR_API int spoor_analytics_describe(FILE *f);

/* The mailbox summary of a finished analytics stage: per mailbox and per
 * agency domain, the accounts with evidence of compromise, first and last
 * attacker access, attacker sources and data taken (bytes, items,
 * sessions read from those sources).  json: one JSON object per line;
 * else a table.  Returns 0 or SPOOR_E*. */
SPOOR_API int spoor_analytics_mailboxes(spoor_stage *st, FILE *f, bool json);

#endif
