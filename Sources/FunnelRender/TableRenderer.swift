import FunnelEngine

/// Writes a result in one of the output formats. Only `.table` truncates (to `style.width` and
/// `style.maxRows`) and shows the title, row count and footnotes as text; Markdown shows the title
/// and footnotes around the whole table; CSV and JSON carry the data alone, with raw values.
/// Every line of the output ends with a newline.
public enum TableRenderer {
    public static func render(_ result: ResultTable, as format: OutputFormat, style: TerminalStyle = TerminalStyle()) -> String {
        switch format {
        case .table:
            return BoxRenderer.lines(result, style: style).joined(separator: "\n") + "\n"
        case .csv:
            return CSVRenderer.render(result.table)
        case .json:
            return JSONRenderer.render(result.table)
        case .markdown:
            return MarkdownRenderer.render(result, unicode: style.unicode)
        }
    }
}
