/// The names a script may read as columns, found before it runs: every identifier in it and in
/// the files it includes (their paths are written out, so they are known). A load keeps those
/// columns and leaves the others unread, to be read if a statement needs them after all: the
/// hint only saves work, it never decides an answer.
enum ColumnHint {
    /// The identifiers of one statement.
    static func names(in statement: Statement) -> Set<String> {
        var names = Set<String>()
        let text = statement.range.file.slice(statement.range)
        for token in Lexer.tokenize(SourceFile(path: "<statement>", text: text)) {
            if case .identifier(let name) = token.kind { names.insert(name) }
            if case .quotedIdentifier(let name) = token.kind { names.insert(name) }
        }
        return names
    }

    static func names(in file: SourceFile, baseDirectory: String, fileSystem: FileAccess) -> Set<String> {
        var names = Set<String>()
        var visited = Set<String>()
        var pending: [(SourceFile, String)] = [(file, baseDirectory)]
        while let (source, directory) = pending.popLast() {
            let tokens = Lexer.tokenize(source)
            for (i, token) in tokens.enumerated() {
                switch token.kind {
                case .identifier(let name), .quotedIdentifier(let name):
                    names.insert(name)
                case .string(let path) where i > 0 && tokens[i - 1].kind == .keyword(.include):
                    let resolved = FileAccess.resolve(path, relativeTo: directory)
                    let canonical = fileSystem.canonical(resolved)
                    guard visited.insert(canonical).inserted, visited.count <= 256,
                          let text = try? fileSystem.readText(resolved) else { continue }
                    pending.append((SourceFile(path: path, text: text), FileAccess.directory(of: resolved)))
                default:
                    continue
                }
            }
        }
        return names
    }

    /// The tables a script shows or exports whole (`leads`, `leads where score > 50`, `export
    /// leads to …`, or a name given to such a view): every column of theirs is read at load,
    /// not in a second pass when they are shown.
    static func tablesReadWhole(in statements: [Statement]) -> Set<String> {
        var whole = Set<String>()
        var viewOf: [String: String] = [:]
        func base(_ expr: Expr) -> String? {
            var e = expr
            while true {
                switch e.kind {
                case .name(let n): return n
                case .filter(let b?, _), .sort(let b, _), .top(let b, _): e = b
                default: return nil
                }
            }
        }
        var pending = statements
        while let statement = pending.popLast() {
            switch statement.kind {
            case .expression(let e), .export(let e, _):
                if let n = base(e) { whole.insert(n) }
            case .assign(let name, let e):
                if let n = base(e) { viewOf[name] = n }
            case .report(_, _, let body):
                pending.append(contentsOf: body)
            default:
                continue
            }
        }
        // A view shown whole needs its table whole (`top = leads where score > 90`, then `top`).
        var result = Set<String>()
        for var name in whole {
            var seen = Set<String>()
            while seen.insert(name).inserted {
                result.insert(name)
                guard let next = viewOf[name] else { break }
                name = next
            }
        }
        return result
    }
}
