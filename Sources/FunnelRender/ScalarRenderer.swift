import FunnelEngine

/// A single value, optionally labelled and checked against a target.
///
/// Terminal: "lead_rate = 2.4%   target >= 2.0%: met" (`met` nil reads "unknown": the value was
/// null). Markdown: "**lead_rate** = 2.4% (target >= 2.0%: met)". CSV: a header and one row with
/// columns name, value, and target, met when a target is given; JSON: one object with the same
/// keys. CSV and JSON carry the raw value (a percent as its ratio).
public enum ScalarRenderer {
    public static func render(label: String?, value: Value, format: DisplayFormat?, target: (text: String, met: Bool?)?,
                              as output: OutputFormat, style: TerminalStyle = TerminalStyle()) -> String {
        switch output {
        case .table:
            let isNull = value.isNull
            var text = ValueFormatter.format(value, as: format, unicode: style.unicode)
            if isNull { text = ANSI.dim(text, style.color) }
            if let label { text = ValueFormatter.visible(label) + " = " + text }
            if let target { text += "   target " + ValueFormatter.visible(target.text) + ": " + verdict(target.met) }
            return text + "\n"
        case .markdown:
            var text = MarkdownRenderer.cell(ValueFormatter.format(value, as: format, unicode: style.unicode)).0
            if let label { text = "**" + MarkdownRenderer.cell(label).0 + "** = " + text }
            if let target { text += " (target " + MarkdownRenderer.cell(target.text).0 + ": " + verdict(target.met) + ")" }
            return text + "\n"
        case .csv:
            var header = ["name", "value"]
            var row = [label.map(MachineText.csvField) ?? "", MachineText.value(value, .csv)]
            if let target {
                header += ["target", "met"]
                row += [MachineText.csvField(target.text), target.met.map { $0 ? "true" : "false" } ?? ""]
            }
            return header.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n"
        case .json:
            var text = "{\"name\": " + (label.map(MachineText.jsonString) ?? "null")
                + ", \"value\": " + MachineText.value(value, .json)
            if let target {
                text += ", \"target\": " + MachineText.jsonString(target.text)
                    + ", \"met\": " + (target.met.map { $0 ? "true" : "false" } ?? "null")
            }
            return text + "}\n"
        }
    }

    private static func verdict(_ met: Bool?) -> String {
        guard let met else { return "unknown" }
        return met ? "met" : "missed"
    }
}
