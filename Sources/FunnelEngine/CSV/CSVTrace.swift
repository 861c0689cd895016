// TEMPORARY phase timing (not to be committed).
import Glibc
enum CSVTrace {
    static func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
    static func faults() -> Int { var u = rusage(); getrusage(RUSAGE_SELF.rawValue, &u); return u.ru_minflt }
    static func mark(_ label: String, _ t: inout Double) {
        let n = now()
        if getenv("CSV_TRACE") != nil { print("  \(label): \(Int((n - t) * 1000)) ms, faults so far \(faults())") }
        t = n
    }
}
