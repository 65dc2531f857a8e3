/* version.c -- the library's version and its global caches. */
#include "core/core.h"
#include "config.h"
#include "core/arbinc.h"

const char *da_version(void) { return PACKAGE_VERSION; }

/* Not safe against other threads: the rules of the Gauss-Hermite cache are
   handed out without reference counts, so clearing it while another
   thread computes frees memory that thread reads.  The contract (stated
   in dualact.h) is that no other thread is inside the library. */
void da_free_cache(void)
{
    da_run_cleanups(0);  /* the stages' caches (lib/quad's rules) */
    flint_cleanup();     /* the calling thread's Arb/FLINT caches */
    mpfr_free_cache();   /* the calling thread's MPFR constants */
}
