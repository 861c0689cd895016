import FunnelEngine

/// Small tables the renderer tests share.
enum Fixtures {
    static func text(_ name: String, _ values: [String?]) -> Column {
        var dictionary: [String] = []
        var codes: [Int32] = []
        for value in values {
            if let value, let code = dictionary.firstIndex(of: value) {
                codes.append(Int32(code))
            } else if let value {
                codes.append(Int32(dictionary.count))
                dictionary.append(value)
            } else {
                codes.append(0)
            }
        }
        return Column(name: name, storage: .text(codes: TextCodes(codes), dictionary: TextDictionary(dictionary)), validity: validity(values))
    }

    static func integer(_ name: String, _ values: [Int64?]) -> Column {
        Column(name: name, storage: .integer(.narrowest(values.map { $0 ?? 0 })), validity: validity(values))
    }

    static func decimal(_ name: String, _ values: [Double?]) -> Column {
        Column(name: name, storage: .decimal(values.map { $0 ?? 0 }), validity: validity(values))
    }

    static func date(_ name: String, _ values: [String?]) -> Column {
        let days = values.map { value -> Int32 in
            guard let value else { return 0 }
            let parts = value.split(separator: "-").map { Int($0)! }
            return Int32(CivilDate.days(year: parts[0], month: parts[1], day: parts[2]))
        }
        return Column(name: name, storage: .date(days), validity: validity(values))
    }

    static func validity<T>(_ values: [T?]) -> Validity? {
        values.contains { $0 == nil } ? Validity(values.map { $0 != nil }) : nil
    }

    /// Four sources with every kind of cell: text (accented, wide), integer, percent, money, date, nulls.
    static var sources: ResultTable {
        let table = Table(name: "by_source", columns: [
            text("source", ["paid_search", nil, "Société", "東京"]),
            integer("leads", [1204, 17, 0, -5]),
            decimal("mql %", [0.1234, nil, 1, 0.0005]),
            decimal("spend", [1234.5, 0, nil, -1_234_567.891]),
            date("first", ["2025-07-01", nil, "2024-12-31", "2000-02-29"]),
            decimal("ratio", [0.25, 1234.5, nil, 2.0 / 3.0]),
        ])
        return ResultTable(title: "Leads by source", table: table,
                           formats: [nil, .number, .percent, .money, nil, nil],
                           footnotes: ["1 row with an empty source"])
    }
}
