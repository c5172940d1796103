/* spoor — the public API of libspoor. */
#ifndef SPOOR_H
#define SPOOR_H

#include "spoor/case.h"
#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"
#include "spoor/evidence.h"
#include "spoor/hunt.h"
#include "spoor/intel.h"
#include "spoor/analytics.h"
#include "spoor/geo.h"
#include "spoor/inventory.h"
#include "spoor/rules.h"
#include "spoor/output.h"
#include "spoor/scan.h"
#include "spoor/sim.h"
#include "spoor/sim.h"
#include "spoor/version.h"

#endif
