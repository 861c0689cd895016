import FunnelEngine
import Testing
@testable import FunnelLanguage

#if canImport(Glibc)
import Glibc
#endif

/// Findings of the hostile-input review (issue 21), each with the input that showed it.
struct HostileInputTests {
    static let leads = ExportTests.data + "/leads.csv"

    @Test func reportsNestedThousandsDeepAreAParseErrorNotAStackOverflow() {
        let text = String(repeating: "report \"r.md\" {", count: 3_000) + String(repeating: "}", count: 3_000)
        let (code, capture) = HostileRun.run(text)
        #expect(code == .dataError)
        #expect(capture.diagnostics.first?.message.contains("a report cannot hold another report") == true)
    }

    @Test func wholeNumberLiteralsStayExact() {
        let (code, capture) = HostileRun.run("9223372036854775807 - 9223372036854775806\n9007199254740993\n2M + 1\n")
        #expect(code == .success)
        #expect(capture.stdout.contains("= 1\n"))
        #expect(capture.stdout.contains("9007199254740993"), "2^53 + 1 rounded through a Double: \(capture.stdout)")
        #expect(capture.stdout.contains("2000001"))
    }

    @Test(arguments: [String(repeating: "9", count: 400), "9223372036854775808", "9223372036854775807k", String(repeating: "9", count: 400) + ".5"])
    func literalsTooLargeAreRefusedWhereTheyAre(_ literal: String) {
        let (code, capture) = HostileRun.run("x = 1\ny = \(literal)\n")
        #expect(code == .dataError)
        let d = capture.diagnostics.first
        #expect(d?.message.contains("too large") == true, "\(capture.stderr)")
        if let range = d?.range { #expect(range.file.location(of: range.start) == (2, 5)) }
        #expect(!capture.stdout.contains("∞"))
    }

    /// `rule r{i} = r{i-1} and r{i-2}` expanded each rule twice per level: 40 rules took
    /// 20 s. Definitions are shared now, in the cycle check, evaluation, explain and KPIs.
    @Test func rulesAndKPIsBuiltOnTheTwoBeforeThemRunInLinearTime() {
        var text = "t = load \"\(HostileInputTests.leads)\"\nrule r0 = score > 10\nrule r1 = score < 90\n"
        // 10,000 deep: evaluated bottom up, not by 10,000 levels of recursion (a stack overflow).
        for i in 2..<10_000 { text += "rule r\(i) = r\(i - 1) and r\(i - 2)\n" }
        text += "rule chain_end = r9999\n"
        text += "count(t where chain_end)\ncount(t where score > 10 and score < 90)\nexplain chain_end\n"
        text += "kpi k0 = count(t)\nkpi k1 = count(t where score > 50)\n"
        for i in 2..<900 { text += "kpi k\(i) = k\(i - 1) + k\(i - 2) - k\(i - 1)\n" }
        text += "kpi k2999 = k899\n"
        text += "k2999\nk1\n"
        let (code, capture) = HostileRun.run(text)
        #expect(code == .success, "\(capture.stderr)")
        let lines = capture.stdout.split(separator: "\n").map(String.init)
        let rule = lines.first { $0.hasPrefix("count(t where chain_end) = ") }?.split(separator: "=").last
        let direct = lines.first { $0.hasPrefix("count(t where score > 10 and score < 90) = ") }?.split(separator: "=").last
        #expect(rule != nil && rule == direct)
        // Explain lists each clause once, however often the chain repeats it.
        #expect(capture.stdout.split(separator: "\n").filter { $0.contains("│ score > 10 ") }.count == 1, "\(capture.stdout)")
        let k2999 = lines.first { $0.hasPrefix("k2999 = ") }?.dropFirst("k2999 = ".count)
        let k1 = lines.first { $0.hasPrefix("k1 = ") }?.dropFirst("k1 = ".count)
        #expect(k2999 != nil && k2999 == k1)
    }

    @Test func kpisNestedPastTheLimitAreAnErrorNotAStackOverflow() {
        var text = "t = load \"\(HostileInputTests.leads)\"\nkpi k0 = count(t)\n"
        for i in 1..<5_000 { text += "kpi k\(i) = k\(i - 1) + 1\n" }
        text += "k4999\n"
        let (code, capture) = HostileRun.run(text)
        #expect(code == .dataError)
        #expect(capture.diagnostics.first?.message.contains("more than 1000 levels deep") == true, "\(capture.diagnostics.map(\.message))")
    }

    @Test func aLongCycleIsNamedByItsEnds() {
        var text = "rule r0 = true\n"
        for i in 1..<500 { text += "rule r\(i) = r\(i - 1)\n" }
        text += "rule r0 = r499\n"
        let (code, capture) = HostileRun.run(text)
        #expect(code == .dataError)
        let message = capture.diagnostics.first?.message ?? ""
        #expect(message.contains("cycle") && message.contains("more)") && message.count < 200, "\(message)")
    }

    @Test(arguments: ["((a{255}){255}){255}", "(a{255}){255}", "(x{100,}){300}", "(ab)\\1", "a" + String(repeating: "+", count: 40)])
    func regularExpressionsThatWouldExplodeAreRefused(_ pattern: String) {
        let (code, capture) = HostileRun.run("t = load \"\(HostileInputTests.leads)\"\ncount(t where title ~ \"\(pattern)\")\n")
        #expect(code == .dataError)
        #expect(capture.diagnostics.first?.message.contains("invalid regular expression") == true)
        #expect(capture.diagnostics.first?.notes.isEmpty == false)
    }

    @Test(arguments: ["vp|director|head|chief", "^[0-9]{3}-[0-9]{4}$", "[[:alpha:]]{2,5} [a-z]{100}", "x{1000,}", "(a|b){50}c", "[]a]{3}", "\\d{4}"])
    func ordinaryRegularExpressionsStillCompile(_ pattern: String) {
        #expect(TextMatcher.refusal(pattern) == nil)
        #expect((try? TextMatcher(pattern: TextMatcher.translate(pattern))) != nil)
    }

    @Test func aTypeErrorOnAColumnMadeTextLateNamesTheRow() {
        let folder = ExportTests.temporaryFolder()
        var text = "id,v\n"
        for i in 1...100 { text += "\(i),\(i)\n" }
        text += "101,n/a\n"
        if let f = fopen(folder + "/late.csv", "wb") { fputs(text, f); fclose(f) }
        let (code, capture) = HostileRun.run("x = load \"\(folder)/late.csv\"\nsum(x.v)\ncount(x where v > 1)\n")
        #expect(code == .dataError)
        let errors = capture.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 2)
        for e in errors { #expect(e.notes.contains { $0.contains("row 102 holds \"n/a\"") }, "\(e.message): \(e.notes)") }
    }
}
