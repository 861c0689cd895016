import FunnelEngine

/// What went wrong, where, and what might fix it: a value, rendered separately.
public struct Diagnostic: Error, Sendable {
    public enum Severity: String, Sendable { case error, warning, note }

    /// What kind of failure this is, which decides the exit code (sysexits).
    public enum Category: Sendable {
        /// The script's text does not parse, or names something that does not exist.
        case script
        /// The data could not be read as asked (bad CSV, wrong type, a rule over a missing value).
        case data
        /// A file the script names does not exist or cannot be read.
        case missingInput
        /// A file cannot be written.
        case output
        /// A database server did not answer, or the connection ended.
        case unavailable
        /// A database server refused the user or the password.
        case permission
        /// The user interrupted.
        case cancelled
        /// A bug in funnel.
        case `internal`
    }

    /// Where the problem is when it is not in a script: a CSV's row and column.
    public struct ExternalLocation: Sendable {
        public var path: String
        public var row: Int?
        public var column: Int?
        public init(path: String, row: Int? = nil, column: Int? = nil) {
            self.path = path
            self.row = row
            self.column = column
        }
    }

    public var severity: Severity
    public var category: Category
    public var message: String
    public var range: SourceRange?
    public var external: ExternalLocation?
    public var notes: [String]
    /// The nearest existing name, shown as "did you mean 'x'?".
    public var suggestion: String?

    public init(
        _ severity: Severity = .error, _ category: Category = .script, _ message: String,
        at range: SourceRange? = nil, external: ExternalLocation? = nil,
        notes: [String] = [], suggestion: String? = nil
    ) {
        self.severity = severity
        self.category = category
        self.message = message
        self.range = range
        self.external = external
        self.notes = notes
        self.suggestion = suggestion
    }

    public static func error(_ message: String, at range: SourceRange?, category: Category = .script, suggestion: String? = nil, notes: [String] = []) -> Diagnostic {
        Diagnostic(.error, category, message, at: range, notes: notes, suggestion: suggestion)
    }
}

extension Diagnostic {
    /// A backend's failure at `range`: its cause gives the category, hence the exit code.
    static func plan(_ error: PlanError, at range: SourceRange?) -> Diagnostic {
        let category: Category
        switch error.cause {
        case .data: category = .script
        case .unavailable: category = .unavailable
        case .permission: category = .permission
        case .missing: category = .missingInput
        case .cancelled: category = .cancelled
        }
        return Diagnostic(.error, category, error.message, at: range, notes: error.notes)
    }
}

/// Several diagnostics from one phase (the parser reports all it finds).
public struct DiagnosticList: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
