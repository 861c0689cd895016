public enum DatePart: String, Sendable { case year, quarter, month, week, day, dayOfWeek }
public enum DateUnit: String, Sendable, CaseIterable { case day, week, month, quarter, year }

/// Calendar kernels over date and timestamp columns (proleptic Gregorian, no time zones).
/// Results are table-length columns named like the input; rows outside the selection and null
/// inputs are null. A timestamp belongs to the day it falls in (times before 1970 round to the past).
public enum DateKernels {
    /// Integer part of each date/timestamp (ISO week number for .week, ISO weekday 1=Mon for .dayOfWeek).
    /// Non-temporal column → all null.
    public static func part(_ part: DatePart, of column: Column, selection: Selection?) -> Column {
        let (out, validity) = mapDays(column, selection: selection, zero: Int64(0)) { days in
            partValue(part, days: days)
        }
        return Column(name: column.name, storage: .integer(.int64(out)), validity: validity)
    }

    /// Truncate to the start of the unit (weeks start Monday); result is a date column.
    /// A start that falls outside the date range (±5.8 million years) is null.
    public static func truncate(_ column: Column, to unit: DateUnit, selection: Selection?) -> Column {
        let (out, validity) = mapDays(column, selection: selection, zero: Int32(0)) { days in
            Int32(exactly: truncateDays(days, to: unit))
        }
        return Column(name: column.name, storage: .date(out), validity: validity)
    }

    /// The ISO 8601 week-numbering year and week (1...53) of a day.
    public static func isoWeek(days: Int) -> (year: Int, week: Int) {
        // The ISO week belongs to the year of its Thursday.
        let thursday = days - CivilDate.isoWeekday(days: days) + 4
        let year = CivilDate.civil(fromDays: thursday).year
        let dayOfYear = thursday - CivilDate.days(year: year, month: 1, day: 1)
        return (year, dayOfYear / 7 + 1)
    }

    /// Applies `f` to the day of every selected non-null row of a date or timestamp column.
    /// Rows that are unselected, null, or where `f` gives nil are null in the result.
    private static func mapDays<T>(_ column: Column, selection: Selection?, zero: T,
                                   _ f: (Int) -> T?) -> (values: [T], validity: Validity) {
        let n = clampedRowCount(column.count)
        let source = column.validity
        let limit = min(n, source?.count ?? Int.max)
        switch column.storage {
        case .date(let v):
            return v.withUnsafeBufferPointer { vp in
                mapDays(n: n, limit: limit, selection: selection, source: source, zero: zero, f) { Int(vp[$0]) }
            }
        case .timestamp(let v):
            return v.withReader { reader in
                guard let reader else { return ([T](repeating: zero, count: n), Validity(count: n, allValid: false)) }
                return mapDays(n: n, limit: min(limit, v.count), selection: selection, source: source, zero: zero, f) {
                    Int(floorDays(seconds: reader[$0]))
                }
            }
        default:
            return ([T](repeating: zero, count: n), Validity(count: n, allValid: false))
        }
    }

    /// Calendar arithmetic costs tens of nanoseconds a row; real columns span few distinct days,
    /// so when the span is small next to the row count the function is tabulated per day first.
    @inline(__always)
    private static func mapDays<T>(n: Int, limit: Int, selection: Selection?, source: Validity?, zero: T,
                                   _ f: (Int) -> T?, _ dayOf: (Int) -> Int) -> (values: [T], validity: Validity) {
        var out = [T](repeating: zero, count: n)
        var validity = Validity(count: n, allValid: false)
        var lo = Int.max
        var hi = Int.min
        var count = 0
        forEachRow(selection, below: limit) { r in
            if let source, !source.isValid(r) { return }
            let d = dayOf(r)
            if d < lo { lo = d }
            if d > hi { hi = d }
            count += 1
        }
        if count == 0 { return (out, validity) }
        let span = hi - lo  // days fit in ±1.1e14, so no overflow
        out.withUnsafeMutableBufferPointer { op in
            if span < max(64, count / 4) {
                let table = (lo...hi).map(f)
                table.withUnsafeBufferPointer { tp in
                    forEachRow(selection, below: limit) { r in
                        if let source, !source.isValid(r) { return }
                        let i = dayOf(r) - lo
                        guard i >= 0 && i < tp.count, let value = tp[i] else { return }
                        op[r] = value
                        validity.set(r)
                    }
                }
            } else {
                forEachRow(selection, below: limit) { r in
                    if let source, !source.isValid(r) { return }
                    guard let value = f(dayOf(r)) else { return }
                    op[r] = value
                    validity.set(r)
                }
            }
        }
        return (out, validity)
    }

    @inline(__always)
    static func partValue(_ part: DatePart, days: Int) -> Int64 {
        switch part {
        case .year: return Int64(CivilDate.civil(fromDays: days).year)
        case .quarter: return Int64((CivilDate.civil(fromDays: days).month - 1) / 3 + 1)
        case .month: return Int64(CivilDate.civil(fromDays: days).month)
        case .day: return Int64(CivilDate.civil(fromDays: days).day)
        case .week: return Int64(isoWeek(days: days).week)
        case .dayOfWeek: return Int64(CivilDate.isoWeekday(days: days))
        }
    }

    @inline(__always)
    static func truncateDays(_ days: Int, to unit: DateUnit) -> Int {
        switch unit {
        case .day:
            return days
        case .week:
            return days - (CivilDate.isoWeekday(days: days) - 1)
        case .month:
            let c = CivilDate.civil(fromDays: days)
            return CivilDate.days(year: c.year, month: c.month, day: 1)
        case .quarter:
            let c = CivilDate.civil(fromDays: days)
            return CivilDate.days(year: c.year, month: (c.month - 1) / 3 * 3 + 1, day: 1)
        case .year:
            return CivilDate.days(year: CivilDate.civil(fromDays: days).year, month: 1, day: 1)
        }
    }
}
