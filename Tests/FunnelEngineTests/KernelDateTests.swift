import Testing
@testable import FunnelEngine

@Suite("Kernel: date parts and truncation")
struct KernelDateTests {
    func parts(_ p: DatePart, _ c: Column, selection: Selection? = nil) -> [Value] {
        values(DateKernels.part(p, of: c, selection: selection))
    }

    @Test func isoWeekAcrossYearBoundaries() {
        let d = dateColumn("d", ["2024-12-30", "2021-01-03", "2021-01-04", "2020-12-31", "2026-01-01", "2027-01-01", nil])
        #expect(parts(.week, d) == [.integer(1), .integer(53), .integer(1), .integer(53), .integer(1), .integer(53), .null])
        #expect(DateKernels.isoWeek(days: Int(day("2024-12-30"))) == (2025, 1))
        #expect(DateKernels.isoWeek(days: Int(day("2021-01-03"))) == (2020, 53))
        #expect(parts(.dayOfWeek, d) == [.integer(1), .integer(7), .integer(1), .integer(4), .integer(4), .integer(5), .null])
    }

    @Test func yearQuarterMonthDay() {
        let d = dateColumn("d", ["2025-02-28", "2024-12-31", "1969-07-20", "1900-03-01", nil])
        #expect(parts(.year, d) == [.integer(2025), .integer(2024), .integer(1969), .integer(1900), .null])
        #expect(parts(.quarter, d) == [.integer(1), .integer(4), .integer(3), .integer(1), .null])
        #expect(parts(.month, d) == [.integer(2), .integer(12), .integer(7), .integer(3), .null])
        #expect(parts(.day, d) == [.integer(28), .integer(31), .integer(20), .integer(1), .null])
        #expect(parts(.quarter, d, selection: [1, 2]) == [.null, .integer(4), .integer(3), .null, .null])
    }

    @Test func timestampsIncludingBefore1970() {
        let t = timestampColumn("t", ["1969-12-31 23:59:59", "2025-04-01 00:00:00", "1960-01-04 12:00:00", nil])
        #expect(parts(.year, t) == [.integer(1969), .integer(2025), .integer(1960), .null])
        #expect(parts(.day, t) == [.integer(31), .integer(1), .integer(4), .null])
        #expect(parts(.quarter, t) == [.integer(4), .integer(2), .integer(1), .null])
        #expect(parts(.dayOfWeek, t) == [.integer(3), .integer(2), .integer(1), .null])
        let truncated = DateKernels.truncate(t, to: .day, selection: nil)
        #expect(truncated.type == .date)
        #expect(values(truncated) == [.date(day("1969-12-31")), .date(day("2025-04-01")), .date(day("1960-01-04")), .null])
        #expect(values(DateKernels.truncate(t, to: .month, selection: nil))
            == [.date(day("1969-12-01")), .date(day("2025-04-01")), .date(day("1960-01-01")), .null])
        // 1969-12-31 was a Wednesday, 2025-04-01 a Tuesday, 1960-01-04 a Monday.
        #expect(values(DateKernels.truncate(t, to: .week, selection: nil))
            == [.date(day("1969-12-29")), .date(day("2025-03-31")), .date(day("1960-01-04")), .null])
        #expect(values(DateKernels.truncate(t, to: .quarter, selection: nil))
            == [.date(day("1969-10-01")), .date(day("2025-04-01")), .date(day("1960-01-01")), .null])
        #expect(values(DateKernels.truncate(t, to: .year, selection: nil))
            == [.date(day("1969-01-01")), .date(day("2025-01-01")), .date(day("1960-01-01")), .null])
        #expect(parts(.week, t) == [.integer(1), .integer(14), .integer(1), .null])
    }

    @Test func manyRowsUseTheDayTableAndAgreeWithDirectComputation() {
        // 40,000 rows over 400 days (tabulated path) and over 400,000 days (direct path).
        for spread in [400, 400_000] {
            let days = (0..<40_000).map { Int32(-200_000 + ($0 * 7919) % spread) }
            let column = Column(name: "d", storage: .date(days))
            for p in [DatePart.year, .quarter, .month, .week, .day, .dayOfWeek] {
                let got = DateKernels.part(p, of: column, selection: nil)
                let ok = days.indices.allSatisfy { got.value(at: $0) == .integer(DateKernels.partValue(p, days: Int(days[$0]))) }
                #expect(ok, "\(p) spread \(spread)")
            }
            let weeks = DateKernels.truncate(column, to: .week, selection: nil)
            #expect(days.indices.allSatisfy { i in
                if case .date(let w) = weeks.value(at: i) {
                    return CivilDate.isoWeekday(days: Int(w)) == 1 && w <= days[i] && days[i] - w < 7
                }
                return false
            })
        }
    }

    @Test func truncateDates() {
        let d = dateColumn("d", ["2025-01-01", "2024-12-29", "2025-08-17", "1969-12-31", "1900-01-01", nil])
        func trunc(_ u: DateUnit) -> [Value] { values(DateKernels.truncate(d, to: u, selection: nil)) }
        // Weeks start on Monday: 2025-01-01 is a Wednesday, 2024-12-29 a Sunday, 1969-12-31 a Wednesday.
        #expect(trunc(.week) == ["2024-12-30", "2024-12-23", "2025-08-11", "1969-12-29", "1900-01-01"].map { .date(day($0)) } + [.null])
        #expect(trunc(.month) == ["2025-01-01", "2024-12-01", "2025-08-01", "1969-12-01", "1900-01-01"].map { .date(day($0)) } + [.null])
        #expect(trunc(.quarter) == ["2025-01-01", "2024-10-01", "2025-07-01", "1969-10-01", "1900-01-01"].map { .date(day($0)) } + [.null])
        #expect(trunc(.year) == ["2025-01-01", "2024-01-01", "2025-01-01", "1969-01-01", "1900-01-01"].map { .date(day($0)) } + [.null])
        #expect(trunc(.day) == values(d))
        let selected = values(DateKernels.truncate(d, to: .year, selection: [2]))
        #expect(selected == [.null, .null, .date(day("2025-01-01")), .null, .null, .null])
    }

    @Test func nonTemporalAndExtremeInputs() {
        let n = DateKernels.part(.year, of: intColumn("x", [1, 2]), selection: nil)
        #expect(values(n) == [.null, .null])
        #expect(n.type == .integer)
        let t = DateKernels.truncate(textColumn("x", ["2025-01-01"]), to: .month, selection: nil)
        #expect(t.type == .date)
        #expect(values(t) == [.null])
        // Extreme timestamps neither trap nor produce out-of-range dates.
        let extreme = Column(name: "t", storage: .timestamp([Int64.min, Int64.max, 0]))
        #expect(values(DateKernels.truncate(extreme, to: .week, selection: nil))[2] == .date(day("1969-12-29")))
        #expect(values(DateKernels.truncate(extreme, to: .year, selection: nil)).prefix(2) == [.null, .null])
        _ = DateKernels.part(.week, of: extreme, selection: nil)
        let extremeDates = Column(name: "d", storage: .date([Int32.min, Int32.max]))
        #expect(values(DateKernels.truncate(extremeDates, to: .week, selection: nil))[0] == .null)
        _ = DateKernels.part(.week, of: extremeDates, selection: [0, 1, 7])
    }
}
