import FunnelEngine
import Synchronization

/// A table whose rows stay in a PostgreSQL database: a server relation (`table "public.leads"`)
/// or a query's result (`query "select …"`). Loading reads its shape only; plans the server can
/// answer are sent to it as SQL, and columns a statement needs row by row are fetched then.
public struct DatabaseTable: Sendable {
    public enum Source: Sendable, Hashable {
        /// A relation, named as the server spells it (`leads`, `crm."Deals"`).
        case relation(String)
        case query(String)
    }

    public let connection: DatabaseConnection
    public let source: Source
    public let columns: [(name: String, type: DatabaseType)]
    public let rowCount: Int

    /// The relation in a FROM clause.
    public var fromClause: String {
        switch source {
        case .relation(let name): return name
        case .query(let sql): return "(\(sql)) as q"
        }
    }

    /// What the table was loaded from, as messages say it: `public.leads at postgresql://…`.
    public var description: String {
        switch source {
        case .relation(let name): return "\(name) at \(connection.address.redacted)"
        case .query: return "a query at \(connection.address.redacted)"
        }
    }

    /// The database table a loaded table stands for, if it is one.
    public static func of(_ table: Table) -> DatabaseTable? {
        (table.unread?.source as? DatabaseColumnSource)?.table
    }

    public func type(of column: String) -> DatabaseType? {
        columns.first { $0.name == column }?.type
    }

    /// `expression as "name"` for each column, as funnel reads its values (a type funnel has
    /// none for as its text).
    func selectList(_ names: [String]) -> [String] {
        names.map { name in
            (type(of: name) ?? DatabaseType(oid: 25, name: "text")).selectExpression(SQLText.identifier(name)) + " as " + SQLText.identifier(name)
        }
    }

    /// A select of the table's rows numbered by their position in the order its columns are
    /// fetched (funnel_n, from 0), each with the table's row count (funnel_total, to check that
    /// the positions name the rows they named at load), and `columns`. The names are funnel's
    /// own, so that no column of the table can take their place.
    /// `joins`: rows of other tables joined along links (`SQLCompiler.JoinClauses`), one at most per row.
    func numberedRows(_ columns: [String], joins: String = "") -> String {
        // Beside a join, a system column is named with its table.
        var ctid = "ctid"
        if !joins.isEmpty, case .relation(let name) = source { ctid = "\(name).ctid" }
        return "select row_number() over (order by \(ctid)) - 1 as funnel_n, count(*) over () as funnel_total"
            + columns.map { ", " + $0 }.joined() + " from \(fromClause)\(joins)"
    }

