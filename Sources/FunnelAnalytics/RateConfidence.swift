#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How sure a conversion rate is: the Wilson score interval of x successes in n trials, and the
/// two-proportion z-test of one group's rate against the rest's. Wilson's interval stays inside
/// 0…1 and is honest for small n and rates near 0 or 1, where the normal approximation is not.
public enum RateConfidence {
    /// The z of a two-sided `level` (0.95 → 1.96), by bisection on the normal distribution.
    public static func z(forLevel level: Double) -> Double {
        let tail = (1 - min(max(level, 0.5), 0.999_999)) / 2
        var low = 0.0, high = 10.0
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if upperTail(mid) > tail { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// P(Z > z) for a standard normal Z.
    static func upperTail(_ z: Double) -> Double { erfc(z / 2.squareRoot()) / 2 }

    /// The Wilson score interval of `x` in `n` at `z`; nil when n is 0.
    public static func wilson(_ x: Int, _ n: Int, z: Double) -> (low: Double, high: Double)? {
        guard n > 0 else { return nil }
        let nn = Double(n), p = Double(min(max(x, 0), n)) / nn, z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z / (1 + z2 / nn) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        // At 0 and at n the bound is exactly 0 or 1 (rounding would leave 0.9999999999999999).
        return (x <= 0 ? 0 : max(0, centre - half), x >= n ? 1 : min(1, centre + half))
    }

    /// The two-sided p-value of the difference between x₁/n₁ and x₂/n₂ (pooled two-proportion
    /// z-test); nil when either group is empty or the pooled rate is 0 or 1 (nothing varies).
    public static func differencePValue(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> Double? {
        guard n1 > 0, n2 > 0 else { return nil }
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        guard pooled > 0, pooled < 1 else { return nil }
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        let z = (Double(x1) / Double(n1) - Double(x2) / Double(n2)) / se
        return min(1, 2 * upperTail(abs(z)))
    }
}
