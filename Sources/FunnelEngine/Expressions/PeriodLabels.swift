/// Orders key tuples: per component, nulls last, numbers and dates by value, text by string.
public enum KeyOrder {
    public static func less(_ a: [Value], _ b: [Value]) -> Bool {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }

    public static func compare(_ x: Value, _ y: Value) -> Int {
        switch (x.isNull, y.isNull) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: break
        }
        if let a = x.number, let b = y.number { return a < b ? -1 : a > b ? 1 : 0 }
        if let a = VectorOps.scalarSeconds(x), let b = VectorOps.scalarSeconds(y) { return a < b ? -1 : a > b ? 1 : 0 }
        let a = TextForm.of(x), b = TextForm.of(y)
        return a < b ? -1 : a > b ? 1 : 0
    }
}

/// Period keys: labels analysts read (2025-07, 2025-Q3, 2025-W27) and the empty periods between.
public enum PeriodLabels {
    public static func label(_ value: Value, unit: DateUnit) -> Value {
        guard case .date(let d) = value else { return value }
        let (y, m, _) = CivilDate.civil(fromDays: Int(d))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        switch unit {
        case .day: return .text(CivilDate.format(days: Int(d)))
        case .month: return .text("\(y)-\(two(m))")
        case .quarter: return .text("\(y)-Q\((m - 1) / 3 + 1)")
        case .year: return .text("\(y)")
        case .week:
            // ISO week of the Monday that starts it: the Thursday of that week decides the year.
            let thursday = Int(d) + 3
            let (ty, _, _) = CivilDate.civil(fromDays: thursday)
            let week = (thursday - CivilDate.days(year: ty, month: 1, day: 1)) / 7 + 1
            return .text("\(ty)-W\(two(week))")
        }
    }

    /// Adds the missing periods between the first and the last, so empty months show as rows; with
    /// other keys too, every period for each combination of the other keys that occurs.
    public static func fillGaps(_ keys: [[Value]], periodIndex: Int, unit: DateUnit) -> [[Value]] {
        let days = keys.compactMap { key -> Int? in
            if periodIndex < key.count, case .date(let d) = key[periodIndex] { return Int(d) } else { return nil }
        }
        guard let first = days.min(), let last = days.max(), last - first < 366 * 200 else { return keys }
        let periods = Periods.range(from: first, through: last, unit: unit)
        var others = Set<[Value]>()
        for key in keys where periodIndex < key.count {
            var rest = key
            rest.remove(at: periodIndex)
            others.insert(rest)
        }
        guard periods.count * max(1, others.count) <= 1_000_000 else { return keys }
        var present = Set(keys)
        for rest in others {
            for p in periods {
                var key = rest
                key.insert(.date(Int32(p)), at: periodIndex)
                present.insert(key)
            }
        }
        return Array(present)
    }
}
