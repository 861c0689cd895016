#include "CMemoryPolicy.h"

// Any C library header defines __GLIBC__ on glibc; it is tested after one.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void funnel_return_freed_memory_promptly(void) {
#if defined(__GLIBC__)
    // A fixed threshold also turns off glibc's dynamic one.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}
