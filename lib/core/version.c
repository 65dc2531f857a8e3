/* version.c -- the library's version and its global caches. */
#include "core/core.h"
#include "config.h"
#include "quad/gl_arb.h"

const char *da_version(void) { return PACKAGE_VERSION; }

void da_free_cache(void)
{
    da_gh_cache_clear();
    da_gl_cache_clear();
}
