import FunnelAnalytics
import FunnelEngine

/// Row functions (text, dates, numbers). Text functions run once per distinct value of a
/// dictionary-encoded column, not once per row.
enum Functions {
    static let aggregates: Set<String> = ["count", "sum", "avg", "min", "max", "median", "p90", "percentile"]
    static let rowFunctions: [String] = [
        "lower", "upper", "trim", "length", "month_number", "contains", "starts_with", "ends_with",
        "year", "quarter", "month", "week", "day", "weekday", "date", "date_trunc", "days_between", "in_period", "today",
        "coalesce", "abs", "round",
    ]
    /// `all(formula)`: an aggregate formula over the whole table in a grouped statement (a share
    /// of the total: `count() / all(count())`), instead of over each group.
    static let wholeTable = "all"
    static var allNames: [String] { rowFunctions + aggregates.sorted() + [wholeTable] }

    static func call(_ rawName: String, _ args: [Expr], expr: Expr, evaluator: RowEvaluator, selection: Selection?) throws(Diagnostic) -> Operand {
        let name = rawName.lowercased()
        let rowCount = evaluator.rowCount
        func arity(_ n: ClosedRange<Int>) throws(Diagnostic) {
            guard n.contains(args.count) else {
                let expected = n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)"
                throw Diagnostic.error("\(name)() takes \(expected) argument\(n.upperBound == 1 ? "" : "s"), found \(args.count)", at: expr.range)
            }
        }
        func arg(_ i: Int) throws(Diagnostic) -> Operand { try evaluator.evaluate(args[i], selection: selection) }

