// Manually managed buffers and a small parallel-for for the CSV reader's hot loops.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A growable buffer of plain values in malloc'd memory. It is a value with reference
/// semantics: copies share storage, and exactly one owner calls `release()`.
/// Used instead of `Array` where per-element uniqueness and bounds checks would dominate.
struct RawBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>?
    var count = 0
    private(set) var capacity = 0

    init() { base = nil }

    init(capacity: Int) {
        base = nil
        reserve(capacity)
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        base.unsafelyUnwrapped[count] = value
        count += 1
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get { base.unsafelyUnwrapped[i] }
        nonmutating set { base.unsafelyUnwrapped[i] = newValue }
    }

    mutating func append(contentsOf p: UnsafePointer<Element>, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity { grow(to: count + n) }
        (base.unsafelyUnwrapped + count).update(from: p, count: n)
        count += n
    }

    /// Makes room for at least `n` elements in total.
    mutating func reserve(_ n: Int) {
        guard n > capacity else { return }
        let bytes = max(n, 1) * MemoryLayout<Element>.stride
        guard let raw = realloc(UnsafeMutableRawPointer(base), bytes) else {
            fatalError("out of memory while reading a CSV file (\(bytes) bytes)")
        }
        base = raw.bindMemory(to: Element.self, capacity: n)
        capacity = n
    }

    @inline(never)
    mutating func grow(to minimum: Int) {
        var n = max(capacity * 2, 16)
        while n < minimum { n *= 2 }
        reserve(n)
    }

    mutating func release() {
        free(UnsafeMutableRawPointer(base))
        base = nil
        count = 0
        capacity = 0
    }
}

/// Wraps a value that is handed to other threads under a discipline the compiler cannot see:
/// each thread touches only its own part.
struct UnsafeSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

enum CSVParallel {
    /// Processors available to this process.
    static var processorCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }

    /// Runs `body(0..<n)` on up to `n` threads and returns when all are done.
    static func forEach(_ n: Int, _ body: @Sendable (Int) -> Void) {
        if n <= 0 { return }
        if n == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: n, execute: body)
    }
}

enum CSVMove {
    /// Copies `count` values from `source` to `destination` a block at a time, handing each
    /// copied block of `source` back to the kernel at once. `source` must be malloc'd memory that
    /// is freed, unread, afterwards: its pages read as zeros from then on. Merging a chunk into the
    /// table's column then never holds that chunk's part twice.
    static func copyReleasing<T: BitwiseCopyable>(_ source: UnsafeMutablePointer<T>, to destination: UnsafeMutablePointer<T>,
                                                   count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let block = max(1, (256 << 10) / MemoryLayout<T>.stride)
        var done = 0
        var releasedUpTo = Int(bitPattern: source)
        while done < count {
            let n = min(block, count - done)
            (destination + done).update(from: source + done, count: n)
            done += n
            guard page > 0 else { continue }
            // Whole pages strictly inside the copied part of the buffer (never malloc's headers).
            let lo = max(releasedUpTo, (Int(bitPattern: source) + page - 1) / page * page)
            let hi = Int(bitPattern: source + done) / page * page
            if hi > lo, let start = UnsafeMutableRawPointer(bitPattern: lo) {
                _ = madvise(start, hi - lo, MADV_DONTNEED)
                releasedUpTo = hi
            }
        }
    }
}
