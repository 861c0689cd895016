import FunnelEngine

extension FunnelTables {
    /// How `F by key` groups the funnel's rows: by one period, each stage in the period its own
    /// time falls in; or by keys, each row in its group.
    public enum BreakdownGroups {
        case period(DateUnit)
        case groups(Grouping)
        /// Counted already (by a database): per key tuple (a period as its first day), each row
        /// stage's count then each joint step's, as `Reach.appendingJointStages` orders them.
        case counted([[Value]: [Int]], period: DateUnit?)
    }

    /// `F by key`: one row per value of the key, counts and step rates, the worst step named.
    /// `countStageValues`: per count-only stage, its value by key (a period key as the period's
    /// first day); `overall`: the funnel's totals, to name each group's worst step against.
    /// `running`: with a period, each period's counts are the totals from the first period
    /// through it (rates between those totals).
    public static func breakdown(_ funnel: EvaluatedFunnel, keyNames: [String], groups: BreakdownGroups, countStageValues: [[[Value]: Value]],
                                 overall: FunnelCounts, asOf asOfDay: Int32, running: Bool = false) -> ResultTable {
        var rowCounts: [[Value]: [Int]] = [:]
        var notes: [String] = []
        // Steps out of optional stages are counted as extra stages (rows in both), then split off.
        let steps = funnel.stepsFromOptionalStages
        let (reach, times) = funnel.reach.appendingJointStages(steps, times: funnel.times)
        var period: DateUnit? = nil
        switch groups {
        case .period(let unit):
            period = unit
            // Each stage counts in the period its own time falls in.
            let byPeriod = FunnelGrouping.countsByPeriod(reach, times: times, unit: unit)
            for (start, counts) in byPeriod { rowCounts[[.date(Int32(start))]] = counts }
            if let first = byPeriod.keys.min(), let last = byPeriod.keys.max() {
                for start in Periods.range(from: first, through: last, unit: unit) where rowCounts[[.date(Int32(start))]] == nil {
                    rowCounts[[.date(Int32(start))]] = [Int](repeating: 0, count: reach.stageCount)
                }
            }
            if funnel.times.contains(where: { $0 == nil }) {
                notes.append("stages without `at` are counted in no period")
            }
        case .groups(let grouping):
            let counts = FunnelGrouping.counts(reach, grouping: grouping)
            for g in 0..<grouping.groupCount { rowCounts[grouping.keys.map { $0.value(at: g) }] = counts[g] }
        case .counted(let counted, let unit):
            rowCounts = counted
            period = unit
            if let unit {
                let starts = counted.keys.compactMap { key -> Int? in if case .date(let d)? = key.first { return Int(d) } else { return nil } }
                if let first = starts.min(), let last = starts.max() {
                    for start in Periods.range(from: first, through: last, unit: unit) where rowCounts[[.date(Int32(start))]] == nil {
                        rowCounts[[.date(Int32(start))]] = [Int](repeating: 0, count: reach.stageCount)
                    }
                }
                if funnel.times.contains(where: { $0 == nil }) {
                    notes.append("stages without `at` are counted in no period")
                }
            }
        }
        let keyTuples = Array(rowCounts.keys).sorted(by: KeyOrder.less)
        var countStageValues = countStageValues
        if running && period != nil {
            // Periods in order: each count becomes the sum through its period (joint counts too).
            var total: [Int] = []
            var totals = [Double](repeating: 0, count: countStageValues.count)
            for key in keyTuples {
                let counts = rowCounts[key] ?? []
                total = (0..<max(total.count, counts.count)).map { (($0 < total.count) ? total[$0] : 0) + (($0 < counts.count) ? counts[$0] : 0) }
                rowCounts[key] = total
                for i in countStageValues.indices {
                    totals[i] += countStageValues[i][key]?.number ?? 0
                    countStageValues[i][key] = .decimal(totals[i])
                }
            }
            notes.insert("running: each count from the first \(period?.rawValue ?? "period") through this one, and the rates between those totals", at: 0)
        }
        let stageNames = funnel.stageNames
        var rows: [[Value]] = []
        let entryStage = funnel.countStageNames.count
        let today = Int(asOfDay)
        var outnumbered = false, afterToday: [String] = [], unfinished: [String] = []
        for key in keyTuples {
            var counts: [Double] = countStageValues.map { $0[key]?.number ?? 0 }
            let rowStageCounts = rowCounts[key] ?? []
            counts += rowStageCounts.prefix(funnel.reach.stageCount).map(Double.init)
            let stageCounts = FunnelCounts(stages: stageNames, counts: counts, joint: funnel.jointCounts(rowStageCounts, steps: steps))
            var row: [Value] = period.map { [PeriodLabels.label(key[0], unit: $0)] } ?? key
            row += counts.map { .decimal($0) }
            // In a period view each stage counts in its own period, so a step's two counts are not
            // the same rows: a rate above 100% (more SQLs than MQLs in a quarter) is no conversion,
            // and a period with no entries or past the as-of date has no step to rank.
            var meaningful = true
            if let unit = period, case .date(let start) = key[0] {
                let label = TextForm.of(PeriodLabels.label(key[0], unit: unit))
                if Int(start) > today { afterToday.append(label); meaningful = false }
                else if Periods.next(Int(start), unit: unit) > today + 1 { unfinished.append(label) }
                if entryStage < counts.count, counts[entryStage] == 0 { meaningful = false }
            }
            for k in 1..<max(1, stageNames.count) {
                let rate = meaningful ? stageCounts.stepRate(k) : nil
                if period != nil, let r = rate, r > 1 { outnumbered = true; row.append(.null) } else { row.append(rate.map { .decimal($0) } ?? .null) }
            }
            let worst = meaningful ? stageCounts.worstStep(comparedWith: overall) : nil
            row.append(worst.map { .text("\(stageNames[$0 - 1])→\(stageNames[$0])") } ?? .null)
            rows.append(row)
        }
        if period != nil {
            notes.insert("each stage counts in the period its own time falls in, so a step rate compares two counts of one period, "
                + "not the same rows (`\(funnel.name) cohort by \(keyNames.first ?? "month")` follows rows from their entry)", at: 0)
            if outnumbered { notes.append("— where a period has more of a stage than of the stage before (no conversion rate)") }
            if let firstLate = afterToday.first, let lastLate = afterToday.last {
                let periods = afterToday.count == 1 ? firstLate : afterToday.count == 2 ? "\(firstLate), \(lastLate)" : "\(firstLate) to \(lastLate)"
                notes.append("\(periods): after the as-of date \(CivilDate.format(days: today)), "
                    + "stage times later than the data's date (no rates; --set today=YYYY-MM-DD to change)")
            }
            if !unfinished.isEmpty { notes.append("\(unfinished.joined(separator: ", ")): not over on \(CivilDate.format(days: today))") }
        }
        notes += funnel.countingNotes
        var names = keyNames + stageNames
        var formats: [DisplayFormat?] = Array(repeating: nil, count: keyNames.count) + Array(repeating: .number, count: stageNames.count)
        for k in 1..<max(1, stageNames.count) { names.append("\(stageNames[k])/\(stageNames[k - 1])"); formats.append(.percent) }
        names.append("worst step")
        formats.append(nil)
        var result = ResultTable(title: "\(funnel.name) by \(keyNames.joined(separator: ", "))\(running && period != nil ? ", running" : "")", table: ResultRows.table(rows, names: names), formats: formats, footnotes: notes)
        result.chart = period != nil ? .series : .breakdown
        result.verdicts = ["worst step"]
        result.rates = (1..<max(1, stageNames.count)).map { k in
            RateColumn(column: "\(stageNames[k])/\(stageNames[k - 1])", numerator: stageNames[k], denominator: stageNames[k - 1])
        }
        return result
    }
}
