import FunnelAnalytics
import FunnelEngine
import FunnelPostgres
import FunnelRender

/// Runs statements against a session. Each statement runs on a copy of the session that replaces
/// it only on success, so a failing statement changes nothing defined before it.
public struct Interpreter: Sendable {
    public var session = Session()
    public var context: EvaluationContext
    /// Rows shown when a table expression is printed.
    public var previewRows = 20
    /// Where outputs go as they are produced.
    public var emit: @Sendable (Output) -> Void
    /// Files being included, outermost first, to report include cycles.
    var includeStack: [String] = []
    /// Assertions that did not hold so far (the script's exit code is 1 when any did).
    public private(set) var failedAssertions = 0
    let fileSystem = FileAccess()
    let funnelCache = FunnelCache()
    /// What the file now running may read and write (narrowed while an included file runs).
    public internal(set) var grant = FileGrant.mainScript
    /// Data notes already said in this session.
    var saidDataNotes: Set<String> = []
    /// The columns a load reads at once (`ColumnHint`); the others are read when a statement
    /// first needs them. nil: every column at load.
    public var columnsToRead: Set<String>? = nil
    /// Tables the script shows or exports whole: every column is read at load.
    public var tablesReadWhole: Set<String> = []
    /// The names used by the definitions so far (see `readColumnsAlong`).
    var namesInDefinitions: Set<String> = []

    public init(context: EvaluationContext, emit: @escaping @Sendable (Output) -> Void) {
        self.context = context
        self.emit = emit
    }

    /// Per loaded table, the columns the plans run so far have read (`LogicalPlan.allColumns`
    /// when one gave back whole rows): what a load of the same script needs to parse.
    public var columnsRead: [String: Set<String>] { context.planLog.columnsByTable }

    /// Values given with --set, usable as names in the script.
    public mutating func setParameter(_ name: String, text: String) {
        let value = Parameters.parse(text)
        session.scalars[name] = value
        session.parameters.append((name, value))
        if name == "today", case .date(let d) = value { context.today = d }
    }

    /// Runs one statement; on error the session is unchanged.
    public mutating func execute(_ statement: Statement, baseDirectory: String) throws(Diagnostic) {
        _ = context.dataNotes.take()
        defer {
            // Said once per session: the first statement that reads such a value says it.
            for note in context.dataNotes.take() where !saidDataNotes.contains(note) {
                saidDataNotes.insert(note)
                emit(.warning(Diagnostic(.warning, .data, note, at: statement.range)))
            }
        }
        defer { sayColumnReadWarnings(at: statement.range) }
        readColumnsAlong(statement)
        switch statement.kind {
        case .rule, .kpi:
            // These check everything before they change anything, so they run on the session
            // itself: a copy per statement made 10,000 definitions quadratic.
            var working = session
            session = Session()
            defer { session = working }
            try run(statement, in: &working, baseDirectory: baseDirectory)
        default:
            var copy = session
            try run(statement, in: &copy, baseDirectory: baseDirectory)
            try checkColumnsRead(at: statement.range)
            session = copy
        }
    }

    /// A column read when first needed could not be read (its file changed since the load):
    /// whatever the statement showed used empty values for it, so the statement fails.
    private func checkColumnsRead(at range: SourceRange) throws(Diagnostic) {
        for name in session.tableOrder {
            guard let failure = session.tables[name]?.table.unread?.takeNewFailure() else { continue }
            throw Diagnostic(.error, .missingInput, failure.message, at: range)
        }
    }

    /// Columns a load left unread are read when a statement first needs them; the names in
    /// the statement and in the definitions so far are read in the same pass (a funnel's stages,
    /// its rules' columns and the statement's grouping would each take a pass of their own).
    private mutating func readColumnsAlong(_ statement: Statement) {
        let names: Set<String>
        switch statement.kind {
        case .rule, .kpi, .funnel, .link, .alias, .plan:
            names = ColumnHint.names(in: statement)
            namesInDefinitions.formUnion(names)
        default:
            guard session.tables.values.contains(where: { $0.table.unread != nil }) else { return }
            names = ColumnHint.names(in: statement)
        }
        let along = names.union(namesInDefinitions)
        for table in session.tables.values { table.table.unread?.readAlong(along) }
    }

    /// Warnings from columns read late (text that is not UTF-8), said at the statement that read them.
    private func sayColumnReadWarnings(at range: SourceRange) {
        for name in session.tableOrder {
            for warning in session.tables[name]?.table.unread?.takeWarnings() ?? [] {
                emit(.warning(Diagnostic(.warning, .data, warning.message, at: range)))
            }
        }
    }

    enum Evaluated {
        case table(TableValue)
        case result(ResultTable)
        case scalar(Value, format: DisplayFormat?, kpi: KPI?)
    }

    // MARK: Statements