    /// Connects (or reuses the session's connection to the same server), finds the relation or
    /// checks the query, and counts its rows.
    public static func open(address: DatabaseAddress, source: Source, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> DatabaseTable {
        let connection = DatabaseConnections.shared.connection(to: address)
        switch source {
        case .relation(let name):
            let canonical = try connection.scalarRows("select to_regclass(\(SQLText.literal(name)))::text", isCancelled: isCancelled).first?.first ?? ""
            guard !canonical.isEmpty, let columns = try connection.describe(relation: canonical, isCancelled: isCancelled) else {
                let known = (try? connection.scalarRows(
                    "select table_schema || '.' || table_name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1 limit 12",
                    isCancelled: isCancelled).map { $0[0] }) ?? []
                throw DatabaseError(.missing, "\(address.redacted) has no table \(name)",
                                    notes: known.isEmpty ? ["the database has no tables funnel can see"] : ["its tables: \(known.joined(separator: ", "))"])
            }
            let count = try rowCount(connection, from: canonical, isCancelled: isCancelled)
            return DatabaseTable(connection: connection, source: .relation(canonical), columns: columns, rowCount: count)
        case .query(let sql):
            let columns = try connection.describe(query: sql, isCancelled: isCancelled)
            let table = DatabaseTable(connection: connection, source: source, columns: columns, rowCount: 0)
            let count = try rowCount(connection, from: table.fromClause, isCancelled: isCancelled)
            return DatabaseTable(connection: connection, source: source, columns: columns, rowCount: count)
        }
    }

    private static func rowCount(_ connection: DatabaseConnection, from: String, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> Int {
        Int(try connection.scalarRows("select count(*) from \(from)", isCancelled: isCancelled).first?.first ?? "0") ?? 0
    }

    /// The in-memory table that stands for it: every column unread, fetched when a statement
    /// needs its rows. Columns of types funnel has none for are read as their text.
    public func table(name: String, timeColumn: String?, isCancelled: @escaping @Sendable () -> Bool) -> Table {
        var types: [String: ColumnType] = [:]
        for (column, type) in columns { types[column] = type.keptType }
        let unread = UnreadColumns(names: columns.map(\.name), types: types, source: DatabaseColumnSource(table: self, isCancelled: isCancelled))
        return Table(name: name, columns: [], unread: unread, order: columns.map(\.name), rowCount: rowCount, timeColumn: timeColumn)
    }
}

/// Reads a database table's columns: a relation's in its physical order (`order by ctid`, the
/// same order every time while it is unchanged); a query's all at once (a query's row order is
/// not the same from one run to the next, so its columns cannot be fetched one by one).
struct DatabaseColumnSource: ColumnSource {
    let table: DatabaseTable
    let isCancelled: @Sendable () -> Bool

    func read(_ names: [String]) throws(CSVError) -> [String: Column] {
        var wanted = names
        let order: String
        switch table.source {
        case .relation: order = " order by ctid"
        case .query:
            wanted = table.columns.map(\.name)
            order = ""
        }
        let sql = "select \(table.selectList(wanted).joined(separator: ", ")) from \(table.fromClause)\(order)"
        let columns: [Column]
        do {
            let cancelled = isCancelled
            columns = try table.connection.columns(sql, isCancelled: { cancelled() })
        } catch {
            throw CSVError(kind: error.kind == .cancelled ? .cancelled : .unreadable, path: table.description,
                           message: "reading \(table.description): \(error.message)")
        }
        if let first = columns.first, first.count != table.rowCount {
            throw CSVError(kind: .unreadable, path: table.description,
                           message: "\(table.description) changed since it was loaded (\(table.rowCount) rows then, \(first.count) now); load it again")
        }
        var out: [String: Column] = [:]
        if columns.count != wanted.count {
            // No rows: no cell said the columns' types.
            for name in wanted {
                out[name] = DatabaseColumns.empty(table.type(of: name)?.keptType ?? .text, name: name)
            }
            return out
        }
        for (name, column) in zip(wanted, columns) {
            var column = column
            column.name = name
            out[name] = column
        }
        return out
    }
}

/// One connection per server and user for the whole process, so that a script's tables share it.
public final class DatabaseConnections: Sendable {
    public static let shared = DatabaseConnections()
    private let connections = Mutex<[DatabaseAddress: DatabaseConnection]>([:])

    public func connection(to address: DatabaseAddress) -> DatabaseConnection {
        connections.withLock { connections in
            if let existing = connections[address] { return existing }
            let made = DatabaseConnection(address: address)
            connections[address] = made
            return made
        }
    }
}

extension DatabaseTable {
    /// What showing the table prints, without reading it whole: its first `rows` rows (in the
    /// order its columns are fetched) and each column's nulls, counted by the server.
    public func summary(name: String, timeColumn: String?, rows: Int, readAs: [String: String],
                        isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> Table {
        let order: String
        switch source {
        case .relation: order = " order by ctid"
        case .query: order = ""
        }
        let list = selectList(columns.map(\.name))
        var first = try connection.columns("select \(list.joined(separator: ", ")) from \(fromClause)\(order) limit \(max(0, rows))", isCancelled: isCancelled)
        if first.count != columns.count { first = columns.map { DatabaseColumns.empty($0.type.keptType, name: $0.name) } }
        for i in first.indices { first[i].name = columns[i].name }
        var nulls: [String: Int] = [:]
        if !columns.isEmpty {
            let counts = columns.map { "count(*) - count(\($0.type.selectExpression(SQLText.identifier($0.name))))" }
            let counted = try connection.columns("select \(counts.joined(separator: ", ")) from \(fromClause)", isCancelled: isCancelled)
            for (i, column) in columns.enumerated() where i < counted.count {
                if case .integer(let n) = counted[i].value(at: 0) { nulls[column.name] = Int(n) }
            }
        }
        var table = Table(name: name, columns: first, rowCount: rowCount, timeColumn: timeColumn)
        table.knownNullCounts = nulls
        table.readAs = readAs
        return table
    }
}

extension DatabaseTable {
    /// What a link between two tables of one server finds, counted there without reading the
    /// keys: `from`'s rows with no key, those whose key matches no row of `to`, the keys that
    /// appear more than once in `to`, and the rows of `to` several rows link to. Both keys whole numbers or both text (compared as
    /// the in-memory link compares them: equal numbers, equal text).
    public static func linkCounts(from: DatabaseTable, fromColumn: String, to: DatabaseTable, toColumn: String,
                                  isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> LinkCounts {
        // The keys as a join along the link compares them (`SQLCompiler.Frame.key`).
        let f = SQLCompiler.Frame.key(fromColumn, of: from)?.sql ?? SQLText.identifier(fromColumn)
        let t = SQLCompiler.Frame.key(toColumn, of: to)?.sql ?? SQLText.identifier(toColumn)
        // An anti-join (not exists) rather than `not in`, which the server cannot hash for many keys.
        let sql = "with funnel_from as (select \(f) as k from \(from.fromClause)), "
            + "funnel_to as (select \(t) as k from \(to.fromClause) where \(t) is not null) "
            + "select (select count(*) from funnel_from where k is null), "
            + "(select count(*) from funnel_from a where a.k is not null and not exists (select 1 from funnel_to b where b.k = a.k)), "
            + "(select count(*) from (select 1 from funnel_to group by k having count(*) > 1) as repeated), "
            + "(select count(*) from (select k from funnel_from where k is not null group by k having count(*) > 1) as several "
            + "where exists (select 1 from funnel_to b where b.k = several.k))"
        let columns = try from.connection.columns(sql, isCancelled: isCancelled)
        func count(_ i: Int) -> Int { i < columns.count && columns[i].count > 0 ? FunnelSQL.int(columns[i].value(at: 0)) : 0 }
        return LinkCounts(nullKeys: count(0), unmatched: count(1), duplicateKeys: count(2), severalLinking: count(3))
    }

    /// What `linkCounts` found.
    public struct LinkCounts: Sendable {
        public var nullKeys: Int
        public var unmatched: Int
        public var duplicateKeys: Int
        /// Rows of `to` that several rows of `from` link to.
        public var severalLinking: Int
    }
}
