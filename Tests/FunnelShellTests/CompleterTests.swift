import FunnelEngine
import FunnelLanguage
@testable import FunnelShell
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tab completion, without a terminal: the text before the cursor → the candidates.
struct CompleterTests {
    static let setUp = """
        leads = load "leads.csv"
        deals = load "deals.csv"
        link deals.contact_id -> leads.id
        rule mql = score >= 60
        kpi lead_rate = count(leads where mql) / count(leads) as percent
        hot = leads where mql
        threshold = 60
        funnel inbound on leads {
          leads
          mqls where mql
        }
        """

    /// The columns of leads, as they must be typed.
    static let leadsColumns = ["id", "source", "score", "`Became a Customer Date`", "Société"]
    static let dealsColumns = ["deal_id", "contact_id", "amount", "won"]

    /// A completer over a session made by running `setUp` on the test CSV files.
    static func completer(listing: ((String) -> [(String, Bool)])? = nil) -> Completer {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let interpreter = ShellTestSupport.session(running: setUp, in: dir)
        var completer = Completer(session: interpreter.session, commands: Shell.commandNames)
        if let listing { completer.listDirectory = listing }
        return completer
    }

    // MARK: :commands

    @Test func commandPrefix() {
        let c = Self.completer().complete(":ta")
        #expect(c.candidates == [":tables"])
        #expect(c.replacing == 3)
    }

    @Test func commandPrefixWithSeveralMatches() {
        #expect(Self.completer().complete(":s").candidates == [":save", ":schema", ":sql"])
        #expect(Self.completer().complete("  :q").candidates == [":quit"])
    }

    @Test func everyCommandForAColon() {
        #expect(Self.completer().complete(":").candidates == Shell.commandNames.sorted())
    }

    @Test func schemaArgumentIsATableName() {
        #expect(Self.completer().complete(":schema le").candidates.contains("leads"))
    }

    // MARK: include grants

    @Test func afterAnIncludedFileComesAllowThenTheGrants() {
        let c = Self.completer()
        #expect(c.complete("include \"clients/acme.funnel\" ").candidates == ["allow"])
        #expect(c.complete("include \"clients/acme.funnel\" al").candidates == ["allow"])
        #expect(c.complete("include \"clients/acme.funnel\" allow ").candidates == ["load", "include", "export", "report"])
        #expect(c.complete("include \"clients/acme.funnel\" allow load, ").candidates == ["include", "export", "report"])
        #expect(c.complete("include \"clients/acme.funnel\" allow load, ex").candidates == ["export"])
        #expect(!c.complete("include \"clients/acme.funnel\" allow load ").candidates.contains("include"))
    }

    // MARK: columns of the table in scope

    @Test func columnAfterWhere() {
        let c = Self.completer().complete("leads where sc")
        #expect(c.candidates == ["score"])
        #expect(c.replacing == 2)
    }

    @Test func everyColumnAfterBy() {
        let c = Self.completer().complete("leads by ")
        #expect(c.replacing == 0)
        // Columns first, in table order, backticked where needed; then the other names.
        #expect(Array(c.candidates.prefix(Self.leadsColumns.count)) == Self.leadsColumns)
        #expect(c.candidates.contains("`Became a Customer Date`"))
        #expect(!c.candidates.contains("Became a Customer Date"))
    }

    @Test func periodsAndColumnsAfterAFunnelsBy() {
        // A funnel's breakdown offers its table's columns, then the periods.
        #expect(Self.completer().complete("inbound by so").candidates.first == "source")
        let c = Self.completer().complete("velocity inbound by quar")
        #expect(c.candidates.first == "quarter")
        #expect(c.candidates.contains("quarter("))
        #expect(Self.completer().complete("leads by mo").candidates.first == "month")
        // Periods only follow `by`.
        #expect(!Self.completer().complete("leads where mo").candidates.contains("month"))
    }

    @Test func earlierPeriodsAfterVs() {
        let c = Self.completer().complete("inbound by month vs ")
        #expect(Array(c.candidates.prefix(2)) == ["previous", "last year"])
        #expect(Self.completer().complete("romi by quarter vs pre").candidates == ["previous"])
        #expect(Self.completer().complete("romi by quarter vs la").candidates == ["last year"])
    }

    @Test func confidenceAfterABreakdown() {
        #expect(Self.completer().complete("inbound by source conf").candidates.contains("confidence"))
        #expect(Self.completer().complete("velocity inbound hist").candidates.contains("histogram"))
    }