    mutating func run(_ statement: Statement, in session: inout Session, baseDirectory: String) throws(Diagnostic) {
        try context.checkCancelled()
        // A key's values shown by their labels in everything the statement prints or reports.
        let printing = emit
        defer { emit = printing }
        if !session.valueLabels.isEmpty {
            let labels = session.valueLabels
            emit = { printing(ValueLabels.apply(labels, to: $0)) }
        }

        switch statement.kind {
        case .expression, .export, .assert, .checkLink, .velocity, .bottleneck, .decay, .stuck, .health, .explain, .whatIf, .plan, .demand, .explainPlan, .explainSQL, .top, .histogram:
            break
        default:
            session.generation = funnelCache.nextGeneration()
        }
        switch statement.kind {
        case .assign(let name, let expr):
            if session.rules[name] != nil || session.kpis[name] != nil {
                throw Diagnostic.error("'\(name)' is already a \(session.rules[name] != nil ? "rule" : "KPI")", at: statement.range)
            }
            let value = try evaluate(expr, session: session, baseDirectory: baseDirectory, assigningTo: name)
            switch value {
            case .table(var view):
                if case .load(let pathExpr, _) = expr.kind {
                    let path = try loadPath(pathExpr, session: session, baseDirectory: baseDirectory)
                    view.table.name = name
                    view.sourceName = name
                    if !DatabaseAddress.isDatabaseURL(path) {
                        session.loadedPaths.insert(fileSystem.canonical(FileAccess.resolve(path, relativeTo: baseDirectory)))
                    }
                    session.loadSources[name] = path.redactingPassword
                }
                if session.tables[name] != nil, view.sourceName != name, session.links.contains(where: { $0.fromTable == name || $0.toTable == name }) {
                    throw Diagnostic.error("'\(name)' is linked; it can be loaded again but not replaced by a view of another table", at: statement.range)
                }
                session.tables[name] = view
                if !session.tableOrder.contains(name) { session.tableOrder.append(name) }
                session.scalars[name] = nil
                try relink(name, in: &session, range: statement.range)
            case .result(let result):
                var table = result.table
                table.name = name
                session.tables[name] = TableValue(table: table, selection: nil, sourceName: name)
                if !session.tableOrder.contains(name) { session.tableOrder.append(name) }
            case .scalar(let v, _, _):
                if session.tables[name] != nil {
                    throw Diagnostic.error("'\(name)' is a table; give the value another name", at: statement.range)
                }
                session.scalars[name] = v
                if grant.folder != nil { session.valuesSetByIncludes.insert(name) } else { session.valuesSetByIncludes.remove(name) }
            }
            session.definitions.append(statement)
        case .param(let name, let expr):
            try refuseLoads(in: [expr], of: "a parameter")
            if session.parameters.contains(where: { $0.0 == name }) { break }
            guard case .scalar(let value, _, _) = try evaluate(expr, session: session, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("a parameter's default must be a single value", at: expr.range)
            }
            session.scalars[name] = value
            session.parameters.append((name, value))
            if grant.folder != nil { session.valuesSetByIncludes.insert(name) }
            session.definitions.append(statement)
            // `param today = 2025-12-31` pins the date that decay and stuck measure from.
            if name == "today", case .date(let d) = value { context.today = d }
        case .link(let fromTable, let fromColumn, let toTable, let toColumn):
            let link = try makeLink(fromTable, fromColumn, toTable, toColumn, session: session, range: statement.range)
            context.planLog.note([fromColumn], of: session.tables[fromTable]?.sourceName ?? fromTable)
            context.planLog.note([toColumn], of: session.tables[toTable]?.sourceName ?? toTable)
            session.links.removeAll { $0.fromTable == fromTable && $0.toTable == toTable }
            session.links.append(link)
            session.definitions.append(statement)
            if link.unmatched > 0 || link.duplicateKeys > 0 {
                var parts: [String] = []
                if link.unmatched > 0 { parts.append("\(CountText.of(link.unmatched, "\(fromTable) row")) \(link.unmatched == 1 ? "matches" : "match") no \(toTable).\(toColumn)") }
                if link.duplicateKeys > 0 { parts.append("\(CountText.of(link.duplicateKeys)) \(toTable).\(toColumn) values appear more than once (the first row is used)") }
                emit(.warning(Diagnostic(.warning, .data, parts.joined(separator: "; "), at: statement.range, notes: ["`check link \(fromTable)` lists the details"])))
            }
        case .checkLink(let table):
            guard session.tables[table] != nil else {
                throw Diagnostic.error("unknown table '\(table)'", at: statement.range, suggestion: Suggestion.nearest(to: table, in: session.tableOrder))
            }
            let links = session.linksFrom(table)
            guard !links.isEmpty else {
                throw Diagnostic.error("\(table) has no links", at: statement.range, notes: ["define one first: link \(table).key -> other.id"])
            }
            emit(.table(LinkTables.report(links, tables: session.tables.mapValues(\.table))))
        case .rule(let name, let condition):
            try refuseLoads(in: [condition], of: "a rule")
            if session.tables[name] != nil || session.kpis[name] != nil {
                throw Diagnostic.error("'\(name)' is already a \(session.tables[name] != nil ? "table" : "KPI")", at: statement.range)
            }
            // Checked before anything changes: `execute` runs definitions in place.
            let referenced = Cycles.names(in: condition)
            let isNew = session.rules[name] == nil
            if referenced.contains(name) || session.namesUsedByDefinitions.contains(name),
               let cycle = Cycles.find(start: name, edges: { [session] r in
                   (r == name ? referenced : session.rules[r].map { Cycles.names(in: $0.condition) } ?? []).filter { $0 == name || session.rules[$0] != nil }
               }) {
                throw Diagnostic.error("rules refer to each other in a cycle: \(Cycles.describe(cycle))", at: statement.range)
            }
            session.rules[name] = RuleDefinition(name: name, condition: condition, source: statement)
            session.namesUsedByDefinitions.formUnion(referenced)
            if isNew { session.ruleOrder.append(name) }
            session.definitions.append(statement)
        case .kpi(let definition):
            try refuseLoads(in: [definition.formula] + (definition.target.map { [$0.value] } ?? []), of: "a KPI")
            let name = definition.name
            if session.tables[name] != nil || session.rules[name] != nil {
                throw Diagnostic.error("'\(name)' is already a \(session.tables[name] != nil ? "table" : "rule")", at: statement.range)
            }
            let referenced = Cycles.names(in: definition.formula)
            let isNew = session.kpis[name] == nil
            if referenced.contains(name) || session.namesUsedByDefinitions.contains(name),
               let cycle = Cycles.find(start: name, edges: { [session] k in
                   (k == name ? referenced : session.kpis[k].map { Cycles.names(in: $0.definition.formula) } ?? []).filter { $0 == name || session.kpis[$0] != nil }
               }) {
                throw Diagnostic.error("KPIs refer to each other in a cycle: \(Cycles.describe(cycle))", at: statement.range)
            }
            session.kpis[name] = KPI(definition: definition, source: statement)
            session.namesUsedByDefinitions.formUnion(referenced)
            if isNew { session.kpiOrder.append(name) }
            session.definitions.append(statement)
        case .assert(let condition, let message):
            let value = try evaluate(condition, session: session, baseDirectory: baseDirectory)
            guard case .scalar(let v, _, _) = value else {
                throw Diagnostic.error("assert needs a condition that is true or false, found a table", at: condition.range)
            }
            switch v {
            case .boolean(true): break
            case .boolean(false), .null:
                var notes: [String] = []
                if case .binary(let op, let lhs, _) = condition.kind, op.isComparison,
                    case .scalar(let actual, let format, _) = try evaluate(lhs, session: session, baseDirectory: baseDirectory)
                {
                    notes.append("\(lhs.range.file.slice(lhs.range)) is \(ValueFormatter.format(actual, as: format))")
                }
                if v.isNull { notes.append("the condition is null (a value in it is missing)") }
                failedAssertions += 1
                emit(.assertionFailed(Diagnostic(.error, .data, "assertion failed: \(message ?? condition.range.file.slice(condition.range))", at: condition.range, notes: notes)))
            default:
                throw Diagnostic.error("assert needs a condition that is true or false, found \(VectorOps.describe(v.type))", at: condition.range)
            }
        case .export(let expr, let path):
            _ = try checkedPath(path, for: .export, baseDirectory: baseDirectory, range: statement.range)
            let result = try resultTable(expr, session: session, baseDirectory: baseDirectory, complete: true)
            let written = try Exporter.write(result, to: path, baseDirectory: baseDirectory, session: session, range: statement.range, fileSystem: fileSystem)
            emit(.message("wrote \(written) (\(CountText.of(result.table.rowCount, "row")))"))
        case .include(let pathExpr, let allowed):
            let path = try loadPath(pathExpr, session: session, baseDirectory: baseDirectory, for: "include")
            try include(path, allowing: allowed, session: &session, baseDirectory: baseDirectory, range: statement.range)
        case .expression(let expr):
            try show(expr, session: session, baseDirectory: baseDirectory)
        case .funnel(let syntax):
            try refuseLoads(in: syntax.stages.flatMap { [$0.count, $0.condition].compactMap { $0 } }
                + [syntax.window, syntax.value, syntax.spend, syntax.revenue, syntax.orders].compactMap { $0 } + syntax.targets.map(\.value)
                + syntax.exclusions.compactMap(\.condition) + syntax.countDistinct + syntax.constant, of: "a funnel")
            let name = syntax.name
            if session.tables[name] != nil || session.rules[name] != nil || session.kpis[name] != nil {
                throw Diagnostic.error("'\(name)' is already a table, rule or KPI", at: statement.range)
            }
            try validate(syntax, session: session, range: statement.range)
            session.funnels[name] = FunnelDefinition(syntax: syntax, source: statement)
            if !session.funnelOrder.contains(name) { session.funnelOrder.append(name) }
            session.definitions.append(statement)
        case .label(let key, let value, let label):
            session.valueLabels[key, default: [:]][value] = label
            session.definitions.append(statement)
        case .alias(let table, let column, let name):
            guard let t = session.tables[table] else {
                throw Diagnostic.error("unknown table '\(table)'", at: statement.range, suggestion: Suggestion.nearest(to: table, in: session.tableOrder))
            }
            guard t.table.hasColumn(column) else {
                throw Diagnostic.error("unknown column '\(column)' in \(table)", at: statement.range, suggestion: Suggestion.nearest(to: column, in: t.table.columnNames))
            }
            session.aliases[t.sourceName, default: [:]][name] = column
            session.definitions.append(statement)
        case .report(let path, let title, let body):
            _ = try checkedPath(path, for: .report, baseDirectory: baseDirectory, range: statement.range)
            try runReport(path: path, title: title, body: body, session: &session, baseDirectory: baseDirectory, range: statement.range)
        case .chart(let expr):
            emit(try chartOutput(expr, session: session, baseDirectory: baseDirectory))
        case .demand(let name, let keys):
            let definition = try funnel(named: name, session: session, range: statement.range)
            if let counted = try countedDemand(definition, keys: keys, session: session, range: statement.range) {
                emit(.table(counted))
                break
            }
            let evaluation = try evaluateFunnel(definition, session: session)
            emit(.table(try demandTable(evaluation, keys: keys, session: session, range: statement.range)))
        case .velocity(let name, let keys):
            let definition = try funnel(named: name, session: session, range: statement.range)
            try requireOrder(definition, for: "velocity", range: statement.range)
            if let timed = try timedVelocity(definition, keys: keys, session: session) {
                emit(.table(timed))
                break
            }
            let evaluation = try evaluateFunnel(definition, session: session)
            emit(.table(try velocityTable(evaluation, keys: keys, session: session)))
        case .histogram(let name, let bin):
            let definition = try funnel(named: name, session: session, range: statement.range)
            try requireOrder(definition, for: "velocity", range: statement.range)
            var binDays: Double? = nil
            if let bin {
                let days = try durationDays(bin, session: session)
                guard days > 0 else {
                    throw Diagnostic.error("a histogram's bins need a width above 0 days", at: bin.range, notes: ["for example: velocity \(name) histogram 7 days"])
                }
                binDays = days
            }
            let evaluation = try evaluateFunnel(definition, session: session)
            emit(.table(FunnelTables.durationHistogram(evaluation.funnel, steps: stepDurations(of: evaluation), binDays: binDays)))
        case .bottleneck(let name):
            let definition = try funnel(named: name, session: session, range: statement.range)
            if let counted = try countedBottleneck(definition, session: session, range: statement.range) {
                emit(.table(counted))
                break
            }
            emit(try bottleneckReport(try evaluateFunnel(definition, session: session), session: session))
        case .decay(let name, let stage, let after, let value):
            let definition = try funnel(named: name, session: session, range: statement.range)
            if let counted = try countedDecay(definition, stage: stage, after: after, value: value, session: session, range: statement.range) {
                emit(.table(counted))
                break
            }
            let evaluation = try evaluateFunnel(definition, session: session)
            emit(.table(try decayReport(evaluation, stage: stage, after: after, value: value, session: session, range: statement.range)))
        case .stuck(let name, let stage, let after):
            let definition = try funnel(named: name, session: session, range: statement.range)
            if let counted = try countedStuck(definition, stage: stage, after: after, session: session, range: statement.range) {
                for output in counted { emit(output) }
                break
            }
            let evaluation = try evaluateFunnel(definition, session: session)
            for output in try stuckReport(evaluation, stage: stage, after: after, session: session, range: statement.range) { emit(output) }
        case .health(let name, let after):
            let definition = try funnel(named: name, session: session, range: statement.range)
            if let counted = try countedHealth(definition, after: after, session: session, range: statement.range) {
                emit(.table(counted))
                break
            }
            emit(.table(try healthReport(try evaluateFunnel(definition, session: session), after: after, session: session)))
        case .explain(let name, let stage, let table):
            if let stage {
                emit(.table(try explainStage(name, stage: stage, session: session, range: statement.range)))
            } else {
                emit(.table(try explainRule(name, table: table, session: session, range: statement.range)))
            }
        case .whatIf(let rule, let condition, let funnelName):
            if let counted = try countedWhatIf(rule: rule, condition: condition, funnelName: funnelName, statement: statement, session: session, range: statement.range) {
                emit(.table(counted))
                break
            }
            emit(.table(try whatIf(rule: rule, condition: condition, funnelName: funnelName, statement: statement, session: session, range: statement.range)))
        case .plan(let plan):
            for table in try planReport(plan, session: session, range: statement.range) { emit(.table(table)) }
        case .top(let inner, let n):
            try runTop(inner, n, in: &session, baseDirectory: baseDirectory)
        case .explainPlan(let inner):
            emit(.message(try explainPlan(inner, session: session, baseDirectory: baseDirectory)))
        case .explainSQL(let inner):
            emit(.message(try explainSQL(inner, session: session, baseDirectory: baseDirectory)))
        }
    }

