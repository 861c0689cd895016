import Testing
@testable import FunnelShell

@Suite struct HistorySearchTests {
    let history = HistorySearch(newestFirst: ["leads = 3", "17 + 25", "100 + 11", "17 + 25", "mqls by source"])

    @Test func typingNarrowsFromTheNewestEntry() {
        var search = history
        #expect(search.prompt == "(reverse-i-search)`': ")
        #expect(search.match == nil)
        search.type("1")
        #expect(search.match == "17 + 25")
        search.type("0")
        #expect(search.match == "100 + 11")
        #expect(search.prompt == "(reverse-i-search)`10': ")
    }

    @Test func aTermThatMatchesNothingKeepsTheLastMatchAndSaysFailed() {
        var search = history
        search.type("100")
        search.type("x")
        #expect(search.match == "100 + 11")
        #expect(search.prompt == "(failed reverse-i-search)`100x': ")
        search.deleteBackward()
        #expect(search.prompt == "(reverse-i-search)`100': ")
        #expect(search.match == "100 + 11")
    }

    @Test func ctrlRAgainGoesOlderAndSkipsRepeatedStatements() {
        var search = history
        search.type("1")
        #expect(search.match == "17 + 25")
        search.older(previousTerm: "")
        #expect(search.match == "100 + 11")
        // "17 + 25" was entered twice: it is offered once.
        search.older(previousTerm: "")
        #expect(search.match == "100 + 11")
        #expect(search.prompt.hasPrefix("(failed"))
    }

    @Test func ctrlRWithNothingTypedTakesUpTheLastTerm() {
        var search = history
        search.older(previousTerm: "source")
        #expect(search.term == "source")
        #expect(search.match == "mqls by source")
        var empty = history
        empty.older(previousTerm: "")
        #expect(empty.match == nil)
        #expect(empty.prompt == "(reverse-i-search)`': ")
    }

    @Test func backspaceToNothingShowsTheLineAsItWas() {
        var search = history
        search.type("m")
        #expect(search.match == "mqls by source")
        search.deleteBackward()
        #expect(search.match == nil)
        #expect(search.term.isEmpty)
        search.deleteBackward()
        #expect(search.term.isEmpty)
    }
}
