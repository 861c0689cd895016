import FunnelAnalytics
import FunnelEngine
import FunnelRender

/// `explain` (what each clause of a rule or stage removes) and `what if` (a funnel with a rule
/// changed, beside the current one).
extension Interpreter {
    /// The clauses of a condition joined by `and`, with rules expanded into their own clauses.
    /// Each rule is expanded once: a rule met again adds clauses already listed, and `a and a`
    /// removes nothing more than `a` (rules built on the two before them would otherwise
    /// expand exponentially).
    func clauses(of condition: Expr, session: Session) -> [Expr] {
        var expanded: Set<String> = []
        var out: [Expr] = []
        func walk(_ e: Expr) {
            switch e.kind {
            case .binary(.and, let a, let b):
                walk(a)
                walk(b)
            case .name(let n):
                if let rule = session.rules[n] {
                    if expanded.insert(n).inserted { walk(rule.condition) }
                } else {
                    out.append(e)
                }
            default:
                out.append(e)
            }
        }
        walk(condition)
        return out
    }

    func explainRule(_ name: String, table tableName: String?, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        guard let rule = session.rules[name] else {
            throw Diagnostic.error("unknown rule '\(name)'", at: range, suggestion: Suggestion.nearest(to: name, in: session.ruleOrder + session.funnelOrder))
        }
        let view: TableValue
        if let tableName {
            guard let t = session.tables[tableName] else {
                throw Diagnostic.error("unknown table '\(tableName)'", at: range, suggestion: Suggestion.nearest(to: tableName, in: session.tableOrder))
            }
            view = t
        } else {
            // The table the rule is about: the one (loaded) table that has every column it names.
            let names = Set(Cycles.names(in: rule.condition)).union(clauses(of: rule.condition, session: session).flatMap { Cycles.names(in: $0) })
            let columnNames = names.filter { session.rules[$0] == nil && session.scalars[$0] == nil && session.kpis[$0] == nil }
            // Prefer tables that hold the columns themselves; then tables that reach them through links.
            let loaded = session.tableOrder.filter { session.tables[$0]?.sourceName == $0 }
            var candidates = loaded.filter { t in columnNames.allSatisfy { session.tables[t]?.table.hasColumn($0) == true } }
            if candidates.isEmpty {
                candidates = loaded.filter { t in
                    guard let table = session.tables[t] else { return false }
                    let evaluator = RowEvaluator(session: session, view: table, context: context)
                    return columnNames.allSatisfy { table.table.hasColumn($0) || evaluator.linkedColumn($0) != nil }
                }
            }
            guard candidates.count == 1, let only = candidates.first, let t = session.tables[only] else {
                throw Diagnostic.error(candidates.isEmpty ? "no table has all the columns rule '\(name)' uses" : "rule '\(name)' fits several tables: \(candidates.joined(separator: ", "))",
                                       at: range, notes: ["say which: explain \(name) on \(candidates.first ?? "leads")"])
            }
            view = t
        }
        return try explainClauses(clauses(of: rule.condition, session: session).map { (nil, $0) }, view: view, start: view.selection, title: "explain \(name) on \(view.sourceName)", session: session)
    }