    private func show(_ expr: Expr, session: Session, baseDirectory: String) throws(Diagnostic) {
        let value = try evaluate(expr, session: session, baseDirectory: baseDirectory)
        switch value {
        case .table(let view):
            if case .name(let name) = expr.kind, view.selection == nil, let preview = try tablePreview(name, session: session, range: expr.range) {
                // The first rows and the nulls, from where the rows are: the table is not read whole.
                emit(.summary(preview, rowCount: view.rowCount))
            } else if case .name = expr.kind, view.selection == nil {
                context.planLog.note([LogicalPlan.allColumns], of: view.sourceName)
                do { try view.table.prepareAll() } catch { throw Diagnostic(.error, .missingInput, error.message, at: expr.range) }
                emit(.summary(view.table, rowCount: view.rowCount))
            } else {
                emit(.table(try preview(view, title: nil)))
            }
        case .result(let result):
            emit(.table(result))
        case .scalar(let v, let format, let kpi):
            var targetText: String? = nil
            var met: Bool? = nil
            if let kpi, let target = kpi.definition.target {
                let t = try targetValue(target, session: session, baseDirectory: baseDirectory)
                targetText = "\(target.comparison.rawValue) \(ValueFormatter.format(t, as: format))"
                if case .boolean(let b) = (try? VectorOps.compareScalars(target.comparison, v, t)) ?? .null { met = b }
            }
            let label: String? = kpi?.definition.displayName ?? Interpreter.shortLabel(expr.range.file.slice(expr.range))
            emit(.scalar(label: label, value: v, format: format, target: targetText, met: met))
        }
    }

