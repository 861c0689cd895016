import Testing
@testable import FunnelEngine

// Small builders for kernel tests: `nil` entries become nulls.

func validity<T>(_ values: [T?]) -> Validity? {
    values.contains { $0 == nil } ? Validity(values.map { $0 != nil }) : nil
}

func intColumn(_ name: String = "x", _ values: [Int64?]) -> Column {
    Column(name: name, storage: .integer(.narrowest(values.map { $0 ?? 0 })), validity: validity(values))
}

func decimalColumn(_ name: String = "x", _ values: [Double?]) -> Column {
    Column(name: name, storage: .decimal(values.map { $0 ?? 0 }), validity: validity(values))
}

func boolColumn(_ name: String = "x", _ values: [Bool?]) -> Column {
    Column(name: name, storage: .boolean(values.map { $0 ?? false }), validity: validity(values))
}

/// Text with a dictionary in first-seen order (deliberately not sorted).
func textColumn(_ name: String = "x", _ values: [String?]) -> Column {
    var dictionary: [String] = []
    var codeOf: [String: Int32] = [:]
    let codes = values.map { v -> Int32 in
        guard let v else { return 0 }
        if let c = codeOf[v] { return c }
        let c = Int32(dictionary.count)
        dictionary.append(v)
        codeOf[v] = c
        return c
    }
    return Column(name: name, storage: .text(codes: TextCodes(codes), dictionary: TextDictionary(dictionary)), validity: validity(values))
}

/// Days since 1970-01-01 of "yyyy-mm-dd" (year may be negative or have more digits).
func day(_ s: String) -> Int32 {
    let negative = s.hasPrefix("-")
    let parts = (negative ? String(s.dropFirst()) : s).split(separator: "-").map { Int($0)! }
    let year = negative ? -parts[0] : parts[0]
    return Int32(CivilDate.days(year: year, month: parts[1], day: parts[2]))
}

func dateColumn(_ name: String = "d", _ values: [String?]) -> Column {
    Column(name: name, storage: .date(values.map { $0.map(day) ?? 0 }), validity: validity(values))
}

/// Seconds of "yyyy-mm-dd hh:mm:ss".
func seconds(_ s: String) -> Int64 {
    let halves = s.split(separator: " ")
    let t = halves[1].split(separator: ":").map { Int64($0)! }
    return Int64(day(String(halves[0]))) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]
}

func timestampColumn(_ name: String = "t", _ values: [String?]) -> Column {
    Column(name: name, storage: .timestamp(.narrowest(values.map { $0.map(seconds) ?? 0 })), validity: validity(values))
}

/// Every value of a column, as scalars.
func values(_ column: Column) -> [Value] {
    (0..<column.count).map { column.value(at: $0) }
}

func approximately(_ value: Value, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
    guard case .decimal(let v) = value else { return false }
    return abs(v - expected) <= tolerance
}
