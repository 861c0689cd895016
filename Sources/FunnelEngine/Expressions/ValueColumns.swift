/// Builds a typed column from scalar values (slow path: small results and rare functions).
public enum ColumnBuilder {
    /// `emptyAs`: the column's type when no value says one (all null).
    public static func column(from values: [Value], selection: Selection? = nil, rowCount: Int? = nil, name: String = "",
                              emptyAs: ColumnType = .text) -> Column {
        let n = rowCount ?? values.count
        var validity = Validity(count: n, allValid: false)
        var type: ColumnType? = nil
        for v in values {
            guard let t = v.type else { continue }
            if type == nil { type = t } else if type != t {
                if (type == .integer && t == .decimal) || (type == .decimal && t == .integer) { type = .decimal }
                else if (type == .date && t == .timestamp) || (type == .timestamp && t == .date) { type = .timestamp }
                else { type = .text }
            }
        }
        for (i, v) in values.enumerated() where !v.isNull && i < n { validity.set(i) }
        let storage: ColumnStorage
        switch type ?? emptyAs {
        case .integer: storage = .integer(.int64(values.map { if case .integer(let x) = $0 { return x } else { return 0 } }))
        case .decimal: storage = .decimal(values.map { $0.number ?? 0 })
        case .boolean: storage = .boolean(values.map { if case .boolean(let x) = $0 { return x } else { return false } })
        case .date: storage = .date(values.map { if case .date(let x) = $0 { return x } else { return 0 } })
        case .timestamp: storage = .timestamp(.int64(values.map { VectorOps.scalarSeconds($0) ?? 0 }))
        case .text:
            var dictionary = TextDictionary()
            var position: [String: Int32] = [:]
            let codes = values.map { v -> Int32 in
                let s: String
                switch v {
                case .null: return 0
                case .text(let t): s = t
                default: s = TextForm.of(v)
                }
                if let c = position[s] { return c }
                let c = Int32(dictionary.count)
                position[s] = c
                dictionary.append(s)
                return c
            }
            storage = .text(codes: TextCodes(codes), dictionary: dictionary.isEmpty ? [""] : dictionary)
        }
        return Column(name: name, storage: storage, validity: validity)
    }
}

/// The plain text form of a value, for keys and messages.
public enum TextForm {
    public static func of(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .integer(let x): return String(x)
        case .decimal(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return CivilDate.format(days: Int(d))
        case .timestamp(let s): return CivilDate.format(seconds: s)
        case .text(let s): return s
        }
    }
}

/// A calendar period written as text: "2025", "2025-Q3", "2025-07", "2025-W27", "2025-07-14".
public enum Period {
    public static func parse(_ text: String) -> (start: Int, end: Int)? {
        var t = text.uppercased()
        // 2025Q3 and 2025W27, as written in --set quarter=2025Q3, mean 2025-Q3 and 2025-W27.
        if t.count > 4, let fifth = t.dropFirst(4).first, fifth == "Q" || fifth == "W" {
            t = String(t.prefix(4)) + "-" + String(t.dropFirst(4))
        }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, first.count == 4, let year = Int(first) else { return nil }
        if parts.count == 1 { return (CivilDate.days(year: year, month: 1, day: 1), CivilDate.days(year: year + 1, month: 1, day: 1)) }
        let second = parts[1]
        if parts.count == 2, second.hasPrefix("Q"), let q = Int(second.dropFirst()), (1...4).contains(q) {
            let start = CivilDate.days(year: year, month: (q - 1) * 3 + 1, day: 1)
            return (start, Periods.next(start, unit: .quarter))
        }
        if parts.count == 2, second.hasPrefix("W"), let w = Int(second.dropFirst()), (1...53).contains(w) {
            // ISO week 1 is the week with the year's first Thursday.
            let jan4 = CivilDate.days(year: year, month: 1, day: 4)
            let monday = jan4 - (CivilDate.isoWeekday(days: jan4) - 1) + (w - 1) * 7
            return (monday, monday + 7)
        }
        if parts.count == 2, let m = Int(second), (1...12).contains(m) {
            let start = CivilDate.days(year: year, month: m, day: 1)
            return (start, Periods.next(start, unit: .month))
        }
        if parts.count == 3, let m = Int(second), let d = Int(parts[2]), CivilDate.isValid(year: year, month: m, day: d) {
            let start = CivilDate.days(year: year, month: m, day: d)
            return (start, start + 1)
        }
        return nil
    }
}
