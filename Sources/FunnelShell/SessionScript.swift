import FunnelEngine
import FunnelLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `:save`: the session's definitions, in order, as a script that reproduces them. Relative paths
/// of loads and includes are made absolute, so the script runs from wherever it is saved.
enum SessionScript {
    static func text(of session: Session, currentDirectory: String) -> String {
        var lines = ["# funnel session saved by :save — definitions in the order they were made"]
        // Parameters given with --set come first, as defaults the saved script can be run with.
        let declared = Set(session.definitions.compactMap { statement -> String? in
            if case .param(let name, _) = statement.kind { return name } else { return nil }
        })
        for (name, value) in session.parameters where !declared.contains(name) {
            lines.append("param \(name) = \(literal(value))")
        }
        for statement in session.definitions {
            let source = statement.range.file.slice(statement.range)
            let base = statement.range.file.path.hasPrefix("<") ? currentDirectory : directory(of: absolute(statement.range.file.path, currentDirectory))
            switch statement.kind {
            case .include(let pathExpr, let allowed):
                // Kept as the file it named (a definition's include is its canonical path).
                guard case .string(let path) = pathExpr.kind else { lines.append(source); continue }
                lines.append("include \(quoted(absolute(path, base)))" + (allowed.isEmpty ? "" : " allow " + allowed.map(\.rawValue).joined(separator: ", ")))
            case .assign(let name, let expr):
                if case .load(let pathExpr, _) = expr.kind, case .string(let path) = pathExpr.kind {
                    lines.append(path.hasPrefix("/") ? source : replacingFirst(quoted(path), in: source, with: quoted(absolute(path, base))))
                } else if case .load(let pathExpr, _) = expr.kind, let path = session.loadSources[name] {
                    // A path made from parameters: the file it named when it was loaded.
                    let text = pathExpr.range.file.slice(pathExpr.range)
                    lines.append(replacingFirst(text, in: source, with: quoted(absolute(path, base))))
                } else {
                    lines.append(source)
                }
            default:
                lines.append(source)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A value as the language writes it.
    static func literal(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .decimal(let d): return d.isFinite ? "\(d)" : "null"
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return CivilDate.format(days: Int(d))
        case .timestamp(let s): return quoted(CivilDate.format(seconds: s))
        case .text(let t): return quoted(t)
        }
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    static func absolute(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") ? path : (base == "." ? path : base + "/" + path)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    private static func replacingFirst(_ target: String, in text: String, with replacement: String) -> String {
        guard let range = text.firstRange(of: target) else { return text }
        return String(text[..<range.lowerBound]) + replacement + String(text[range.upperBound...])
    }
}