        switch name {
        case "lower", "upper", "trim":
            try arity(1...1)
            return try mapText(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { s in
                name == "lower" ? s.lowercased() : name == "upper" ? s.uppercased() : trimmed(s)
            }
        case "month_number":
            // Month names as exports write them (Jan, June, september, …) → 1…12, to sort by.
            try arity(1...1)
            return try textToValue(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { s in
                let prefix = String(s.lowercased().prefix(3))
                let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
                return names.firstIndex(of: prefix).map { .integer(Int64($0 + 1)) } ?? .integer(0)
            }
        case "length":
            try arity(1...1)
            return try textToValue(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { .integer(Int64($0.count)) }
        case "contains", "starts_with", "ends_with":
            try arity(2...2)
            guard case .scalar(let needleValue) = try arg(1) else {
                throw Diagnostic.error("the second argument of \(name)() must be a constant string", at: args[1].range)
            }
            guard case .text(let needle) = needleValue else {
                if needleValue.isNull { return .scalar(.null) }
                throw Diagnostic.error("the second argument of \(name)() must be a string", at: args[1].range)
            }
            let lowerNeedle = needle.lowercased()
            return try textToValue(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { s in
                let l = s.lowercased()
                switch name {
                case "contains": return .boolean(lowerNeedle.isEmpty || l.contains(lowerNeedle))
                case "starts_with": return .boolean(l.hasPrefix(lowerNeedle))
                default: return .boolean(l.hasSuffix(lowerNeedle))
                }
            }
        case "year", "quarter", "month", "week", "day", "weekday":
            try arity(1...1)
            let part: DatePart = name == "year" ? .year : name == "quarter" ? .quarter : name == "month" ? .month : name == "week" ? .week : name == "day" ? .day : .dayOfWeek
            return try temporal(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { column in
                DateKernels.part(part, of: column, selection: selection)
            }
        case "date":
            try arity(1...1)
            return try temporal(try arg(0), range: args[0].range, rowCount: rowCount, selection: selection) { column in
                DateKernels.truncate(column, to: .day, selection: selection)
            }
        case "date_trunc":
            try arity(2...2)
            guard case .scalar(.text(let unitName)) = try arg(0) else {
                throw Diagnostic.error("date_trunc's first argument is the unit as a string: \"week\", \"month\", \"quarter\" or \"year\"", at: args[0].range)
            }
            guard let unit = DateUnit(rawValue: unitName.lowercased()) else {
                throw Diagnostic.error("unknown date unit \"\(unitName)\"", at: args[0].range,
                                       suggestion: Suggestion.nearest(to: unitName, in: ["day", "week", "month", "quarter", "year"]))
            }
            return try temporal(try arg(1), range: args[1].range, rowCount: rowCount, selection: selection) { column in
                DateKernels.truncate(column, to: unit, selection: selection)
            }
        case "days_between":
            try arity(2...2)
            let a = try arg(0), b = try arg(1)
            for (i, operand) in [a, b].enumerated() where !(operand.type?.isTemporal ?? true) {
                throw Diagnostic.error("days_between() takes dates or timestamps, found \(VectorOps.describe(operand.type))", at: args[i].range)
            }
            do {
                return try VectorOps.arithmetic(.subtract, b, a, selection: selection, rowCount: rowCount)
            } catch {
                throw Diagnostic.error("days_between() takes two dates or timestamps", at: expr.range)
            }
        case "in_period":
            try arity(2...2)
            guard case .scalar(let periodValue) = try arg(1), case .text(let periodText) = periodValue, let period = Period.parse(periodText) else {
                throw Diagnostic.error("in_period()'s second argument is a period such as \"2025\", \"2025-Q3\", \"2025-07\" or \"2025-W27\"", at: args[1].range)
            }
            let start = Operand.scalar(.date(Int32(period.start))), end = Operand.scalar(.date(Int32(period.end)))
            let value = try arg(0)
            guard value.type?.isTemporal ?? true else {
                throw Diagnostic.error("in_period() takes a date or timestamp, found \(VectorOps.describe(value.type))", at: args[0].range)
            }
            do {
                let after = try VectorOps.compare(.greaterEqual, value, start, selection: selection, rowCount: rowCount)
                let before = try VectorOps.compare(.less, value, end, selection: selection, rowCount: rowCount)
                return try VectorOps.logical(.and, after, before, selection: selection, rowCount: rowCount)
            } catch {
                throw Diagnostic.error(error.message, at: expr.range)
            }
        case "today":
            try arity(0...0)
            return .scalar(.date(evaluator.context.today))
        case "coalesce":
            guard !args.isEmpty else { throw Diagnostic.error("coalesce() takes at least one argument", at: expr.range) }
            var result = try arg(args.count - 1)
            for i in stride(from: args.count - 2, through: 0, by: -1) {
                result = try coalesce(try arg(i), result, range: args[i].range, rowCount: rowCount, selection: selection)
            }
            return result
        case "abs":
            try arity(1...1)
            let value = try arg(0)
            let negated: Operand
            do { negated = try VectorOps.negate(value, selection: selection, rowCount: rowCount) } catch {
                throw Diagnostic.error("abs() takes a number", at: args[0].range)
            }
            return try numericMap(value, negated, range: args[0].range, rowCount: rowCount, selection: selection) { v, n in max(v, n) }
        case "round":
            try arity(1...2)
            var places = 0
            if args.count == 2 {
                guard case .scalar(.integer(let p)) = try arg(1), (0...10).contains(p) else {
                    throw Diagnostic.error("round()'s second argument is the number of decimals, 0 to 10", at: args[1].range)
                }
                places = Int(p)
            }
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let value = try arg(0)
            return try numericMap(value, value, range: args[0].range, rowCount: rowCount, selection: selection) { v, _ in (v * scale).rounded() / scale }
        default:
            throw Diagnostic.error("unknown function '\(rawName)'", at: expr.range, suggestion: Suggestion.nearest(to: rawName, in: allNames))
        }
    }

    static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f.isWhitespace { sub = sub.dropFirst() }
        while let l = sub.last, l.isWhitespace { sub = sub.dropLast() }
        return String(sub)
    }

    /// Maps text to text per distinct value, keeping the dictionary free of duplicates.
    private static func mapText(_ operand: Operand, range: SourceRange, rowCount: Int, selection: Selection?, _ transform: (String) -> String) throws(Diagnostic) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(.text(transform(s)))
        case .scalar(let v): throw Diagnostic.error("expected text, found \(VectorOps.describe(v.type))", at: range)
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else {
                throw Diagnostic.error("expected text, found \(VectorOps.describe(column.type))", at: range)
            }
            var newDictionary = TextDictionary()
            var position: [String: Int32] = [:]
            var remap = [Int32](repeating: 0, count: dictionary.count)
            for (i, s) in dictionary.enumerated() {
                let t = transform(s)
                if let existing = position[t] { remap[i] = existing } else {
                    let code = Int32(newDictionary.count)
                    position[t] = code
                    newDictionary.append(t)
                    remap[i] = code
                }
            }
            if newDictionary.isEmpty { newDictionary.append("") }
            let out = codes.remapped(remap, dictionaryCount: newDictionary.count, selection: selection, count: rowCount)
            return .vector(.vector(.text(codes: out, dictionary: newDictionary), column.validity))
        }
    }

    /// Maps text to another type per distinct value.
    private static func textToValue(_ operand: Operand, range: SourceRange, rowCount: Int, selection: Selection?, _ transform: (String) -> Value) throws(Diagnostic) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(transform(s))
        case .scalar(let v): throw Diagnostic.error("expected text, found \(VectorOps.describe(v.type))", at: range)
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else {
                throw Diagnostic.error("expected text, found \(VectorOps.describe(column.type))", at: range)
            }
            let values = dictionary.map(transform)
            if values.allSatisfy({ if case .boolean = $0 { return true } else { return false } }) {
                let flags = values.map { if case .boolean(let b) = $0 { return b } else { return false } }
                var out = [Bool](repeating: false, count: rowCount)
                out.withUnsafeMutableBufferPointer { o in
                    codes.forEachCode(selection, below: rowCount) { r, c in if c >= 0 && c < flags.count { o[r] = flags[c] } }
                }
                return .vector(.vector(.boolean(out), column.validity))
            }
            let ints = values.map { if case .integer(let i) = $0 { return i } else { return 0 } }
            var out = [Int64](repeating: 0, count: rowCount)
            out.withUnsafeMutableBufferPointer { o in
                codes.forEachCode(selection, below: rowCount) { r, c in if c >= 0 && c < ints.count { o[r] = ints[c] } }
            }
            return .vector(.vector(.integer(.int64(out)), column.validity))
        }
    }

    private static func temporal(_ operand: Operand, range: SourceRange, rowCount: Int, selection: Selection?, _ kernel: (Column) -> Column) throws(Diagnostic) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(let v):
            guard v.type?.isTemporal == true else { throw Diagnostic.error("expected a date or timestamp, found \(VectorOps.describe(v.type))", at: range) }
            let result = kernel(VectorOps.constantColumn(v, rowCount: 1))
            return .scalar(result.value(at: 0))
        case .vector(let column):
            guard column.type.isTemporal else { throw Diagnostic.error("expected a date or timestamp, found \(VectorOps.describe(column.type))", at: range) }
            return .vector(kernel(column))
        }
    }

    private static func coalesce(_ first: Operand, _ fallback: Operand, range: SourceRange, rowCount: Int, selection: Selection?) throws(Diagnostic) -> Operand {
        if case .scalar(let v) = first { return v.isNull ? fallback : first }
        guard case .vector(let column) = first, let validity = column.validity else { return first }
        let other = VectorOps.materialize(fallback, rowCount: rowCount)
        // Coalesce across types through scalar values: rare, and kept simple.
        var values: [Value] = Array(repeating: .null, count: rowCount)
        forEachRow(selection, below: rowCount) { r in values[r] = validity.isValid(r) ? column.value(at: r) : other.value(at: r) }
        return .vector(ColumnBuilder.column(from: values, selection: selection, rowCount: rowCount))
    }

    private static func numericMap(_ a: Operand, _ b: Operand, range: SourceRange, rowCount: Int, selection: Selection?, _ f: (Double, Double) -> Double) throws(Diagnostic) -> Operand {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)):
            if x.isNull { return .scalar(.null) }
            guard let xv = x.number, let yv = y.number else { throw Diagnostic.error("expected a number", at: range) }
            let r = f(xv, yv)
            if case .integer = x, r == r.rounded(), abs(r) < 9e18 { return .scalar(.integer(Int64(r))) }
            return .scalar(.decimal(r))
        default:
            let ca = VectorOps.materialize(a, rowCount: rowCount), cb = VectorOps.materialize(b, rowCount: rowCount)
            guard ca.type.isNumeric, let x = VectorOps.doubles(ca, selection), let y = VectorOps.doubles(cb, selection) else {
                throw Diagnostic.error("expected a number, found \(VectorOps.describe(ca.type))", at: range)
            }
            var out = [Double](repeating: 0, count: rowCount)
            forEachRow(selection, below: rowCount) { out[$0] = f(x[$0], y[$0]) }
            if ca.type == .integer {
                var ints = [Int64](repeating: 0, count: rowCount)
                var fits = true
                forEachRow(selection, below: rowCount) { r in if abs(out[r]) < 9e18 { ints[r] = Int64(out[r]) } else { fits = false } }
                if fits { return .vector(.vector(.integer(.int64(ints)), ca.validity)) }
            }
            return .vector(.vector(.decimal(out), ca.validity))
        }
    }
}

/// Every function name the language knows, for completion and help.
public enum FunctionNames {
    public static var all: [String] { Functions.allNames }
}
