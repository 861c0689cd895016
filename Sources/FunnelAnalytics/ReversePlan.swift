/// Reverse-funnel planning: from a goal at the last stage and the rate of each step, what every
/// earlier stage must deliver. Counts are rounded up: half a lead is a whole lead to find.
public struct ReversePlan: Sendable, Equatable {
    public var stages: [String]
    /// Required count per stage (whole numbers, rounded up).
    public var required: [Double]
    /// The rate used into each stage from the one before (nil for the first).
    public var rates: [Double?]

    /// `rates[k]` is the conversion from stage k-1 to k; `overrides` replace the rate from one stage
    /// to a later one (spanning intermediate steps, whose own rates then scale to match).
    public static func compute(stages: [String], goal: Double, historicalRates: [Double?], overrides: [(from: Int, to: Int, rate: Double)]) -> ReversePlan? {
        let n = stages.count
        guard n > 0, goal >= 0 else { return nil }
        var rates = historicalRates
        // An override from a to b sets the product of step rates a+1…b; intermediate steps keep their
        // historical proportions (each scaled by the same factor).
        for o in overrides where o.from < o.to && o.to < n && o.rate > 0 {
            var product = 1.0
            var known = true
            for k in (o.from + 1)...o.to { if let r = rates[k], r > 0 { product *= r } else { known = false } }
            let steps = Double(o.to - o.from)
            if known && product > 0 {
                let factor = pow(o.rate / product, 1 / steps)
                for k in (o.from + 1)...o.to { rates[k] = (rates[k] ?? 1) * factor }
            } else {
                let each = pow(o.rate, 1 / steps)
                for k in (o.from + 1)...o.to { rates[k] = each }
            }
        }
        var required = [Double](repeating: 0, count: n)
        var exact = goal
        required[n - 1] = goal.rounded(.up)
        for k in stride(from: n - 1, to: 0, by: -1) {
            guard let r = rates[k], r > 0 else { return nil }
            exact = exact / r
            // Tolerate floating noise so that 10 / 25% is 40, not 41.
            required[k - 1] = (exact - 1e-9).rounded(.up)
        }
        rates[0] = nil
        return ReversePlan(stages: stages, required: required, rates: rates)
    }
}

import FunnelEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
