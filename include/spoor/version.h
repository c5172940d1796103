#ifndef SPOOR_VERSION_H
#define SPOOR_VERSION_H

#include "spoor/common.h"

#define SPOOR_VERSION "0.1.0"

SPOOR_API const char *spoor_version(void);

#endif
