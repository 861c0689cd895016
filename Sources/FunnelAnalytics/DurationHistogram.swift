import FunnelEngine

extension FunnelTables {
    /// The most bins a step gets; a wider spread ends in an open last bin ("60 days or more").
    static let histogramBins = 60

    /// `velocity F histogram [W days]`: per step (and end to end), how many of the rows that
    /// reached both stages took how long, in bins of W days (from ≤ days < to), with each bin's
    /// share of the step and a bar scaled to the step's fullest bin. Without W, each step gets
    /// the narrowest of 1, 2, 3, 7, 14, 30, 60, 90, 180 or 365 days that shows it in 12 bins.
    public static func durationHistogram(_ funnel: EvaluatedFunnel, steps: StepDurations, binDays: Double?) -> ResultTable {
        let names = funnel.rowStageNames
        let grouped = steps.grouped(nil, groupCount: 1)
        var entries: [(String, [Int64])] = []
        for k in 1..<max(1, names.count) where funnel.times[k] != nil {
            entries.append(("\(names[k - 1])→\(names[k])", grouped.steps(group: 0, stage: k)))
        }
        // End to end, unless it is the only step.
        if entries.count > 1 { entries.append(("\(names.first ?? "")→\(names.last ?? "") (end to end)", grouped.endToEnd(group: 0))) }
        var rows: [[Value]] = []
        var widths: [Double] = []
        var open = false
        for (label, seconds) in entries {
            let days = seconds.map { Double($0) / 86_400 }
            guard let longest = days.max() else {
                rows.append([.text(label), .null, .null, .integer(0), .null, .null])
                continue
            }
            let width = binDays ?? automaticWidth(longest)
            widths.append(width)
            let needed = Int(min(Double(histogramBins), (longest / width).rounded(.down) + 1))
            var counts = [Int](repeating: 0, count: max(1, needed))
            for d in days {
                let b = d / width
                counts[b >= Double(counts.count) ? counts.count - 1 : max(0, Int(b))] += 1
            }
            let overflow = longest / width >= Double(histogramBins)
            open = open || overflow
            let fullest = Double(counts.max() ?? 1)
            for (b, n) in counts.enumerated() {
                let last = b == counts.count - 1
                rows.append([.text(label), .decimal(Double(b) * width), last && overflow ? .null : .decimal(Double(b + 1) * width), .integer(Int64(n)),
                             .decimal(Double(n) / Double(days.count)), .decimal(Double(n) / fullest)])
            }
        }
        var notes = ["days from one stage to the next, for rows that reached both; a bin holds from ≤ days < to"]
        if binDays == nil, !widths.isEmpty {
            notes.append("bins of \(Set(widths).sorted().map { ValueFormatter.format(.decimal($0), as: .number) }.joined(separator: ", ")) days, chosen per step (`velocity \(funnel.name) histogram 7 days` sets a width)")
        }
        if open { notes.append("the last bin of a step takes every longer duration (to —): at most \(histogramBins) bins") }
        let result = ResultTable(title: "time to convert: \(funnel.name)", table: ResultRows.table(rows, names: ["step", "from (days)", "to (days)", "rows", "share", "distribution"]),
                                 formats: [nil, .number, .number, .number, .percent, .bar], footnotes: notes)
        return result
    }

    static func automaticWidth(_ longest: Double) -> Double {
        for width in [1.0, 2, 3, 7, 14, 30, 60, 90, 180, 365] where (longest / width).rounded(.down) + 1 <= 12 { return width }
        return 365
    }
}
