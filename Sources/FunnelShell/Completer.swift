import FunnelEngine
import FunnelLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tab completion that knows the context: `:commands`, file paths inside `load "` and
/// `include "`, columns of the table in scope after `leads where ` (or `leads.`), and otherwise
/// keywords, functions, tables, rules, KPIs and parameters.
public struct Completer {
    public struct Completion: Equatable, Sendable {
        /// How many characters before the cursor the candidates replace.
        public var replacing: Int
        public var candidates: [String]
    }

    let session: Session
    let commands: [String]
    /// Lists a folder's entries (name, is folder); replaceable in tests.
    var listDirectory: (String) -> [(String, Bool)] = Completer.directoryEntries

    public init(session: Session, commands: [String]) {
        self.session = session
        self.commands = commands
    }

    /// Candidates for the text before the cursor (in the current statement, earlier lines included).
    public func complete(_ textBeforeCursor: String) -> Completion {
        // `:command` at the start of the input.
        let trimmed = textBeforeCursor.drop(while: { $0 == " " })
        if trimmed.hasPrefix(":") && !trimmed.contains(" ") {
            let word = String(trimmed)
            return Completion(replacing: word.count, candidates: commands.filter { $0.hasPrefix(word) }.sorted())
        }
        if let path = openPathString(textBeforeCursor) { return completePath(path) }
        if trimmed.hasPrefix(":schema ") {
            let word = String(trimmed.dropFirst(":schema ".count))
            return Completion(replacing: word.count, candidates: session.tableOrder.filter { $0.hasPrefix(word) })
        }
        let (word, before) = currentWord(textBeforeCursor)
        // `include "x.funnel" ` → allow; `… allow load, ` → what an include may grant.
        if let grants = Completer.includeGrants(before) {
            return Completion(replacing: word.count, candidates: matching(grants, word))
        }
        // `… by month vs ` → the earlier periods, or a plan table.
        if before.split(whereSeparator: { $0 == " " || $0 == "\t" }).last == "vs", before.last == " " || before.last == "\t" {
            return Completion(replacing: word.count, candidates: matching(["previous", "last year"] + session.tableOrder, word))
        }
        // `inbound by source at ` → the stages of the funnel named before.
        if before.split(whereSeparator: { $0 == " " || $0 == "\t" }).last == "at", before.last == " " || before.last == "\t",
           let stages = stagesOfFunnelNamed(in: before) {
            return Completion(replacing: word.count, candidates: matching(stages, word))
        }
        // `table.` → the table's columns.
        if before.hasSuffix("."), let table = tableNamed(lastName(in: String(before.dropLast()))) {
            return Completion(replacing: word.count, candidates: matching(columns(of: table), word))
        }
        var candidates: [String] = []
        let scope = tableInScope(before)
        if let table = scope.table {
            candidates += columns(of: table)
        }
        // `by month` and friends: the periods of the table's time column.
        if scope.afterBy {
            candidates += Completer.periods
        }
        if scope.inCondition {
            // Inside a condition: the table's columns, rules, values, functions and the words a
            // condition is made of; statements (load, report, export…) cannot start there.
            candidates += session.rules.keys.sorted() + session.scalars.keys.sorted() + session.tableOrder
            candidates += Completer.functions.map { $0 + "(" } + Completer.conditionWords
            candidates += [Keyword.by, .select, .sort, .top].map(\.rawValue)
            var seen = Set<String>()
            let unique = candidates.filter { seen.insert($0).inserted }
            return Completion(replacing: word.count, candidates: matching(unique, word))
        }
        candidates += session.rules.keys.sorted() + session.kpis.keys.sorted() + session.scalars.keys.sorted()
        candidates += session.tableOrder + session.funnelOrder
        candidates += Keyword.allCases.map(\.rawValue) + Completer.statementWords + Completer.clauseWords
        candidates += Completer.functions.map { $0 + "(" }
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        return Completion(replacing: word.count, candidates: matching(unique, word))
    }

    /// After a closed `include "…"`: `allow`, or after `allow` (and commas) the grants not yet given.
    static func includeGrants(_ before: Substring) -> [String]? {
        guard let start = before.ranges(of: "include \"").last else { return nil }
        let rest = before[start.upperBound...]
        guard let close = rest.firstIndex(of: "\"") else { return nil }
        let after = rest[rest.index(after: close)...]
        let words = after.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        if words.isEmpty { return after.isEmpty ? nil : ["allow"] }
        guard words[0] == "allow", after.last == " " || after.last == "," else { return nil }
        let given = Set(words.dropFirst())
        guard given.allSatisfy({ FileUse(rawValue: $0) != nil }) else { return nil }
        let trimmed = after.reversed().drop(while: { $0 == " " })
        // `allow load ` needs a comma before the next grant; nothing else may follow.
        guard words.count == 1 || trimmed.first == "," else { return [] }
        return FileUse.allCases.map(\.rawValue).filter { !given.contains($0) }
    }

    static var functions: [String] { FunctionNames.all }
    static let periods = DateUnit.allCases.map(\.rawValue)
    /// Words that start statements without being reserved (a column may be called `plan`).
    static let statementWords = ["funnel", "velocity", "bottleneck", "decay", "stuck", "health", "explain", "what", "plan", "demand", "alias", "label", "report", "chart"]
    /// Words that follow a breakdown or a statement without being reserved: `vs plan`, `vs previous`,
    /// `confidence`, `velocity F histogram`, an attribution (`first touch`, `last touch`); and the
    /// lines of a funnel's block that say who it counts (`any order`, `exclude`, `constant`).
    static let clauseWords = ["vs", "confidence", "histogram", "running", "first touch", "last touch", "any order", "exclude", "constant"]

