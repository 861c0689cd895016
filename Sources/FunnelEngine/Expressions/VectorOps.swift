/// Element-wise kernels for row expressions: arithmetic, comparison and logic on operands,
/// with SQL null semantics. Type errors are reported by the caller, which knows the source span.
public enum VectorOps {
    public enum TypeMismatch: Error {
        case mismatch(String)

        public var message: String { if case .mismatch(let m) = self { return m }; return "type error" }
    }

    // MARK: Reading operands as primitive arrays

    /// Numbers as doubles (integers, decimals, booleans as 0/1), with validity.
    public static func doubles(_ column: Column, _ selection: Selection?) -> [Double]? {
        switch column.storage {
        case .decimal(let v): return v
        case .integer(let v):
            var out = [Double](repeating: 0, count: v.count)
            out.withUnsafeMutableBufferPointer { dst in
                v.forEachValue(selection, below: dst.count) { r, x in dst[r] = Double(x) }
            }
            return out
        case .boolean(let v):
            var out = [Double](repeating: 0, count: v.count)
            forEachRow(selection, below: v.count) { out[$0] = v[$0] ? 1 : 0 }
            return out
        default: return nil
        }
    }

    /// Runs `body` with readers of two columns of seconds (nothing when either has no rows).
    private static func withReaders(_ x: IntegerValues, _ y: IntegerValues, _ body: (IntegerReader, IntegerReader) -> Void) {
        x.withReader { x in y.withReader { y in if let x, let y { body(x, y) } } }
    }

    /// Dates and timestamps as seconds since 1970, at the width they are stored in (a
    /// timestamp column's own values, shared; a date column's days converted).
    public static func timeValues(_ column: Column) -> IntegerValues? {
        switch column.storage {
        case .timestamp(let v): return v
        case .date(let v):
            var low: Int64 = 0, high: Int64 = 0
            for d in v {
                low = Swift.min(low, Int64(d))
                high = Swift.max(high, Int64(d))
            }
            return IntegerValues.make(count: v.count, low: low * CivilDate.secondsPerDay, high: high * CivilDate.secondsPerDay) { buffer in
                func fill<T: StoredInteger>(_ out: UnsafeMutableBufferPointer<T>) {
                    for i in v.indices { out[i] = T(truncatingIfNeeded: Int64(v[i]) * CivilDate.secondsPerDay) }
                }
                switch buffer {
                case .int8(let b): fill(b)
                case .int16(let b): fill(b)
                case .int32(let b): fill(b)
                case .int64(let b): fill(b)
                }
            }
        default: return nil
        }
    }

    public static func scalarSeconds(_ v: Value) -> Int64? {
        switch v {
        case .date(let d): return Int64(d) * CivilDate.secondsPerDay
        case .timestamp(let s): return s
        default: return nil
        }
    }

    /// Combined validity of two columns (nil = all valid).
    public static func both(_ a: Validity?, _ b: Validity?) -> Validity? {
        guard let a else { return b }
        guard let b else { return a }
        var out = a
        for i in 0..<min(a.count, b.count) where !b.isValid(i) { out.clear(i) }
        return out
    }

    public static func allNull(_ rowCount: Int) -> Column {
        .vector(.boolean([Bool](repeating: false, count: rowCount)), Validity(count: rowCount, allValid: false))
    }

    // MARK: Comparison

