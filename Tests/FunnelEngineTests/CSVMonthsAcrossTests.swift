@testable import FunnelEngine
import Testing

/// A plan sheet with the months across is read as one row per month and one column per stage.
struct CSVMonthsAcrossTests {
    @Test func monthsAcrossAreTurnedIntoRows() throws {
        let loaded = try CSVTest.read("stage,Jan 2025,Feb 2025,Mar 2025\nleads,240,\"1,250\",260\nmqls,70,80,\n")
        #expect(CSVTest.names(loaded) == ["month", "leads", "mqls"])
        #expect(loaded.table.timeColumn == "month")
        #expect(CSVTest.values(loaded, "month") == [CSVTest.days(2025, 1, 1), CSVTest.days(2025, 2, 1), CSVTest.days(2025, 3, 1)])
        #expect(CSVTest.values(loaded, "leads") == [.integer(240), .integer(1250), .integer(260)])
        #expect(CSVTest.values(loaded, "mqls") == [.integer(70), .integer(80), .null])
        #expect(loaded.table.readAs["month"]?.contains("months across") == true)
    }

    @Test func quartersAcrossAndAWantedTimeColumn() throws {
        var options = CSVOptions()
        options.timeColumn = "quarter"
        let loaded = try CSVTest.read("stage,2025-Q1,2025-Q2\nleads,700,720\n", options: options)
        #expect(CSVTest.names(loaded) == ["quarter", "leads"])
        #expect(CSVTest.values(loaded, "quarter") == [CSVTest.days(2025, 1, 1), CSVTest.days(2025, 4, 1)])
        options.timeColumn = "month"
        #expect(CSVTest.error("stage,2025-Q1,2025-Q2\nleads,700,720\n", options: options)?.message.contains("does not exist") == true)
    }

    @Test func otherHeadersAreLeftAsTheyAre() throws {
        // Mixed months and dates, years alone (read as a row), or one month column: no sheet.
        #expect(CSVTest.names(try CSVTest.read("stage,Jan 2025,2025-02-01\nleads,1,2\n")) == ["stage", "Jan 2025", "2025-02-01"])
        #expect(!CSVTest.names(try CSVTest.read("stage,2024,2025\nleads,1,2\n")).contains("month"))
        #expect(CSVTest.names(try CSVTest.read("stage,Jan 2025\nleads,1\n")) == ["stage", "Jan 2025"])
    }

    @Test func aStageNamedTwiceOrNotAtAllIsAnErrorAtItsRow() {
        let twice = CSVTest.error("stage,2025-01,2025-02\nleads,1,2\nleads,3,4\n")
        #expect(twice?.row == 3)
        #expect(twice?.message.contains("twice") == true)
        let unnamed = CSVTest.error("stage,2025-01,2025-02\nleads,1,2\n,3,4\n")
        #expect(unnamed?.row == 3)
        // A spacer row is no stage.
        #expect((try? CSVTest.read("stage,2025-01,2025-02\nleads,1,2\n,,\nmqls,1,1\n")).map(CSVTest.names) == ["month", "leads", "mqls"])
    }
}