    func explainStage(_ funnelName: String, stage: String, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        let definition = try funnel(named: funnelName, session: session, range: range)
        if let counted = try countedExplainStage(definition, stage: stage, session: session) { return counted }
        let evaluation = try evaluateFunnel(definition, session: session)
        guard let k = evaluation.rowStageIndex(stage), let stageSyntax = definition.syntax.stages.first(where: { $0.name == stage }) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(funnelName)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.stageNames))
        }
        var start = evaluation.view.selection
        var title = "explain \(funnelName).\(stage)"
        if k > 0 {
            // Rows that may enter this stage: they reached the one before, or it was optional and
            // they could have entered it.
            let previous = evaluation.funnel.rowsThatMayEnter(k) ?? []
            start = previous
            let skippable = evaluation.funnel.rowStages[k - 1].optional ? " (or could skip it)" : ""
            title += " (from the \(CountText.of(previous.count)) rows that reached \(evaluation.rowStageNames[k - 1])\(skippable))"
        }
        var table = try explainClauses(stageClauses(stageSyntax, session: session), view: evaluation.view, start: start, title: title, session: session)
        let reached = evaluation.reach.count(k)
        table.footnotes.append("\(CountText.of(reached)) rows reached \(stage) (rows whose \(stage) time is before the previous stage's, or outside the window, do not count)")
        return table
    }

    /// What a stage asks of a row, clause by clause: its time is there, then its condition's clauses.
    private func stageClauses(_ stageSyntax: StageSyntax, session: Session) -> [(label: String?, expr: Expr)] {
        var list: [(String?, Expr)] = []
        if let at = stageSyntax.at { list.append(("\(at) is not null", Expr(.isNull(Expr(.name(at), stageSyntax.range), negated: true), stageSyntax.range))) }
        if let condition = stageSyntax.condition { list += clauses(of: condition, session: session).map { (nil, $0) } }
        return list
    }

    /// The table `explain` prints from the rows it starts with and, per clause, the rows kept and
    /// those removed for an empty value.
    private func explainTable(_ clauses: [(label: String?, expr: Expr)], startCount: Int, counted: [(kept: Int, empty: Int)], title: String) -> ResultTable {
        var rows: [[Value]] = [[.text("(start)"), .decimal(Double(startCount)), .null, .null]]
        var before = startCount
        for (i, clause) in clauses.enumerated() where i < counted.count {
            let label = clause.label ?? Interpreter.shortLabel(clause.expr.range.file.slice(clause.expr.range))
            rows.append([.text(label), .decimal(Double(counted[i].kept)), .decimal(Double(before - counted[i].kept)), .decimal(Double(counted[i].empty))])
            before = counted[i].kept
        }
        return ResultTable(title: title, table: ResultRows.table(rows, names: ["clause", "kept", "removed", "removed (empty value)"]),
                           formats: [nil, .number, .number, .number])
    }

    /// `explain F.stage` counted by the backend: the rows that may enter the stage and what each
    /// clause keeps of them, with the funnel's counts; nil when it counts funnels from their rows.
    private func countedExplainStage(_ definition: FunnelDefinition, stage: String, session: Session) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil),
              let stageSyntax = definition.syntax.stages.first(where: { $0.name == stage && $0.count == nil }),
              let k = definition.syntax.stages.filter({ $0.count == nil }).firstIndex(where: { $0.name == stage }) else { return nil }
        let clauses = stageClauses(stageSyntax, session: session)
        var lowered: [PlanExpression] = []
        for clause in clauses {
            guard let expression = try? asked.evaluator.lower(clause.expr) else { return nil }
            lowered.append(expression)
        }
        var measures = [Measure(name: "entrants", function: .countRows)]
        measures += Self.clauseMeasures(lowered)
        let request = FunnelCountsRequest(grouping: .keys([]), measures: measures, measuresAmongEntrantsOf: k)
        guard let counts = try asked.counts(request, at: stageSyntax.range), let values = counts.measures.first else { return nil }
        func count(_ i: Int) -> Int { i < values.count ? Int(values[i].number ?? 0) : 0 }
        let entrants = count(0)
        var title = "explain \(definition.syntax.name).\(stage)"
        let rowStages = definition.syntax.stages.filter { $0.count == nil }
        if k > 0 {
            let skippable = rowStages[k - 1].optional ? " (or could skip it)" : ""
            title += " (from the \(CountText.of(entrants)) rows that reached \(rowStages[k - 1].name)\(skippable))"
        }
        var table = explainTable(clauses, startCount: entrants, counted: lowered.indices.map { (count(1 + 2 * $0), count(2 + 2 * $0)) }, title: title)
        let reached = counts.counts.first.map { k < $0.count ? $0[k] : 0 } ?? 0
        table.footnotes.append("\(CountText.of(reached)) rows reached \(stage) (rows whose \(stage) time is before the previous stage's, or outside the window, do not count)")
        return table
    }

    /// Per clause, two counts: the rows that meet it and every clause before, and those that meet
    /// the ones before but for which it is null.
    static func clauseMeasures(_ clauses: [PlanExpression]) -> [Measure] {
        var measures: [Measure] = []
        var before: PlanExpression? = nil
        for (i, clause) in clauses.enumerated() {
            let empty = PlanExpression.isNull(clause, negated: false)
            measures.append(Measure(name: "kept \(i)", function: .countRows, filter: before.map { .binary(.and, $0, clause) } ?? clause))
            measures.append(Measure(name: "empty \(i)", function: .countRows, filter: before.map { .binary(.and, $0, empty) } ?? empty))
            before = before.map { .binary(.and, $0, clause) } ?? clause
        }
        return measures
    }

    private func explainClauses(_ clauses: [(label: String?, expr: Expr)], view: TableValue, start: Selection?, title: String, session: Session) throws(Diagnostic) -> ResultTable {
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var current = start
        var rows: [[Value]] = []
        let startCount = current?.count ?? view.table.rowCount
        rows.append([.text("(start)"), .decimal(Double(startCount)), .null, .null])
        if let counted = try countedClauses(clauses.map(\.expr), evaluator: evaluator, start: start) {
            // Counted in one pass (a database counts them where the rows are).
            return explainTable(clauses, startCount: startCount, counted: counted, title: title)
        }
        for (label, clause) in clauses {
            let before = current?.count ?? view.table.rowCount
            let kept = try evaluator.filter(clause, selection: current)
            // Rows removed because the clause was null (a value was empty), not false.
            let nullRemoved = try evaluator.filter(Expr(.isNull(clause, negated: false), clause.range), selection: current).count
            rows.append([.text(label ?? Interpreter.shortLabel(clause.range.file.slice(clause.range))), .decimal(Double(kept.count)),
                         .decimal(Double(before - kept.count)), .decimal(Double(nullRemoved))])
            current = kept
        }
        return ResultTable(title: title, table: ResultRows.table(rows, names: ["clause", "kept", "removed", "removed (empty value)"]),
                           formats: [nil, .number, .number, .number])
    }

    /// Per clause, the rows of `start` that meet it and every clause before (kept), and those
    /// that meet the ones before but for which it is null (removed for an empty value): one
    /// aggregate plan of counts (a clause that reads a linked table joins its rows).
    private func countedClauses(_ clauses: [Expr], evaluator: RowEvaluator, start: Selection?) throws(Diagnostic) -> [(kept: Int, empty: Int)]? {
        guard !clauses.isEmpty else { return [] }
        var lowered: [PlanExpression] = []
        for clause in clauses { lowered.append(try evaluator.lower(clause)) }
        let measures = Self.clauseMeasures(lowered)
        let (rows, backend) = evaluator.scanned(start)
        let result: ResultTable
        do {
            result = try context.execute(.aggregate(rows, keys: [], measures: measures), on: backend)
        } catch {
            throw evaluator.diagnostic(error, default: clauses[0].range)
        }
        let columns = result.table.columns
        func count(_ c: Int) -> Int { c < columns.count && columns[c].count > 0 ? Int(columns[c].value(at: 0).number ?? 0) : 0 }
        return lowered.indices.map { (count(2 * $0), count(2 * $0 + 1)) }
    }

    func whatIf(rule: String, condition: Expr, funnelName: String, statement: Statement, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        guard session.rules[rule] != nil else {
            throw Diagnostic.error("unknown rule '\(rule)'", at: range, suggestion: Suggestion.nearest(to: rule, in: session.ruleOrder))
        }
        let definition = try funnel(named: funnelName, session: session, range: range)
        let now = try evaluateFunnel(definition, session: session)
        let current = try totals(now, session: session)
        var changed = session
        changed.rules[rule] = RuleDefinition(name: rule, condition: condition, source: statement)
        if let cycle = Cycles.find(start: rule, edges: { r in changed.rules[r].map { Cycles.names(in: $0.condition).filter { changed.rules[$0] != nil } } ?? [] }) {
            throw Diagnostic.error("the changed rule makes a cycle: \(Cycles.describe(cycle))", at: condition.range)
        }
        let changedFunnel = try evaluateFunnel(definition, session: changed, changing: rule, from: now, previousSession: session)
        let alternative = try totals(changedFunnel, session: changed)
        let text = Interpreter.shortLabel(condition.range.file.slice(condition.range))
        return FunnelTables.comparison(current, alternative, title: "what if \(rule) = \(text) in \(funnelName) (nothing is redefined)")
    }
}

