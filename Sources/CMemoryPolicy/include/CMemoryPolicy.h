#ifndef C_MEMORY_POLICY_H
#define C_MEMORY_POLICY_H

/// For a run that ends when its script does: large blocks (a column, a statement's per-row
/// arrays) are mapped on their own and given back to the system as soon as they are freed,
/// instead of kept for reuse. glibc otherwise raises its mapping threshold after the first large
/// free (up to 32 MB), and later blocks come from a heap whose freed holes stay resident: the
/// footprint of a script then follows its live data. The shell keeps glibc's default, which
/// reuses freed blocks without new page faults. A no-op without glibc.
void funnel_return_freed_memory_promptly(void);

#endif
