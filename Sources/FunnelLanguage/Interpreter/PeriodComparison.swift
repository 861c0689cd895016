import FunnelAnalytics
import FunnelEngine

/// `romi by quarter vs previous`, `inbound by month vs last year`: each period beside the one
/// before it (or the same period a year before), with the change.
enum PeriodComparison {
    case previous, lastYear

    /// The name `vs last year` is parsed to (a name no script can write).
    static let lastYearName = "last year"

    init?(_ name: String) {
        switch name {
        case "previous": self = .previous
        case Self.lastYearName: self = .lastYear
        default: return nil
        }
    }

    var columnName: String { self == .previous ? "previous" : "last year" }

    /// The first day of the period compared with the one starting on `start`.
    func earlier(_ start: Int, unit: DateUnit) -> Int {
        switch (self, unit) {
        case (.previous, .day): return start - 1
        case (.previous, .week): return start - 7
        case (.lastYear, .week):
            // The same ISO week number a year before (week 53 of a year without one: week 52).
            guard case .text(let label) = PeriodLabels.label(.date(Int32(start)), unit: .week),
                  let year = Int(label.prefix(4)), let week = Int(label.suffix(2)) else { return start - 364 }
            let wanted = "\(year - 1)-W\(week < 10 ? "0" : "")\(week)"
            guard let earlier = Period.parse(wanted)?.start else { return start - 364 }
            return PeriodLabels.label(.date(Int32(earlier)), unit: .week) == .text(wanted) ? earlier : earlier - 7
        default:
            let (y, m, d) = CivilDate.civil(fromDays: start)
            let months = self == .lastYear || unit == .year ? 12 : unit == .quarter ? 3 : unit == .month ? 1 : 12
            let total = y * 12 + (m - 1) - months
            let year = total / 12, month = total % 12 + 1
            // A day of a month the year before may not exist (29 February): its last day then.
            var day = d
            while day > 28 && !CivilDate.isValid(year: year, month: month, day: day) { day -= 1 }
            return CivilDate.days(year: year, month: month, day: day)
        }
    }
}

extension Interpreter {
    func periodComparison(_ base: Expr, _ comparison: PeriodComparison, session: Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) -> ResultTable {
        let example = "romi by quarter vs \(comparison == .previous ? "previous" : "last year")"
        guard case .groupBy(_, let keys) = base.kind else {
            throw Diagnostic.error("`vs \(comparison.columnName)` compares periods of a breakdown: \(example)", at: base.range)
        }
        let periods = keys.enumerated().compactMap { i, key -> (Int, DateUnit)? in
            guard case .name(let n) = key.kind, let unit = Aggregation.periodNames[n] else { return nil }
            return (i, unit)
        }
        guard let (periodKey, unit) = periods.first, periods.count == 1 else {
            throw Diagnostic.error("`vs \(comparison.columnName)` needs one period among the keys (by month, by quarter, by year…): \(example)", at: base.range,
                                   notes: periods.isEmpty ? ["the keys here are no period: nothing to compare with"] : ["two periods among the keys: keep one"])
        }
        guard case .result(let result) = try evaluate(base, session: session, baseDirectory: baseDirectory) else {
            throw Diagnostic.error("`vs \(comparison.columnName)` compares the rows of a breakdown", at: base.range)
        }
        return Self.compared(result, keyCount: keys.count, periodKey: periodKey, unit: unit, comparison)
    }

