public enum DatePart: String, Sendable { case year, quarter, month, week, day, dayOfWeek }
public enum DateUnit: String, Sendable { case day, week, month, quarter, year }

/// Calendar kernels over date and timestamp columns (proleptic Gregorian, no time zones).
/// Results are table-length columns named like the input; rows outside the selection and null
/// inputs are null. A timestamp belongs to the day it falls in (times before 1970 round to the past).
public enum DateKernels {
    /// Integer part of each date/timestamp (ISO week number for .week, ISO weekday 1=Mon for .dayOfWeek).
    /// Non-temporal column → all null.
    public static func part(_ part: DatePart, of column: Column, selection: Selection?) -> Column {
        let n = clampedRowCount(column.count)
        var out = [Int64](repeating: 0, count: n)
        let validity = mapDays(column, selection: selection, count: n) { r, days in
            out[r] = partValue(part, days: days)
            return true
        }
        return Column(name: column.name, storage: .integer(out), validity: validity)
    }

    /// Truncate to the start of the unit (weeks start Monday); result is a date column.
    /// A start that falls outside the date range (±5.8 million years) is null.
    public static func truncate(_ column: Column, to unit: DateUnit, selection: Selection?) -> Column {
        let n = clampedRowCount(column.count)
        var out = [Int32](repeating: 0, count: n)
        let validity = mapDays(column, selection: selection, count: n) { r, days in
            guard let start = Int32(exactly: truncateDays(days, to: unit)) else { return false }
            out[r] = start
            return true
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

    /// Calls `body(row, days)` for every selected non-null row of a date or timestamp column and
    /// returns the validity of the result: set where `body` returned true.
    private static func mapDays(_ column: Column, selection: Selection?, count n: Int,
                                _ body: (Int, Int) -> Bool) -> Validity {
        var validity = Validity(count: n, allValid: false)
        let source = column.validity
        let limit = min(n, source?.count ?? Int.max)
        switch column.storage {
        case .date(let v):
            v.withUnsafeBufferPointer { vp in
                forEachRow(selection, below: min(limit, vp.count)) { r in
                    if let source, !source.isValid(r) { return }
                    if body(r, Int(vp[r])) { validity.set(r) }
                }
            }
        case .timestamp(let v):
            v.withUnsafeBufferPointer { vp in
                forEachRow(selection, below: min(limit, vp.count)) { r in
                    if let source, !source.isValid(r) { return }
                    if body(r, Int(floorDays(seconds: vp[r]))) { validity.set(r) }
                }
            }
        default:
            break
        }
        return validity
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
