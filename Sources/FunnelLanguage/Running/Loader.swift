import FunnelEngine

/// `load "file.csv" …`: reads a CSV through the engine and turns its errors into diagnostics.
enum Loader {
    static func load(path: String, options: [LoadOption], name: String, baseDirectory: String, context: EvaluationContext,
                     range: SourceRange, fileSystem: FileAccess, columnsToRead: Set<String>? = nil, emit: @Sendable (Output) -> Void) throws(Diagnostic) -> TableValue {
        var csv = CSVOptions()
        csv.columnsToRead = columnsToRead
        csv.isCancelled = context.isCancelled
        for option in options {
            switch option.kind {
            case .delimiter(let d):
                let byte: UInt8?
                switch d {
                case ",": byte = UInt8(ascii: ",")
                case ";": byte = UInt8(ascii: ";")
                case "\t", "tab", "\\t": byte = UInt8(ascii: "\t")
                case "|": byte = UInt8(ascii: "|")
                default: byte = nil
                }
                guard let byte else {
                    throw Diagnostic.error("the delimiter must be one of \",\" \";\" \"|\" or \"tab\"", at: option.range)
                }
                csv.delimiter = byte
            case .dates(let format):
                switch format.lowercased() {
                case "dd/mm/yyyy", "dd.mm.yyyy", "dd-mm-yyyy", "dd/mm/yy", "dd.mm.yy", "dd-mm-yy": csv.dateOrder = .dayFirst
                case "mm/dd/yyyy", "mm-dd-yyyy", "mm.dd.yyyy", "mm/dd/yy", "mm-dd-yy", "mm.dd.yy": csv.dateOrder = .monthFirst
                case "yy.mm.dd", "yy-mm-dd", "yy/mm/dd": csv.dateOrder = .shortYearFirst
                default:
                    if let pattern = CSVDatePattern(format) { csv.datePattern = pattern; break }
                    throw Diagnostic.error("unknown date format \"\(format)\"", at: option.range, notes: ["use \"dd/mm/yyyy\", \"mm/dd/yyyy\", \"dd/mm/yy\", \"mm/dd/yy\", \"yy.mm.dd\", or a pattern of yyyy, yy, mm, MMM, dd, HH:mm, ss, am "
                        + "(\"yyyymmdd\", \"dd-MMM-yyyy HH:mm\"); ISO dates (2025-07-01) are always read"])
                }
            case .time(let column):
                csv.timeColumn = column
            case .header(let present):
                csv.header = present
            case .quotes(let quoting):
                csv.quoting = quoting
            case .decimal(let mark):
                switch mark {
                case ",": csv.decimalComma = true
                case ".": csv.decimalComma = false
                default: throw Diagnostic.error("the decimal mark must be \",\" or \".\"", at: option.range)
                }
            case .table, .query:
                throw Diagnostic.error("`table` and `query` read from a database: load \"postgresql://user@host/db\" table \"public.leads\"", at: option.range)
            case .types(let types):
                for (column, typeName, typeRange) in types {
                    guard let type = ColumnType(rawValue: typeName.lowercased()) else {
                        throw Diagnostic.error("unknown type '\(typeName)'", at: typeRange,
                                               suggestion: Suggestion.nearest(to: typeName, in: ColumnType.allCases.map(\.rawValue)))
                    }
                    csv.columnTypes[column] = type
                }
            }
        }
        let resolved = FileAccess.resolve(path, relativeTo: baseDirectory)
        let loaded: LoadedTable
        do {
            loaded = try CSVReader.load(path: resolved, name: name, options: csv)
        } catch {
            switch error.kind {
            case .fileNotFound:
                throw Diagnostic(.error, .missingInput, "cannot open \(path): no such file", at: range,
                                 notes: baseDirectory == "." ? [] : ["paths are relative to the script's folder"])
            case .unreadable:
                throw Diagnostic(.error, .missingInput, "cannot read \(path): \(error.message)", at: range)
            case .cancelled:
                throw Diagnostic(.error, .cancelled, "cancelled", at: range)
            case .malformed:
                let location = Diagnostic.ExternalLocation(path: path, row: error.row, column: error.column)
                var d = Diagnostic(.error, .data, error.message, external: location)
                let (line, col) = range.file.location(of: range.start)
                d.notes.append("while loading it at \(range.file.path):\(line):\(col)")
                throw d
            }
        }
        for warning in loaded.warnings {
            var d = Diagnostic(.warning, .data, warning.message, external: Diagnostic.ExternalLocation(path: path, row: warning.row))
            if let column = warning.column { d.notes.append("column \(column)") }
            emit(.warning(d))
        }
        // Columns named in `types` or `time` that do not exist are the script's mistake.
        for (column, _) in csv.columnTypes where !loaded.table.hasColumn(column) {
            throw Diagnostic.error("\(path) has no column '\(column)'", at: range, suggestion: Suggestion.nearest(to: column, in: loaded.table.columnNames))
        }
        var table = loaded.table
        table.name = name
        return TableValue(table: table, selection: nil, sourceName: name)
    }
}
