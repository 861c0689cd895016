import FunnelEngine

extension Interpreter {
    /// `explain plan STATEMENT`: runs the statement on a copy of the session with its output
    /// dropped, and says the plans it ran and the columns they read.
    func explainPlan(_ statement: Statement, session: Session, baseDirectory: String) throws(Diagnostic) -> String {
        switch statement.kind {
        case .export, .report, .include, .explainPlan:
            throw Diagnostic.error("explain plan shows what a question or a definition reads; it does not write, include or explain again", at: statement.range)
        default:
            break
        }
        var quiet = self
        quiet.emit = { _ in }
        var scratch = session
        let (_, plans) = try context.planLog.recording { () throws(Diagnostic) in
            try quiet.run(statement, in: &scratch, baseDirectory: baseDirectory)
        }
        guard !plans.isEmpty else { return "no plan: this statement reads no rows" }
        var parts: [String] = []
        var read: [String: Set<String>] = [:]
        for (i, plan) in plans.enumerated() {
            parts.append((plans.count > 1 ? "plan \(i + 1) of \(plans.count):\n" : "") + PlanText.describe(plan))
            for (relation, columns) in plan.columnsRead { read[relation, default: []].formUnion(columns) }
        }
        let columns = read.keys.sorted().map { relation in
            "  \(relation): " + (read[relation].map { columns in
                columns.contains(LogicalPlan.allColumns) ? "all columns" : columns.isEmpty ? "(no column: rows only)" : columns.sorted().joined(separator: ", ")
            } ?? "")
        }
        return parts.joined(separator: "\n\n") + "\n\ncolumns read:\n" + columns.joined(separator: "\n")
    }
}
