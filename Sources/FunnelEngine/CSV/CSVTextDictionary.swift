// Byte-slice hashing and the per-column string dictionary used while reading text columns.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVHash {
    @inline(__always)
    static func load64(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    static func load32(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(UInt32(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt32.self)))
    }

    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    /// A fast 32-bit hash of a byte slice (wyhash-style); never reads outside `p[0..<n]`.
    @inline(__always)
    static func hash32(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        let s0: UInt64 = 0xa076_1d64_78bd_642f
        let s1: UInt64 = 0xe703_7ed1_a0b4_28db
        let s2: UInt64 = 0x8ebc_6af0_9c88_c6e3
        var a: UInt64
        var b: UInt64
        var seed = s0
        if n <= 16 {
            if n >= 8 {
                a = load64(p)
                b = load64(p + (n - 8))
            } else if n >= 4 {
                a = load32(p)
                b = load32(p + (n - 4))
            } else if n > 0 {
                a = UInt64(p[0]) << 16 | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1])
                b = 0
            } else {
                a = 0
                b = 0
            }
        } else {
            var i = 0
            while n - i > 16 {
                seed = mix(load64(p + i) ^ s1, load64(p + i + 8) ^ seed)
                i += 16
            }
            a = load64(p + (n - 16))
            b = load64(p + (n - 8))
        }
        let h = mix(s1 ^ UInt64(truncatingIfNeeded: n), mix(a ^ s1, b ^ seed ^ s2))
        return UInt32(truncatingIfNeeded: h >> 32) ^ UInt32(truncatingIfNeeded: h)
    }
}

/// Distinct byte strings in order of first appearance, with an open-addressing hash index.
/// Entry `i` is `arena[offsets[i] ..< offsets[i + 1]]` (a copy, so the input can be released).
/// The owner calls `release()`.
///
/// The index is the load's biggest transient cost for a column of mostly distinct values (e-mail
/// addresses), so a slot is 32 bits (entry index + 1; the hash is read from `hashes`) and the
/// table is sized to twice the entries rather than to a power of two (a hash maps to a slot by
/// multiplication): 8 bytes per entry instead of up to 32.
struct CSVTextDictionary {
    /// 0 = empty; else index + 1.
    private var slots: RawBuffer<UInt32>
    private var slotCount: Int
    private(set) var count = 0
    /// `count + 1` offsets into `arena` (a chunk is under 4 GiB, so 32 bits suffice).
    private var offsets: RawBuffer<UInt32>
    private(set) var hashes: RawBuffer<UInt32>
    private var arena: RawBuffer<UInt8>
    /// Some entry is not valid UTF-8 or holds a NUL byte (the file then needs decoding first).
    private(set) var dirty = false
    /// The distinct values of one chunk passed 4 GiB; the read fails (offsets are 32-bit).
    private(set) var overflowed = false

    init(expected: Int = 8) {
        slots = RawBuffer()
        slotCount = 0
        offsets = RawBuffer(capacity: 16)
        offsets.append(0)
        hashes = RawBuffer(capacity: 16)
        arena = RawBuffer(capacity: 256)
        resize(to: CSVTextDictionary.slotCount(for: expected))
    }

    /// Slots for `n` entries: at most half full, so probes stay short.
    private static func slotCount(for n: Int) -> Int { max(16, n * 2 + 2) }

    mutating func release() {
        slots.release()
        offsets.release()
        hashes.release()
        arena.release()
        count = 0
        slotCount = 0
    }

    /// Frees the hash index once no more lookups will come; entries stay readable.
    mutating func releaseIndex() {
        slots.release()
        hashes.release()
        slotCount = 0
    }

    /// Frees the entries' bytes once they have been copied out; only `count` stays meaningful.
    mutating func releaseEntries() {
        offsets.release()
        hashes.release()
        arena.release()
    }

    /// The bytes of entries `from..<to` as one run (entries are stored back to back).
    func run(from: Int, to: Int) -> (UnsafePointer<UInt8>, Int) {
        let start = Int(offsets[from])
        return (UnsafePointer(arena.base.unsafelyUnwrapped + start), Int(offsets[to]) - start)
    }

    @inline(__always)
    func entry(_ i: Int) -> (UnsafePointer<UInt8>, Int) {
        let start = Int(offsets[i])
        return (UnsafePointer(arena.base.unsafelyUnwrapped + start), Int(offsets[i + 1]) - start)
    }

