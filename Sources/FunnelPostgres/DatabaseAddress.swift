#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a PostgreSQL server is and who connects, as libpq tools read it: a
/// `postgresql://user@host:port/database?sslmode=…` URL, with what it leaves out taken from
/// PGHOST, PGPORT, PGUSER, PGDATABASE, and the password from the URL, PGPASSWORD or the
/// password file (PGPASSFILE, else ~/.pgpass).
public struct DatabaseAddress: Sendable, Hashable {
    /// libpq's sslmode: `prefer` and `require` encrypt without checking who answers;
    /// `verify-ca` checks the server's certificate against the root certificates, and
    /// `verify-full` also that it names the host.
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"

        init?(sslmode: String) {
            switch sslmode {
            case "disable": self = .disable
            case "allow", "prefer": self = .prefer
            case "require": self = .require
            case "verify-ca": self = .verifyCA
            case "verify-full": self = .verifyFull
            default: return nil
            }
        }

        public var verifies: Bool { self == .verifyCA || self == .verifyFull }
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// The root certificates a verifying `tls` checks the server's against (a PEM file:
    /// `sslrootcert`, PGSSLROOTCERT, else ~/.postgresql/root.crt when it exists); nil: the
    /// system's trusted roots.
    public var rootCertificates: String?
    /// Whether the URL itself carried the password (a script must not: see `Loader`).
    public var passwordInURL: Bool

    /// The address as it may be shown: never the password.
    public var redacted: String { "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    public static func isDatabaseURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads `url` with `environment` for what it leaves out; `passwordFile` is the text of the
    /// password file, if there is one (read by the caller, who knows where it is).
    public static func parse(_ url: String, environment: [String: String], passwordFile: String?) throws(DatabaseError) -> DatabaseAddress {
        let rest: Substring
        if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else {
            throw DatabaseError(.badAddress, "a database address starts with postgresql:// (postgresql://analyst@127.0.0.1:5432/crm)")
        }
        let (beforeQuery, query) = split(rest, at: "?")
        let (authority, path) = split(beforeQuery, at: "/")
        var userInfo: Substring? = nil
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        }
        var user: String? = nil
        var password: String? = nil
        if let userInfo {
            let (u, p) = split(userInfo, at: ":")
            user = try decode(u).nonEmpty
            if let p { password = try decode(p) }
        }
        var host: String? = nil
        var port: Int? = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw DatabaseError(.badAddress, "the host's closing ] is missing in \(url.redactingPassword)") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { port = try portNumber(after.dropFirst(), url) }
        } else {
            let (h, p) = split(hostPort, at: ":")
            host = try decode(h).nonEmpty
            if let p { port = try portNumber(p, url) }
        }
        var database = try path.map { p throws(DatabaseError) in try decode(p) }?.nonEmpty
        var tls = TLSMode.prefer
        var rootCertificates: String? = nil
        for pair in (query ?? "").split(separator: "&") where !pair.isEmpty {
            let (key, value) = split(pair, at: "=")
            let v = try decode(value ?? "")
            switch key {
            case "sslmode":
                guard let mode = TLSMode(sslmode: v) else {
                    throw DatabaseError(.badAddress, "unknown sslmode '\(v)'", notes: ["use disable, prefer, require, verify-ca or verify-full"])
                }
                tls = mode
            case "sslrootcert": rootCertificates = v.nonEmpty
            case "user": user = v.nonEmpty
            case "host": host = v.nonEmpty
            case "port": port = try portNumber(Substring(v), url)
            case "dbname": database = v.nonEmpty
            case "password": password = v
            case "application_name", "connect_timeout": break
            default: throw DatabaseError(.badAddress, "unknown parameter '\(key)' in the database address", notes: ["funnel reads sslmode, sslrootcert, user, host, port and dbname"])
            }
        }
        let resolvedUser = user ?? environment["PGUSER"]?.nonEmpty ?? environment["USER"]?.nonEmpty ?? "postgres"
        if port == nil, let fromEnvironment = environment["PGPORT"]?.nonEmpty { port = try portNumber(Substring(fromEnvironment), "PGPORT") }
        var address = DatabaseAddress(
            host: host ?? environment["PGHOST"]?.nonEmpty ?? "localhost",
            port: port ?? 5432,
            user: resolvedUser,
            database: database ?? environment["PGDATABASE"]?.nonEmpty ?? resolvedUser,
            password: password, tls: tls, passwordInURL: password != nil)
        if let mode = environment["PGSSLMODE"]?.nonEmpty, query?.contains("sslmode=") != true {
            guard let read = TLSMode(sslmode: mode) else {
                throw DatabaseError(.badAddress, "unknown sslmode '\(mode)' in PGSSLMODE", notes: ["use disable, prefer, require, verify-ca or verify-full"])
            }
            address.tls = read
        }
        address.rootCertificates = rootCertificates ?? environment["PGSSLROOTCERT"]?.nonEmpty
            ?? environment["HOME"].map { $0 + "/.postgresql/root.crt" }.flatMap { access($0, R_OK) == 0 ? $0 : nil }
        if address.password == nil {
            address.password = environment["PGPASSWORD"] ?? passwordFile.flatMap { address.passwordEntry(in: $0) }
        }
        return address
    }

    /// The password of the first line of a `~/.pgpass` file that matches this address
    /// (`host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped).
    public func passwordEntry(in file: String) -> String? {
        for line in file.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var fields: [String] = []
            var field = ""
            var escaped = false
            for ch in line {
                if escaped { field.append(ch); escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == ":" && fields.count < 4 { fields.append(field); field = ""; continue }
                field.append(ch)
            }
            fields.append(field)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            let hostMatches = fields[0] == "*" || fields[0] == host || (fields[0] == "localhost" && (host == "127.0.0.1" || host == "::1"))
            if hostMatches && zip(fields[1...3], wanted[1...3]).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let i = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<i], text[text.index(after: i)...])
    }

    private static func portNumber(_ text: Substring, _ where_: String) throws(DatabaseError) -> Int {
        guard let n = Int(text), n > 0, n < 65536 else {
            throw DatabaseError(.badAddress, "'\(text)' is not a port number (in \(where_.redactingPassword))")
        }
        return n
    }

    /// Percent-decoding, as URLs write reserved characters (`p%40ss` for `p@ss`).
    private static func decode(_ text: Substring) throws(DatabaseError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%") {
                guard utf8.count >= 2, let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else {
                    throw DatabaseError(.badAddress, "a % in a database address is followed by two hex digits (%40 for @)")
                }
                bytes.append(v)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }

    /// A URL with any password replaced by `***`, for messages.
    public var redactingPassword: String {
        guard let scheme = range(of: "://") else { return self }
        let rest = self[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return self }
        return String(self[..<colon]) + ":***" + String(self[at...])
    }
}
