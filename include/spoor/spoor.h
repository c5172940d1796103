/* spoor — the public API of libspoor. */
#ifndef SPOOR_H
#define SPOOR_H

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"
#include "spoor/hunt.h"
#include "spoor/rules.h"
#include "spoor/output.h"
#include "spoor/scan.h"
#include "spoor/sim.h"
#include "spoor/version.h"

#endif
