import FunnelEngine

/// A funnel's rows grouped by keys that plans compute, and aggregates over those groups: a funnel
/// breakdown groups its rows once, and the aggregates over the funnel's table (its revenue, its
/// orders) use the same groups.
public enum GroupedRows {
    /// The rows of `view` (the relation `rows` scans) grouped by `keys`, a period key truncated to
    /// its period; and how many rows have no date for a period key.
    public static func group(_ keys: [GroupKey], rows: LogicalPlan, view: TableValue, on backend: any Backend) throws(PlanError) -> (grouping: Grouping, undated: Int) {
        var plan = rows
        for (i, key) in keys.enumerated() {
            let expression = key.period.map { PlanExpression.function(.truncate($0), [key.expression]) } ?? key.expression
            plan = .derive(plan, name: "key \(i)", expression)
        }
        let result = try backend.execute(plan)
        let rowCount = view.table.rowCount
        var columns = Array(result.table.columns.suffix(keys.count))
        if let selection = view.selection { columns = columns.map { Gather.spread($0, over: selection, count: rowCount) } }
        for i in columns.indices where i < keys.count { columns[i].name = keys[i].name }
        var undated = 0
        for (i, key) in keys.enumerated() where key.period != nil && i < columns.count && columns[i].validity != nil {
            forEachRow(view.selection, below: rowCount) { r in if columns[i].isNull(r) { undated += 1 } }
        }
        // The kernels expect ascending rows; a sorted view (`leads sort score desc by source`) is not.
        var selection = view.selection
        if let rows = selection, zip(rows, rows.dropFirst()).contains(where: { $0 >= $1 }) {
            selection = Array(Set(rows)).sorted()
        }
        return (GroupBy.group(keys: columns, selection: selection, rowCount: rowCount), undated)
    }

    /// `measure` per group of `grouping` (made over the rows of a table of `rowCount` rows), over the
    /// rows `rows` keeps of that table.
    public static func measure(_ measure: Measure, rows: LogicalPlan, rowCount: Int, grouping: Grouping, on backend: any Backend) throws(PlanError) -> [Value] {
        var kept = rows
        if let filter = measure.filter { kept = .filter(kept, filter) }
        let selection = try backend.view(kept).selection
        var column: Column? = nil
        if let argument = measure.argument, let values = try backend.execute(.derive(kept, name: "value", argument)).table.columns.last {
            column = selection.map { Gather.spread(values, over: $0, count: rowCount) } ?? values
        }
        return Aggregate.compute(measure.function, column: column, selection: selection, rowCount: rowCount, grouping: grouping)
    }
}
