import FunnelEngine
import FunnelRender

/// Turns statement outputs and diagnostics into text, the same way for the command line, the
/// shell and the golden tests.
public struct OutputText: Sendable {
    public var format: OutputFormat
    public var style: TerminalStyle
    public var errorColor: Bool

    public init(format: OutputFormat, style: TerminalStyle, errorColor: Bool = false) {
        self.format = format
        self.style = style
        self.errorColor = errorColor
    }

    public enum Stream: Sendable { case standardOutput, standardError }

    public func render(_ output: Output) -> (Stream, String) {
        var text: String
        var stream = Stream.standardOutput
        switch output {
        case .table(let result):
            text = TableRenderer.render(result, as: format, style: style)
        case .summary(let table, _):
            text = SummaryRenderer.render(table, as: format, style: style)
        case .scalar(let label, let value, let displayFormat, let target, let met):
            text = ScalarRenderer.render(label: label, value: value, format: displayFormat, target: target.map { ($0, met) }, as: format, style: style)
        case .message(let message):
            text = message
            if format != .table { stream = .standardError }
        case .warning(let diagnostic), .assertionFailed(let diagnostic):
            text = DiagnosticRenderer.render(diagnostic, color: errorColor)
            stream = .standardError
        case .funnelChart(let chart, let result):
            text = format == .table ? TerminalChart.funnel(chart, width: min(style.width, 100), unicode: style.unicode) : TableRenderer.render(result, as: format, style: style)
        case .seriesChart(let chart, let result):
            text = format == .table ? TerminalChart.lines(chart, width: min(style.width, 100), height: 12, unicode: style.unicode) : TableRenderer.render(result, as: format, style: style)
        case .barChart(let chart, let result):
            text = format == .table ? TerminalChart.bars(chart, width: min(style.width, 100), unicode: style.unicode) : TableRenderer.render(result, as: format, style: style)
        }
        if !text.hasSuffix("\n") { text += "\n" }
        // Markdown viewers join tables that touch: keep a blank line between results.
        if format == .markdown && stream == .standardOutput { text += "\n" }
        return (stream, text)
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        DiagnosticRenderer.render(diagnostic, color: errorColor)
    }
}
