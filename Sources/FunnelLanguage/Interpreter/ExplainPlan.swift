import FunnelEngine
import FunnelPostgres

extension Interpreter {
    /// `explain plan STATEMENT`: runs the statement on a copy of the session with its output
    /// dropped, and says the plans it ran and the columns they read.
    func explainPlan(_ statement: Statement, session: Session, baseDirectory: String) throws(Diagnostic) -> String {
        let plans = try context.planLog.recording { () throws(Diagnostic) in
            try runQuietly(statement, session: session, baseDirectory: baseDirectory, explaining: "plan shows what a question or a definition reads")
        }.1
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

    /// Runs a statement on a copy of the session with its output dropped (what `explain` looks
    /// at); one that writes, includes or explains is refused.
    private func runQuietly(_ statement: Statement, session: Session, baseDirectory: String, explaining what: String) throws(Diagnostic) {
        switch statement.kind {
        case .export, .report, .include, .explainPlan, .explainSQL:
            throw Diagnostic.error("explain \(what); it does not write, include or explain again", at: statement.range)
        default:
            break
        }
        var quiet = self
        quiet.emit = { _ in }
        var scratch = session
        try quiet.run(statement, in: &scratch, baseDirectory: baseDirectory)
    }

    /// `explain sql STATEMENT`: runs the statement on a copy of the session with its output
    /// dropped, and says each SQL query it sent to a database, in order.
    func explainSQL(_ statement: Statement, session: Session, baseDirectory: String) throws(Diagnostic) -> String {
        let sent = try SQLRecorder.shared.recording { () throws(Diagnostic) in
            try runQuietly(statement, session: session, baseDirectory: baseDirectory, explaining: "sql shows what a question or a definition sends to a database")
        }.1
        guard !sent.isEmpty else {
            let databaseTables = session.tableOrder.filter { session.tables[$0]?.table.unread?.source != nil }
            return databaseTables.isEmpty ? "no SQL: no table of this session is in a database"
                : "no SQL: this statement sends nothing to the database (what it needs is known or held in memory)"
        }
        return sent.enumerated().map { i, sql in (sent.count > 1 ? "-- \(i + 1) of \(sent.count)\n" : "") + sql + ";" }.joined(separator: "\n\n")
    }
}