    /// The source text of an expression as a label, cut when it is long.
    static func shortLabel(_ text: String) -> String {
        let oneLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingPrefix(while: { $0 == " " }) }.joined(separator: " ")
        return oneLine.count > 60 ? String(oneLine.prefix(59)) + "…" : oneLine
    }

    func targetValue(_ target: Target, session: Session, baseDirectory: String) throws(Diagnostic) -> Value {
        guard case .scalar(let t, _, _) = try evaluate(target.value, session: session, baseDirectory: baseDirectory) else {
            throw Diagnostic.error("a target must be a single value", at: target.value.range)
        }
        return t
    }

    /// The first rows of a view, with the row count underneath.
    func preview(_ view: TableValue, title: String?) throws(Diagnostic) -> ResultTable {
        let total = view.rowCount
        let rows: Selection = view.selection.map { Array($0.prefix(previewRows)) } ?? (0..<Int32(min(previewRows, view.table.rowCount))).map { $0 }
        let table = try context.rows(of: view, rows)
        let notes = total > rows.count ? ["showing the first \(CountText.of(rows.count)) of \(CountText.of(total)) rows"] : []
        return ResultTable(title: title, table: table, footnotes: notes)
    }

    // MARK: Values

    func evaluate(_ expr: Expr, session: Session, baseDirectory: String, assigningTo: String? = nil) throws(Diagnostic) -> Evaluated {
        try context.checkCancelled()
        let aggregation = Aggregation(session: session, context: context)
        switch expr.kind {
        case .name(let name):
            if let table = session.tables[name] { return .table(table) }
            if let definition = session.funnels[name] {
                if let counted = try countedFunnelTable(definition, session: session) { return .result(counted) }
                return .result(try funnelTable(try evaluateFunnel(definition, session: session), session: session))
            }
            if let kpi = session.kpis[name] {
                let sliced = try aggregation.evaluate([kpi.definition.formula], by: [], defaultTable: nil)
                return .scalar(sliced.values.first?.first ?? .null, format: kpi.definition.format, kpi: kpi)
            }
            if let value = session.scalars[name] { return .scalar(value, format: nil, kpi: nil) }
            if session.rules[name] != nil {
                throw Diagnostic.error("'\(name)' is a rule; use it as a condition, for example: leads where \(name)", at: expr.range)
            }
            if name == "today" { return .scalar(.date(context.today), format: nil, kpi: nil) }
            throw Diagnostic.error("unknown name '\(name)'", at: expr.range,
                                   suggestion: Suggestion.nearest(to: name, in: session.tableOrder + session.kpiOrder + session.ruleOrder + session.scalars.keys.sorted() + Keyword.allCases.map(\.rawValue)))
        case .load(let pathExpr, let options):
            let path = try loadPath(pathExpr, session: session, baseDirectory: baseDirectory)
            if DatabaseAddress.isDatabaseURL(path) {
                if grant.folder != nil {
                    throw Diagnostic.error("an included file may not read a database; load the table in the main script", at: expr.range)
                }
                var literal = false
                if case .string = pathExpr.kind { literal = true }
                return .table(try DatabaseLoader.load(url: path, urlWrittenInScript: literal, options: options, name: assigningTo ?? "table",
                                                      context: context, range: expr.range))
            }
            _ = try checkedPath(path, for: .load, baseDirectory: baseDirectory, range: expr.range)
            let view = try Loader.load(path: path, options: options, name: assigningTo ?? "table", baseDirectory: baseDirectory, context: context, range: expr.range,
                                       fileSystem: fileSystem, columnsToRead: tablesReadWhole.contains(assigningTo ?? "") ? nil : columnsToRead, emit: emit)
            return .table(view)
        case .filter(let base, let condition):
            guard let base else {
                throw Diagnostic.error("'where' needs a table before it here, for example: leads where \(condition.range.file.slice(condition.range))", at: expr.range)
            }
            // `inbound where country == "DE"`: the funnel over the rows of its table that match.
            if case .name(let n) = base.kind, let definition = session.funnels[n],
               let counted = try countedFunnelTable(definition, session: session, where: condition) {
                return .result(counted)
            }
            if let (definition, view) = try funnelBase(expr, session: session, baseDirectory: baseDirectory) {
                let evaluation = try evaluateFunnel(definition, session: session, view: view)
                return .result(try funnelTable(evaluation, session: session))
            }
            switch try evaluate(base, session: session, baseDirectory: baseDirectory) {
            case .table(let view):
                return .table(try RowEvaluator(session: session, view: view, context: context).filtered(condition))
            case .result(let result):
                var view = TableValue(table: result.table, selection: nil, sourceName: result.table.name)
                view.selection = try RowEvaluator(session: session, view: view, context: context).filter(condition, selection: nil)
                // The notes were said of all the rows.
                var filtered = Self.withRows(result, try context.rows(of: view, view.selection ?? []))
                filtered.footnotes = []
                return .result(filtered)
            case .scalar:
                throw Diagnostic.error("'where' filters a table, but this is a single value", at: base.range)
            }
        case .groupBy(let base, let keys):
            // `inbound where country == "DE" by source` on a database table: the where on the server too.
            if case .filter(let funnelName?, let condition) = base.kind, case .name(let n) = funnelName.kind, let definition = session.funnels[n],
               let counted = try countedFunnelBreakdown(definition, keys: keys, session: session, view: nil, where: condition) {
                return .result(counted)
            }
            if let (definition, view) = try funnelBase(base, session: session, baseDirectory: baseDirectory) {
                if let counted = try countedFunnelBreakdown(definition, keys: keys, session: session, view: view) { return .result(counted) }
                return .result(try attributedBreakdown(definition, view: view, keys: keys, attribution: .firstTouch, session: session))
            }
            if isTable(base, session: session) {
                guard case .table(let view) = try evaluate(base, session: session, baseDirectory: baseDirectory) else { break }
                let count = Expr(.call("count", [], distinct: false), expr.range)
                let sliced = try aggregation.evaluate([count], by: keys, defaultTable: view)
                return .result(Results.table(sliced, names: ["count"], formats: [.number], title: nil))
            }
            // A formula (usually a KPI) sliced by dimensions.
            let kpi: KPI? = { if case .name(let n) = base.kind { return session.kpis[n] } else { return nil } }()
            let sliced = try aggregation.evaluate([base], by: keys, defaultTable: nil)
            var names = [kpi?.definition.displayName ?? base.range.file.slice(base.range)]
            var formats: [DisplayFormat?] = [kpi?.definition.format]
            var result = Results.table(sliced, names: names, formats: formats, title: nil)
            if let kpi, let target = kpi.definition.target {
                let t = try targetValue(target, session: session, baseDirectory: baseDirectory)
                result.target = t.number
                let statuses: [Value] = sliced.values.map { row in
                    guard case .boolean(let b) = (try? VectorOps.compareScalars(target.comparison, row[0], t)) ?? .null else { return .null }
                    return .text(b ? "met" : "missed")
                }
                names.append("target \(target.comparison.rawValue) \(ValueFormatter.format(t, as: kpi.definition.format))")
                formats.append(nil)
                result.table.columns.append(ColumnBuilder.column(from: statuses, name: names[1]))
                result.formats.append(nil)
                result.verdicts = [names[1]]
            }
            return .result(result)
        case .cohort(let base, let keys):
            guard let (definition, view) = try funnelBase(base, session: session, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("cohorts follow a funnel: inbound cohort by month", at: base.range)
            }
            if let counted = try countedCohorts(definition, keys: keys, session: session, view: view) { return .result(counted) }
            return .result(try funnelCohorts(try evaluateFunnel(definition, session: session, view: view), keys: keys))
        case .attributed(let base, let syntax):
            guard case .groupBy(let funnelExpr, let keys) = base.kind,
                  let (definition, view) = try funnelBase(funnelExpr, session: session, baseDirectory: baseDirectory) else {
                _ = try evaluate(base, session: session, baseDirectory: baseDirectory)
                throw Diagnostic.error("`\(syntax.words)` follows a funnel's breakdown: signups by source last touch", at: expr.range)
            }
            let attribution = try self.attribution(syntax, of: definition, range: expr.range)
            return .result(try attributedBreakdown(definition, view: view, keys: keys, attribution: attribution, session: session))
        case .running(let base):
            return .result(try running(base, session: session, baseDirectory: baseDirectory, range: expr.range))
        case .toDate(let figure, let unit):
            return .result(try toDate(figure, unitName: unit, session: session, baseDirectory: baseDirectory, range: expr.range))
        case .confidence(let base, let level):
            return .result(try breakdownConfidence(base, level: level, session: session, baseDirectory: baseDirectory))
        case .wide(let comparison):
            guard case .versus(let base, let planExpr) = comparison.kind, case .groupBy(let funnelExpr, let keys) = base.kind,
                  let (definition, view) = try funnelBase(funnelExpr, session: session, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("`wide` lays out a runway as the plan sheet: inbound by month vs plan wide", at: expr.range)
            }
            if case .name(let n) = planExpr.kind, PeriodComparison(n) != nil {
                throw Diagnostic.error("`wide` lays out a runway as the plan sheet: inbound by month vs plan wide", at: expr.range)
            }
            return .result(try runway(definition, view: view, keys: keys, planExpr: planExpr, session: session, sheet: true))
        case .versus(let base, let other):
            if case .name(let n) = other.kind, let comparison = PeriodComparison(n) {
                return .result(try periodComparison(base, comparison, session: session, baseDirectory: baseDirectory, range: expr.range))
            }
            guard case .groupBy(let funnelExpr, let keys) = base.kind, let (definition, view) = try funnelBase(funnelExpr, session: session, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("`vs` compares a funnel by period with a plan: inbound by month vs plan", at: base.range)
            }
            return .result(try runway(definition, view: view, keys: keys, planExpr: other, session: session))
        case .select(let base, let items):
            return try select(base, items, session: session, baseDirectory: baseDirectory, range: expr.range)
        case .sort(let base, let keys):
            let (view, result) = try viewForOrdering(base, session: session, baseDirectory: baseDirectory)
            let evaluator = RowEvaluator(session: session, view: view, context: context)
            var sorted = view
            sorted.selection = try evaluator.sorted(view.selection, by: keys)
            if let result { return .result(Self.withRows(result, try evaluator.rows(sorted.selection))) }
            return .table(sorted)
        case .top(let base, let n):
            // `t sort key top N` of a table: sorted and limited in one plan (a database sends N rows).
            if case .sort(let inner, let keys) = base.kind, isTable(inner, session: session),
               case .table(let view) = try evaluate(inner, session: session, baseDirectory: baseDirectory) {
                var limited = view
                limited.selection = try RowEvaluator(session: session, view: view, context: context).sorted(view.selection, by: keys, limit: n)
                return .table(limited)
            }
            let (view, result) = try viewForOrdering(base, session: session, baseDirectory: baseDirectory)
            var limited = view
            let rows: Selection = view.selection.map { Array($0.prefix(n)) } ?? (0..<Int32(min(n, view.table.rowCount))).map { $0 }
            limited.selection = rows
            if let result { return .result(Self.withRows(result, try RowEvaluator(session: session, view: view, context: context).rows(rows))) }
            return .table(limited)
        default:
            break
        }
        // Anything else is a formula: a constant, or aggregates over tables.
        let sliced = try aggregation.evaluate([expr], by: [], defaultTable: nil)
        return .scalar(sliced.values.first?.first ?? .null, format: nil, kpi: nil)
    }

    /// Velocity reads the time from one stage to the next: an any-order funnel has no next.
    func requireOrder(_ definition: FunnelDefinition, for statement: String, range: SourceRange) throws(Diagnostic) {
        guard definition.syntax.anyOrder else { return }
        throw Diagnostic.error("\(statement) times the steps of a funnel in order; \(definition.syntax.name) counts its stages in any order",
                               at: range, notes: ["define the same stages without `any order` to time them"])
    }

    /// A funnel name, or a funnel name with a filter on its table's rows (`inbound where country == "DE"`).
    func funnelBase(_ expr: Expr, session: Session, baseDirectory: String) throws(Diagnostic) -> (FunnelDefinition, TableValue?)? {
        switch expr.kind {
        case .name(let n):
            guard let definition = session.funnels[n] else { return nil }
            return (definition, nil)
        case .filter(let base?, let condition):
            guard case .name(let n) = base.kind, let definition = session.funnels[n], var view = session.tables[definition.syntax.table] else { return nil }
            view.selection = try RowEvaluator(session: session, view: view, context: context).filter(condition, selection: view.selection)
            return (definition, view)
        default:
            return nil
        }
    }

    func isTable(_ expr: Expr, session: Session) -> Bool {
        switch expr.kind {
        case .name(let n): return session.tables[n] != nil
        case .load: return true
        case .filter(let base?, _), .sort(let base, _), .top(let base, _): return isTable(base, session: session)
        default: return false
        }
    }

    /// A view to sort or cut: a table as is, or a computed result as a table (keeping its formats).
    /// A computed result keeps its notes: they say what its rows count (an entity, an attribution).
    /// The rows to order, and the result they come from when they are one (a breakdown).
    private func viewForOrdering(_ base: Expr, session: Session, baseDirectory: String) throws(Diagnostic) -> (TableValue, ResultTable?) {
        switch try evaluate(base, session: session, baseDirectory: baseDirectory) {
        case .table(let view): return (view, nil)
        case .result(let result): return (TableValue(table: result.table, selection: nil, sourceName: result.table.name), result)
        case .scalar:
            throw Diagnostic.error("sort and top order the rows of a table, but this is a single value", at: base.range)
        }
    }

    /// A result's rows sorted, cut or filtered: its columns, formats, notes and rates stay; its
    /// chart does not (a series in another order than its periods is no line).
    private static func withRows(_ result: ResultTable, _ rows: Table) -> ResultTable {
        var out = result
        out.table = rows
        out.chart = nil
        return out
    }

    private func select(_ base: Expr, _ items: [SelectItem], session: Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) -> Evaluated {
        let aggregation = Aggregation(session: session, context: context)
        var names: [String] = []
        var formats: [DisplayFormat?] = []
        for item in items {
            let (name, format) = selectName(item, session: session)
            names.append(name)
            formats.append(format)
        }
        if case .groupBy(let tableExpr, let keys) = base.kind, isTable(tableExpr, session: session) {
            guard case .table(let view) = try evaluate(tableExpr, session: session, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("expected a table", at: tableExpr.range)
            }
            let sliced = try aggregation.evaluate(items.map(\.expr), by: keys, defaultTable: view)
            var result = Results.table(sliced, names: names, formats: formats, title: nil)
            // `by source select source, n = count()`: the key asked for as an item is shown once, where asked.
            let askedKeys = Set(items.compactMap { item -> String? in if case .name(let n) = item.expr.kind { return n } else { return nil } })
            let keyCount = sliced.keyColumns.count
            for i in stride(from: keyCount - 1, through: 0, by: -1) where askedKeys.contains(result.table.columns[i].name) {
                result.table.columns.remove(at: i)
                result.formats.remove(at: i)
            }
            return .result(result)
        }
        let evaluated = try evaluate(base, session: session, baseDirectory: baseDirectory)
        let view: TableValue
        switch evaluated {
        case .table(let v): view = v
        case .result(let r): view = TableValue(table: r.table, selection: nil, sourceName: r.table.name)
        case .scalar: throw Diagnostic.error("select picks columns of a table, but this is a single value", at: base.range)
        }
        if items.contains(where: { aggregation.containsAggregate($0.expr, rowTable: view.sourceName) }) {
            let sliced = try aggregation.evaluate(items.map(\.expr), by: [], defaultTable: view)
            return .result(Results.table(sliced, names: names, formats: formats, title: nil))
        }
        // Row projection: one output row per row of the view.
        var table = try RowEvaluator(session: session, view: view, context: context).project(items.map(\.expr), names: names, selection: view.selection)
        table.name = view.sourceName
        table.timeColumn = nil
        return .table(TableValue(table: table, selection: nil, sourceName: view.sourceName + "_selected"))
    }

    private func selectName(_ item: SelectItem, session: Session) -> (String, DisplayFormat?) {
        if case .name(let n) = item.expr.kind, let kpi = session.kpis[n] { return (item.name ?? n, item.format ?? kpi.definition.format) }
        // Counts read with thousands separators unless a format says otherwise.
        var format = item.format
        if format == nil, case .call(let f, _, _) = item.expr.kind, f.lowercased() == "count" { format = .number }
        if let name = item.name { return (name, format) }
        if case .name(let n) = item.expr.kind { return (n, format) }
        if case .member(_, let c) = item.expr.kind { return (c, format) }
        return (item.expr.range.file.slice(item.expr.range), format)
    }

    /// Any value as a complete table, for export.
    func resultTable(_ expr: Expr, session: Session, baseDirectory: String, complete: Bool) throws(Diagnostic) -> ResultTable {
        switch try evaluate(expr, session: session, baseDirectory: baseDirectory) {
        case .table(let view):
            return ResultTable(table: try context.rows(of: view, view.selection))
        case .result(let result): return result
        case .scalar(let v, let format, let kpi):
            let name = kpi?.definition.displayName ?? expr.range.file.slice(expr.range)
            return ResultTable(table: Table(name: name, columns: [ColumnBuilder.column(from: [v], name: name)]), formats: [format])
        }
    }

    // MARK: Links

    private func makeLink(_ fromTable: String, _ fromColumn: String, _ toTable: String, _ toColumn: String, session: Session, range: SourceRange) throws(Diagnostic) -> Link {
        guard let from = session.tables[fromTable] else {
            throw Diagnostic.error("unknown table '\(fromTable)'", at: range, suggestion: Suggestion.nearest(to: fromTable, in: session.tableOrder))
        }
        guard let to = session.tables[toTable] else {
            throw Diagnostic.error("unknown table '\(toTable)'", at: range, suggestion: Suggestion.nearest(to: toTable, in: session.tableOrder))
        }
        guard fromTable != toTable else { throw Diagnostic.error("a table cannot link to itself", at: range) }
        let step = LinkStep(fromTable: fromTable, fromColumn: fromColumn, toTable: toTable, toColumn: toColumn)
        if let counted = try databaseLink(step, from: from, to: to, range: range) { return counted }
        guard let fromKey = from.table.column(named: fromColumn) else {
            throw Diagnostic.error("unknown column '\(fromColumn)' in \(fromTable)", at: range, suggestion: Suggestion.nearest(to: fromColumn, in: from.table.columnNames))
        }
        guard let toKey = to.table.column(named: toColumn) else {
            throw Diagnostic.error("unknown column '\(toColumn)' in \(toTable)", at: range, suggestion: Suggestion.nearest(to: toColumn, in: to.table.columnNames))
        }
        for (column, name) in [(fromKey, "\(fromTable).\(fromColumn)"), (toKey, "\(toTable).\(toColumn)")] where !(column.type == .integer || column.type == .text || column.type == .decimal) {
            throw Diagnostic.error("\(name) is \(VectorOps.describe(column.type)); link keys must be ids (whole numbers or text)", at: range)
        }
        if (fromKey.type == .text) != (toKey.type == .text) {
            throw Diagnostic.error("\(fromTable).\(fromColumn) is \(VectorOps.describe(fromKey.type)) but \(toTable).\(toColumn) is \(VectorOps.describe(toKey.type)); link keys must have the same type", at: range,
                                   notes: ["load one of them with types (\(fromColumn) text) to compare them as text"])
        }
        return Link(step, fromKey: fromKey, toKey: toKey)
    }

    /// A link between two tables of one database server, both keys whole numbers or both text:
    /// counted on the server, its rows matched only when a statement reads through it (reading
    /// both key columns then); nil for any other link.
    private func databaseLink(_ step: LinkStep, from: TableValue, to: TableValue, range: SourceRange) throws(Diagnostic) -> Link? {
        guard let fromDB = DatabaseTable.of(from.table), let toDB = DatabaseTable.of(to.table), fromDB.connection === toDB.connection,
              let fromType = from.table.type(of: step.fromColumn), let toType = to.table.type(of: step.toColumn),
              fromType == toType, fromType == .integer || fromType == .text else { return nil }
        let counts: DatabaseTable.LinkCounts
        do throws(DatabaseError) {
            counts = try DatabaseTable.linkCounts(from: fromDB, fromColumn: step.fromColumn, to: toDB, toColumn: step.toColumn, isCancelled: context.isCancelled)
        } catch {
            throw DatabaseLoader.diagnostic(error, range: range)
        }
        let (fromTable, toTable) = (from.table, to.table)
        return Link(step, fromRowCount: fromTable.rowCount, duplicateKeys: counts.duplicateKeys, unmatched: counts.unmatched, nullKeys: counts.nullKeys,
                    severalLinking: counts.severalLinking) {
            guard let fromKey = fromTable.column(named: step.fromColumn), let toKey = toTable.column(named: step.toColumn) else { return [] }
            return Link(step, fromKey: fromKey, toKey: toKey).target
        }
    }

    /// After a table is replaced, its links are rebuilt against the new rows.
    private func relink(_ name: String, in session: inout Session, range: SourceRange) throws(Diagnostic) {
        for (i, link) in session.links.enumerated() where link.fromTable == name || link.toTable == name {
            session.links[i] = try makeLink(link.fromTable, link.fromColumn, link.toTable, link.toColumn, session: session, range: range)
        }
    }

    // MARK: Include

    private mutating func include(_ path: String, allowing allowed: [FileUse], session: inout Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) {
        let resolved = try checkedPath(path, for: .include, baseDirectory: baseDirectory, range: range)
        let canonical = fileSystem.canonical(resolved)
        if let start = includeStack.firstIndex(of: canonical) {
            throw Diagnostic.error("include cycle: \((includeStack[start...] + [canonical]).map { FileAccess.displayName($0) }.joined(separator: " → "))", at: range)
        }
        let text: String
        do { text = try fileSystem.readText(resolved) } catch {
            throw Diagnostic(.error, .missingInput, "cannot read \(path): \(error.reason)", at: range)
        }
        let shown = FileAccess.shown(path, includedFrom: range.file.path)
        let file = SourceFile(path: shown, text: text)
        let (statements, diagnostics) = Parser.parse(file)
        if let first = diagnostics.first {
            var d = first
            d.notes.append("included from \(range.file.path):\(range.file.location(of: range.start).line)" + (diagnostics.count > 1 ? " (and \(CountText.of(diagnostics.count - 1, "more error", "more errors")) in this file)" : ""))
            throw d
        }
        includeStack.append(canonical)
        session.loadedPaths.insert(canonical)
        let outerGrant = grant
        grant = grant.narrowed(to: allowed, folder: FileAccess.directory(of: canonical), file: shown, includedAs: path)
        defer {
            includeStack.removeLast()
            grant = outerGrant
        }
        let includedBase = FileAccess.directory(of: resolved)
        let definitionsBefore = session.definitions.count
        for statement in statements {
            try run(statement, in: &session, baseDirectory: includedBase)
        }
        // A saved session repeats the include, not what the file held.
        session.definitions.removeSubrange(definitionsBefore...)
        session.definitions.append(Statement(kind: .include(Expr(.string(canonical), range), allow: allowed), range: range))
    }

    /// The path a statement may use for `use`, or a located error saying why not.
    func checkedPath(_ path: String, for use: FileUse, baseDirectory: String, range: SourceRange) throws(Diagnostic) -> String {
        do { return try fileSystem.checkedPath(path, for: use, grant: grant, relativeTo: baseDirectory) } catch {
            throw Diagnostic.error(error.reason, at: range, notes: error.notes)
        }
    }

    /// A definition is evaluated later, maybe by another file with other grants: it may not read files.
    private func refuseLoads(in exprs: [Expr], of what: String) throws(Diagnostic) {
        for expr in exprs {
            if let load = ExprWalk.firstLoad(in: expr) {
                throw Diagnostic.error("\(what) cannot load a file; load it into a table first (t = load \"…\") and use the table", at: load.range)
            }
        }
    }
}

