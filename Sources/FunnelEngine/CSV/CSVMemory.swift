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

/// Hands back to the kernel, as reading moves on, the pages of a malloc'd buffer that is read
/// front to back and freed, unread, afterwards (its pages read as zeros once handed back). Merging
/// a chunk into the table's column then never holds that chunk's part twice.
struct CSVReleaseBehind {
    private let page: Int
    private var releasedUpTo: Int

    init(_ start: UnsafeRawPointer) {
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        page = size > 0 ? size : 0
        // Whole pages only: never the page holding malloc's header before the buffer.
        releasedUpTo = page > 0 ? (Int(bitPattern: start) + page - 1) / page * page : Int.max
    }

    /// Everything before `position` will not be read again.
    mutating func consumed(upTo position: UnsafeRawPointer) {
        guard page > 0 else { return }
        let hi = Int(bitPattern: position) / page * page
        if hi - releasedUpTo >= 256 << 10, let start = UnsafeMutableRawPointer(bitPattern: releasedUpTo) {
            _ = madvise(start, hi - releasedUpTo, MADV_DONTNEED)
            releasedUpTo = hi
        }
    }
}

enum CSVMove {
    /// Copies `count` values from `source` to `destination`, each converted to the destination's
    /// width (which holds it), 64K at a time; when `releasing`, each copied block of `source` is
    /// handed back (see `CSVReleaseBehind`).
    static func convert<S: StoredInteger, T: StoredInteger>(_ source: UnsafeMutablePointer<S>, to destination: UnsafeMutablePointer<T>,
                                                            count: Int, releasing: Bool) {
        var behind = CSVReleaseBehind(UnsafeRawPointer(source))
        var r = 0
        while r < count {
            let end = min(count, r + 65_536)
            for i in r..<end { destination[i] = T(truncatingIfNeeded: source[i]) }
            r = end
            if releasing { behind.consumed(upTo: UnsafeRawPointer(source + r)) }
        }
    }

    /// Copies `count` values from `source` to `destination` a block at a time, handing each copied
    /// block of `source` back (see `CSVReleaseBehind`: `source` is freed, unread, afterwards).
    static func copyReleasing<T: BitwiseCopyable>(_ source: UnsafeMutablePointer<T>, to destination: UnsafeMutablePointer<T>,
                                                   count: Int) {
        let block = max(1, (256 << 10) / MemoryLayout<T>.stride)
        var behind = CSVReleaseBehind(UnsafeRawPointer(source))
        var done = 0
        while done < count {
            let n = min(block, count - done)
            (destination + done).update(from: source + done, count: n)
            done += n
            behind.consumed(upTo: UnsafeRawPointer(source + done))
        }
    }
}
