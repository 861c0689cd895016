/// Plans and expressions as text, for `explain plan` and `:plan`: one operator a line, its input
/// indented under it, each scan with the columns it reads.
public enum PlanText {
    public static func describe(_ plan: LogicalPlan) -> String {
        var lines: [String] = []
        var node: LogicalPlan? = plan.pruned()
        var depth = 0
        while let current = node {
            let pad = String(repeating: "  ", count: depth)
            lines.append(pad + line(current))
            var shown = Set<String>()
            for e in current.expressions {
                for linked in e.linkedPlans {
                    let text = describe(linked)
                    guard shown.insert(text).inserted else { continue }
                    lines.append(pad + "  linked rows:")
                    lines += text.split(separator: "\n").map { pad + "    " + $0 }
                }
            }
            node = current.input
            depth += 1
        }
        return lines.joined(separator: "\n")
    }

    private static func line(_ plan: LogicalPlan) -> String {
        switch plan {
        case .scan(let name, let columns):
            return "scan \(name)" + (columns.map { " [\($0.joined(separator: ", "))]" } ?? " [all columns]")
        case .join(_, let join):
            return "join \(join.relation) along \(join.link.text)" + (join.direction == .firstLinking ? " (first linking row)" : "")
        case .filter(_, let e): return "filter \(expression(e))"
        case .derive(_, let name, let e): return "derive \(name) = \(expression(e))"
        case .aggregate(_, let keys, let measures):
            let keyText = keys.map { key in
                key.period.map { "\($0.rawValue)(\(expression(key.expression)))" } ?? (key.name == expression(key.expression) ? key.name : "\(key.name) = \(expression(key.expression))")
            }
            let measureText = measures.map { m in
                aggregate(m.function, m.argument) + (m.filter.map { " where \(expression($0))" } ?? "")
            }
            return "aggregate" + (keyText.isEmpty ? "" : " by \(keyText.joined(separator: ", "))") + ": " + measureText.joined(separator: ", ")
        case .sort(_, let keys):
            return "sort " + keys.map { expression($0.expression) + ($0.descending ? " desc" : "") }.joined(separator: ", ")
        case .limit(_, let n): return "limit \(n)"
        }
    }

    public static func aggregate(_ function: AggregateFunction, _ argument: PlanExpression?) -> String {
        let arg = argument.map(expression) ?? ""
        switch function {
        case .countRows: return "count()"
        case .count: return "count(\(arg))"
        case .countDistinct: return "count(distinct \(arg))"
        case .sum: return "sum(\(arg))"
        case .avg: return "avg(\(arg))"
        case .min: return "min(\(arg))"
        case .max: return "max(\(arg))"
        case .median: return "median(\(arg))"
        case .percentile(let q): return "percentile(\(arg), \(q))"
        }
    }

    public static func expression(_ e: PlanExpression) -> String {
        switch e {
        case .constant(let v):
            if case .text(let s) = v { return "\"\(s)\"" }
            if v.isNull { return "null" }
            return TextForm.of(v)
        case .column(let ref): return ref.text
        case .unary(let op, let a): return op == .not ? "not \(operand(a))" : "-\(operand(a))"
        case .binary(let op, let a, let b): return "\(operand(a)) \(op.rawValue) \(operand(b))"
        case .match(let a, let pattern, let negated): return "\(operand(a)) \(negated ? "!~" : "~") \"\(pattern)\""
        case .isNull(let a, let negated): return "\(operand(a)) is \(negated ? "not " : "")null"
        case .function(let f, let args):
            var shown = args.map(expression)
            switch f {
            case .contains(let s), .startsWith(let s), .endsWith(let s): shown.append("\"\(s)\"")
            case .inPeriod(_, _, let text): shown.append("\"\(text)\"")
            case .round(let places) where places != 0: shown.append("\(places)")
            case .truncate(let unit): return "date_trunc(\"\(unit.rawValue)\", \(shown.joined(separator: ", ")))"
            default: break
            }
            return "\(f.name)(\(shown.joined(separator: ", ")))"
        case .linkedAggregate(let a):
            return "\(aggregate(a.function, a.argument)) of linked \(a.rows.relation) along \(a.link.text)"
        case .linkedExists(let rows, let link, _): return "has \(rows.relation) along \(link.text)"
        case .shared(let name, _): return name
        case .origin(_, let inner): return expression(inner)
        }
    }

    private static func operand(_ e: PlanExpression) -> String {
        switch e.unwrapped {
        case .binary, .match, .isNull: return "(\(expression(e)))"
        default: return expression(e)
        }
    }
}
