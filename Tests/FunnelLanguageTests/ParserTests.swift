import FunnelEngine
import Testing
@testable import FunnelLanguage

/// The shape of the parse tree, written as S-expressions so that precedence is easy to read:
/// `a or b and c` is `(or a (and b c))`.
struct ParserTests {
    // MARK: Helpers

    static func parse(_ text: String) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        Parser.parse(SourceFile(path: "t.funnel", text: text))
    }

    /// The one expression statement of `text`, as an S-expression; "error: …" when it did not parse.
    static func tree(_ text: String) -> String {
        let (statements, diagnostics) = parse(text)
        if let first = diagnostics.first { return "error: " + first.message }
        guard statements.count == 1 else { return "\(statements.count) statements" }
        return sexp(statements[0])
    }

    static func sexp(_ s: Statement) -> String {
        switch s.kind {
        case .assign(let n, let e): return "(assign \(n) \(sexp(e)))"
        case .param(let n, let e): return "(param \(n) \(sexp(e)))"
        case .link(let ft, let fc, let tt, let tc): return "(link \(ft).\(fc) \(tt).\(tc))"
        case .checkLink(let t): return "(check-link \(t))"
        case .rule(let n, let e): return "(rule \(n) \(sexp(e)))"
        case .kpi(let k):
            var out = "(kpi \(k.name) \(sexp(k.formula))"
            if let f = k.format { out += " as \(f.rawValue)" }
            if let t = k.target { out += " target \(t.comparison.rawValue) \(sexp(t.value))" }
            return out + ")"
        case .assert(let e, let m): return "(assert \(sexp(e))" + (m.map { " \"\($0)\"" } ?? "") + ")"
        case .export(let e, let p): return "(export \(sexp(e)) \"\(p)\")"
        case .include(let p, let allowed): return "(include \(sexp(p))" + (allowed.isEmpty ? "" : " allow " + allowed.map(\.rawValue).joined(separator: ",")) + ")"
        case .expression(let e): return sexp(e)
        case .funnel(let f): return "(funnel \(f.name) on \(f.table) [\(f.stages.map(\.name).joined(separator: " "))])"
        case .velocity(let f, let by): return "(velocity \(f)" + (by.isEmpty ? "" : " by " + by.map { sexp($0) }.joined(separator: " ")) + ")"
        case .bottleneck(let f): return "(bottleneck \(f))"
        case .alias(let t, let c, let n): return "(alias \(t).\(c) \(n))"
        case .label(let k, let v, let l): return "(label \(k) \"\(v)\" \"\(l)\")"
        case .report(let p, _, let body): return "(report \"\(p)\" [\(body.map { sexp($0) }.joined(separator: " "))])"
        case .chart(let e): return "(chart \(sexp(e)))"
        case .demand(let f, let by): return "(demand \(f)" + (by.isEmpty ? "" : " by " + by.map { sexp($0) }.joined(separator: " ")) + ")"
        case .decay(let f, let stage, let after, _): return "(decay \(f).\(stage) \(sexp(after)))"
        case .stuck(let f, let stage, let after): return "(stuck \(f).\(stage) \(sexp(after)))"
        case .health(let f, let after): return "(health \(f)" + (after.map { " " + sexp($0) } ?? "") + ")"
        case .explain(let name, let stage, let table): return "(explain \(name)" + (stage.map { ".\($0)" } ?? "") + (table.map { " on \($0)" } ?? "") + ")"
        case .whatIf(let rule, let condition, let funnel): return "(what-if \(rule) \(sexp(condition)) \(funnel))"
        case .plan(let p): return "(plan \(p.name) from \(p.funnel))"
        case .explainPlan(let inner): return "(explain-plan \(sexp(inner)))"
        case .explainSQL(let inner): return "(explain-sql \(sexp(inner)))"
        case .top(let inner, let n): return "(top \(sexp(inner)) \(n))"
        case .histogram(let f, let bin): return "(histogram \(f)" + (bin.map { " " + sexp($0) } ?? "") + ")"
        }
    }

    static func number(_ n: NumberLiteral) -> String {
        let v = n.isInteger && !n.isPercent && abs(n.value) < 1e15 ? String(Int64(n.value)) : String(n.value)
        return n.isPercent ? v + "%" : v
    }

    static func sexp(_ e: Expr) -> String {
        switch e.kind {
        case .number(let n): return number(n)
        case .duration(let d): return "\(d == d.rounded() ? String(Int(d)) : String(d))d"
        case .string(let s): return "\"\(s)\""
        case .date(let d): return CivilDate.format(days: Int(d))
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "null"
        case .name(let n): return n
        case .member(let b, let c): return "\(sexp(b)).\(c)"
        case .unary(let op, let a): return "(\(op == .not ? "not" : "neg") \(sexp(a)))"
        case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexp(a)) \(sexp(b)))"
        case .isNull(let a, let negated): return "(\(negated ? "is-not-null" : "is-null") \(sexp(a)))"
        case .inList(let a, let items, let negated): return "(\(negated ? "not-in" : "in") \(sexp(a)) [\(items.map { sexp($0) }.joined(separator: " "))])"
        case .between(let a, let lo, let hi, let negated): return "(\(negated ? "not-between" : "between") \(sexp(a)) \(sexp(lo)) \(sexp(hi)))"
        case .call(let f, let args, let distinct): return "\(f)(\(distinct ? "distinct " : "")\(args.map { sexp($0) }.joined(separator: ", ")))"
        case .has(let t): return "(has \(t))"
        case .load(let path, let options):
            var out = "(load \(sexp(path))"
            for o in options {
                switch o.kind {
                case .delimiter(let d): out += " delimiter \"\(d)\""
                case .dates(let d): out += " dates \"\(d)\""
                case .time(let c): out += " time \(c)"
                case .types(let t): out += " types (\(t.map { "\($0.column) \($0.type)" }.joined(separator: ", ")))"
                case .header(let h): out += " header \(h)"
                case .quotes(let q): out += " quotes \(q)"
                case .decimal(let m): out += " decimal \"\(m)\""
                case .table(let t): out += " table \"\(t)\""
                case .query(let q): out += " query \"\(q)\""
                }
            }
            return out + ")"
        case .filter(let b, let c): return "(where \(b.map { sexp($0) } ?? "_") \(sexp(c)))"
        case .groupBy(let b, let keys): return "(by \(sexp(b)) \(keys.map { sexp($0) }.joined(separator: " ")))"
        case .select(let b, let items):
            let shown = items.map { item -> String in
                var s = (item.name.map { $0 + "=" } ?? "") + sexp(item.expr)
                if let f = item.format { s += " as \(f.rawValue)" }
                return s
            }
            return "(select \(sexp(b)) \(shown.joined(separator: ", ")))"
        case .sort(let b, let keys): return "(sort \(sexp(b)) \(keys.map { sexp($0.expr) + ($0.descending ? " desc" : "") }.joined(separator: ", ")))"
        case .top(let b, let n): return "(top \(sexp(b)) \(n))"
        case .cohort(let b, let keys): return "(cohort \(sexp(b)) \(keys.map { sexp($0) }.joined(separator: " ")))"
        case .versus(let a, let b): return "(vs \(sexp(a)) \(sexp(b)))"
        case .confidence(let a, let level): return "(confidence \(sexp(a)) \(level))"
        case .attributed(let a, let attribution): return "(attributed \(sexp(a)) \(attribution.words))"
        case .running(let a): return "(running \(sexp(a)))"
        case .wide(let a): return "(wide \(sexp(a)))"
        case .toDate(let a, let unit): return "(\(unit)-to-date \(sexp(a)))"
        }
    }

    // MARK: Precedence

    @Test(arguments: [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("not a == b", "(not (== a b))"),
        ("not a and b", "(and (not a) b)"),
        ("not a or b", "(or (not a) b)"),
        ("not not a", "(not (not a))"),
        ("a == b and c != d", "(and (== a b) (!= c d))"),
        ("a + b * c", "(+ a (* b c))"),
        ("a * b + c", "(+ (* a b) c)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("a % b * c", "(* (% a b) c)"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("-a * b", "(* (neg a) b)"),
        ("a * -b", "(* a (neg b))"),
        ("- - a", "(neg (neg a))"),
        ("a + b > c * d", "(> (+ a b) (* c d))"),
        ("a <= b or c >= d", "(or (<= a b) (>= c d))"),
        ("a ~ \"x\" or b !~ \"y\"", "(or (~ a \"x\") (!~ b \"y\"))"),
        ("x is null", "(is-null x)"),
        ("x is not null and y", "(and (is-not-null x) y)"),
        ("a + b is null", "(is-null (+ a b))"),
        ("not x is null", "(not (is-null x))"),
        ("x in (1, 2, 3)", "(in x [1 2 3])"),
        ("x not in (\"a\")", "(not-in x [\"a\"])"),
        ("x in ()", "(in x [])"),
        ("x between 1 and 2", "(between x 1 2)"),
        ("x between 1 and 2 and y", "(and (between x 1 2) y)"),
        ("x not between a + 1 and b * 2", "(not-between x (+ a 1) (* b 2))"),
        ("has deals and score > 1", "(and (has deals) (> score 1))"),
        ("not has deals", "(not (has deals))"),
    ])
    func precedence(_ source: String, _ expected: String) {
        #expect(Self.tree(source) == expected, "\(source)")
    }

    @Test func assignmentIsNotComparison() {
        // `=` defines; comparing needs `==`. In a condition, `=` is an error, not a silent assignment.
        #expect(Self.tree("leads where source = \"email\"").hasPrefix("error: "))
        #expect(Self.tree("not a = b").hasPrefix("error: "))
        #expect(Self.tree("x = a == b") == "(assign x (== a b))")
    }

    // MARK: Literals

    @Test(arguments: [
        ("1_000_000", "1000000"), ("100k", "100000"), ("1.5M", "1500000"), ("25%", "0.25%"),
        ("30 days", "30d"), ("2 weeks", "14d"), ("1 day", "1d"), ("12 hours", "0.5d"),
        ("2025-07-01", "2025-07-01"), ("\"text\"", "\"text\""), ("true", "true"), ("false", "false"), ("null", "null"),
        ("today", "today"), ("`Became a Customer Date`", "Became a Customer Date"),
        ("2025-01-01 + 30 days", "(+ 2025-01-01 30d)"),
    ])
    func literals(_ source: String, _ expected: String) {
        #expect(Self.tree(source) == expected, "\(source)")
    }

    // MARK: Calls, members

    @Test(arguments: [
        ("count()", "count()"),
        ("count(leads)", "count(leads)"),
        ("count(distinct leads.email)", "count(distinct leads.email)"),
        ("count(where mql)", "count((where _ mql))"),
        ("count(leads where mql)", "count((where leads mql))"),
        ("sum(deals.amount where stage == \"won\")", "sum((where deals.amount (== stage \"won\")))"),
        ("percentile(x, 90%)", "percentile(x, 0.9%)"),
        ("days_between(a, b) > 30", "(> days_between(a, b) 30)"),
        ("a.b.c", "a.b.c"),
        ("deals.amount * 2", "(* deals.amount 2)"),
        ("f(g(h(1)))", "f(g(h(1)))"),
    ])
    func calls(_ source: String, _ expected: String) {
        #expect(Self.tree(source) == expected, "\(source)")
    }

    // MARK: Table clauses

    @Test(arguments: [
        ("leads where a", "(where leads a)"),
        ("leads where a and b or c", "(where leads (or (and a b) c))"),
        ("leads where a where b", "(where (where leads a) b)"),
        ("leads by source", "(by leads source)"),
        ("leads by source, month", "(by leads source month)"),
        ("leads where a by b", "(by (where leads a) b)"),
        ("leads select id, n = count() as number", "(select leads id, n=count() as number)"),
        ("leads sort score desc, id", "(sort leads score desc, id)"),
        ("leads sort score asc", "(sort leads score)"),
        ("leads top 3", "(top leads 3)"),
        ("leads where a by b select n = count() sort n desc top 3",
         "(top (sort (select (by (where leads a) b) n=count()) n desc) 3)"),
        ("lead_rate by month", "(by lead_rate month)"),
        ("count(leads) / count(deals) by source", "(by (/ count(leads) count(deals)) source)"),
    ])
    func clauses(_ source: String, _ expected: String) {
        #expect(Self.tree(source) == expected, "\(source)")
    }

    @Test(arguments: ["leads top 1.5", "leads top 25%", "leads top -1", "leads top n", "leads top 99999999999999999999", "leads top"])
    func topNeedsAWholeNumber(_ source: String) {
        #expect(Self.tree(source).hasPrefix("error: "), "\(source)")
    }

    // MARK: Statements

    @Test(arguments: [
        ("x = 1", "(assign x 1)"),
        ("`my table` = load \"a.csv\"", "(assign my table (load \"a.csv\"))"),
        ("leads = load data + \"/leads.csv\" time created_at", "(assign leads (load (+ data \"/leads.csv\") time created_at))"),
        ("leads = load env(\"CRM_URL\") table \"public.leads\" time created_at", "(assign leads (load env(\"CRM_URL\") table \"public.leads\" time created_at))"),
        ("deals = load \"postgresql://a@h/crm\" query \"select * from deals\"", "(assign deals (load \"postgresql://a@h/crm\" query \"select * from deals\"))"),
        ("leads = load \"data/leads.csv\" time created_at delimiter \";\" dates \"dd/mm/yyyy\"",
         "(assign leads (load \"data/leads.csv\" time created_at delimiter \";\" dates \"dd/mm/yyyy\"))"),
        ("t = load \"titles.tsv\" header false quotes false",
         "(assign t (load \"titles.tsv\" header false quotes false))"),
        ("t = load \"de.csv\" decimal \",\" time Datum",
         "(assign t (load \"de.csv\" decimal \",\" time Datum))"),
        ("t = load \"a.csv\" types (zip text, score integer)", "(assign t (load \"a.csv\" types (zip text, score integer)))"),
        ("rule mql = score >= 60 and senior", "(rule mql (and (>= score 60) senior))"),
        ("kpi r = a / b as percent target >= 2%", "(kpi r (/ a b) as percent target >= 0.02%)"),
        ("kpi r = a / b target < 10", "(kpi r (/ a b) target < 10)"),
        ("kpi m = sum(x) as money", "(kpi m sum(x) as money)"),
        ("kpi d = avg(x) as days target <= 30 days", "(kpi d avg(x) as days target <= 30d)"),
        ("param quarter = \"2025-Q3\"", "(param quarter \"2025-Q3\")"),
        ("link deals.contact_id -> leads.id", "(link deals.contact_id leads.id)"),
        ("check link deals", "(check-link deals)"),
        ("assert romi >= 150%, \"floor\"", "(assert (>= romi 1.5%) \"floor\")"),
        ("assert x", "(assert x)"),
        ("export leads by source to \"out/x.csv\"", "(export (by leads source) \"out/x.csv\")"),
        ("include \"clients/acme.funnel\"", "(include \"clients/acme.funnel\")"),
        ("label source \"organic_search\" as \"Organic search\"", "(label source \"organic_search\" \"Organic search\")"),
    ])
    func statements(_ source: String, _ expected: String) {
        #expect(Self.tree(source) == expected, "\(source)")
    }

    @Test func explainPlanTakesAWholeStatement() {
        #expect(Self.tree("explain plan velocity inbound by source") == "(explain-plan (velocity inbound by source))")
        #expect(Self.tree("explain plan x = leads where mql") == "(explain-plan (assign x (where leads mql)))")
        // A rule called plan is still explained as a rule.
        #expect(Self.tree("explain plan") == "(explain plan)")
        #expect(Self.tree("explain plan on deals") == "(explain plan on deals)")
    }

    @Test func funnelBlockSaysWhoIsCounted() {
        let (statements, diagnostics) = Self.parse("""
            funnel f on touches {
              any order
              count distinct contact_id, region
              constant account
              visit at time where event == "visit"
              signup at time
              exclude time between visit and signup where event == "unsubscribe"
              exclude lost_at between visit and signup
              count = 3
            }
            """)
        #expect(diagnostics.isEmpty)
        guard case .funnel(let f)? = statements.first?.kind else {
            Issue.record("not a funnel")
            return
        }
        #expect(f.anyOrder)
        #expect(f.countDistinct.map(Self.sexp) == ["contact_id", "region"])
        #expect(f.constant.map(Self.sexp) == ["account"])
        #expect(f.exclusions.map { "\($0.column) \($0.from) \($0.to) \($0.condition.map(Self.sexp) ?? "-")" }
                == ["time visit signup (== event \"unsubscribe\")", "lost_at visit signup -"])
        // `count = 3` is still a stage counted by a formula, as `count` is no setting there.
        #expect(f.stages.map(\.name) == ["visit", "signup", "count"])
    }

    @Test func breakdownAttributionFollowsTheKeys() {
        #expect(Self.tree("f by channel last touch") == "(attributed (by f channel) last touch)")
        #expect(Self.tree("f by channel first touch confidence") == "(confidence (attributed (by f channel) first touch) 0.95)")
        #expect(Self.tree("f by channel at signup") == "(attributed (by f channel) at signup)")
        #expect(Self.tree("f by channel at").hasPrefix("error: "))
    }

    @Test func aKPIMayHaveALabel() {
        let (statements, diagnostics) = Self.parse("kpi romi \"ROMI\" = (r - s) / s as percent target >= 150%")
        #expect(diagnostics.isEmpty)
        guard case .kpi(let k)? = statements.first?.kind else { Issue.record("not a kpi"); return }
        #expect(k.name == "romi" && k.label == "ROMI" && k.displayName == "ROMI" && k.format == .percent)
    }

    @Test func runningAndToDate() {
        #expect(Self.tree("signups by month running") == "(running (by signups month))")
        #expect(Self.tree("count(leads) quarter to date") == "(quarter-to-date count(leads))")
        #expect(Self.tree("mql_rate year to date") == "(year-to-date mql_rate)")
        // `running` follows a breakdown only; `month` alone stays a name.
        #expect(Self.tree("signups running").hasPrefix("error: "))
        #expect(Self.tree("x = month") == "(assign x month)")
        #expect(Self.tree("f by month vs plan wide") == "(wide (vs (by f month) plan))")
    }

    @Test func kpiTargetStopsBeforeComparison() {
        // The target's value is additive-level, so a following clause keyword is not swallowed.
        #expect(Self.tree("kpi r = a target >= 1 + 1") == "(kpi r a target >= (+ 1 1))")
    }

    @Test func statementsAreSeparatedByNewlinesAndSemicolons() {
        let (statements, diagnostics) = Self.parse("a = 1; b = 2\nc = 3\n\n;;\nd")
        #expect(diagnostics.isEmpty)
        #expect(statements.map(Self.sexp) == ["(assign a 1)", "(assign b 2)", "(assign c 3)", "d"])
    }

    @Test func continuationAcrossLines() {
        #expect(Self.tree("leads by source select n = count(),\n  m = count(where mql)") == "(select (by leads source) n=count(), m=count((where _ mql)))")
        #expect(Self.tree("count(leads where a and\n b)") == "count((where leads (and a b)))")
        #expect(Self.tree("(a\n+\nb)") == "(+ a b)")
    }

    // MARK: Errors and recovery

    @Test func everyBadLineIsReported() {
        let text = """
            a = 1
            b = (2 +
            c = )
            d = 4
            rule = x
            e = 5 6
            f = 7
            """
        let (statements, diagnostics) = Self.parse(text)
        // `b = (2 +` runs into the next line (the bracket is open), so it and `c = )` are one error.
        #expect(diagnostics.count >= 3, "\(diagnostics.map(\.message))")
        // The good statements around the errors still parse.
        let names = statements.compactMap { s -> String? in if case .assign(let n, _) = s.kind { return n } else { return nil } }
        #expect(names.contains("a"))
        #expect(names.contains("f"))
    }

    @Test func errorsPointAtTheRightPlace() {
        let (_, diagnostics) = Self.parse("x = 1\ncount(leads where score >> 5)\n")
        #expect(diagnostics.count == 1)
        guard let d = diagnostics.first, let range = d.range else { return }
        #expect(range.file.location(of: range.start) == (line: 2, column: 26))
    }

    @Test func unknownDisplayFormatSuggestsTheNearest() {
        let (_, diagnostics) = Self.parse("kpi x = 1 as percentage")
        #expect(diagnostics.first?.suggestion == "percent")
    }

    @Test func keywordAsNameSuggestsBackticks() {
        let (_, diagnostics) = Self.parse("rule where = x > 1")
        #expect(diagnostics.first?.notes.contains { $0.contains("backticks") } == true)
    }

    @Test(arguments: [200, 1_000, 10_000])
    func deepNestingIsAnErrorNotACrash(_ depth: Int) {
        let parens = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let (_, d1) = Self.parse(parens)
        #expect(!d1.isEmpty)
        let nots = String(repeating: "not ", count: depth) + "true"
        let (_, d2) = Self.parse(nots)
        #expect(!d2.isEmpty)
    }

    @Test func moderateNestingIsFine() {
        let parens = String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50)
        #expect(Self.tree(parens) == "1")
    }

    @Test func rangesCoverTheWholeExpression() {
        let file = SourceFile(path: "t", text: "x = count(leads where a) / 2 by source")
        let (statements, _) = Parser.parse(file)
        guard case .assign(_, let e)? = statements.first?.kind else {
            Issue.record("expected an assignment")
            return
        }
        #expect(file.slice(e.range) == "count(leads where a) / 2 by source")
        if case .groupBy(let base, let keys) = e.kind {
            #expect(file.slice(base.range) == "count(leads where a) / 2")
            #expect(file.slice(keys[0].range) == "source")
        } else {
            Issue.record("expected by")
        }
    }
}