    /// The row stages of the first funnel named in `text` (a breakdown's `at STAGE`).
    private func stagesOfFunnelNamed(in text: Substring) -> [String]? {
        for word in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            if let funnel = session.funnels[String(word)] { return funnel.syntax.stages.filter { $0.count == nil }.map(\.name) }
        }
        return nil
    }

    private func matching(_ candidates: [String], _ word: String) -> [String] {
        // A backticked word matches names by what is inside the backticks.
        let bare = word.hasPrefix("`") ? String(word.dropFirst()) : word
        return candidates.filter { candidate in
            let name = candidate.hasPrefix("`") ? String(candidate.dropFirst()) : candidate
            return name.hasPrefix(bare) || (bare.isEmpty)
        }
    }

    /// The identifier (or opened backtick name) that ends at the cursor, and the text before it.
    private func currentWord(_ text: String) -> (String, Substring) {
        let characters = Array(text)
        var i = characters.count
        var backticks = 0
        for c in characters where c == "`" { backticks += 1 }
        if backticks % 2 == 1, let open = characters.lastIndex(of: "`") {
            return (String(characters[open...]), text.prefix(open))
        }
        while i > 0, characters[i - 1].isLetter || characters[i - 1].isNumber || characters[i - 1] == "_" { i -= 1 }
        return (String(characters[i...]), text.prefix(i))
    }

    private func lastName(in text: String) -> String {
        let (word, _) = currentWord(text)
        if word.hasPrefix("`") { return String(word.dropFirst().dropLast(word.hasSuffix("`") && word.count > 1 ? 1 : 0)) }
        if text.hasSuffix("`"), let open = text.dropLast().lastIndex(of: "`") {
            return String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        }
        return word
    }

    private func tableNamed(_ name: String) -> TableValue? { session.tables[name] }

    /// The table whose columns make sense here: the last table (or funnel's table) named before
    /// a clause keyword, as in `leads where `, `deals by source, ` or `velocity inbound by `; and
    /// whether that clause is `by`.
    private func tableInScope(_ before: Substring) -> (table: TableValue?, afterBy: Bool, inCondition: Bool) {
        let tokens = Lexer.tokenize(SourceFile(path: "<completion>", text: String(before)))
        var table: TableValue? = nil
        var clause: Keyword? = nil
        for token in tokens {
            switch token.kind {
            case .identifier(let name), .quotedIdentifier(let name):
                if let t = session.tables[name] {
                    table = t
                    clause = nil
                } else if let funnel = session.funnels[name], let t = session.tables[funnel.syntax.table] {
                    table = t
                    clause = nil
                }
            case .keyword(let k) where [.where, .by, .select, .sort].contains(k):
                clause = k
            case .newline, .symbol(.semicolon):
                table = nil
                clause = nil
            default: break
            }
        }
        return (table, table != nil && clause == .by, table != nil && clause == .where)
    }

    /// Words that may appear inside a condition (`leads where score > 60 and …`).
    static let conditionWords: [String] = [Keyword.and, .or, .not, .is, .null, .in, .between, .true, .false, .has].map(\.rawValue)

    private func columns(of table: TableValue) -> [String] {
        var names = table.table.columnNames
        for link in session.linksFrom(table.sourceName) {
            names += session.tables[link.toTable]?.table.columnNames ?? []
        }
        return names.map(Completer.quoteIfNeeded)
    }

    /// A name as it must be typed: in backticks when it is not a plain identifier or is a keyword.
    public static func quoteIfNeeded(_ name: String) -> String {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            && !("0"..."9").contains(name.unicodeScalars.first ?? "0")
        return plain && Keyword(rawValue: name) == nil ? name : "`" + name + "`"
    }

    /// The path typed so far when the cursor is inside `load "…` or `include "…`.
    private func openPathString(_ text: String) -> String? {
        guard let quote = text.lastIndex(of: "\"") else { return nil }
        let quotes = text.filter { $0 == "\"" }.count
        guard quotes % 2 == 1 else { return nil }
        let before = text[..<quote].trimmingSuffix(while: { $0 == " " })
        guard before.hasSuffix("load") || before.hasSuffix("include") || before.hasSuffix("to") else { return nil }
        return String(text[text.index(after: quote)...])
    }

    private func completePath(_ typed: String) -> Completion {
        let directory: String
        let prefix: String
        if let slash = typed.lastIndex(of: "/") {
            directory = String(typed[...slash])
            prefix = String(typed[typed.index(after: slash)...])
        } else {
            directory = ""
            prefix = typed
        }
        let entries = listDirectory(directory.isEmpty ? "." : directory)
        let candidates = entries
            .filter { $0.0.hasPrefix(prefix) && (!$0.0.hasPrefix(".") || prefix.hasPrefix(".")) }
            .map { $0.1 ? $0.0 + "/" : $0.0 }
            .sorted()
        return Completion(replacing: prefix.count, candidates: candidates)
    }

    static func directoryEntries(_ path: String) -> [(String, Bool)] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [(String, Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            let full = path == "." ? name : (path.hasSuffix("/") ? path + name : path + "/" + name)
            let isDirectory = stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            out.append((name, isDirectory))
        }
        return out
    }
}

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var s = self
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return s
    }
}
