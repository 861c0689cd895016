import Testing
@testable import FunnelAnalytics

/// Wilson intervals and the two-proportion test against values computed by hand (and by
/// Tests/Golden/funnel/data/check_confidence.py).
@Suite struct RateConfidenceTests {
    @Test func zOfCommonLevels() {
        #expect(abs(RateConfidence.z(forLevel: 0.95) - 1.959964) < 1e-5)
        #expect(abs(RateConfidence.z(forLevel: 0.90) - 1.644854) < 1e-5)
        #expect(abs(RateConfidence.z(forLevel: 0.99) - 2.575829) < 1e-5)
    }

    @Test func wilsonInterval() throws {
        let z = RateConfidence.z(forLevel: 0.95)
        let half = try #require(RateConfidence.wilson(50, 100, z: z))
        #expect(abs(half.low - 0.403832) < 1e-5 && abs(half.high - 0.596168) < 1e-5)
        // No success: the interval starts at 0 and still has width (not the normal one's 0–0).
        let none = try #require(RateConfidence.wilson(0, 10, z: z))
        #expect(none.low == 0 && abs(none.high - 0.277533) < 1e-5)
        let all = try #require(RateConfidence.wilson(10, 10, z: z))
        #expect(all.high == 1 && abs(all.low - 0.722467) < 1e-5)
        #expect(RateConfidence.wilson(0, 0, z: z) == nil)
    }

    @Test func differenceOfTwoRates() throws {
        // 50/100 against 38/140 (the rest of the golden's rows): p ≈ 0.00029.
        let p = try #require(RateConfidence.differencePValue(50, 100, 38, 140))
        #expect(abs(p - 0.000289) < 2e-5)
        #expect(RateConfidence.differencePValue(5, 10, 5, 10) == 1)
        // Nothing varies, or a group is empty: no test.
        #expect(RateConfidence.differencePValue(0, 10, 0, 20) == nil)
        #expect(RateConfidence.differencePValue(3, 0, 5, 10) == nil)
    }
}