/// Whether evaluating a stage may read a rule. Conservative: names are followed through rules
/// (as either session defines them); a KPI, or a kind of expression not followed here, counts
/// as reading it.
enum RuleDependence {
    static func mayRead(_ rule: String, stage: StageSyntax, in sessions: [Session]) -> Bool {
        var visited: Set<String> = []
        if let at = stage.at, mayRead(rule, name: at, sessions, &visited) { return true }
        guard let condition = stage.condition else { return false }
        return mayRead(rule, condition, sessions, &visited)
    }

    private static func mayRead(_ rule: String, name: String, _ sessions: [Session], _ visited: inout Set<String>) -> Bool {
        if name == rule || sessions.contains(where: { $0.kpis[name] != nil }) { return true }
        guard visited.insert(name).inserted else { return false }
        for session in sessions {
            if let definition = session.rules[name], mayRead(rule, definition.condition, sessions, &visited) { return true }
        }
        return false
    }

    private static func mayRead(_ rule: String, _ expr: Expr, _ sessions: [Session], _ visited: inout Set<String>) -> Bool {
        func any(_ exprs: [Expr]) -> Bool {
            for e in exprs where mayRead(rule, e, sessions, &visited) { return true }
            return false
        }
        switch expr.kind {
        case .number, .duration, .string, .date, .boolean, .null, .has:
            return false
        case .name(let n):
            return mayRead(rule, name: n, sessions, &visited)
        case .member(let base, let n):
            return mayRead(rule, name: n, sessions, &visited) || mayRead(rule, base, sessions, &visited)
        case .unary(_, let a), .isNull(let a, _):
            return mayRead(rule, a, sessions, &visited)
        case .binary(_, let a, let b):
            return any([a, b])
        case .between(let a, let b, let c, _):
            return any([a, b, c])
        case .inList(let a, let items, _):
            return any([a] + items)
        case .call(_, let args, _):
            return any(args)
        case .filter(let base, let condition):
            return any((base.map { [$0] } ?? []) + [condition])
        case .load, .groupBy, .select, .sort, .top, .cohort, .versus, .confidence, .attributed, .running, .toDate, .wide:
            return true
        }
    }
}
