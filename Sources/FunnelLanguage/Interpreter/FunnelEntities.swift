import FunnelAnalytics
import FunnelEngine

/// Who a funnel counts and which rows it drops: `count distinct contact_id`, `constant
/// account_id`, `exclude lost_at between mqls and sqls`, and a breakdown's attribution.
extension Interpreter {
    /// Checks the funnel block's `exclude`, `count distinct` and `constant` lines when the funnel
    /// is defined, so that a wrong stage or column is reported where it was written.
    func validateWhoIsCounted(_ syntax: FunnelSyntax, session: Session, view: TableValue, names: Set<String>) throws(Diagnostic) {
        let rowStages = syntax.stages.filter { $0.count == nil }
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        for exclusion in syntax.exclusions {
            for stageName in [exclusion.from, exclusion.to] {
                guard let stage = rowStages.first(where: { $0.name == stageName }) else {
                    throw Diagnostic.error("unknown stage '\(stageName)' in the exclusion", at: exclusion.range,
                                           suggestion: Suggestion.nearest(to: stageName, in: rowStages.map(\.name)),
                                           notes: names.contains(stageName) ? ["\(stageName) is a count-only stage: an exclusion is between stages of \(syntax.table) rows"] : [])
                }
                guard stage.at != nil else {
                    throw Diagnostic.error("\(stageName) has no time (`at`): an exclusion is between the times of two stages", at: exclusion.range)
                }
            }
            if let condition = exclusion.condition { _ = try evaluator.evaluate(condition, selection: []) }
            let from = rowStages.firstIndex { $0.name == exclusion.from } ?? 0, to = rowStages.firstIndex { $0.name == exclusion.to } ?? 0
            guard from < to || (syntax.anyOrder && from != to) else {
                throw Diagnostic.error("exclude … between \(exclusion.from) and \(exclusion.to): the first stage must come before the second",
                                       at: exclusion.range, notes: ["write the stages in the funnel's order: exclude \(exclusion.column) between \(exclusion.to) and \(exclusion.from)"])
            }
            var type = view.table.type(of: exclusion.column)
            if type == nil { type = try evaluator.evaluate(Expr(.name(exclusion.column), exclusion.range), selection: []).type }
            guard type?.isTemporal == true else {
                throw Diagnostic.error("'\(exclusion.column)' is \(VectorOps.describe(type)); an exclusion needs the date or timestamp of when it happened",
                                       at: exclusion.range)
            }
        }
        if !syntax.constant.isEmpty && syntax.countDistinct.isEmpty {
            throw Diagnostic.error("`constant` keeps a property the same along each counted entity's stages: the funnel also needs `count distinct contact_id`",
                                   at: syntax.constant[0].range)
        }
        for key in syntax.countDistinct + syntax.constant {
            let type = try evaluator.evaluate(key, selection: []).type
            if type == nil || type == .boolean {
                throw Diagnostic.error("\(Self.sourceText([key])) is \(VectorOps.describe(type)): an entity is named by a column such as contact_id", at: key.range)
            }
        }
    }

