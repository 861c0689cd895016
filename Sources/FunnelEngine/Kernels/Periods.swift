/// Calendar periods as the first day of each.
public enum Periods {
    public static func start(ofDay day: Int, unit: DateUnit) -> Int {
        switch unit {
        case .day: return day
        case .week: return day - (CivilDate.isoWeekday(days: day) - 1)
        case .month, .quarter, .year:
            let (y, m, _) = CivilDate.civil(fromDays: day)
            let month = unit == .month ? m : unit == .quarter ? ((m - 1) / 3) * 3 + 1 : 1
            return CivilDate.days(year: y, month: month, day: 1)
        }
    }

    public static func next(_ day: Int, unit: DateUnit) -> Int {
        switch unit {
        case .day: return day + 1
        case .week: return day + 7
        case .month, .quarter, .year:
            let (y, m, _) = CivilDate.civil(fromDays: day)
            let step = unit == .month ? 1 : unit == .quarter ? 3 : 12
            let total = y * 12 + (m - 1) + step
            return CivilDate.days(year: total / 12, month: total % 12 + 1, day: 1)
        }
    }

    /// Every period from the first to the last, so that empty ones show.
    public static func range(from first: Int, through last: Int, unit: DateUnit) -> [Int] {
        var out: [Int] = []
        var d = first
        while d <= last && out.count < 100_000 {
            out.append(d)
            d = next(d, unit: unit)
        }
        return out
    }
}