/// Builds result tables from sliced formulas.
enum Results {
    static func table(_ sliced: Aggregation.Sliced, names: [String], formats: [DisplayFormat?], title: String?) -> ResultTable {
        var columns = sliced.keyColumns
        var allFormats: [DisplayFormat?] = Array(repeating: nil, count: columns.count)
        for (i, name) in names.enumerated() {
            columns.append(ColumnBuilder.column(from: sliced.values.map { i < $0.count ? $0[i] : .null }, name: name))
            allFormats.append(i < formats.count ? formats[i] : nil)
        }
        var result = ResultTable(title: title, table: Table(name: "result", columns: columns, rowCount: sliced.values.count), formats: allFormats, footnotes: sliced.notes)
        if !sliced.keyColumns.isEmpty {
            result.chart = sliced.keyColumns.count == 1 && sliced.periodKeys.first == true ? .series : .breakdown
        }
        return result
    }
}

extension Interpreter {
    /// The file a `load` (or an `include`) reads: its path expression, evaluated (a string, or
    /// text made from parameters: `load data + "/leads.csv"`).
    func loadPath(_ expr: Expr, session: Session, baseDirectory: String, for statement: String = "load") throws(Diagnostic) -> String {
        if case .string(let literal) = expr.kind { return literal }
        if let name = Cycles.names(in: expr).first(where: { session.valuesSetByIncludes.contains($0) }) {
            throw Diagnostic.error("this path uses '\(name)', which an included file set; a path may only be built from the script's own values and --set", at: expr.range,
                                   notes: ["otherwise a rule file could choose which files the script reads"])
        }
        guard case .scalar(let value, _, _) = try evaluate(expr, session: session, baseDirectory: baseDirectory) else {
            throw Diagnostic.error("\(statement) needs the file's path as text, found a table", at: expr.range)
        }
        guard case .text(let path) = value else {
            let example = statement == "include" ? "include \"clients/\" + client + \".funnel\" with param client = \"acme\""
                : "load data + \"/leads.csv\" with param data = \"exports/2025-Q3\""
            throw Diagnostic.error("\(statement) needs the file's path as text, found \(VectorOps.describe(value.type))", at: expr.range,
                                   notes: ["for example: \(example)"])
        }
        return path
    }
}

extension Interpreter {
    /// A whole table's first rows and null counts from the backend, when its rows are elsewhere.
    func tablePreview(_ name: String, session: Session, range: SourceRange) throws(Diagnostic) -> Table? {
        let backend = context.makeBackend(session.tables, session.links)
        do { return try backend.preview(of: name, rows: SummaryRenderer.previewRows) } catch { throw Diagnostic.plan(error, at: range) }
    }
}
