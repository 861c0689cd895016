/// The row functions' kernels. Text functions run once per distinct value of a dictionary-encoded
/// column, not once per row. Arity and constant arguments were checked when the plan was built.
enum RowFunctions {
    static func call(_ function: RowFunction, _ args: [PlanExpression], evaluation: RowEvaluation, selection: Selection?) throws(PlanError) -> Operand {
        let rowCount = evaluation.rowCount
        func arg(_ i: Int) throws(PlanError) -> Operand {
            guard i < args.count else { throw PlanError("\(function.name)() is missing an argument") }
            return try evaluation.evaluate(args[i], selection: selection)
        }
        /// An error about argument `i`, said where it was written.
        func wrong(_ message: String, _ i: Int) -> PlanError {
            if i < args.count, case .origin(let id, _) = args[i] { return PlanError(message, origin: id) }
            return PlanError(message)
        }
        switch function {
        case .lower, .upper, .trim:
            return try mapText(try arg(0), rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { s in
                function == .lower ? s.lowercased() : function == .upper ? s.uppercased() : trimmed(s)
            }
        case .monthNumber:
            // Month names as exports write them (Jan, June, september, …) → 1…12, to sort by.
            return try textToValue(try arg(0), rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { s in
                let prefix = String(s.lowercased().prefix(3))
                let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
                return names.firstIndex(of: prefix).map { .integer(Int64($0 + 1)) } ?? .integer(0)
            }
        case .length:
            return try textToValue(try arg(0), rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { .integer(Int64($0.count)) }
        case .contains(let needle), .startsWith(let needle), .endsWith(let needle):
            let lowerNeedle = needle.lowercased()
            return try textToValue(try arg(0), rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { s in
                let l = s.lowercased()
                switch function {
                case .contains: return .boolean(lowerNeedle.isEmpty || l.contains(lowerNeedle))
                case .startsWith: return .boolean(l.hasPrefix(lowerNeedle))
                default: return .boolean(l.hasSuffix(lowerNeedle))
                }
            }
        case .part(let part):
            return try temporal(try arg(0), error: { wrong($0, 0) }) { DateKernels.part(part, of: $0, selection: selection) }
        case .truncate(let unit):
            return try temporal(try arg(0), error: { wrong($0, 0) }) { DateKernels.truncate($0, to: unit, selection: selection) }
        case .daysBetween:
            let a = try arg(0), b = try arg(1)
            for (i, operand) in [a, b].enumerated() where !(operand.type?.isTemporal ?? true) {
                throw wrong("days_between() takes dates or timestamps, found \(VectorOps.describe(operand.type))", i)
            }
            do { return try VectorOps.arithmetic(.subtract, b, a, selection: selection, rowCount: rowCount) } catch {
                throw PlanError("days_between() takes two dates or timestamps")
            }
        case .inPeriod(let start, let end, _):
            let value = try arg(0)
            guard value.type?.isTemporal ?? true else {
                throw wrong("in_period() takes a date or timestamp, found \(VectorOps.describe(value.type))", 0)
            }
            do {
                let after = try VectorOps.compare(.greaterEqual, value, .scalar(.date(start)), selection: selection, rowCount: rowCount)
                let before = try VectorOps.compare(.less, value, .scalar(.date(end)), selection: selection, rowCount: rowCount)
                return try VectorOps.logical(.and, after, before, selection: selection, rowCount: rowCount)
            } catch {
                throw PlanError(error.message)
            }
        case .coalesce:
            var result = try arg(args.count - 1)
            for i in stride(from: args.count - 2, through: 0, by: -1) {
                result = coalesce(try arg(i), result, rowCount: rowCount, selection: selection)
            }
            return result
        case .abs:
            let value = try arg(0)
            let negated: Operand
            do { negated = try VectorOps.negate(value, selection: selection, rowCount: rowCount) } catch {
                throw wrong("abs() takes a number", 0)
            }
            return try numericMap(value, negated, rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { v, n in max(v, n) }
        case .round(let places):
            var scale = 1.0
            for _ in 0..<max(0, min(places, 10)) { scale *= 10 }
            let value = try arg(0)
            return try numericMap(value, value, rowCount: rowCount, selection: selection, error: { wrong($0, 0) }) { v, _ in (v * scale).rounded() / scale }
        }
    }

    static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f.isWhitespace { sub = sub.dropFirst() }
        while let l = sub.last, l.isWhitespace { sub = sub.dropLast() }
        return String(sub)
    }

    /// Maps text to text per distinct value, keeping the dictionary free of duplicates.
    private static func mapText(_ operand: Operand, rowCount: Int, selection: Selection?, error: (String) -> PlanError,
                                _ transform: (String) -> String) throws(PlanError) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(.text(transform(s)))
        case .scalar(let v): throw error("expected text, found \(VectorOps.describe(v.type))")
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else {
                throw error("expected text, found \(VectorOps.describe(column.type))")
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
    private static func textToValue(_ operand: Operand, rowCount: Int, selection: Selection?, error: (String) -> PlanError,
                                    _ transform: (String) -> Value) throws(PlanError) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(transform(s))
        case .scalar(let v): throw error("expected text, found \(VectorOps.describe(v.type))")
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else {
                throw error("expected text, found \(VectorOps.describe(column.type))")
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

    private static func temporal(_ operand: Operand, error: (String) -> PlanError, _ kernel: (Column) -> Column) throws(PlanError) -> Operand {
        switch operand {
        case .scalar(.null): return .scalar(.null)
        case .scalar(let v):
            guard v.type?.isTemporal == true else { throw error("expected a date or timestamp, found \(VectorOps.describe(v.type))") }
            return .scalar(kernel(VectorOps.constantColumn(v, rowCount: 1)).value(at: 0))
        case .vector(let column):
            guard column.type.isTemporal else { throw error("expected a date or timestamp, found \(VectorOps.describe(column.type))") }
            return .vector(kernel(column))
        }
    }

    private static func coalesce(_ first: Operand, _ fallback: Operand, rowCount: Int, selection: Selection?) -> Operand {
        if case .scalar(let v) = first { return v.isNull ? fallback : first }
        guard case .vector(let column) = first, let validity = column.validity else { return first }
        let other = VectorOps.materialize(fallback, rowCount: rowCount)
        // Coalesce across types through scalar values: rare, and kept simple.
        var values: [Value] = Array(repeating: .null, count: rowCount)
        forEachRow(selection, below: rowCount) { r in values[r] = validity.isValid(r) ? column.value(at: r) : other.value(at: r) }
        return .vector(ColumnBuilder.column(from: values, selection: selection, rowCount: rowCount))
    }

    private static func numericMap(_ a: Operand, _ b: Operand, rowCount: Int, selection: Selection?, error: (String) -> PlanError,
                                   _ f: (Double, Double) -> Double) throws(PlanError) -> Operand {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)):
            if x.isNull { return .scalar(.null) }
            guard let xv = x.number, let yv = y.number else { throw error("expected a number") }
            let r = f(xv, yv)
            if case .integer = x, r == r.rounded(), Swift.abs(r) < 9e18 { return .scalar(.integer(Int64(r))) }
            return .scalar(.decimal(r))
        default:
            let ca = VectorOps.materialize(a, rowCount: rowCount), cb = VectorOps.materialize(b, rowCount: rowCount)
            guard ca.type.isNumeric, let x = VectorOps.doubles(ca, selection), let y = VectorOps.doubles(cb, selection) else {
                throw error("expected a number, found \(VectorOps.describe(ca.type))")
            }
            var out = [Double](repeating: 0, count: rowCount)
            forEachRow(selection, below: rowCount) { out[$0] = f(x[$0], y[$0]) }
            if ca.type == .integer {
                var ints = [Int64](repeating: 0, count: rowCount)
                var fits = true
                forEachRow(selection, below: rowCount) { r in if Swift.abs(out[r]) < 9e18 { ints[r] = Int64(out[r]) } else { fits = false } }
                if fits { return .vector(.vector(.integer(.int64(ints)), ca.validity)) }
            }
            return .vector(.vector(.decimal(out), ca.validity))
        }
    }
}
