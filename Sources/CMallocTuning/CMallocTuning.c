#include "CMallocTuning.h"
#include <stdlib.h>  /* defines __GLIBC__ on glibc systems */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void funnel_malloc_fixed_thresholds(int threshold, int trim) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, threshold);
    mallopt(M_TRIM_THRESHOLD, trim);
#else
    (void)threshold;
    (void)trim;
#endif
}
