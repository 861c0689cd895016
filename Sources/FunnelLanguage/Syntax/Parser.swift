import FunnelEngine

/// A Pratt parser over the token stream. On an error it records a diagnostic, skips to the end
/// of the statement and goes on, so that one run reports every syntax error.
public struct Parser {
    private var tokens: [Token]
    private var index = 0
    private let file: SourceFile
    public private(set) var diagnostics: [Diagnostic] = []
    /// Blocks (`funnel … {`, `plan … {`, `report … {`) open where the parser is.
    private var openBlocks = 0
    /// Blocks open where the last error was found: recovery skips to their end, so that one bad
    /// line in a block is one error, not one for each line after it read as a statement.
    private var openBlocksAtError = 0
    /// Nesting guard: 10,000 nested parentheses must give an error, not a stack overflow.
    private var nesting = 0
    /// Set while the statements of a `report { … }` are parsed: a report cannot hold another.
    private var inReport = false
    private static let maxNesting = 200
    private static let maxChain = 2_000

    struct ParseError: Error {}

    public init(file: SourceFile) {
        self.file = file
        tokens = Lexer.tokenize(file)
    }

    /// Parses a whole script; `diagnostics` is empty when it parsed cleanly.
    public static func parse(_ file: SourceFile) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        var parser = Parser(file: file)
        let statements = parser.parseScript()
        return (statements, parser.diagnostics)
    }

    public mutating func parseScript() -> [Statement] {
        var statements: [Statement] = []
        while true {
            skipSeparators()
            if case .end = current.kind { break }
            do {
                statements.append(try parseStatement())
                try expectEndOfStatement()
            } catch {
                synchronize()
            }
        }
        return statements
    }

    // MARK: - Token helpers

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func peekToken(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func check(_ symbol: Symbol) -> Bool {
        if case .symbol(let s) = current.kind, s == symbol { return true }
        return false
    }

    private func check(_ keyword: Keyword) -> Bool {
        if case .keyword(let k) = current.kind, k == keyword { return true }
        return false
    }

    private mutating func match(_ symbol: Symbol) -> Bool {
        if check(symbol) { _ = advance(); return true }
        return false
    }

    private mutating func match(_ keyword: Keyword) -> Bool {
        if check(keyword) { _ = advance(); return true }
        return false
    }

    @discardableResult
    private mutating func expect(_ symbol: Symbol, _ what: String) throws -> Token {
        if check(symbol) { return advance() }
        throw fail("expected '\(symbol.rawValue)' \(what), found \(describe(current))")
    }

    private mutating func expect(_ keyword: Keyword, _ what: String) throws {
        if check(keyword) { _ = advance(); return }
        throw fail("expected '\(keyword.rawValue)' \(what), found \(describe(current))")
    }

    private mutating func expectName(_ what: String) throws -> (String, SourceRange) {
        switch current.kind {
        case .identifier(let name), .quotedIdentifier(let name):
            let token = advance()
            return (name, token.range)
        case .keyword(let k):
            throw fail("expected \(what), found the keyword '\(k.rawValue)'", notes: ["write `\(k.rawValue)` in backticks to use it as a name"])
        default:
            throw fail("expected \(what), found \(describe(current))")
        }
    }

    private mutating func expectString(_ what: String) throws -> String {
        if case .string(let s) = current.kind { _ = advance(); return s }
        throw fail("expected \(what) (a quoted string), found \(describe(current))")
    }

    private mutating func fail(_ message: String, at range: SourceRange? = nil, notes: [String] = [], suggestion: String? = nil) -> ParseError {
        var message = message
        var where_ = range ?? current.range
        if case .invalid(let why) = current.kind, range == nil {
            message = why
            where_ = current.range
        }
        diagnostics.append(.error(message, at: where_, suggestion: suggestion, notes: notes))
        openBlocksAtError = openBlocks
        return ParseError()
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let s): return "'\(s)'"
        case .quotedIdentifier(let s): return "`\(s)`"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .number: return "the number '\(file.slice(token.range))'"
        case .string: return "a string"
        case .date: return "the date '\(file.slice(token.range))'"
        case .symbol(let s): return "'\(s.rawValue)'"
        case .newline: return "the end of the line"
        case .end: return "the end of the input"
        case .invalid: return "'\(file.slice(token.range))'"
        }
    }

    private mutating func skipSeparators() {
        while true {
            switch current.kind {
            case .newline, .symbol(.semicolon): _ = advance()
            default: return
            }
        }
    }

    private mutating func expectEndOfStatement() throws {
        switch current.kind {
        case .newline, .end, .symbol(.semicolon): return
        case .symbol(.assign):
            throw fail("unexpected '=' here; to compare, write '=='", notes: ["'=' names something: x = …, rule mql = …"])
        default: throw fail("unexpected \(describe(current)) after the end of the statement")
        }
    }

    /// Skips to the start of the next statement after an error.
    private mutating func synchronize() {
        // Inside a block, its closing braces are still to come; brackets opened before the
        // error may close on the way (nesting below 0).
        var blocks = openBlocksAtError
        var nesting = 0
        openBlocksAtError = 0
        openBlocks = 0
        while true {
            switch current.kind {
            case .end: return
            case .newline, .symbol(.semicolon):
                if blocks <= 0 && nesting <= 0 { return }
            case .symbol(.leftBrace): blocks += 1
            case .symbol(.rightBrace): blocks -= 1
            case .symbol(.leftParen), .symbol(.leftBracket): nesting += 1
            case .symbol(.rightParen), .symbol(.rightBracket): nesting -= 1
            default: break
            }
            _ = advance()
        }
    }

    // MARK: - Statements

    private mutating func parseStatement() throws -> Statement {
        let start = current.range
        switch current.kind {
        case .keyword(.link):
            _ = advance()
            let (fromTable, _) = try expectName("the linking table (link deals.contact_id -> leads.id)")
            try expect(.dot, "between table and column")
            let (fromColumn, _) = try expectName("the key column")
            try expect(.arrow, "in a link (link deals.contact_id -> leads.id)")
            let (toTable, _) = try expectName("the linked table")
            try expect(.dot, "between table and column")
            let (toColumn, end) = try expectName("the linked table's key column")
            return Statement(kind: .link(fromTable: fromTable, fromColumn: fromColumn, toTable: toTable, toColumn: toColumn), range: start.to(end))
        case .keyword(.check):
            _ = advance()
            try expect(.link, "after 'check' (check link deals)")
            let (table, end) = try expectName("a table name")
            return Statement(kind: .checkLink(table), range: start.to(end))
        case .keyword(.rule):
            _ = advance()
            let (name, _) = try expectName("the rule's name (rule mql = score >= 60)")
            try expect(.assign, "after the rule's name")
            let condition = try parseExpression()
            return Statement(kind: .rule(name, condition), range: start.to(condition.range))
        case .keyword(.kpi):
            return try parseKPI()
        case .keyword(.param):
            _ = advance()
            let (name, _) = try expectName("the parameter's name (param quarter = \"2025-Q3\")")
            try expect(.assign, "after the parameter's name")
            let value = try parseExpression()
            return Statement(kind: .param(name, value), range: start.to(value.range))
        case .keyword(.assert):
            _ = advance()
            let condition = try parseExpression()
            var message: String? = nil
            var end = condition.range
            if match(.comma) {
                end = current.range
                message = try expectString("the assertion's message")
            }
            return Statement(kind: .assert(condition, message: message), range: start.to(end))
        case .keyword(.export):
            _ = advance()
            let value = try parseExpression()
            try expect(.to, "after what to export (export leads by source to \"out/x.csv\")")
            let end = current.range
            let path = try expectString("the output file")
            return Statement(kind: .export(value, path: path), range: start.to(end))
        case .keyword(.include):
            _ = advance()
            let path = try parsePath("the file to include (include \"rules.funnel\")")
            var end = path.range
            var allowed: [FileUse] = []
            if case .identifier("allow") = current.kind {
                _ = advance()
                repeat {
                    let word: String
                    switch current.kind {
                    case .keyword(let k): word = k.rawValue
                    case .identifier(let w): word = w
                    default: word = ""
                    }
                    guard let use = FileUse(rawValue: word) else {
                        throw fail("expected what the included file may do: load, include, export or report (include \"x.funnel\" allow load)")
                    }
                    end = advance().range
                    if !allowed.contains(use) { allowed.append(use) }
                } while match(.comma)
            }
            return Statement(kind: .include(path, allow: allowed), range: start.to(end))
        case .identifier(let word) where isCommandForm(word):
            return try parseCommand(word)
        case .identifier(let name), .quotedIdentifier(let name):
            if case .symbol(.assign) = peekToken(1).kind {
                _ = advance()
                _ = advance()
                let value = try parseExpression()
                return Statement(kind: .assign(name, value), range: start.to(value.range))
            }
        default:
            break
        }
        let value = try parseExpression()
        return Statement(kind: .expression(value), range: value.range)
    }

    /// Whether a token can begin the statement `explain plan` explains (not the end of the line,
    /// nor what follows a rule's name in `explain plan on deals` or a funnel's in `explain plan.stage`).
    static func startsStatement(_ kind: TokenKind) -> Bool {
        switch kind {
        case .newline, .end, .symbol(.semicolon), .symbol(.dot), .identifier("on"): return false
        default: return true
        }
    }

    /// Statement words that are not reserved (a column may be called `plan` or `funnel`): they
    /// start a command only in the command's shape, a name followed by another name.
    private func isCommandForm(_ word: String) -> Bool {
        let next = peekToken(1).kind
        func isName(_ k: TokenKind) -> Bool {
            switch k {
            case .identifier, .quotedIdentifier: return true
            default: return false
            }
        }
        switch word {
        case "funnel", "velocity", "bottleneck", "decay", "stuck", "health", "explain", "demand":
            return isName(next)
        case "alias":
            if isName(next), case .symbol(.dot) = peekToken(2).kind { return true }
            return false
        case "label":
            if isName(next), case .string = peekToken(2).kind { return true }
            return false
        case "report":
            if case .string = next { return true }
            return false
        case "chart":
            switch next {
            case .identifier, .quotedIdentifier, .symbol(.leftParen): return true
            default: return false
            }
        case "what":
            if case .identifier("if") = next { return true }
            return false
        case "plan":
            if isName(next), case .identifier("from") = peekToken(2).kind { return true }
            return false
        default:
            return false
        }
    }

    private mutating func expectWord(_ word: String, _ what: String) throws {
        if case .identifier(let w) = current.kind, w == word { _ = advance(); return }
        throw fail("expected '\(word)' \(what), found \(describe(current))")
    }

    /// `top N` after a statement that lists rows.
    private mutating func parseTop(_ statement: Statement) throws -> Statement {
        guard check(.top) else { return statement }
        _ = advance()
        guard case .number(let n) = current.kind, n.isInteger, n.value >= 0, n.value <= 1e12 else {
            throw fail("expected a whole number after 'top' (top 10)")
        }
        let end = advance().range
        return Statement(kind: .top(statement, Int(n.value)), range: statement.range.to(end))
    }

    private mutating func parseStageReference(_ what: String) throws -> (String, String, SourceRange) {
        let (funnel, start) = try expectName("a funnel name (\(what))")
        try expect(.dot, "between the funnel and its stage (\(what))")
        let (stage, end) = try expectName("a stage name")
        return (funnel, stage, start.to(end))
    }

    private mutating func parseCommand(_ word: String) throws -> Statement {
        let start = advance().range
        switch word {
        case "funnel":
            return try parseFunnel(start: start)
        case "velocity":
            let (name, end) = try expectName("a funnel name")
            if case .identifier("histogram") = current.kind {
                var last = advance().range
                var bin: Expr? = nil
                switch current.kind {
                case .newline, .end, .symbol(.semicolon), .symbol(.rightBrace), .keyword(.top): break
                default:
                    let width = try parseBinary(minPrecedence: Parser.additivePrecedence)
                    bin = width
                    last = width.range
                }
                return try parseTop(Statement(kind: .histogram(name, bin: bin), range: start.to(last)))
            }
            var keys: [Expr] = []
            if match(.by) {
                keys.append(try parseBinary(minPrecedence: 0))
                while match(.comma) { keys.append(try parseBinary(minPrecedence: 0)) }
            }
            return try parseTop(Statement(kind: .velocity(name, by: keys), range: start.to(keys.last?.range ?? end)))
        case "bottleneck":
            let (name, end) = try expectName("a funnel name")
            return try parseTop(Statement(kind: .bottleneck(name), range: start.to(end)))
        case "demand":
            let (name, end) = try expectName("a funnel name")
            var keys: [Expr] = []
            if match(.by) {
                keys.append(try parseBinary(minPrecedence: 0))
                while match(.comma) { keys.append(try parseBinary(minPrecedence: 0)) }
            }
            return try parseTop(Statement(kind: .demand(name, by: keys), range: start.to(keys.last?.range ?? end)))
        case "report":
            if inReport { throw fail("a report cannot hold another report; close the first one with '}' before starting the next") }
            inReport = true
            defer { inReport = false }
            let path = try expectString("the report's file (report \"out/review.html\" { … })")
            var title: String? = nil
            if case .identifier("title") = current.kind {
                _ = advance()
                title = try expectString("the report's title")
            }
            try expect(.leftBrace, "to open the report's statements")
            openBlocks += 1
            var body: [Statement] = []
            skipBlockSeparators()
            while !check(.rightBrace) {
                if case .end = current.kind { throw fail("the report's '{' is never closed") }
                body.append(try parseStatement())
                switch current.kind {
                case .newline, .symbol(.semicolon): skipBlockSeparators()
                case .symbol(.rightBrace): break
                default: throw fail("unexpected \(describe(current)) in the report")
                }
            }
            let end = advance().range
            openBlocks -= 1
            return Statement(kind: .report(path: path, title: title, body: body), range: start.to(end))
        case "chart":
            let value = try parseExpression()
            return Statement(kind: .chart(value), range: start.to(value.range))
        case "alias":
            let (table, _) = try expectName("a table (alias spend.channel as source)")
            try expect(.dot, "between the table and its column")
            let (column, _) = try expectName("a column")
            try expect(.as, "after the column (alias spend.channel as source)")
            let (name, end) = try expectName("the name it stands for")
            return Statement(kind: .alias(table: table, column: column, name: name), range: start.to(end))
        case "label":
            let (key, _) = try expectName("the key whose value it names (label source \"organic_search\" as \"Organic search\")")
            guard case .string(let value) = current.kind else { throw fail("expected the value as written in the data, in quotes") }
            _ = advance()
            try expect(.as, "before the label (label source \"organic_search\" as \"Organic search\")")
            guard case .string(let label) = current.kind else { throw fail("expected the label, in quotes") }
            let end = advance().range
            return Statement(kind: .label(key: key, value: value, label: label), range: start.to(end))
        case "decay", "stuck":
            let (funnel, stage, _) = try parseStageReference("\(word) inbound.sqls after 30 days")
            try expectWord("after", "and a duration (after 30 days)")
            let after = try parseBinary(minPrecedence: Parser.additivePrecedence)
            var value: Expr? = nil
            if word == "decay", case .identifier("value") = current.kind {
                _ = advance()
                value = try parseBinary(minPrecedence: 0)
            }
            let end = value?.range ?? after.range
            if word == "decay" { return try parseTop(Statement(kind: .decay(funnel: funnel, stage: stage, after: after, value: value), range: start.to(end))) }
            return try parseTop(Statement(kind: .stuck(funnel: funnel, stage: stage, after: after), range: start.to(end)))
        case "health":
            let (name, end) = try expectName("a funnel name")
            var after: Expr? = nil
            if case .identifier("after") = current.kind {
                _ = advance()
                after = try parseBinary(minPrecedence: Parser.additivePrecedence)
            }
            return try parseTop(Statement(kind: .health(name, after: after), range: start.to(after?.range ?? end)))
        case "explain":
            // `explain plan inbound by source`; `explain plan` alone explains a rule called plan.
            if case .identifier("plan") = current.kind, Parser.startsStatement(peekToken(1).kind) {
                _ = advance()
                let inner = try parseStatement()
                return Statement(kind: .explainPlan(inner), range: start.to(inner.range))
            }
            if case .identifier("sql") = current.kind, Parser.startsStatement(peekToken(1).kind) {
                _ = advance()
                let inner = try parseStatement()
                return Statement(kind: .explainSQL(inner), range: start.to(inner.range))
            }
            let (name, end) = try expectName("a rule or funnel.stage")
            if match(.dot) {
                let (stage, stageEnd) = try expectName("a stage name")
                return Statement(kind: .explain(name, stage: stage, table: nil), range: start.to(stageEnd))
            }
            var table: String? = nil
            var last = end
            if case .identifier("on") = current.kind {
                _ = advance()
                let (t, tEnd) = try expectName("a table name")
                table = t
                last = tEnd
            }
            return Statement(kind: .explain(name, stage: nil, table: table), range: start.to(last))
        case "what":
            try expectWord("if", "after 'what' (what if mql = score >= 50 in inbound)")
            let (rule, _) = try expectName("a rule name")
            try expect(.assign, "after the rule's name")
            let condition = try parseBinary(minPrecedence: 0)
            guard case .keyword(.in) = current.kind else {
                throw fail("expected 'in FUNNEL' after the changed rule (what if mql = score >= 50 in inbound)")
            }
            _ = advance()
            let (funnel, end) = try expectName("a funnel name")
            return Statement(kind: .whatIf(rule: rule, condition: condition, funnel: funnel), range: start.to(end))
        default:
            return try parsePlan(start: start)
        }
    }

    private mutating func skipBlockSeparators() {
        while true {
            switch current.kind {
            case .newline, .symbol(.semicolon): _ = advance()
            default: return
            }
        }
    }

    private mutating func parseFunnel(start: SourceRange) throws -> Statement {
        let (name, _) = try expectName("the funnel's name (funnel inbound on leads { … })")
        try expectWord("on", "and the table the funnel follows (funnel inbound on leads { … })")
        let (table, _) = try expectName("a table name")
        try expect(.leftBrace, "to open the list of stages")
        openBlocks += 1
        var funnel = FunnelSyntax(name: name, table: table, stages: [], window: nil, targets: [], value: nil, spend: nil, revenue: nil, orders: nil)
        skipBlockSeparators()
        while !check(.rightBrace) {
            if case .end = current.kind { throw fail("the funnel's '{' is never closed") }
            let lineStart = current.range
            if case .identifier("within") = current.kind, !isAssignmentNext() {
                _ = advance()
                funnel.window = try parseBinary(minPrecedence: Parser.additivePrecedence)
            } else if check(.target) {
                _ = advance()
                let (first, _) = try expectName("a stage name (target mqls/leads >= 20%)")
                var from: String? = nil
                var to = first
                if match(.slash) {
                    let (second, _) = try expectName("the stage before (target mqls/leads >= 20%)")
                    from = second
                    to = first
                }
                guard case .symbol(let s) = current.kind, let comparison = Parser.comparison(s) else {
                    throw fail("expected a comparison in the target (target mqls/leads >= 20%)")
                }
                _ = advance()
                let value = try parseBinary(minPrecedence: Parser.additivePrecedence)
                funnel.targets.append(StepTargetSyntax(from: from, to: to, comparison: comparison, value: value, range: lineStart.to(value.range)))
            } else if case .identifier("any") = current.kind, case .identifier("order") = peekToken(1).kind {
                _ = advance()
                _ = advance()
                funnel.anyOrder = true
            } else if case .identifier("exclude") = current.kind, !isAssignmentNext(), !isStageWordNext() {
                _ = advance()
                let (column, _) = try expectName("the column of when it happened (exclude lost_at between mqls and sqls)")
                try expect(.between, "and the two stages (exclude lost_at between mqls and sqls)")
                let (from, _) = try expectName("the earlier stage (exclude lost_at between mqls and sqls)")
                try expect(.and, "between the two stages (exclude lost_at between mqls and sqls)")
                let (to, toRange) = try expectName("the later stage (exclude lost_at between mqls and sqls)")
                var condition: Expr? = nil
                if match(.where) { condition = try parseBinary(minPrecedence: 0) }
                funnel.exclusions.append(ExclusionSyntax(column: column, from: from, to: to, condition: condition,
                                                         range: lineStart.to(condition?.range ?? toRange)))
            } else if case .identifier("count") = current.kind, case .keyword(.distinct) = peekToken(1).kind {
                _ = advance()
                _ = advance()
                funnel.countDistinct = [try parseBinary(minPrecedence: 0)]
                while match(.comma) { funnel.countDistinct.append(try parseBinary(minPrecedence: 0)) }
            } else if case .identifier("constant") = current.kind, !isAssignmentNext(), !isStageWordNext() {
                _ = advance()
                funnel.constant = [try parseBinary(minPrecedence: 0)]
                while match(.comma) { funnel.constant.append(try parseBinary(minPrecedence: 0)) }
            } else if case .identifier("value") = current.kind, !isAssignmentNext() {
                _ = advance()
                funnel.value = try parseBinary(minPrecedence: 0)
            } else if case .identifier("spend") = current.kind, !isAssignmentNext(), !isStageWordNext() {
                _ = advance()
                funnel.spend = try parseBinary(minPrecedence: 0)
            } else if case .identifier("revenue") = current.kind, !isAssignmentNext(), !isStageWordNext() {
                _ = advance()
                funnel.revenue = try parseBinary(minPrecedence: 0)
            } else if case .identifier("orders") = current.kind, !isAssignmentNext(), !isStageWordNext() {
                _ = advance()
                funnel.orders = try parseBinary(minPrecedence: 0)
            } else {
                let (stage, stageRange) = try expectName("a stage name")
                var syntax = StageSyntax(name: stage, count: nil, at: nil, condition: nil, optional: false, range: stageRange)
                if match(.assign) {
                    let count = try parseBinary(minPrecedence: 0)
                    syntax.count = count
                    syntax.range = stageRange.to(count.range)
                } else {
                    while true {
                        if case .identifier("at") = current.kind {
                            _ = advance()
                            let (column, r) = try expectName("the column holding when the stage was reached")
                            syntax.at = column
                            syntax.range = syntax.range.to(r)
                        } else if check(.where) {
                            _ = advance()
                            let condition = try parseBinary(minPrecedence: 0)
                            syntax.condition = condition
                            syntax.range = syntax.range.to(condition.range)
                        } else if case .identifier("optional") = current.kind {
                            syntax.range = syntax.range.to(advance().range)
                            syntax.optional = true
                        } else {
                            break
                        }
                    }
                }
                funnel.stages.append(syntax)
            }
            switch current.kind {
            case .newline, .symbol(.semicolon): skipBlockSeparators()
            case .symbol(.rightBrace): break
            default: throw fail("unexpected \(describe(current)) in the funnel's stage list")
            }
        }
        let end = advance().range
        openBlocks -= 1
        return Statement(kind: .funnel(funnel), range: start.to(end))
    }

    /// `spend at spent_at` is a stage named spend, not the spend setting.
    private func isStageWordNext() -> Bool {
        switch peekToken(1).kind {
        case .identifier("at"), .identifier("optional"), .keyword(.where), .newline, .symbol(.semicolon), .symbol(.rightBrace): return true
        default: return false
        }
    }

    private func isAssignmentNext() -> Bool {
        if case .symbol(.assign) = peekToken(1).kind { return true }
        return false
    }

    private mutating func parsePlan(start: SourceRange) throws -> Statement {
        let (name, _) = try expectName("the plan's name")
        try expectWord("from", "and the funnel it plans (plan next_year from inbound { … })")
        let (funnel, _) = try expectName("a funnel name")
        var plan = PlanSyntax(name: name, funnel: funnel, settings: [], rates: [])
        try expect(.leftBrace, "to open the plan's goals")
        openBlocks += 1
        skipBlockSeparators()
        while !check(.rightBrace) {
            if case .end = current.kind { throw fail("the plan's '{' is never closed") }
            let lineStart = current.range
            if case .identifier("rate") = current.kind, !isAssignmentNext() {
                _ = advance()
                let (from, _) = try expectName("a stage (rate sqls -> customers = 25%)")
                try expect(.arrow, "between the two stages (rate sqls -> customers = 25%)")
                let (to, _) = try expectName("a stage")
                try expect(.assign, "before the rate")
                let value = try parseBinary(minPrecedence: 0)
                plan.rates.append((from, to, value, lineStart.to(value.range)))
            } else {
                let (setting, _) = try expectName("a goal such as customers = 10")
                try expect(.assign, "after '\(setting)'")
                let value = try parseBinary(minPrecedence: 0)
                plan.settings.append((setting, value, lineStart.to(value.range)))
            }
            switch current.kind {
            case .newline, .symbol(.semicolon): skipBlockSeparators()
            case .symbol(.rightBrace): break
            default: throw fail("unexpected \(describe(current)) in the plan")
            }
        }
        let end = advance().range
        openBlocks -= 1
        return Statement(kind: .plan(plan), range: start.to(end))
    }

    private mutating func parseKPI() throws -> Statement {
        let start = advance().range
        let (name, _) = try expectName("the KPI's name (kpi lead_rate = …)")
        // `kpi romi "ROMI" = …`: a label for readers.
        var label: String? = nil
        if case .string(let text) = current.kind {
            _ = advance()
            label = text
        }
        try expect(.assign, "after the KPI's name")
        let formula = try parseExpression()
        var end = formula.range
        var format: DisplayFormat? = nil
        var target: Target? = nil
        if match(.as) {
            end = current.range
            format = try parseDisplayFormat()
        }
        if match(.target) {
            guard case .symbol(let s) = current.kind, let comparison = Parser.comparison(s) else {
                throw fail("expected a comparison after 'target' (target >= 2%)")
            }
            _ = advance()
            let value = try parseBinary(minPrecedence: Parser.additivePrecedence)
            target = Target(comparison: comparison, value: value)
            end = value.range
        }
        var definition = KPIDefinition(name: name, formula: formula, format: format, target: target)
        definition.label = label
        return Statement(kind: .kpi(definition), range: start.to(end))
    }

    private static func comparison(_ s: Symbol) -> BinaryOperator? {
        switch s {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        default: return nil
        }
    }

    // MARK: - Expressions

    /// A full expression: a value followed by any table clauses (where, by, select, sort, top).
    public mutating func parseExpression() throws -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maxNesting { throw fail("expression nested too deeply (more than \(Parser.maxNesting) levels)") }
        var base = try parseBinary(minPrecedence: 0)
        return try parseClauses(base: &base)
    }

    private mutating func parseClauses(base: inout Expr) throws -> Expr {
        var chain = 0
        while true {
            chain += 1
            if chain > Parser.maxChain { throw fail("too many clauses in one expression") }
            if match(.where) {
                let condition = try parseBinary(minPrecedence: 0)
                base = Expr(.filter(base, condition), base.range.to(condition.range))
            } else if match(.by) {
                var keys = [try parseBinary(minPrecedence: 0)]
                while match(.comma) { keys.append(try parseBinary(minPrecedence: 0)) }
                base = Expr(.groupBy(base, keys), base.range.to(keys[keys.count - 1].range))
            } else if match(.select) {
                var items = [try parseSelectItem()]
                while match(.comma) { items.append(try parseSelectItem()) }
                base = Expr(.select(base, items), base.range.to(items[items.count - 1].expr.range))
            } else if match(.sort) {
                var keys: [SortKey] = []
                repeat {
                    let key = try parseBinary(minPrecedence: 0)
                    var descending = false
                    if match(.desc) { descending = true } else { _ = match(.asc) }
                    keys.append(SortKey(expr: key, descending: descending))
                } while match(.comma)
                base = Expr(.sort(base, keys), base.range.to(keys[keys.count - 1].expr.range))
            } else if case .identifier("cohort") = current.kind, case .keyword(.by) = peekToken(1).kind {
                _ = advance()
                _ = advance()
                var keys = [try parseBinary(minPrecedence: 0)]
                while match(.comma) { keys.append(try parseBinary(minPrecedence: 0)) }
                base = Expr(.cohort(base, keys), base.range.to(keys[keys.count - 1].range))
            } else if case .identifier("vs") = current.kind {
                _ = advance()
                let other: Expr
                if case .identifier("last") = current.kind, case .identifier("year") = peekToken(1).kind {
                    // `vs last year`: the same period a year before.
                    let start = advance().range
                    other = Expr(.name(PeriodComparison.lastYearName), start.to(advance().range))
                } else {
                    other = try parseBinary(minPrecedence: 0)
                }
                base = Expr(.versus(base, other), base.range.to(other.range))
            } else if case .identifier("confidence") = current.kind, base.isBreakdown {
                var end = advance().range
                var level = 0.95
                if case .number(let n) = current.kind {
                    guard n.isPercent, n.value >= 0.5, n.value < 1 else {
                        throw fail("expected a confidence level from 50% to 99.9% (confidence 90%)")
                    }
                    level = n.value
                    end = advance().range
                }
                base = Expr(.confidence(base, level: level), base.range.to(end))
            } else if case .identifier("wide") = current.kind, case .versus = base.kind {
                base = Expr(.wide(base), base.range.to(advance().range))
            } else if case .identifier("running") = current.kind, base.isBreakdown {
                base = Expr(.running(base), base.range.to(advance().range))
            } else if case .identifier(let unit) = current.kind, ["week", "month", "quarter", "year"].contains(unit),
                      case .keyword(.to) = peekToken(1).kind, case .identifier("date") = peekToken(2).kind {
                _ = advance()
                _ = advance()
                base = Expr(.toDate(base, unit: unit), base.range.to(advance().range))
            } else if case .groupBy = base.kind, let attribution = try parseAttribution() {
                base = Expr(.attributed(base, attribution.0), base.range.to(attribution.1))
            } else if check(.top) {
                let top = advance()
                guard case .number(let n) = current.kind, n.isInteger, n.value >= 0, n.value <= 1e12 else {
                    throw fail("expected a whole number after 'top' (top 10)")
                }
                let end = advance().range
                base = Expr(.top(base, Int(n.value)), base.range.to(top.range).to(end))
            } else {
                return base
            }
        }
    }

    /// `first touch`, `last touch` or `at STAGE` after a breakdown's keys; nil when none follows.
    private mutating func parseAttribution() throws -> (AttributionSyntax, SourceRange)? {
        switch (current.kind, peekToken(1).kind) {
        case (.identifier("first"), .identifier("touch")), (.identifier("last"), .identifier("touch")):
            let first = advance()
            let end = advance().range
            if case .identifier("first") = first.kind { return (.firstTouch, end) }
            return (.lastTouch, end)
        case (.identifier("at"), _):
            _ = advance()
            let (stage, range) = try expectName("a stage: the breakdown reads each key at it (inbound by source at mqls)")
            return (.stage(stage, range), range)
        default:
            return nil
        }
    }

    private mutating func parseSelectItem() throws -> SelectItem {
        var name: String? = nil
        if case .symbol(.assign) = peekToken(1).kind {
            switch current.kind {
            case .identifier(let n), .quotedIdentifier(let n):
                _ = advance()
                _ = advance()
                name = n
            default: break
            }
        }
        let expr = try parseBinary(minPrecedence: 0)
        var format: DisplayFormat? = nil
        if match(.as) { format = try parseDisplayFormat() }
        return SelectItem(name: name, expr: expr, format: format)
    }

    private mutating func parseDisplayFormat() throws -> DisplayFormat {
        let (formatName, formatRange) = try expectName("a display format (percent, money, number, days)")
        guard let parsed = DisplayFormat(rawValue: formatName) else {
            throw fail("unknown display format '\(formatName)'", at: formatRange,
                       suggestion: Suggestion.nearest(to: formatName, in: DisplayFormat.allCases.map(\.rawValue)))
        }
        return parsed
    }

    // Precedence, lowest first: or, and, not, comparison, additive, multiplicative, unary, postfix.
    private static let orPrecedence = 1, andPrecedence = 2, notPrecedence = 3, comparisonPrecedence = 4
    private static let additivePrecedence = 5, multiplicativePrecedence = 6, unaryPrecedence = 7

    private func infixOperator() -> (BinaryOperator, Int)? {
        switch current.kind {
        case .keyword(.or): return (.or, Parser.orPrecedence)
        case .keyword(.and): return (.and, Parser.andPrecedence)
        case .symbol(let s):
            if let c = Parser.comparison(s) { return (c, Parser.comparisonPrecedence) }
            switch s {
            case .match: return (.match, Parser.comparisonPrecedence)
            case .notMatch: return (.notMatch, Parser.comparisonPrecedence)
            case .plus: return (.add, Parser.additivePrecedence)
            case .minus: return (.subtract, Parser.additivePrecedence)
            case .star: return (.multiply, Parser.multiplicativePrecedence)
            case .slash: return (.divide, Parser.multiplicativePrecedence)
            case .percent: return (.modulo, Parser.multiplicativePrecedence)
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func parseBinary(minPrecedence: Int) throws -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maxNesting { throw fail("expression nested too deeply (more than \(Parser.maxNesting) levels)") }
        var left = try parseUnary()
        var chain = 0
        while true {
            // A left-deep chain (1 + 1 + … ) becomes a deep tree that evaluation walks recursively.
            chain += 1
            if chain > Parser.maxChain { throw fail("expression too long (more than \(Parser.maxChain) operators in a row)") }
            // Postfix predicates sit at comparison precedence: x is null, x in (…), x between a and b.
            if Parser.comparisonPrecedence >= minPrecedence, let predicate = try parsePredicate(left) {
                left = predicate
                continue
            }
            guard let (op, precedence) = infixOperator(), precedence >= minPrecedence else { return left }
            _ = advance()
            let right = try parseBinary(minPrecedence: precedence + 1)
            left = Expr(.binary(op, left, right), left.range.to(right.range))
        }
    }

    private mutating func parsePredicate(_ left: Expr) throws -> Expr? {
        if check(.is) {
            _ = advance()
            let negated = match(.not)
            let end = current.range
            try expect(.null, "after 'is' (is null, is not null)")
            return Expr(.isNull(left, negated: negated), left.range.to(end))
        }
        var negated = false
        if check(.not) {
            switch peekToken(1).kind {
            case .keyword(.in), .keyword(.between):
                _ = advance()
                negated = true
            default: return nil
            }
        }
        if check(.in), !negated, case .identifier = peekToken(1).kind {
            // `what if mql = … in inbound`: this `in` names a funnel, it is not a list test.
            return nil
        }
        if match(.in) {
            try expect(.leftParen, "after 'in' (source in (\"email\", \"social\"))")
            var items: [Expr] = []
            if !check(.rightParen) {
                repeat { items.append(try parseBinary(minPrecedence: 0)) } while match(.comma)
            }
            let end = try expect(.rightParen, "to close the list")
            return Expr(.inList(left, items, negated: negated), left.range.to(end.range))
        }
        if match(.between) {
            let low = try parseBinary(minPrecedence: Parser.additivePrecedence)
            try expect(.and, "in 'between … and …'")
            let high = try parseBinary(minPrecedence: Parser.additivePrecedence)
            return Expr(.between(left, low, high, negated: negated), left.range.to(high.range))
        }
        return nil
    }

    private mutating func parseUnary() throws -> Expr {
        let start = current.range
        if match(.not) {
            let operand = try parseBinary(minPrecedence: Parser.notPrecedence)
            return Expr(.unary(.not, operand), start.to(operand.range))
        }
        if match(.minus) {
            let operand = try parseBinary(minPrecedence: Parser.unaryPrecedence)
            return Expr(.unary(.negate, operand), start.to(operand.range))
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws -> Expr {
        var expr = try parsePrimary()
        var chain = 0
        while check(.dot) {
            chain += 1
            if chain > Parser.maxChain { throw fail("too many '.' in a row") }
            _ = advance()
            let (member, range) = try expectName("a column name after '.'")
            expr = Expr(.member(expr, member), expr.range.to(range))
        }
        return expr
    }

    private mutating func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number(let n):
            _ = advance()
            if case .identifier(let unit) = current.kind, let days = Parser.durationUnit(unit) {
                let end = advance().range
                return Expr(.duration(n.value * days), token.range.to(end))
            }
            return Expr(.number(n), token.range)
        case .string(let s):
            _ = advance()
            return Expr(.string(s), token.range)
        case .date(let d):
            _ = advance()
            return Expr(.date(d), token.range)
        case .keyword(.true):
            _ = advance()
            return Expr(.boolean(true), token.range)
        case .keyword(.false):
            _ = advance()
            return Expr(.boolean(false), token.range)
        case .keyword(.null):
            _ = advance()
            return Expr(.null, token.range)
        case .keyword(.has):
            _ = advance()
            let (table, end) = try expectName("a table name after 'has' (leads where has deals)")
            return Expr(.has(table), token.range.to(end))
        case .keyword(.load):
            return try parseLoad()
        case .keyword(.where):
            // `count(where mql)`: a filter on the table in scope.
            _ = advance()
            let condition = try parseBinary(minPrecedence: 0)
            return Expr(.filter(nil, condition), token.range.to(condition.range))
        case .symbol(.leftParen):
            _ = advance()
            let inner = try parseExpression()
            let end = try expect(.rightParen, "to close '('")
            var grouped = inner
            grouped.range = token.range.to(end.range)
            return grouped
        case .identifier(let name):
            _ = advance()
            if check(.leftParen) { return try parseCall(name, start: token.range) }
            return Expr(.name(name), token.range)
        case .quotedIdentifier(let name):
            _ = advance()
            return Expr(.name(name), token.range)
        case .keyword(let k):
            throw fail("expected a value, found the keyword '\(k.rawValue)'")
        default:
            throw fail("expected a value, found \(describe(token))")
        }
    }

    private static func durationUnit(_ word: String) -> Double? {
        switch word {
        case "day", "days": return 1
        case "week", "weeks": return 7
        case "hour", "hours": return 1.0 / 24
        default: return nil
        }
    }

    private mutating func parseCall(_ name: String, start: SourceRange) throws -> Expr {
        try expect(.leftParen, "")
        var args: [Expr] = []
        let distinct = match(.distinct)
        if !check(.rightParen) {
            repeat { args.append(try parseExpression()) } while match(.comma)
        }
        let end = try expect(.rightParen, "to close the call to \(name)(")
        return Expr(.call(name, args, distinct: distinct), start.to(end.range))
    }

    /// A file's path: a string, or an expression that makes one (`load data + "/leads.csv"`,
    /// `include "clients/" + client + ".funnel"`); nothing there is said as a missing string.
    private mutating func parsePath(_ what: String) throws -> Expr {
        switch current.kind {
        case .newline, .end, .keyword, .symbol(.semicolon), .symbol(.rightParen), .symbol(.rightBrace):
            _ = try expectString(what)
        default:
            break
        }
        return try parseBinary(minPrecedence: Parser.additivePrecedence)
    }

    private mutating func parseLoad() throws -> Expr {
        let start = advance().range
        // The options that follow the path are words, which end its expression.
        let path = try parsePath("the file to load (load \"data/leads.csv\")")
        var end = path.range
        var options: [LoadOption] = []
        while case .identifier(let word) = current.kind {
            let optionStart = current.range
            switch word {
            case "delimiter":
                _ = advance()
                end = current.range
                options.append(LoadOption(kind: .delimiter(try expectString("the delimiter")), range: optionStart.to(end)))
            case "dates":
                _ = advance()
                end = current.range
                options.append(LoadOption(kind: .dates(try expectString("the date order (\"dd/mm/yyyy\" or \"mm/dd/yyyy\")")), range: optionStart.to(end)))
            case "decimal":
                _ = advance()
                end = current.range
                options.append(LoadOption(kind: .decimal(try expectString("the decimal mark (\",\" or \".\")")), range: optionStart.to(end)))
            case "table":
                _ = advance()
                end = current.range
                options.append(LoadOption(kind: .table(try expectString("the database table (table \"public.leads\")")), range: optionStart.to(end)))
            case "query":
                _ = advance()
                end = current.range
                options.append(LoadOption(kind: .query(try expectString("the query (query \"select * from deals\")")), range: optionStart.to(end)))
            case "time":
                _ = advance()
                let (column, range) = try expectName("the time column")
                end = range
                options.append(LoadOption(kind: .time(column), range: optionStart.to(end)))
            case "types":
                _ = advance()
                try expect(.leftParen, "after 'types' (types (score integer, zip text))")
                var types: [(column: String, type: String, range: SourceRange)] = []
                repeat {
                    let (column, columnRange) = try expectName("a column name")
                    let (type, typeRange) = try expectName("a type (integer, decimal, boolean, date, timestamp, text)")
                    types.append((column, type, columnRange.to(typeRange)))
                } while match(.comma)
                end = try expect(.rightParen, "to close the list of types").range
                options.append(LoadOption(kind: .types(types), range: optionStart.to(end)))
            case "header", "quotes":
                _ = advance()
                end = current.range
                let value: Bool
                switch current.kind {
                case .keyword(.true): value = true
                case .keyword(.false): value = false
                default:
                    throw fail(word == "header" ? "expected true or false after 'header' (header false: the first row is data)"
                                                : "expected true or false after 'quotes' (quotes false: a \" is an ordinary character)")
                }
                _ = advance()
                options.append(LoadOption(kind: word == "header" ? .header(value) : .quotes(value), range: optionStart.to(end)))
            default:
                throw fail("unknown load option '\(word)'", suggestion: Suggestion.nearest(to: word, in: ["delimiter", "dates", "decimal", "time", "types", "header", "quotes", "table", "query"]))
            }
        }
        return Expr(.load(path: path, options: options), start.to(end))
    }
}
