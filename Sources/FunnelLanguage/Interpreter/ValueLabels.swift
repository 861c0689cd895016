import FunnelEngine
import FunnelRender

/// `label source "organic_search" as "Organic search"`: what a reader sees in place of a key's
/// value, in tables, charts and reports. Exports keep the data's values.
enum ValueLabels {
    static func apply(_ labels: [String: [String: String]], to output: Output) -> Output {
        switch output {
        case .table(let result): return .table(apply(labels, to: result))
        case .funnelChart(let chart, let result): return .funnelChart(chart, apply(labels, to: result))
        case .seriesChart(let chart, let result): return .seriesChart(chart, apply(labels, to: result))
        case .barChart(let chart, let result):
            // The bars are the result's keys: drawn again from the labelled result.
            let labelled = apply(labels, to: result)
            return .barChart(labelled.valuesLabelled == result.valuesLabelled ? chart : ReportBuilder.barChart(labelled) ?? chart, labelled)
        default: return output
        }
    }

    /// The text columns named like a labelled key, their values replaced by the labels.
    static func apply(_ labels: [String: [String: String]], to result: ResultTable) -> ResultTable {
        guard !result.valuesLabelled else { return result }
        var result = result
        var columns = result.table.columns
        var changed = false
        for (c, column) in columns.enumerated() where column.type == .text {
            guard let named = labels[column.name] else { continue }
            let values = (0..<result.table.rowCount).map { r -> Value in
                let value = r < column.count ? column.value(at: r) : .null
                if case .text(let text) = value, let label = named[text] { return .text(label) }
                return value
            }
            columns[c] = ColumnBuilder.column(from: values, name: column.name)
            changed = true
        }
        guard changed else { return result }
        result.table = Table(name: result.table.name, columns: columns, rowCount: result.table.rowCount)
        result.valuesLabelled = true
        return result
    }
}
