#ifndef C_MALLOC_TUNING_H
#define C_MALLOC_TUNING_H

/// Keeps blocks of at least `threshold` bytes in their own mappings (returned to the system when
/// freed) instead of letting glibc raise that threshold as large blocks come and go; trims the
/// heap's top beyond `trim` bytes. Does nothing where the C library has no such settings.
void funnel_malloc_fixed_thresholds(int threshold, int trim);

#endif
