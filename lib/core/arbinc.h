/* arbinc.h -- the Arb headers, wherever this system keeps them: inside
 * FLINT 3 (flint/arb.h) or as the separate Arb 2 of Debian 12 (arb.h).
 * Internal; see configure.ac. */
#ifndef DA_ARBINC_H
#define DA_ARBINC_H

#include "config.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/arb.h>
#include <flint/acb.h>
#include <flint/arb_hypgeom.h>
#include <flint/acb_hypgeom.h>
#else
#include <arb.h>
#include <acb.h>
#include <arb_hypgeom.h>
#include <acb_hypgeom.h>
#endif

#endif