    /// The rows' groups for `EntityFunnel.build`: one group per entity (per entity and constant
    /// value with `constant`), -1 for a row whose key or constant is null.
    func entityGroups(_ syntax: FunnelSyntax, evaluator: RowEvaluator, view: TableValue)
        throws(Diagnostic) -> (groupOfRow: [Int32], groupCount: Int, entityOfGroup: [Int32], entityCount: Int) {
        let rowCount = view.table.rowCount
        func columns(_ keys: [Expr]) throws(Diagnostic) -> [Column] {
            var out: [Column] = []
            for key in keys {
                switch try evaluator.evaluate(key, selection: view.selection) {
                case .vector(let column): out.append(column)
                case .scalar(let value): out.append(ColumnBuilder.column(from: [Value](repeating: value, count: rowCount), name: "key"))
                }
            }
            return out
        }
        let entityKeys = try columns(syntax.countDistinct)
        let constantKeys = try columns(syntax.constant)
        var entities = GroupBy.group(keys: entityKeys, selection: view.selection, rowCount: rowCount)
        var groups = constantKeys.isEmpty ? entities : GroupBy.group(keys: entityKeys + constantKeys, selection: view.selection, rowCount: rowCount)
        // A null key names no entity: its rows are counted in a note, not as one more entity.
        for r in 0..<min(rowCount, groups.groupOfRow.count) where (entityKeys + constantKeys).contains(where: { r < $0.count && $0.isNull(r) }) {
            groups.groupOfRow[r] = -1
            entities.groupOfRow[r] = -1
        }
        var entityOfGroup = [Int32](repeating: -1, count: groups.groupCount)
        for r in 0..<min(rowCount, groups.groupOfRow.count, entities.groupOfRow.count) where groups.groupOfRow[r] >= 0 {
            entityOfGroup[Int(groups.groupOfRow[r])] = entities.groupOfRow[r]
        }
        return (groups.groupOfRow, groups.groupCount, entityOfGroup, entities.groupCount)
    }

    /// A breakdown's attribution as the funnel's evaluation takes it; an error when the funnel
    /// counts rows (each row is its own entity: there is nothing to attribute).
    func attribution(_ syntax: AttributionSyntax, of definition: FunnelDefinition, range: SourceRange) throws(Diagnostic) -> Attribution {
        let funnel = definition.syntax
        guard !funnel.countDistinct.isEmpty else {
            throw Diagnostic.error("`\(syntax.words)` chooses which of an entity's rows a breakdown reads; \(funnel.name) counts \(funnel.table) rows, each read as itself",
                                   at: range, notes: ["count entities in the funnel's block: count distinct contact_id"])
        }
        switch syntax {
        case .firstTouch: return .firstTouch
        case .lastTouch: return .lastTouch
        case .stage(let name, let stageRange):
            let rowStages = funnel.stages.filter { $0.count == nil }.map(\.name)
            guard let k = rowStages.firstIndex(of: name) else {
                throw Diagnostic.error("unknown stage '\(name)' of \(funnel.name)", at: stageRange, suggestion: Suggestion.nearest(to: name, in: rowStages))
            }
            return .stage(k)
        }
    }

    /// `F by keys [attribution]` in memory; a funnel that counts entities says under it whose
    /// value each key is.
    func attributedBreakdown(_ definition: FunnelDefinition, view: TableValue?, keys: [Expr], attribution: Attribution,
                             session: Session) throws(Diagnostic) -> ResultTable {
        let evaluation = try evaluateFunnel(definition, session: session, view: view, attribution: attribution)
        var result = try funnelBreakdown(evaluation, keys: keys, session: session)
        if !definition.syntax.countDistinct.isEmpty {
            result.footnotes.append(Self.attributionNote(attribution, keys: Aggregation.dimensions(keys).map(\.name), funnel: definition.syntax))
        }
        return result
    }

    /// The line under a breakdown of an entity funnel saying whose value each key is.
    static func attributionNote(_ attribution: Attribution, keys: [String], funnel: FunnelSyntax) -> String {
        let label = sourceText(funnel.countDistinct)
        let rowStages = funnel.stages.filter { $0.count == nil }.map(\.name)
        let what = keys.joined(separator: ", ")
        switch attribution {
        case .firstTouch: return "first touch: \(what) of each \(label)'s row at its first stage (`last touch` or `at STAGE` to change)"
        case .lastTouch: return "last touch: \(what) of each \(label)'s row at the furthest stage it reached"
        case .stage(let k): return "at \(k < rowStages.count ? rowStages[k] : "?"): \(what) of each \(label)'s row at that stage"
        }
    }

    static func sourceText(_ exprs: [Expr]) -> String {
        exprs.map { $0.range.file.slice($0.range) }.joined(separator: ", ")
    }
}
