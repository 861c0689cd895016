import FunnelAnalytics
import FunnelEngine

/// `inbound by source confidence`: a funnel's breakdown with each step rate's Wilson interval,
/// and the groups whose rate differs from the rest of the rows beyond chance — so that "social
/// converts worse" is a finding, not noise on forty leads.
extension Interpreter {
    func breakdownConfidence(_ base: Expr, level: Double, session: Session, baseDirectory: String) throws(Diagnostic) -> ResultTable {
        var breakdown = base
        if case .attributed(let inner, _) = base.kind { breakdown = inner }
        // A funnel's name, or its name with a filter: looked up, not evaluated (the breakdown below evaluates it).
        let funnelName: String? = switch breakdown.kind {
        case .groupBy(let f, _): if case .name(let n) = f.kind { n } else if case .filter(let b?, _) = f.kind, case .name(let n) = b.kind { n } else { nil }
        default: nil
        }
        guard case .groupBy(_, let keys) = breakdown.kind, let funnelName, session.funnels[funnelName] != nil else {
            // An unknown name is said as such, before what confidence follows.
            _ = try evaluate(base, session: session, baseDirectory: baseDirectory)
            throw Diagnostic.error("`confidence` follows a funnel's breakdown: inbound by source confidence", at: base.range)
        }
        guard case .result(let result) = try evaluate(base, session: session, baseDirectory: baseDirectory) else {
            throw Diagnostic.error("`confidence` follows a funnel's breakdown: inbound by source confidence", at: base.range)
        }
        return Self.withConfidence(result, keyCount: keys.count, level: level)
    }

    /// Each step rate ("mqls/leads") followed by its interval, and a last column naming the steps
    /// where the group's rate differs from the rest's: a two-proportion z-test whose p-value is
    /// below 1 − level divided by the number of tests made (Bonferroni: with eight sources and
    /// five steps, forty chances of a false finding are accounted for).
    static func withConfidence(_ result: ResultTable, keyCount: Int, level: Double) -> ResultTable {
        let table = result.table
        func format(_ c: Int) -> DisplayFormat? { c < result.formats.count ? result.formats[c] : nil }
        // A step: its rate column, and the column counting the rows that could take it.
        let steps: [(rate: Int, from: Int)] = result.rateColumns.compactMap { rate in
            guard rate.rate >= keyCount, format(rate.rate) == .percent, format(rate.denominator) == .number else { return nil }
            return (rate.rate, rate.denominator)
        }
        let rows = table.rowCount
        // Per step and group: successes and trials (the rate times its denominator is the
        // numerator it was computed from, joint counts of optional stages included).
        func trials(_ step: (rate: Int, from: Int), _ r: Int) -> (x: Int, n: Int)? {
            guard let n = table.columns[step.from].value(at: r).number, n > 0, let rate = table.columns[step.rate].value(at: r).number else { return nil }
            return (Int((rate * n).rounded()), Int(n))
        }
        let z = RateConfidence.z(forLevel: level)
        var tests = 0
        // Per group and step: the test's p-value, and whether the group's rate is below the rest's.
        var tested: [[(p: Double, below: Bool)?]] = Array(repeating: Array(repeating: nil, count: steps.count), count: rows)
        for (s, step) in steps.enumerated() {
            var total = (x: 0, n: 0)
            for r in 0..<rows { if let t = trials(step, r) { total.x += t.x; total.n += t.n } }
            for r in 0..<rows {
                guard let t = trials(step, r) else { continue }
                let rest = (x: total.x - t.x, n: total.n - t.n)
                guard let p = RateConfidence.differencePValue(t.x, t.n, rest.x, rest.n) else { continue }
                tested[r][s] = (p, Double(t.x) / Double(t.n) < Double(rest.x) / Double(rest.n))
                tests += 1
            }
        }
        let alpha = (1 - level) / Double(max(tests, 1))
        // "95%" rather than "95.0%"; "99.9%" as it is.
        let written = ValueFormatter.format(.decimal(level), as: .percent)
        let percent = written.hasSuffix(".0%") ? String(written.dropLast(3)) + "%" : written
        var columns: [Column] = []
        var formats: [DisplayFormat?] = []
        var names: [String] = []
        for c in 0..<table.columns.count {
            columns.append(table.columns[c])
            formats.append(format(c))
            names.append(table.columns[c].name)
            guard let s = steps.firstIndex(where: { $0.rate == c }) else { continue }
            let intervals: [Value] = (0..<rows).map { r in
                guard let t = trials(steps[s], r), let (low, high) = RateConfidence.wilson(t.x, t.n, z: z) else { return .null }
                return .text(ValueFormatter.format(.decimal(low), as: .percent).dropLast() + "–" + ValueFormatter.format(.decimal(high), as: .percent))
            }
            names.append("\(table.columns[c].name) \(percent) CI")
            columns.append(ColumnBuilder.column(from: intervals, name: names[names.count - 1]))
            formats.append(nil)
        }
        let findings: [Value] = (0..<rows).map { r in
            let said = steps.indices.compactMap { s -> String? in
                guard let test = tested[r][s], test.p < alpha else { return nil }
                return "\(table.columns[steps[s].rate].name) \(test.below ? "below" : "above") the rest"
            }
            return said.isEmpty ? .null : .text(said.joined(separator: "; "))
        }
        // The finding goes first after the keys: it is what a reader looks for.
        names.insert("differs from the rest", at: keyCount)
        columns.insert(ColumnBuilder.column(from: findings, name: "differs from the rest"), at: keyCount)
        formats.insert(nil, at: keyCount)
        var out = ResultTable(title: result.title.map { "\($0), \(percent) confidence" }, table: Table(name: table.name, columns: columns, rowCount: rows),
                              formats: formats, footnotes: result.footnotes)
        out.rates = result.rates
        out.verdicts = result.verdicts.union(["differs from the rest"])
        out.footnotes.append("\(percent) CI: the Wilson interval of each step rate; differs from the rest: a two-proportion z-test of the group "
            + "against all other rows, p below \(ValueFormatter.format(.decimal(alpha), as: .percent)) (\(ValueFormatter.format(.decimal(1 - level), as: .percent)) "
            + "shared by \(CountText.of(tests, "test")), Bonferroni)")
        return out
    }
}