    /// The code of `p[0..<n]`, adding it when new.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        intern(p, n, hash: CSVHash.hash32(p, n))
    }

    /// Makes room for `n` entries in total without rehashing on the way.
    mutating func reserve(_ n: Int) {
        let wanted = CSVTextDictionary.slotCount(for: n)
        if wanted > slotCount { resize(to: wanted) }
        offsets.reserve(n + 1)
        hashes.reserve(n)
    }

    /// The first slot to probe for hash `h`: `h` scaled to `0..<slotCount` (no power of two needed).
    @inline(__always)
    private func home(_ h: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(h) &* UInt64(slotCount)) >> 32)
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n >= 8 && n <= 16 {
            return CSVHash.load64(a) == CSVHash.load64(b)
                && CSVHash.load64(a + (n - 8)) == CSVHash.load64(b + (n - 8))
        }
        if n >= 4 && n < 8 {
            return CSVHash.load32(a) == CSVHash.load32(b)
                && CSVHash.load32(a + (n - 4)) == CSVHash.load32(b + (n - 4))
        }
        if n < 4 {
            var i = 0
            while i < n {
                if a[i] != b[i] { return false }
                i += 1
            }
            return true
        }
        return memcmp(a, b, n) == 0
    }

    /// Loads the first slot of each hash (independent loads, so their cache misses overlap)
    /// and returns them folded together, for the caller to keep.
    func touch(_ hashes: UnsafePointer<UInt32>, _ n: Int) -> UInt64 {
        let s = slots.base.unsafelyUnwrapped
        var sink: UInt64 = 0
        for i in 0..<n { sink ^= UInt64(s[home(hashes[i])]) }
        return sink
    }

    /// The entry in slot value `e` (index + 1) if it holds `p[0..<n]` with hash `h`.
    @inline(__always)
    private func holds(_ e: UInt32, _ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt32) -> Int? {
        let idx = Int(e) - 1
        guard hashes[idx] == h else { return nil }
        let start = Int(offsets[idx])
        guard Int(offsets[idx + 1]) - start == n,
              CSVTextDictionary.equal(UnsafePointer(arena.base.unsafelyUnwrapped + start), p, n) else { return nil }
        return idx
    }

    /// The index of `p[0..<n]` (with hash `h`), without adding it.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt32) -> Int? {
        let s = slots.base.unsafelyUnwrapped
        var i = home(h)
        while true {
            let e = s[i]
            if e == 0 { return nil }
            if let idx = holds(e, p, n, hash: h) { return idx }
            i += 1
            if i == slotCount { i = 0 }
        }
    }

    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt32) -> Int32 {
        let s = slots.base.unsafelyUnwrapped
        var i = home(h)
        while true {
            let e = s[i]
            if e == 0 { break }
            if let idx = holds(e, p, n, hash: h) { return Int32(truncatingIfNeeded: idx) }
            i += 1
            if i == slotCount { i = 0 }
        }
        let idx = count
        if arena.count + n > Int(UInt32.max) || idx >= Int(Int32.max) - 1 {
            overflowed = true
            return 0
        }
        if !CSVTextDictionary.isClean(p, n) { dirty = true }
        s[i] = UInt32(truncatingIfNeeded: idx + 1)
        arena.append(contentsOf: p, count: n)
        offsets.append(UInt32(truncatingIfNeeded: arena.count))
        hashes.append(h)
        count += 1
        if count * 2 >= slotCount { resize(to: slotCount * 2) }
        return Int32(truncatingIfNeeded: idx)
    }

    /// True when the bytes are valid UTF-8 without NUL bytes (checked once per distinct value).
    @inline(__always)
    static func isClean(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let highs: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        var i = 0
        while i + 8 <= n {
            let w = CSVHash.load64(p + i)
            if w & highs != 0 { return isCleanSlow(p, n) }
            if (w &- ones) & ~w & highs != 0 { return false }
            i += 8
        }
        while i < n {
            let c = p[i]
            if c == 0 { return false }
            if c >= 0x80 { return isCleanSlow(p, n) }
            i += 1
        }
        return true
    }

    @inline(never)
    private static func isCleanSlow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let scan = CSVEncoding.scan(p, from: 0, to: n)
        return scan.valid && scan.nulCount == 0
    }

    /// Rebuilds the index with `newCount` slots.
    @inline(never)
    private mutating func resize(to newCount: Int) {
        slots.release()
        slots = RawBuffer<UInt32>(capacity: newCount)
        let ns = slots.base.unsafelyUnwrapped
        ns.initialize(repeating: 0, count: newCount)
        slots.count = newCount
        slotCount = newCount
        let hs = hashes.base.unsafelyUnwrapped
        for idx in 0..<count {
            var i = home(hs[idx])
            while ns[i] != 0 {
                i += 1
                if i == newCount { i = 0 }
            }
            ns[i] = UInt32(truncatingIfNeeded: idx + 1)
        }
    }
}
