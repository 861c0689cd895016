#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import FunnelEngine
import PostgresNIO
import Synchronization

/// One connection to a PostgreSQL server, used from the one thread that runs statements. The
/// language is synchronous and the driver is not: each call waits for its query, and watches the
/// user's Ctrl-C meanwhile (a cancel asks the server to stop the query: `pg_cancel_backend` from
/// a second connection, which is what psql's cancel request amounts to).
public final class DatabaseConnection: Sendable {
    public let address: DatabaseAddress
    private let state: Mutex<State>
    private let opening = Mutex(())

    private struct State: @unchecked Sendable {
        var connection: PostgresConnection?
        var backendPID: Int32?
        var nextID = 1
    }

    private static let logger: Logger = {
        var logger = Logger(label: "funnel.postgres")
        logger.logLevel = .critical
        return logger
    }()

    public init(address: DatabaseAddress) {
        self.address = address
        state = Mutex(State())
    }

    deinit {
        if let connection = state.withLock({ $0.connection }) { Self.close(connection) }
    }

    /// Runs `sql` and gives back its rows as columns, each decoded to the type funnel keeps
    /// (see `DatabaseColumns`). `isCancelled` is polled while the server works.
    public func columns(_ sql: String, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> [Column] {
        SQLRecorder.shared.note(sql)
        let connection = try connected(isCancelled: isCancelled)
        // Rows arrive on the connection's event loop, one at a time, into the builder.
        let builder = RowSink<DatabaseColumns>(DatabaseColumns())
        try wait(isCancelled: isCancelled, onCancel: { [self] in cancelRunningQuery() }) {
            connection.query(PostgresQuery(unsafeSQL: sql), logger: DatabaseConnection.logger) { row in
                try builder.update { try $0.append(row) }
            }.map { _ in () }
        }
        return builder.value.columns()
    }

    /// The name and PostgreSQL type of each column of a relation (`public.leads`), in order;
    /// nil when the server has no such relation.
    public func describe(relation: String, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> [(name: String, type: DatabaseType)]? {
        let sql = "select a.attname::text, a.atttypid::int8, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
            + "where a.attrelid = to_regclass(\(SQLText.literal(relation))) and a.attnum > 0 and not a.attisdropped order by a.attnum"
        let exists = try scalarRows("select to_regclass(\(SQLText.literal(relation))) is not null", isCancelled: isCancelled)
        guard exists.first?.first == "t" || exists.first?.first == "true" else { return nil }
        return try scalarRows(sql, isCancelled: isCancelled).map { row in
            (name: row[0], type: DatabaseType(oid: UInt32(row[1]) ?? 0, name: row[2]))
        }
    }

    /// The name and PostgreSQL type of each column a query gives, without running it: the
    /// server describes it as a temporary view.
    public func describe(query: String, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> [(name: String, type: DatabaseType)] {
        let view = "funnel_described_query"
        _ = try scalarRows("create or replace temporary view \(view) as \(query)", isCancelled: isCancelled)
        defer { _ = try? scalarRows("drop view if exists \(view)", isCancelled: isCancelled) }
        return try describe(relation: "pg_temp.\(view)", isCancelled: isCancelled) ?? []
    }

    /// The rows of a small catalog query, every value as text.
    func scalarRows(_ sql: String, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> [[String]] {
        let connection = try connected(isCancelled: isCancelled)
        let rows = RowSink<[[String]]>([])
        try wait(isCancelled: isCancelled, onCancel: { [self] in cancelRunningQuery() }) {
            connection.query(PostgresQuery(unsafeSQL: sql), logger: DatabaseConnection.logger) { row in
                let values = row.map { cell in DatabaseColumns.text(of: cell) ?? "" }
                rows.update { $0.append(values) }
            }.map { _ in () }
        }
        return rows.value
    }

    /// Closes a driver connection, keeping it until it is closed (the driver insists).
    private static func close(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Closes the connection (a later query opens a new one).
    public func close() {
        let connection = state.withLock { state -> PostgresConnection? in
            defer { state.connection = nil; state.backendPID = nil }
            return state.connection
        }
        if let connection { Self.close(connection) }
    }

    private func connected(isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> PostgresConnection {
        if let connection = state.withLock({ $0.connection }), !connection.isClosed { return connection }
        // One connection made at a time: two threads (tests share connections) would make two,
        // and the one replaced would be dropped open.
        return try opening.withLock { _ throws(DatabaseError) -> PostgresConnection in
            if let connection = state.withLock({ $0.connection }), !connection.isClosed { return connection }
            return try connect(isCancelled: isCancelled)
        }
    }

    private func connect(isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> PostgresConnection {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let configuration = try Self.configuration(address)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let made = RowSink<PostgresConnection?>(nil)
        try wait(isCancelled: isCancelled, onCancel: {}) {
            PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: DatabaseConnection.logger).map { made.set($0) }
        }
        guard let connection = made.value else { throw DatabaseError(.unreachable, "cannot connect to \(address.redacted)") }
        let pidRows = RowSink<Int32?>(nil)
        try? wait(isCancelled: { false }, onCancel: {}) {
            connection.query("select pg_backend_pid()", logger: DatabaseConnection.logger) { row in
                if let pid = try? row.decode(Int32.self) { pidRows.set(pid) }
            }.map { _ in () }
        }
        let pid = pidRows.value
        let replaced = state.withLock { state -> PostgresConnection? in
            defer {
                state.connection = connection
                state.backendPID = pid
            }
            return state.connection
        }
        if let replaced { Self.close(replaced) }
        return connection
    }

    static func configuration(_ address: DatabaseAddress) throws(DatabaseError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch address.tls {
        case .disable:
            tls = .disable
        case .prefer, .require, .verifyCA, .verifyFull:
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            switch address.tls {
            case .verifyFull:
                tlsConfiguration.certificateVerification = .fullVerification
            case .verifyCA:
                tlsConfiguration.certificateVerification = .noHostnameVerification
            default:
                // As libpq's prefer and require: encrypted, the server's certificate not verified.
                tlsConfiguration.certificateVerification = .none
            }
            if address.tls.verifies, let roots = address.rootCertificates {
                guard access(roots, R_OK) == 0 else {
                    throw DatabaseError(.badAddress, "cannot read the root certificates \(roots) (sslrootcert) for \(address.redacted)")
                }
                tlsConfiguration.trustRoots = .file(roots)
            }
            do {
                let context = try NIOSSLContext(configuration: tlsConfiguration)
                tls = address.tls == .prefer ? .prefer(context) : .require(context)
            } catch {
                throw DatabaseError(.badAddress, "could not set up TLS for \(address.redacted): \(error)",
                                    notes: address.rootCertificates.map { ["is \($0) a PEM file of certificates?"] } ?? [])
            }
        }
        var configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: address.password, database: address.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        // Times as funnel keeps them: wall-clock, read in UTC; string literals as SQLText writes
        // them (a backslash is an ordinary character).
        configuration.options.additionalStartupParameters = [("TimeZone", "UTC"), ("application_name", "funnel"),
                                                             ("standard_conforming_strings", "on")]
        return configuration
    }

    /// Asks the server, over a second connection, to stop what this connection runs.
    private func cancelRunningQuery() {
        guard let pid = state.withLock({ $0.backendPID }), let configuration = try? Self.configuration(address) else { return }
        let future = PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0,
                                                logger: DatabaseConnection.logger).flatMap { other in
            other.query("select pg_cancel_backend(\(pid))", logger: DatabaseConnection.logger).map { _ in () }.always { _ in
                Self.close(other)
            }
        }
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { _ in done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }

    /// Starts `body`'s query and waits for it on this thread (never on the event loop), polling
    /// `isCancelled` (then `onCancel` once; the wait goes on until the server gives up the query).
    private func wait(isCancelled: @escaping @Sendable () -> Bool, onCancel: @escaping @Sendable () -> Void,
                      _ body: () -> EventLoopFuture<Void>) throws(DatabaseError) {
        let outcome = RowSink<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        body().whenComplete { result in
            outcome.set(result)
            done.signal()
        }
        var cancelSent = false
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if !cancelSent && isCancelled() {
                cancelSent = true
                onCancel()
            }
        }
        switch outcome.value {
        case .success?: return
        case .failure(let error)?:
            let failure = DatabaseError.from(error, address: address, cancelled: cancelSent)
            if failure.kind == .connectionLost {
                // The next query connects again instead of finding the dead connection.
                let dead = state.withLock { state -> PostgresConnection? in
                    defer { state.connection = nil; state.backendPID = nil }
                    return state.connection
                }
                if let dead { Self.close(dead) }
            }
            throw failure
        case nil: throw DatabaseError(.connectionLost, "the query ended without an answer")
        }
    }
}

/// A value filled on the event loop and read, after the query ended, by the waiting thread.
final class RowSink<Value>: @unchecked Sendable {
    private let lock = Mutex(())
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { _ in stored } }

    func set(_ value: Value) { lock.withLock { _ in stored = value } }

    func update<E: Error>(_ body: (inout Value) throws(E) -> Void) throws(E) {
        try lock.withLock { _ throws(E) in try body(&stored) }
    }
}

extension DatabaseError {
    /// The driver's error in words, with the server's own message when it sent one.
    static func from(_ error: any Error, address: DatabaseAddress, cancelled: Bool) -> DatabaseError {
        if let error = error as? DatabaseError { return error }
        guard let psql = error as? PSQLError else {
            return DatabaseError(.server, "\(address.redacted): \(error)")
        }
        if let info = psql.serverInfo {
            let message = info[.message] ?? "the server reported an error"
            let state = info[.sqlState]
            var notes: [String] = []
            if let detail = info[.detail] { notes.append(detail) }
            if let hint = info[.hint] { notes.append(hint) }
            switch state {
            case "57014"?:
                return DatabaseError(.cancelled, "cancelled: the server stopped the query", sqlState: state)
            case "57P01"?, "57P02"?, "57P03"?:
                return DatabaseError(.connectionLost, "\(address.redacted) ended the connection while a query ran: \(message)", sqlState: state, notes: notes)
            case "28P01"?, "28000"?:
                if address.password == nil { notes.append("no password was given: set PGPASSWORD or add a line to ~/.pgpass") }
                return DatabaseError(.authentication, "\(address.redacted): \(message)", sqlState: state, notes: notes)
            case "3D000"?:
                return DatabaseError(.missing, "\(address.redacted): \(message)", sqlState: state, notes: notes)
            case "42P01"?, "42703"?, "3F000"?:
                return DatabaseError(.missing, message, sqlState: state, notes: notes)
            default:
                return DatabaseError(.server, message, sqlState: state, notes: notes)
            }
        }
        switch psql.code {
        case .connectionError:
            let underlying = psql.underlying.map { " (\($0))" } ?? ""
            if address.tls.verifies, let underlying = psql.underlying, "\(underlying)".contains("SSL") || "\(underlying)".contains("ertificate") {
                return DatabaseError(.unreachable, "\(address.redacted): the server's certificate was not accepted (sslmode=\(address.tls.rawValue)): \(underlying)",
                                     notes: [address.rootCertificates.map { "checked against the root certificates in \($0)" } ?? "checked against the system's trusted root certificates; give the server's CA with sslrootcert=FILE"]
                                         + (address.tls == .verifyFull ? ["verify-full also requires the certificate to name the host \(address.host)"] : []))
            }
            return DatabaseError(.unreachable, "cannot connect to \(address.redacted)\(underlying)",
                                 notes: ["is the server running and accepting TCP connections on \(address.host):\(address.port)?"])
        case .serverClosedConnection, .uncleanShutdown:
            return DatabaseError(.connectionLost, "\(address.redacted) closed the connection while a query ran")
        case .queryCancelled:
            return DatabaseError(.cancelled, "cancelled")
        case .authMechanismRequiresPassword:
            return DatabaseError(.authentication, "\(address.redacted) asks for a password, and none was given",
                                 notes: ["set PGPASSWORD, or add a line to ~/.pgpass (host:port:database:user:password); never write it in a script"])
        case .unsupportedAuthMechanism, .saslError:
            return DatabaseError(.authentication, "\(address.redacted): the server's authentication could not be completed (\(psql.code))")
        case .sslUnsupported:
            return DatabaseError(.unreachable, "\(address.redacted) does not accept TLS, and the address requires it (sslmode=\(address.tls.rawValue))")
        default:
            return DatabaseError(cancelled ? .cancelled : .server, cancelled ? "cancelled" : "\(address.redacted): \(psql.code)")
        }
    }
}
