import FunnelEngine
import PostgresNIO

/// Rows from the server, column by column, in funnel's columnar form. Values come in
/// PostgreSQL's binary format; the SQL funnel sends casts each column to one of the forms read
/// here (`DatabaseType.selectExpression`), so that eight forms are all there is to decode.
struct DatabaseColumns {
    private enum Builder {
        case integer([Int64])
        case decimal([Double])
        case boolean([Bool])
        case date([Int32])
        case timestamp([Int64])
        case text(codes: [Int32], index: [String: Int32], strings: [String])
        /// No row yet: typed by the first value's column type.
        case pending
    }

    private var names: [String] = []
    private var types: [UInt32] = []
    private var builders: [Builder] = []
    private var valid: [[Bool]] = []
    private var rowCount = 0

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    static let epochDays: Int64 = 10_957

    mutating func append(_ row: PostgresRow) throws(DatabaseError) {
        if rowCount == 0 && builders.isEmpty {
            for cell in row {
                names.append(cell.columnName)
                types.append(cell.dataType.rawValue)
                builders.append(try Self.builder(for: cell))
                valid.append([])
            }
        }
        var c = 0
        for cell in row {
            guard c < builders.count else { break }
            // ±infinity and NaN have no value in funnel's columns: they read as null.
            valid[c].append(cell.bytes != nil && !Self.isInfiniteOrNaN(cell))
            try Self.append(cell, to: &builders[c])
            c += 1
        }
        rowCount += 1
    }

    func columns() -> [Column] {
        zip(names.indices, builders).map { c, builder in
            let validity = Validity(packing: valid[c])
            let storage: ColumnStorage
            switch builder {
            case .integer(let v): storage = .integer(IntegerValues.narrowest(v))
            case .decimal(let v): storage = .decimal(v)
            case .boolean(let v): storage = .boolean(v)
            case .date(let v): storage = .date(v)
            case .timestamp(let v): storage = .timestamp(IntegerValues.narrowest(v))
            case .text(let codes, _, let strings): storage = .text(codes: TextCodes(codes), dictionary: TextDictionary(strings))
            case .pending: storage = .text(codes: TextCodes([]), dictionary: [])
            }
            return Column(name: names[c], storage: storage, validity: validity)
        }
    }

    /// A column of no rows.
    static func empty(_ type: ColumnType, name: String) -> Column {
        Column.zeros(type, name: name, count: 0)
    }

    private static func builder(for cell: PostgresCell) throws(DatabaseError) -> Builder {
        switch cell.dataType.rawValue {
        case 20, 21, 23: return .integer([])
        case 700, 701: return .decimal([])
        case 16: return .boolean([])
        case 1082: return .date([])
        case 1114: return .timestamp([])
        default: return .text(codes: [], index: [:], strings: [])
        }
    }

    private static func append(_ cell: PostgresCell, to builder: inout Builder) throws(DatabaseError) {
        switch builder {
        case .integer(var v):
            builder = .pending
            v.append(integer(cell) ?? 0)
            builder = .integer(v)
        case .decimal(var v):
            builder = .pending
            v.append(double(cell) ?? 0)
            builder = .decimal(v)
        case .boolean(var v):
            builder = .pending
            v.append(cell.bytes?.getInteger(at: cell.bytes?.readerIndex ?? 0, as: UInt8.self).map { $0 != 0 } ?? false)
            builder = .boolean(v)
        case .date(var v):
            builder = .pending
            let days = cell.bytes.flatMap { $0.getInteger(at: $0.readerIndex, as: Int32.self) }.map { Int64($0) + epochDays } ?? 0
            // ±infinity and dates beyond what a day count holds read as null.
            if days > Int64(Int32.max) || days < Int64(Int32.min) { v.append(0) } else { v.append(Int32(days)) }
            builder = .date(v)
        case .timestamp(var v):
            builder = .pending
            let micros = cell.bytes.flatMap { $0.getInteger(at: $0.readerIndex, as: Int64.self) } ?? 0
            // Whole seconds (funnel's timestamps have no fractions), rounded down.
            let seconds = micros == Int64.max || micros == Int64.min ? 0 : (micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000)
            v.append(seconds + epochDays * 86_400)
            builder = .timestamp(v)
        case .text(var codes, var index, var strings):
            builder = .pending
            if let s = text(of: cell) {
                if let code = index[s] {
                    codes.append(code)
                } else {
                    let code = Int32(strings.count)
                    index[s] = code
                    strings.append(s)
                    codes.append(code)
                }
            } else {
                if index[""] == nil { index[""] = Int32(strings.count); strings.append("") }
                codes.append(index[""] ?? 0)
            }
            builder = .text(codes: codes, index: index, strings: strings)
        case .pending:
            break
        }
    }

    /// A date or timestamp of ±infinity, or a double that is not finite.
    static func isInfiniteOrNaN(_ cell: PostgresCell) -> Bool {
        switch cell.dataType.rawValue {
        case 1082:
            let days = cell.bytes.flatMap { $0.getInteger(at: $0.readerIndex, as: Int32.self) }
            return days == Int32.max || days == Int32.min
        case 1114, 1184:
            let micros = cell.bytes.flatMap { $0.getInteger(at: $0.readerIndex, as: Int64.self) }
            return micros == Int64.max || micros == Int64.min
        case 700, 701:
            return double(cell).map { !$0.isFinite } ?? false
        default:
            return false
        }
    }

    static func integer(_ cell: PostgresCell) -> Int64? {
        guard let b = cell.bytes else { return nil }
        switch b.readableBytes {
        case 8: return b.getInteger(at: b.readerIndex, as: Int64.self)
        case 4: return b.getInteger(at: b.readerIndex, as: Int32.self).map(Int64.init)
        case 2: return b.getInteger(at: b.readerIndex, as: Int16.self).map(Int64.init)
        default: return nil
        }
    }

    static func double(_ cell: PostgresCell) -> Double? {
        guard let b = cell.bytes else { return nil }
        switch b.readableBytes {
        case 8: return b.getInteger(at: b.readerIndex, as: UInt64.self).map { Double(bitPattern: $0) }
        case 4: return b.getInteger(at: b.readerIndex, as: UInt32.self).map { Double(Float(bitPattern: $0)) }
        default: return nil
        }
    }

    /// A cell's text (text, varchar, name, and anything cast to text), nil for null.
    static func text(of cell: PostgresCell) -> String? {
        guard let b = cell.bytes else { return nil }
        if cell.dataType.rawValue == 16, b.readableBytes == 1 { return b.getInteger(at: b.readerIndex, as: UInt8.self) == 1 ? "t" : "f" }
        if cell.dataType.rawValue == 20 || cell.dataType.rawValue == 23 { return integer(cell).map { String($0) } }
        return b.getString(at: b.readerIndex, length: b.readableBytes)
    }
}
