#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FunnelEngine
import FunnelPostgres

/// `load "postgresql://…" table "public.leads"` or `… query "select …"`: a table whose rows stay
/// in the database (see `DatabaseTable`), its errors turned into diagnostics at the load.
enum DatabaseLoader {
    static func load(url: String, urlWrittenInScript: Bool, options: [LoadOption], name: String, context: EvaluationContext,
                     range: SourceRange) throws(Diagnostic) -> TableValue {
        var source: DatabaseTable.Source? = nil
        var timeColumn: String? = nil
        for option in options {
            switch option.kind {
            case .table(let relation):
                guard source == nil else { throw Diagnostic.error("a load reads one table or one query", at: option.range) }
                source = .relation(relation)
            case .query(let sql):
                guard source == nil else { throw Diagnostic.error("a load reads one table or one query", at: option.range) }
                source = .query(sql)
            case .time(let column):
                timeColumn = column
            case .delimiter, .dates, .decimal, .header, .quotes, .types:
                throw Diagnostic.error("this option is for CSV files; a database table has its own types", at: option.range)
            }
        }
        guard let source else {
            throw Diagnostic.error("say what to read from the database: table \"public.leads\" or query \"select …\"", at: range)
        }
        let environment = ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT", "USER", "HOME"].reduce(into: [String: String]()) { env, key in
            env[key] = context.environment(key)
        }
        let address: DatabaseAddress
        let (passwords, passwordFileIgnored) = passwordFile(context)
        do {
            address = try DatabaseAddress.parse(url, environment: environment, passwordFile: passwords)
        } catch {
            throw Diagnostic.error(error.message, at: range, notes: error.notes)
        }
        if address.passwordInURL && urlWrittenInScript {
            throw Diagnostic.error("a password written in a script is read by everyone who reads the script", at: range,
                                   notes: ["set PGPASSWORD, add a line to ~/.pgpass, or keep the whole address in an environment variable: load env(\"CRM_URL\") table …"])
        }
        let opened: DatabaseTable
        do {
            opened = try DatabaseTable.open(address: address, source: source, isCancelled: context.isCancelled)
        } catch {
            var said = diagnostic(error, range: range)
            if error.kind == .authentication, let passwordFileIgnored { said.notes.append(passwordFileIgnored) }
            throw said
        }
        if let timeColumn {
            guard let type = opened.type(of: timeColumn) else {
                throw Diagnostic.error("\(opened.description) has no column '\(timeColumn)'", at: range,
                                       suggestion: Suggestion.nearest(to: timeColumn, in: opened.columns.map(\.name)))
            }
            guard type.keptType.isTemporal else {
                throw Diagnostic.error("the time column \(timeColumn) is \(type.name), not a date or timestamp", at: range)
            }
        }
        let temporal = opened.columns.filter { $0.type.keptType.isTemporal }
        var table = opened.table(name: name, timeColumn: timeColumn ?? (temporal.count == 1 ? temporal[0].name : nil), isCancelled: context.isCancelled)
        for (column, type) in opened.columns where type.columnType == nil {
            table.readAs[column] = "text, from PostgreSQL's \(type.name)"
        }
        return TableValue(table: table, selection: nil, sourceName: name)
    }

    static func diagnostic(_ error: DatabaseError, range: SourceRange?) -> Diagnostic {
        let category: Diagnostic.Category
        switch error.kind {
        case .badAddress: category = .script
        case .unreachable, .connectionLost: category = .unavailable
        case .authentication: category = .permission
        case .missing: category = .missingInput
        case .cancelled: category = .cancelled
        case .server: category = .data
        }
        var notes = error.notes
        if let state = error.sqlState, error.kind == .server { notes.append("SQLSTATE \(state)") }
        return Diagnostic(.error, category, error.message, at: range, notes: notes)
    }

    /// The password file's text, as libpq finds it: PGPASSFILE, else ~/.pgpass; as libpq, not
    /// read when others than its owner may read or write it (then why, for a refused login).
    private static func passwordFile(_ context: EvaluationContext) -> (text: String?, ignored: String?) {
        guard let path = context.environment("PGPASSFILE") ?? context.environment("HOME").map({ $0 + "/.pgpass" }) else { return (nil, nil) }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
            return (nil, "\(path) was not read: its group or others may read or write it (chmod 600 \(path), as libpq requires)")
        }
        return ((try? ScriptFile.read(path)), nil)
    }
}
