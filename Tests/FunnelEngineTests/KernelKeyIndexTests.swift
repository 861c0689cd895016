import Testing
@testable import FunnelEngine

@Suite("Kernel: key index")
struct KernelKeyIndexTests {
    @Test func integerKeysWithDuplicatesNullsAndMisses() {
        let ids = intColumn("id", [10, 20, nil, 10, 30, 20, 10])
        let index = KeyIndex(column: ids)
        #expect(index.duplicateKeys == 2)
        #expect(index.nullKeys == 1)
        #expect(index.distinctKeys == 3)
        let probe = intColumn("contact_id", [20, 99, nil, 10, 30])
        #expect(index.lookup(probe, selection: nil) == [1, -1, -1, 0, 4])
        #expect(index.lookup(probe, selection: [0, 4]) == [1, -1, -1, -1, 4])
    }

    @Test func sparseIntegerKeysUseTheHashTable() {
        let ids = intColumn("id", [Int64.min, 7, Int64.max, 7, -123_456_789_012])
        let index = KeyIndex(column: ids)
        #expect(index.duplicateKeys == 1)
        let probe = intColumn("p", [Int64.max, -123_456_789_012, 8, Int64.min, 7])
        #expect(index.lookup(probe, selection: nil) == [2, 4, -1, 0, 1])
        // Many keys, so collisions and probing happen.
        let many = intColumn("id", (0..<10_000).map { Int64($0) * 1_000_003 })
        let big = KeyIndex(column: many)
        #expect(big.duplicateKeys == 0)
        let hits = big.lookup(intColumn("p", [0, 1_000_003 * 9_999, 5, 1_000_003 * 4_321]), selection: nil)
        #expect(hits == [0, 9_999, -1, 4_321])
    }

    @Test func textKeys() {
        let ids = textColumn("id", ["L-2", "L-1", nil, "L-2", "L-3"])
        let index = KeyIndex(column: ids)
        #expect(index.duplicateKeys == 1)
        #expect(index.nullKeys == 1)
        // The probe has its own dictionary, in a different order.
        let probe = textColumn("lead", ["L-3", nil, "L-9", "L-2", "L-1"])
        #expect(index.lookup(probe, selection: nil) == [4, -1, -1, 0, 1])
        #expect(index.lookup(probe, selection: [3]) == [-1, -1, -1, 0, -1])
    }

    @Test func numbersAndTextMeet() {
        let numeric = KeyIndex(column: intColumn("id", [100, 42, 7]))
        let textProbe = textColumn("ref", ["42", "042", "x", nil, "7.0", "100"])
        #expect(numeric.lookup(textProbe, selection: nil) == [1, 1, -1, -1, 2, 0])
        let decimalProbe = decimalColumn("ref", [42, 42.5, nil, 7])
        #expect(numeric.lookup(decimalProbe, selection: nil) == [1, -1, -1, 2])

        let textual = KeyIndex(column: textColumn("id", ["007", "abc", "7", "2.5"]))
        #expect(textual.lookup(intColumn("p", [7, 8]), selection: nil) == [0, -1])
        #expect(textual.lookup(decimalColumn("p", [2.5, 7]), selection: nil) == [3, 0])
    }

    @Test func decimalKeys() {
        let index = KeyIndex(column: decimalColumn("id", [1.0, 2.5, 2.5, nil, 3]))
        #expect(index.duplicateKeys == 1)
        #expect(index.nullKeys == 1)
        #expect(index.distinctKeys == 3)
        #expect(index.lookup(intColumn("p", [3, 1, 2]), selection: nil) == [4, 0, -1])
        #expect(index.lookup(decimalColumn("p", [2.5, 1]), selection: nil) == [1, 0])
    }

    @Test func datesMatchDatesOnly() {
        let index = KeyIndex(column: dateColumn("d", ["2025-01-01", "1969-12-31"]))
        #expect(index.lookup(dateColumn("d", ["1969-12-31", "2025-01-02"]), selection: nil) == [1, -1])
        #expect(index.lookup(intColumn("p", [0, -1]), selection: nil) == [-1, -1])
        let empty = KeyIndex(column: intColumn("id", [nil, nil]))
        #expect(empty.nullKeys == 2)
        #expect(empty.lookup(intColumn("p", [1]), selection: nil) == [-1])
    }
}

@Suite("Kernel: key index at size")
struct KernelKeyIndexSizeTests {
    @Test func repeatedStringsInTheDictionaryAreOneKey() {
        let ids = Column(name: "id", storage: .text(codes: [2, 0, 1, 2], dictionary: ["a", "b", "a"]))
        let index = KeyIndex(column: ids)
        #expect(index.distinctKeys == 2)
        #expect(index.duplicateKeys == 1)
        #expect(index.lookup(textColumn("p", ["a", "b", "c"]), selection: nil) == [0, 2, -1])
    }

    @Test func manyTextKeysWithMissesAndUnicode() {
        let n = 20_000
        let keys = (0..<n).map { i -> String? in
            i % 1000 == 7 ? nil : (i % 3 == 0 ? "contact-\(i)-ünïcødé-with-a-longer-tail" : "C\(i)")
        }
        let index = KeyIndex(column: textColumn("id", keys))
        #expect(index.nullKeys == 20)
        #expect(index.duplicateKeys == 0)
        #expect(index.distinctKeys == n - 20)
        let probes = (0..<n).map { i -> String? in i % 2 == 0 ? keys[(i * 7) % n] : "missing-\(i)" }
        let found = index.lookup(textColumn("p", probes), selection: nil)
        for i in 0..<n {
            let expected: Int32 = probes[i] == nil || i % 2 == 1 ? -1 : Int32((i * 7) % n)
            #expect(found[i] == expected)
            if found[i] != expected { break }
        }
        // Numbers probing a text index read its strings as numbers.
        let numeric = KeyIndex(column: textColumn("id", (0..<n).map { String($0 * 3) }))
        let hits = numeric.lookup(intColumn("p", [0, 3, 5, Int64(3 * (n - 1))]), selection: nil)
        #expect(hits == [0, 1, -1, Int32(n - 1)])
    }
}