    public static func compare(_ op: BinaryOperator, _ lhs: Operand, _ rhs: Operand, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Operand {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)):
            return .scalar(try compareScalars(op, a, b))
        case (.vector(let c), .scalar(let v)):
            return .vector(try compareToConstant(op, c, v, selection: selection))
        case (.scalar(let v), .vector(let c)):
            return .vector(try compareToConstant(flip(op), c, v, selection: selection))
        case (.vector(let a), .vector(let b)):
            return .vector(try compareVectors(op, a, b, selection: selection, rowCount: rowCount))
        }
    }

    public static func flip(_ op: BinaryOperator) -> BinaryOperator {
        switch op {
        case .less: return .greater
        case .lessEqual: return .greaterEqual
        case .greater: return .less
        case .greaterEqual: return .lessEqual
        default: return op
        }
    }

    @inline(__always)
    public static func holds<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Bool {
        switch op {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        default: return false
        }
    }

    public static func compareScalars(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(TypeMismatch) -> Value {
        if a.isNull || b.isNull { return .null }
        if let x = a.number, let y = b.number { return .boolean(holds(op, x, y)) }
        if let x = scalarSeconds(a), let y = scalarSeconds(b) { return .boolean(holds(op, x, y)) }
        switch (a, b) {
        case (.text(let x), .text(let y)): return .boolean(holds(op, x, y))
        case (.boolean(let x), .text(let w)) where booleanWord(w) != nil: return .boolean(holds(op, x ? 1 : 0, (booleanWord(w) ?? false) ? 1 : 0))
        case (.text(let w), .boolean(let y)) where booleanWord(w) != nil: return .boolean(holds(op, (booleanWord(w) ?? false) ? 1 : 0, y ? 1 : 0))
        case (.boolean(let x), .boolean(let y)): return .boolean(holds(op, x ? 1 : 0, y ? 1 : 0))
        default: throw .mismatch("cannot compare \(describe(a.type)) with \(describe(b.type))")
        }
    }

    /// true/false for the words a boolean column can be written with.
    public static func booleanWord(_ word: String) -> Bool? {
        switch word.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: return nil
        }
    }

    public static func describe(_ type: ColumnType?) -> String {
        switch type {
        case nil: return "null"
        case .integer?, .decimal?: return "a number"
        case .boolean?: return "true/false"
        case .date?: return "a date"
        case .timestamp?: return "a timestamp"
        case .text?: return "text"
        }
    }

    public static func compareToConstant(_ op: BinaryOperator, _ column: Column, _ constant: Value, selection: Selection?) throws(TypeMismatch) -> Column {
        let n = column.count
        if constant.isNull { return allNull(n) }
        var out = [Bool](repeating: false, count: n)
        switch (column.storage, constant) {
        case (.integer(let v), _) where constant.number != nil:
            let k = constant.number ?? 0
            out.withUnsafeMutableBufferPointer { o in
                v.forEachValue(selection, below: n) { r, x in o[r] = holds(op, Double(x), k) }
            }
        case (.decimal(let v), _) where constant.number != nil:
            let k = constant.number ?? 0
            out.withUnsafeMutableBufferPointer { o in
                v.withUnsafeBufferPointer { src in forEachRow(selection, below: n) { o[$0] = holds(op, src[$0], k) } }
            }
        case (.date, _), (.timestamp, _):
            guard let k = scalarSeconds(constant), let s = timeValues(column) else {
                throw .mismatch("cannot compare \(describe(column.type)) with \(describe(constant.type))")
            }
            s.withReader { s in
                guard let s else { return }
                out.withUnsafeMutableBufferPointer { o in forEachRow(selection, below: min(n, column.count)) { o[$0] = holds(op, s[$0], k) } }
            }
        case (.text(let codes, let dictionary), .text(let k)):
            let byCode = dictionary.map { holds(op, $0, k) }
            out.withUnsafeMutableBufferPointer { o in
                codes.forEachCode(selection, below: n) { r, c in if c >= 0 && c < byCode.count { o[r] = byCode[c] } }
            }
        case (.boolean(let v), .boolean(let k)):
            forEachRow(selection, below: n) { out[$0] = holds(op, v[$0] ? 1 : 0, k ? 1 : 0) }
        case (.boolean(let v), .text(let word)) where booleanWord(word) != nil:
            // A yes/no column read as boolean still compares with the words it was written in: y == "yes".
            let k = booleanWord(word) ?? false
            forEachRow(selection, below: n) { out[$0] = holds(op, v[$0] ? 1 : 0, k ? 1 : 0) }
        default:
            throw .mismatch("cannot compare \(describe(column.type)) with \(describe(constant.type))")
        }
        return .vector(.boolean(out), column.validity)
    }

    public static func compareVectors(_ op: BinaryOperator, _ a: Column, _ b: Column, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Column {
        var out = [Bool](repeating: false, count: rowCount)
        if let x = doubles(a, selection), let y = doubles(b, selection), a.type != .boolean || b.type == .boolean {
            forEachRow(selection, below: rowCount) { out[$0] = holds(op, x[$0], y[$0]) }
        } else if let x = timeValues(a), let y = timeValues(b) {
            withReaders(x, y) { x, y in
                out.withUnsafeMutableBufferPointer { o in forEachRow(selection, below: min(rowCount, a.count, b.count)) { o[$0] = holds(op, x[$0], y[$0]) } }
            }
        } else if case .text(let ca, let da) = a.storage, case .text(let cb, let db) = b.storage {
            forEachRow(selection, below: rowCount) { out[$0] = holds(op, da[Int(ca[$0])], db[Int(cb[$0])]) }
        } else {
            throw .mismatch("cannot compare \(describe(a.type)) with \(describe(b.type))")
        }
        return .vector(.boolean(out), both(a.validity, b.validity))
    }

    // MARK: Arithmetic

    public static func arithmetic(_ op: BinaryOperator, _ lhs: Operand, _ rhs: Operand, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Operand {
        if case .scalar(let a) = lhs, case .scalar(let b) = rhs { return .scalar(try arithmeticScalars(op, a, b)) }
        let left = materialize(lhs, rowCount: rowCount)
        let right = materialize(rhs, rowCount: rowCount)
        var validity = both(left.validity, right.validity)
        if op == .add, left.type == .text, right.type == .text {
            return .vector(concatenate(left, right, validity: validity, selection: selection, rowCount: rowCount))
        }
        // Temporal arithmetic: timestamp − timestamp = days; date ± days = date.
        if left.type.isTemporal || right.type.isTemporal {
            return .vector(try temporalArithmetic(op, left, right, selection: selection, rowCount: rowCount))
        }
        guard let x = doubles(left, selection), let y = doubles(right, selection) else {
            throw .mismatch("cannot use '\(op.rawValue)' on \(describe(left.type)) and \(describe(right.type))")
        }
        if left.type == .integer, right.type == .integer, op != .divide,
            case .integer(let leftValues) = left.storage, case .integer(let rightValues) = right.storage
        {
            let xi = leftValues.wide
            let yi = rightValues.wide
            var out = [Int64](repeating: 0, count: rowCount)
            var overflow = false
            forEachRow(selection, below: rowCount) { r in
                let (v, o): (Int64, Bool)
                switch op {
                case .add: (v, o) = xi[r].addingReportingOverflow(yi[r])
                case .subtract: (v, o) = xi[r].subtractingReportingOverflow(yi[r])
                case .multiply: (v, o) = xi[r].multipliedReportingOverflow(by: yi[r])
                default:
                    if yi[r] == 0 { (v, o) = (0, false); markNull(&validity, r, rowCount) } else { (v, o) = xi[r].remainderReportingOverflow(dividingBy: yi[r]) }
                }
                overflow = overflow || o
                out[r] = v
            }
            if !overflow { return .vector(.vector(.integer(.int64(out)), validity)) }
        }
        var out = [Double](repeating: 0, count: rowCount)
        forEachRow(selection, below: rowCount) { r in
            let a = x[r], b = y[r]
            switch op {
            case .add: out[r] = a + b
            case .subtract: out[r] = a - b
            case .multiply: out[r] = a * b
            case .divide:
                if b == 0 { markNull(&validity, r, rowCount) } else { out[r] = a / b }
            default:
                if b == 0 { markNull(&validity, r, rowCount) } else { out[r] = a.truncatingRemainder(dividingBy: b) }
            }
        }
        return .vector(.vector(.decimal(out), validity))
    }

    private static func markNull(_ validity: inout Validity?, _ row: Int, _ rowCount: Int) {
        if validity == nil { validity = Validity(count: rowCount, allValid: true) }
        validity?.clear(row)
    }

    private static func temporalArithmetic(_ op: BinaryOperator, _ a: Column, _ b: Column, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Column {
        let validity = both(a.validity, b.validity)
        if a.type.isTemporal, b.type.isTemporal, op == .subtract, let x = timeValues(a), let y = timeValues(b) {
            var out = [Double](repeating: 0, count: rowCount)
            withReaders(x, y) { x, y in
                out.withUnsafeMutableBufferPointer { o in
                    forEachRow(selection, below: min(rowCount, a.count, b.count)) { o[$0] = Double(x[$0] &- y[$0]) / Double(CivilDate.secondsPerDay) }
                }
            }
            return .vector(.decimal(out), validity)
        }
        if a.type.isTemporal, !b.type.isTemporal, op == .add || op == .subtract, let days = doubles(b, selection) {
            let sign: Double = op == .add ? 1 : -1
            if case .date(let d) = a.storage, b.type == .integer || days.allSatisfy({ $0 == $0.rounded() }) {
                var out = [Int32](repeating: 0, count: rowCount)
                var validity = validity
                forEachRow(selection, below: rowCount) { r in
                    let v = Double(d[r]) + sign * days[r]
                    if abs(v) < 1e8 { out[r] = Int32(v) } else { markNull(&validity, r, rowCount) }
                }
                return .vector(.date(out), validity)
            }
            if let s = timeValues(a) {
                var out = [Int64](repeating: 0, count: rowCount)
                var validity = validity
                s.withReader { s in
                    guard let s else { return }
                    forEachRow(selection, below: min(rowCount, a.count)) { r in
                        let v = Double(s[r]) + sign * days[r] * Double(CivilDate.secondsPerDay)
                        if abs(v) < 1e15 { out[r] = Int64(v) } else { markNull(&validity, r, rowCount) }
                    }
                }
                return .vector(.timestamp(.int64(out)), validity)
            }
        }
        if !a.type.isTemporal, b.type.isTemporal, op == .add {
            return try temporalArithmetic(op, b, a, selection: selection, rowCount: rowCount)
        }
        throw .mismatch("cannot use '\(op.rawValue)' on \(describe(a.type)) and \(describe(b.type))")
    }

    /// `text + text`: joined row by row, each distinct pair of values once (a column and a
    /// constant join once per distinct value of the column).
    public static func concatenate(_ left: Column, _ right: Column, validity: Validity?, selection: Selection?, rowCount: Int) -> Column {
        guard case .text(let leftCodes, let leftWords) = left.storage, case .text(let rightCodes, let rightWords) = right.storage else {
            return Column(name: "", storage: .text(codes: TextCodes(repeating: 0, count: rowCount), dictionary: [""]),
                          validity: Validity(count: rowCount, allValid: false))
        }
        var dictionary = TextDictionary()
        var codeOfPair: [Int64: Int32] = [:]
        var codeOfText: [String: Int32] = [:]
        var codes = [Int32](repeating: 0, count: rowCount)
        let limit = min(rowCount, leftCodes.count, rightCodes.count)
        forEachRow(selection, below: limit) { r in
            let a = Int(leftCodes[r]), b = Int(rightCodes[r])
            guard a >= 0, a < leftWords.count, b >= 0, b < rightWords.count else { return }
            let pair = Int64(a) << 32 | Int64(b)
            if let code = codeOfPair[pair] {
                codes[r] = code
                return
            }
            let joined = leftWords[a] + rightWords[b]
            let code: Int32
            if let existing = codeOfText[joined] {
                code = existing
            } else {
                code = Int32(truncatingIfNeeded: dictionary.count)
                dictionary.append(joined)
                codeOfText[joined] = code
            }
            codeOfPair[pair] = code
            codes[r] = code
        }
        if dictionary.isEmpty { dictionary.append("") }
        return Column(name: "", storage: .text(codes: TextCodes(codes), dictionary: dictionary), validity: validity)
    }

    public static func arithmeticScalars(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(TypeMismatch) -> Value {
        if a.isNull || b.isNull { return .null }
        if op == .add, case .text(let x) = a, case .text(let y) = b { return .text(x + y) }
        if case .integer(let x) = a, case .integer(let y) = b, op != .divide {
            let (v, o): (Int64, Bool)
            switch op {
            case .add: (v, o) = x.addingReportingOverflow(y)
            case .subtract: (v, o) = x.subtractingReportingOverflow(y)
            case .multiply: (v, o) = x.multipliedReportingOverflow(by: y)
            default:
                if y == 0 { return .null }
                (v, o) = x.remainderReportingOverflow(dividingBy: y)
            }
            if !o { return .integer(v) }
        }
        if let x = a.number, let y = b.number {
            switch op {
            // Figures of a formula (revenue − spend) are said as the shortest decimal their
            // rounding allows: 60209, not 60208.99999999999.
            case .add: return .decimal(DecimalSum.settled(x + y, magnitude: x.magnitude + y.magnitude))
            case .subtract: return .decimal(DecimalSum.settled(x - y, magnitude: x.magnitude + y.magnitude))
            case .multiply: return .decimal(DecimalSum.settled(x * y, magnitude: (x * y).magnitude))
            case .divide: return y == 0 ? .null : .decimal(x / y)
            default: return y == 0 ? .null : .decimal(x.truncatingRemainder(dividingBy: y))
            }
        }
        if let x = scalarSeconds(a), let y = scalarSeconds(b), op == .subtract {
            return .decimal(Double(x - y) / Double(CivilDate.secondsPerDay))
        }
        if let days = b.number, op == .add || op == .subtract {
            let sign: Double = op == .add ? 1 : -1
            if case .date(let d) = a, days == days.rounded(), abs(Double(d) + sign * days) < 1e8 { return .date(Int32(Double(d) + sign * days)) }
            if let s = scalarSeconds(a) {
                let v = Double(s) + sign * days * Double(CivilDate.secondsPerDay)
                return abs(v) < 1e15 ? .timestamp(Int64(v)) : .null
            }
        }
        throw .mismatch("cannot use '\(op.rawValue)' on \(describe(a.type)) and \(describe(b.type))")
    }

    public static func negate(_ operand: Operand, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Operand {
        try arithmetic(.subtract, .scalar(.integer(0)), operand, selection: selection, rowCount: rowCount)
    }

    // MARK: Logic (three-valued)

    /// A boolean vector: values and validity. Non-boolean operands are a type error.
    public static func booleans(_ operand: Operand, rowCount: Int) throws(TypeMismatch) -> (values: [Bool], validity: Validity?) {
        switch operand {
        case .scalar(.boolean(let b)): return ([Bool](repeating: b, count: rowCount), nil)
        case .scalar(.null): return ([Bool](repeating: false, count: rowCount), Validity(count: rowCount, allValid: false))
        case .vector(let c):
            if case .boolean(let v) = c.storage { return (v, c.validity) }
            throw .mismatch("expected a condition (true/false), found \(describe(c.type))")
        case .scalar(let v):
            throw .mismatch("expected a condition (true/false), found \(describe(v.type))")
        }
    }

    public static func logical(_ op: BinaryOperator, _ lhs: Operand, _ rhs: Operand, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Operand {
        if case .scalar(let a) = lhs, case .scalar(let b) = rhs {
            return .scalar(try logicalScalars(op, a, b))
        }
        let (x, xv) = try booleans(lhs, rowCount: rowCount)
        let (y, yv) = try booleans(rhs, rowCount: rowCount)
        var out = [Bool](repeating: false, count: rowCount)
        var validity = Validity(count: rowCount, allValid: true)
        var anyNull = false
        forEachRow(selection, below: rowCount) { r in
            let aNull = xv.map { !$0.isValid(r) } ?? false, bNull = yv.map { !$0.isValid(r) } ?? false
            let a = x[r], b = y[r]
            if op == .and {
                if (!aNull && !a) || (!bNull && !b) { out[r] = false } else if aNull || bNull { validity.clear(r); anyNull = true } else { out[r] = true }
            } else {
                if (!aNull && a) || (!bNull && b) { out[r] = true } else if aNull || bNull { validity.clear(r); anyNull = true } else { out[r] = false }
            }
        }
        return .vector(.vector(.boolean(out), anyNull ? validity : nil))
    }

    public static func logicalScalars(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(TypeMismatch) -> Value {
        func truth(_ v: Value) throws(TypeMismatch) -> Bool? {
            switch v {
            case .null: return nil
            case .boolean(let b): return b
            default: throw .mismatch("expected a condition (true/false), found \(describe(v.type))")
            }
        }
        let x = try truth(a), y = try truth(b)
        if op == .and {
            if x == false || y == false { return .boolean(false) }
            if x == nil || y == nil { return .null }
            return .boolean(true)
        }
        if x == true || y == true { return .boolean(true) }
        if x == nil || y == nil { return .null }
        return .boolean(false)
    }

    public static func not(_ operand: Operand, selection: Selection?, rowCount: Int) throws(TypeMismatch) -> Operand {
        if case .scalar(let v) = operand {
            switch v {
            case .null: return .scalar(.null)
            case .boolean(let b): return .scalar(.boolean(!b))
            default: throw .mismatch("expected a condition (true/false) after 'not', found \(describe(v.type))")
            }
        }
        let (x, validity) = try booleans(operand, rowCount: rowCount)
        var out = [Bool](repeating: false, count: rowCount)
        forEachRow(selection, below: rowCount) { out[$0] = !x[$0] }
        return .vector(.vector(.boolean(out), validity))
    }

    public static func materialize(_ operand: Operand, rowCount: Int) -> Column {
        switch operand {
        case .vector(let c): return c
        case .scalar(let v): return constantColumn(v, rowCount: rowCount)
        }
    }

    public static func constantColumn(_ v: Value, rowCount: Int) -> Column {
        switch v {
        case .null: return allNull(rowCount)
        case .integer(let x): return .vector(.integer(.int64([Int64](repeating: x, count: rowCount))), nil)
        case .decimal(let x): return .vector(.decimal([Double](repeating: x, count: rowCount)), nil)
        case .boolean(let x): return .vector(.boolean([Bool](repeating: x, count: rowCount)), nil)
        case .date(let x): return .vector(.date([Int32](repeating: x, count: rowCount)), nil)
        case .timestamp(let x): return .vector(.timestamp(.int64([Int64](repeating: x, count: rowCount))), nil)
        case .text(let s): return .vector(.text(codes: TextCodes(repeating: 0, count: rowCount), dictionary: [s]), nil)
        }
    }
}
