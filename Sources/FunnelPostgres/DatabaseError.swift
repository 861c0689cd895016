/// Why a database could not answer: said with the script line that asked (the language adds it).
public struct DatabaseError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The address is not a PostgreSQL URL funnel can read.
        case badAddress
        /// No server answered at the address.
        case unreachable
        /// The server refused the user or the password.
        case authentication
        /// The table or query names a relation or column the server does not have.
        case missing
        /// The server stopped the query (Ctrl-C asked it to).
        case cancelled
        /// The connection ended while a query ran.
        case connectionLost
        /// Any other error the server reported.
        case server
    }

    public var kind: Kind
    public var message: String
    /// The server's SQLSTATE, when it sent one.
    public var sqlState: String?
    public var notes: [String]

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, notes: [String] = []) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.notes = notes
    }
}
