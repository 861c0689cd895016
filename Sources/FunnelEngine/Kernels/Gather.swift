public enum Gather {
    /// A new dense column holding the rows at `rows`, in that order (for output tables).
    /// Text keeps its dictionary as it is (codes are copied, strings are shared, nothing is rehashed).
    /// A row index outside the column (negative or too large) gives a null.
    public static func take(_ column: Column, rows: Selection) -> Column {
        let count = column.count
        let limit = column.validity.map { min(count, $0.count) } ?? count
        var outOfRange = false
        for r in rows where r < 0 || Int(r) >= limit {
            outOfRange = true
            break
        }
        let storage: ColumnStorage
        switch column.storage {
        case .integer(let v): storage = .integer(pick(v, rows, limit))
        case .decimal(let v): storage = .decimal(pick(v, rows, limit, 0))
        case .boolean(let v): storage = .boolean(pick(v, rows, limit, false))
        case .date(let v): storage = .date(pick(v, rows, limit, 0))
        case .timestamp(let v): storage = .timestamp(pick(v, rows, limit))
        case .text(let codes, let dictionary):
            switch codes {
            case .bytes(let c): storage = .text(codes: .bytes(pick(c, rows, limit, 0)), dictionary: dictionary)
            case .shorts(let c): storage = .text(codes: .shorts(pick(c, rows, limit, 0)), dictionary: dictionary)
            case .words(let c): storage = .text(codes: .words(pick(c, rows, limit, 0)), dictionary: dictionary)
            }
        }
        guard column.validity != nil || outOfRange else {
            return Column(name: column.name, storage: storage)
        }
        var validity = Validity(count: rows.count, allValid: true)
        let source = column.validity
        for (i, r) in rows.enumerated() {
            let row = Int(r)
            if row < 0 || row >= limit {
                validity.clear(i)
            } else if let source, !source.isValid(row) {
                validity.clear(i)
            }
        }
        return Column(name: column.name, storage: storage, validity: validity)
    }

    /// The inverse of `take`: a column of `count` rows holding `column`'s i-th value at row
    /// `rows[i]`, null elsewhere (a value computed for a view's rows, placed back in its table's).
    public static func spread(_ column: Column, over rows: Selection, count: Int) -> Column {
        var position = [Int32](repeating: -1, count: count)
        for (i, r) in rows.enumerated() where r >= 0 && Int(r) < count { position[Int(r)] = Int32(truncatingIfNeeded: i) }
        return take(column, rows: position)
    }

    /// A table of the rows at `rows` of every column, keeping the table's name and time column.
    public static func take(_ table: Table, rows: Selection) -> Table {
        Table(name: table.name, columns: table.columns.map { take($0, rows: rows) },
              rowCount: rows.count, timeColumn: table.timeColumn)
    }

    private static func pick<T>(_ values: [T], _ rows: Selection, _ limit: Int, _ filler: T) -> [T] {
        values.withUnsafeBufferPointer { vp in
            rows.map { r in
                let row = Int(r)
                return row >= 0 && row < limit ? vp[row] : filler
            }
        }
    }
}

extension Gather {
    /// Whole numbers (or seconds) at `rows`, at the width they are stored in.
    static func pick(_ values: IntegerValues, _ rows: Selection, _ limit: Int) -> IntegerValues {
        switch values {
        case .int8(let x): return .int8(pick(x, rows, limit, 0))
        case .int16(let x): return .int16(pick(x, rows, limit, 0))
        case .int32(let x): return .int32(pick(x, rows, limit, 0))
        case .int64(let x): return .int64(pick(x, rows, limit, 0))
        }
    }
}