    /// The result with, per row and value, the earlier period's value, the change (in points
    /// for rates) and the change in percent of the earlier value. A funnel's breakdown goes long
    /// (one row per period and stage: its count, and the step rate into it); any other result
    /// keeps its rows, each value column followed by its comparison.
    static func compared(_ result: ResultTable, keyCount: Int, periodKey: Int, unit: DateUnit, _ comparison: PeriodComparison) -> ResultTable {
        let table = result.table
        func format(_ c: Int) -> DisplayFormat? { c < result.formats.count ? result.formats[c] : nil }
        let rateFormats: Set<DisplayFormat> = [.percent, .bar]
        let values = (keyCount..<table.columns.count).filter { c in
            table.columns[c].type.isNumeric && format(c) != .points
        }
        // The first day of each row's period, and the row of each (other keys, period).
        func start(_ r: Int) -> Int? {
            switch table.columns[periodKey].value(at: r) {
            case .date(let d): return Int(d)
            case .text(let label): return Period.parse(label)?.start
            default: return nil
            }
        }
        func otherKeys(_ r: Int) -> [Value] { (0..<keyCount).filter { $0 != periodKey }.map { table.columns[$0].value(at: r) } }
        var rowOf: [[Value]: Int] = [:]
        for r in 0..<table.rowCount {
            if let s = start(r) { rowOf[otherKeys(r) + [.integer(Int64(s))]] = r }
        }
        let earlierRow: [Int?] = (0..<table.rowCount).map { r in
            start(r).flatMap { rowOf[otherKeys(r) + [.integer(Int64(comparison.earlier($0, unit: unit)))]] }
        }
        /// A value, the earlier one, the change and the change in percent.
        func compare(_ c: Int, _ r: Int) -> [Value] {
            let now = table.columns[c].value(at: r)
            let before = earlierRow[r].map { table.columns[c].value(at: $0) } ?? .null
            guard let x = now.number, let y = before.number else { return [now, before, .null, .null] }
            return [now, before, .decimal(x - y), y != 0 ? .decimal((x - y) / abs(y)) : .null]
        }
        let keyNames = (0..<keyCount).map { table.columns[$0].name }
        let keyFormats = (0..<keyCount).map(format)
        let later = comparison.columnName
        var names: [String]
        var formats: [DisplayFormat?]
        var rows: [[Value]] = []
        // A funnel: stage counts, and the step rate into each stage.
        let counts = values.filter { !(format($0).map(rateFormats.contains) ?? false) }
        let countNames = Set(counts.map { table.columns[$0].name })
        let rates = values.filter { format($0).map(rateFormats.contains) ?? false }
        let rateInto: [String: Int] = Dictionary(result.rateColumns.compactMap { rate -> (String, Int)? in
            let into = table.columns[rate.numerator].name
            return rates.contains(rate.rate) && countNames.contains(into) ? (into, rate.rate) : nil
        }, uniquingKeysWith: { a, _ in a })
        if !rates.isEmpty, rateInto.count == rates.count, counts.count > 1 {
            names = keyNames + ["stage", "count", later, "change", "change %", "step rate", "\(later) rate", "rate change"]
            formats = keyFormats + [nil, .number, .number, .number, .percent, .percent, .percent, .points]
            for r in 0..<table.rowCount {
                let keys = (0..<keyCount).map { table.columns[$0].value(at: r) }
                for c in counts {
                    let stage = table.columns[c].name
                    let rate = rateInto[stage].map { compare($0, r) } ?? [.null, .null, .null, .null]
                    rows.append(keys + [.text(stage)] + compare(c, r) + Array(rate.prefix(3)))
                }
            }
        } else {
            names = keyNames
            formats = keyFormats
            let single = values.count == 1
            for c in values {
                let name = table.columns[c].name
                let f = format(c)
                names += [name, single ? later : "\(name) \(later)", single ? "change" : "\(name) change", single ? "change %" : "\(name) change %"]
                formats += [f, f, f.map { rateFormats.contains($0) ? .points : $0 }, .percent]
            }
            for r in 0..<table.rowCount {
                rows.append((0..<keyCount).map { table.columns[$0].value(at: r) } + values.flatMap { compare($0, r) })
            }
        }
        // Names must be unique: a value column called "change" keeps its place.
        for i in names.indices where names.firstIndex(of: names[i]) != i { names[i] += " (\(later))" }
        var out = ResultTable(title: result.title.map { "\($0) vs \(later)" }, table: ResultRows.table(rows, names: names), formats: formats,
                              footnotes: result.footnotes)
        let unitName = unit.rawValue
        let hasRates = values.contains { format($0).map(rateFormats.contains) ?? false }
        out.footnotes.append("\(later): the \(comparison == .previous ? "\(unitName) before" : "same \(unitName) a year before") each, — where that \(unitName) is not in the data; "
            + "change in \(hasRates ? "points for rates, " : "")the unit of the value")
        return out
    }
}
