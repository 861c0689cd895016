import Testing
@testable import FunnelEngine

@Suite("Validity bitmaps")
struct ValidityTests {
    @Test(arguments: [0, 1, 63, 64, 65, 1000])
    func packingRoundTrips(count: Int) {
        let flags = (0..<count).map { ($0 * 7 + $0 / 3) % 5 < 2 }
        let packed = Validity(packing: flags)
        #expect(packed.flags == flags)
        #expect(packed == Validity(flags))
        #expect(packed.nullCount == flags.filter { !$0 }.count)
    }

    @Test func allSetAndNoneSet() {
        for count in [8, 77, 128] {
            #expect(Validity(packing: [Bool](repeating: true, count: count)) == Validity(count: count, allValid: true))
            #expect(Validity(packing: [Bool](repeating: false, count: count)) == Validity(count: count, allValid: false))
            #expect(Validity(count: count, allValid: true).flags == [Bool](repeating: true, count: count))
        }
    }
}
