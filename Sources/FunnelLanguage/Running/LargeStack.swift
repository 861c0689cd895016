#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work on a thread with a large stack. Parsing and evaluation recurse over the syntax tree,
/// and threads other than the main one (test runners, the shell's worker) often have only 512 KB:
/// with 256 MB of (lazily committed) stack, the parser's own depth limits are what stop hostile
/// input, never a stack overflow. The caller waits; the work runs on one thread at a time.
public enum LargeStack {
    public static let size = 256 << 20

    private final class Work: @unchecked Sendable {
        // Run once by the worker thread while the caller is blocked in pthread_join.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    public static func run(_ body: @escaping () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, size)
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if started == 0 { pthread_join(thread, nil); return }
        #else
        var thread: pthread_t? = nil
        let started = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if started == 0, let thread { pthread_join(thread, nil); return }
        #endif
        // No thread could be made: run here rather than fail.
        Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
    }
}