    @Test func aConditionOffersColumnsFunctionsAndRules() {
        let c = Self.completer().complete("leads where ").candidates
        for word in ["source", "lower(", "and", "not"] { #expect(c.contains(word), "\(word) missing after where") }
        for word in ["load", "report", "export", "funnel", "kpi", "include"] { #expect(!c.contains(word), "\(word) offered after where") }
        #expect(c.count < 80, "\(c.count) candidates after where")
        // After the condition, the statement's next clause still completes.
        #expect(Self.completer().complete("leads where score > 60 so").candidates.contains("sort"))
    }

    @Test func attributionAndFunnelBlockWords() {
        #expect(Self.completer().complete("inbound by source las").candidates.contains("last touch"))
        #expect(Self.completer().complete("inbound by month runn").candidates == ["running"])
        #expect(Self.completer().complete("inbound by source fir").candidates.contains("first touch"))
        #expect(Self.completer().complete("funnel f on leads { exc").candidates.contains("exclude"))
        #expect(Self.completer().complete("funnel f on leads { any").candidates.contains("any order"))
        // `at` in a breakdown names a stage of the funnel before it.
        #expect(Self.completer().complete("inbound by source at ").candidates == ["leads", "mqls"])
        #expect(Self.completer().complete("inbound by source at m").candidates == ["mqls"])
    }

    @Test func topAfterAListingStatement() {
        #expect(Self.completer().complete("velocity inbound by source to").candidates.contains("top"))
    }

    @Test func linkedTableColumnsAreOffered() {
        // deals links to leads, so `deals by ` offers the lead's columns too.
        let c = Self.completer().complete("deals by ")
        for column in Self.dealsColumns + Self.leadsColumns {
            #expect(c.candidates.contains(column), "missing \(column)")
        }
    }

    @Test func columnAfterAComma() {
        #expect(Self.completer().complete("leads by source, sc").candidates == ["score"])
    }

    @Test func columnLaterInACondition() {
        #expect(Self.completer().complete("leads where score > 50 and sou").candidates == ["source"])
    }

    @Test func openBacktickCompletesTheSpacedName() {
        let c = Self.completer().complete("leads where `Bec")
        #expect(c.candidates == ["`Became a Customer Date`"])
        // The backtick and the three letters are replaced.
        #expect(c.replacing == 4)
    }

    @Test func openBacktickWithASpaceInside() {
        let c = Self.completer().complete("leads where `Became a C")
        #expect(c.candidates == ["`Became a Customer Date`"])
        #expect(c.replacing == "`Became a C".count)
    }

    @Test func accentedColumnName() {
        let c = Self.completer().complete("leads where Soc")
        #expect(c.candidates == ["Société"])
        #expect(c.replacing == 3)
    }

    @Test func accentedPrefix() {
        // The word before the cursor is made of letters, accented ones included.
        let c = Self.completer().complete("leads where Soci")
        #expect(c.candidates == ["Société"])
        let d = Self.completer().complete("leads where Socié")
        #expect(d.candidates == ["Société"])
        #expect(d.replacing == "Socié".count)
    }

    @Test func columnsInsideAnAggregate() {
        let c = Self.completer().complete("count(leads where ")
        for column in Self.leadsColumns { #expect(c.candidates.contains(column), "missing \(column)") }
        #expect(Self.completer().complete("count(leads where sc").candidates == ["score"])
    }

    @Test func columnsAfterTableDot() {
        let c = Self.completer().complete("leads.")
        #expect(c.candidates == Self.leadsColumns)
        #expect(c.replacing == 0)
        #expect(Self.completer().complete("sum(deals.am").candidates == ["amount"])
        #expect(Self.completer().complete("leads.`Bec").candidates == ["`Became a Customer Date`"])
    }

    @Test func noColumnsWithoutATable() {
        // At the start of a statement there is no table in scope: names and keywords only.
        let c = Self.completer().complete("sc")
        #expect(!c.candidates.contains("score"))
    }

    @Test func scopeEndsAtASemicolon() {
        #expect(!Self.completer().complete("leads where score > 1; sc").candidates.contains("score"))
    }

    @Test func columnsOnAContinuationLine() {
        // The shell passes the statement's earlier lines too: `leads where` + Enter goes on at
        // the `...>` prompt, and Tab there must still know the table.
        let c = Self.completer().complete("leads where\nsc")
        #expect(c.candidates == ["score"])
        let d = Self.completer().complete("count(leads\n  where sc")
        #expect(d.candidates == ["score"])
    }

    // MARK: names, keywords, functions

    @Test func functionNameGetsItsParenthesis() {
        let c = Self.completer().complete("cou")
        #expect(c.candidates == ["count("])
        #expect(c.replacing == 3)
        #expect(Self.completer().complete("x = days_b").candidates == ["days_between("])
    }

    @Test func keywords() {
        #expect(Self.completer().complete("leads whe").candidates == ["where"])
        #expect(Self.completer().complete("leads where source is not nu").candidates == ["null"])
        #expect(Self.completer().complete("inc").candidates == ["include"])
    }

    @Test func ruleKpiTableAndValueNames() {
        #expect(Self.completer().complete("leads where mq").candidates == ["mql"])
        #expect(Self.completer().complete("lead_r").candidates == ["lead_rate"])
        #expect(Self.completer().complete("count(ho").candidates == ["hot"])
        #expect(Self.completer().complete("de").candidates.contains("deals"))
        #expect(Self.completer().complete("thr").candidates == ["threshold"])
    }

    @Test func tableNamesInTheirOrder() {
        let c = Self.completer().complete("")
        let tables = c.candidates.filter { ["leads", "deals", "hot"].contains($0) }
        #expect(tables == ["leads", "deals", "hot"])
    }

    @Test func uniquePrefixGivesOneCandidate() {
        // Without the backtick, the spaced name is still found, and inserted with its backticks.
        #expect(Self.completer().complete("leads where Bec").candidates == ["`Became a Customer Date`"])
        #expect(Self.completer().complete("percen").candidates == ["percentile("])
        #expect(Self.completer().complete("leads where sour").candidates == ["source"])
    }

    @Test func noCandidates() {
        #expect(Self.completer().complete("leads where zzz").candidates.isEmpty)
    }

    @Test func funnelNamesAndStatementWords() {
        // Funnels are named definitions like rules and KPIs; `velocity inbound`, `bottleneck inbound`…
        #expect(Self.completer().complete("velocity inb").candidates == ["inbound"])
        // Statement words the parser knows in context (funnel, velocity, bottleneck, decay, explain…).
        #expect(Self.completer().complete("veloc").candidates == ["velocity"])
        #expect(Self.completer().complete("bottle").candidates == ["bottleneck"])
    }

    @Test func quoting() {
        #expect(Completer.quoteIfNeeded("score") == "score")
        #expect(Completer.quoteIfNeeded("Société") == "Société")
        #expect(Completer.quoteIfNeeded("Became a Customer Date") == "`Became a Customer Date`")
        #expect(Completer.quoteIfNeeded("2nd_touch") == "`2nd_touch`")
        #expect(Completer.quoteIfNeeded("where") == "`where`")
        #expect(Completer.quoteIfNeeded("first-touch") == "`first-touch`")
    }

    // MARK: file names inside load "… and include "…

    @Test func fileNamesAfterLoadInTheWorkingDirectory() {
        // The working directory is shared by the whole test process, so its listing is stubbed.
        final class Asked: @unchecked Sendable { var paths: [String] = [] }
        let asked = Asked()
        let completer = Self.completer(listing: { path in
            asked.paths.append(path)
            return [("leads.csv", false), ("deals.csv", false), ("data", true), (".hidden.csv", false), ("review.funnel", false)]
        })
        let c = completer.complete("x = load \"")
        #expect(c.candidates == ["data/", "deals.csv", "leads.csv", "review.funnel"])
        #expect(c.replacing == 0)
        #expect(asked.paths == ["."])
        #expect(completer.complete("x = load \"le").candidates == ["leads.csv"])
        #expect(completer.complete("x = load \"le").replacing == 2)
        #expect(completer.complete("include \"rev").candidates == ["review.funnel"])
        #expect(completer.complete("x = load \".h").candidates == [".hidden.csv"])
    }

    @Test func fileNamesUnderAnAbsolutePath() {
        let dir = ShellTestSupport.temporaryDirectory("files")
        defer { ShellTestSupport.removeTree(dir) }
        ShellTestSupport.write("a,b\n1,2\n", to: dir + "/contacts.csv")
        ShellTestSupport.write("a,b\n1,2\n", to: dir + "/companies.csv")
        ShellTestSupport.write("rule x = 1 > 0\n", to: dir + "/acme.funnel")
        ShellTestSupport.write("", to: dir + "/Données été.csv")
        _ = mkdir(dir + "/clients", 0o755)
        ShellTestSupport.write("rule y = 1 > 0\n", to: dir + "/clients/beta.funnel")
        let completer = Self.completer()

        let all = completer.complete("leads = load \"\(dir)/")
        #expect(all.candidates == ["Données été.csv", "acme.funnel", "clients/", "companies.csv", "contacts.csv"])
        #expect(all.replacing == 0)

        let co = completer.complete("leads = load \"\(dir)/co")
        #expect(co.candidates == ["companies.csv", "contacts.csv"])
        #expect(co.replacing == 2)

        #expect(completer.complete("leads = load \"\(dir)/cont").candidates == ["contacts.csv"])
        #expect(completer.complete("include \"\(dir)/cl").candidates == ["clients/"])
        #expect(completer.complete("include \"\(dir)/clients/").candidates == ["beta.funnel"])
        let accented = completer.complete("x = load \"\(dir)/Don")
        #expect(accented.candidates == ["Données été.csv"])
        #expect(accented.replacing == 3)
    }

    @Test func noFileNamesInOtherStrings() {
        let completer = Self.completer(listing: { _ in [("leads.csv", false)] })
        // A string that is not a load or include path: no files (and no column either).
        #expect(!completer.complete("leads where source == \"le").candidates.contains("leads.csv"))
        // A closed path string: back to names.
        #expect(!completer.complete("x = load \"leads.csv\" ").candidates.contains("leads.csv"))
    }
}
