// CSV type inference: numbers, booleans, dates and timestamps, overrides, time column.
import Testing
@testable import FunnelEngine

@Suite struct CSVTypeInferenceTests {
    /// Zip codes, FIPS codes, hhmm times and phone numbers became integers and lost their
    /// zeros or `+` (`09001` → 9001), even when quoted.
    @Test func codesWithALeadingZeroOrPlusStayText() throws {
        let loaded = try CSVTest.read("zip,phone,fips,hhmm,upc,n,d\n12345,+31612345678,06,0900,00000579000098,5,0.5\n\"09001\",+15550100,12,1730,00000579000099,+7,0123.25\n")
        for column in ["zip", "phone", "fips", "hhmm", "upc"] {
            #expect(CSVTest.type(loaded, column) == .text, "\(column)")
        }
        #expect(CSVTest.values(loaded, "zip") == [.text("12345"), .text("09001")])
        #expect(CSVTest.values(loaded, "phone") == [.text("+31612345678"), .text("+15550100")])
        #expect(CSVTest.values(loaded, "upc").first == .text("00000579000098"))
        #expect(CSVTest.type(loaded, "n") == .integer)
        #expect(CSVTest.type(loaded, "d") == .decimal)
    }

    @Test func aLateCodeTurnsTheColumnToTextAndSaysWhy() throws {
        var text = "zip\n"
        for i in 0..<100 { text += "\(10000 + i)\n" }
        text += "09001\n"
        let loaded = try CSVTest.read(text, chunks: 2)
        #expect(CSVTest.type(loaded, "zip") == .text)
        #expect(CSVTest.values(loaded, "zip").last == .text("09001"))
        #expect(loaded.warnings.contains { $0.row == 102 && $0.message.contains("a code") }, "\(loaded.warnings.map(\.message))")
    }

    /// fuzz-csv's first finding: `-0` read as -0.0 in one piece and as 0.0 in a chunk that saw
    /// only integers, so the same file exported `-0.0` or `0.0` depending on its size.
    @Test(arguments: [nil, 2] as [Int?])
    func minusZeroIsZero(chunks: Int?) throws {
        let loaded = try CSVTest.read("id,amount\n1,2.5\n2,-0\n3,-0.0\n4,-0e7\n", chunks: chunks)
        for value in CSVTest.values(loaded, "amount").dropFirst() {
            guard case .decimal(let d) = value else { Issue.record("\(value)"); continue }
            #expect(d == 0 && d.sign == .plus, "\(d)")
        }
    }

    @Test func aGivenNumberTypeStillReadsLeadingZeros() throws {
        var options = CSVOptions()
        options.columnTypes = ["zip": .integer]
        let loaded = try CSVTest.read("zip\n09001\n", options: options)
        #expect(CSVTest.values(loaded, "zip") == [.integer(9001)])
    }

    @Test func integers() throws {
        // `007` is a code (codesWithALeadingZeroOrPlusStayText); `+7` a number.
        let loaded = try CSVTest.read("n\n1\n-42\n+7\n0\n9223372036854775807\n-9223372036854775808\n")
        #expect(CSVTest.type(loaded, "n") == .integer)
        #expect(CSVTest.values(loaded, "n") == [.integer(1), .integer(-42), .integer(7), .integer(0),
                                               .integer(Int64.max), .integer(Int64.min)])
    }

    @Test func integerOverflowBecomesDecimal() throws {
        let loaded = try CSVTest.read("n\n1\n99999999999999999999\n")
        #expect(CSVTest.type(loaded, "n") == .decimal)
        #expect(CSVTest.values(loaded, "n") == [.decimal(1), .decimal(1e20)])
        let big = try CSVTest.read("n\n9223372036854775808\n")
        #expect(CSVTest.values(big, "n") == [.decimal(9223372036854775808.0)])
    }

    @Test func decimals() throws {
        let loaded = try CSVTest.read("x\n0.1\n-2.5\n7.50E-05\n1e3\n.5\n3.\n12\n")
        #expect(CSVTest.type(loaded, "x") == .decimal)
        #expect(CSVTest.values(loaded, "x") == [.decimal(0.1), .decimal(-2.5), .decimal(7.5e-05), .decimal(1000),
                                               .decimal(0.5), .decimal(3), .decimal(12)])
    }

    @Test func decimalsAreCorrectlyRounded() throws {
        var generator = SystemRandomNumberGenerator()
        var texts: [String] = ["0.1", "0.2", "0.3", "1.7976931348623157e308", "2.2250738585072014e-308",
                               "123456789012345678901234567890", "0.000000000000000000001234",
                               "9007199254740993", "4.35", "1234567.8901234567", "5e-324", "1e22", "1e23"]
        for _ in 0..<2_000 {
            let digits = Int.random(in: 1...20, using: &generator)
            var s = ""
            for _ in 0..<digits { s += String(Int.random(in: 0...9, using: &generator)) }
            let point = Int.random(in: 0...digits, using: &generator)
            s.insert(".", at: s.index(s.startIndex, offsetBy: point))
            if Bool.random(using: &generator) { s += "e" + String(Int.random(in: -30...30, using: &generator)) }
            if s.hasPrefix(".") && s.count == 1 { continue }
            texts.append(s)
        }
        let loaded = try CSVTest.read("x\n" + texts.joined(separator: "\n") + "\n")
        #expect(CSVTest.type(loaded, "x") == .decimal)
        let values = CSVTest.values(loaded, "x")
        for (text, value) in zip(texts, values) {
            #expect(value == .decimal(Double(text)!), "\(text)")
        }
    }

    @Test func thousandsSeparatorsAreReadAsNumbersAndSaid() throws {
        let loaded = try CSVTest.read("x\n\"1,234.5\"\n2\n")
        #expect(CSVTest.type(loaded, "x") == .decimal)
        #expect(CSVTest.values(loaded, "x") == [.decimal(1234.5), .decimal(2)])
        #expect(loaded.table.readAs["x"] == "decimal, from \"1,234.5\"")
        // `5,5` beside `5.555` (DuckDB's mixed_decimal.csv): no value shows which mark groups thousands.
        #expect(CSVTest.type(try CSVTest.read("a;b\n1;5,5\n2;5.555\n"), "b") == .text)
    }

    @Test func booleans() throws {
        let loaded = try CSVTest.read("b\ntrue\nFALSE\nYes\nno\n\"\"\nTrue\n")
        #expect(CSVTest.type(loaded, "b") == .boolean)
        #expect(CSVTest.values(loaded, "b") == [.boolean(true), .boolean(false), .boolean(true), .boolean(false),
                                               .null, .boolean(true)])
        // 0/1 stay numbers.
        #expect(CSVTest.type(try CSVTest.read("b\n0\n1\n"), "b") == .integer)
    }

    @Test func isoDates() throws {
        let loaded = try CSVTest.read("d\n2025-01-31\n1999-12-01\n2024-02-29\n")
        #expect(CSVTest.type(loaded, "d") == .date)
        #expect(CSVTest.values(loaded, "d") == [CSVTest.days(2025, 1, 31), CSVTest.days(1999, 12, 1),
                                               CSVTest.days(2024, 2, 29)])
    }

    @Test(arguments: ["/", "-", "."])
    func dayFirstDates(separator: String) throws {
        let loaded = try CSVTest.read("d\n" + ["25", "12", "2024"].joined(separator: separator) + "\n"
            + ["01", "02", "2025"].joined(separator: separator) + "\n")
        #expect(CSVTest.type(loaded, "d") == .date)
        #expect(CSVTest.values(loaded, "d") == [CSVTest.days(2024, 12, 25), CSVTest.days(2025, 2, 1)])
        #expect(loaded.warnings.isEmpty)
    }

    @Test func monthFirstDates() throws {
        let loaded = try CSVTest.read("d\n12/25/2024\n01/02/2025\n3/4/2025\n")
        #expect(CSVTest.type(loaded, "d") == .date)
        #expect(CSVTest.values(loaded, "d") == [CSVTest.days(2024, 12, 25), CSVTest.days(2025, 1, 2),
                                               CSVTest.days(2025, 3, 4)])
    }

    /// DuckDB's mixed_dates.csv: `03/10/2024` between 2024-03-09 and 2024-03-11 is 10 March;
    /// between 2024-10-02 and 2024-10-04 it is 3 October. The neighbours decide, and it is said.
    @Test(arguments: [("2024-03-09", "2024-03-11", "2024-03-10", "mm/dd/yyyy"), ("2024-10-02", "2024-10-04", "2024-10-03", "dd/mm/yyyy")])
    func ambiguousDatesAmongUnambiguousOnesFollowTheirNeighbours(_ before: String, _ after: String, _ expected: String, _ read: String) throws {
        for time in ["", " 01:25:58"] {
            let loaded = try CSVTest.read("a,b\n1,\(before)\(time)\n2,03/10/2024\(time)\n3,\(after)\(time)\n")
            let value = CSVTest.values(loaded, "b")[1]
            let parts = expected.split(separator: "-").compactMap { Int($0) }
            let days = CivilDate.days(year: parts[0], month: parts[1], day: parts[2])
            #expect(value == (time.isEmpty ? .date(Int32(days)) : .timestamp(Int64(days) * 86_400 + 5_158)))
            #expect(loaded.warnings.contains { $0.message.contains("read as \(read), the reading that puts them nearest") })
        }
    }

    /// DuckDB's date_example_2.csv (12/17/23), multi_quote.csv (1/1/19) and time_date_timestamp
    /// files (01-01-90 12:12:00 AM): two-digit years, read as POSIX %y reads them, and said.
    @Test func twoDigitYearsAreReadAndSaid() throws {
        let us = try CSVTest.read("d\n12/17/23\n1/1/19\n12/20/90\n")
        #expect(CSVTest.values(us, "d") == [CSVTest.days(2023, 12, 17), CSVTest.days(2019, 1, 1), CSVTest.days(1990, 12, 20)])
        #expect(us.warnings.contains { $0.message.contains("two-digit years") })
        let eu = try CSVTest.read("d;t\n17.12.23;01-01-90 12:12:00 AM\n02.01.24;13-12-04 03:16:00 PM\n")
        #expect(CSVTest.values(eu, "d") == [CSVTest.days(2023, 12, 17), CSVTest.days(2024, 1, 2)])
        #expect(CSVTest.values(eu, "t") == [.timestamp(Int64(CivilDate.days(year: 1990, month: 1, day: 1)) * 86_400 + 12 * 60),
                                           .timestamp(Int64(CivilDate.days(year: 2004, month: 12, day: 13)) * 86_400 + 15 * 3600 + 16 * 60)])
        // Versions are not dates; a two-digit year first is read when said.
        #expect(CSVTest.type(try CSVTest.read("v\n1.5.20\n2.0.11\n"), "v") == .text)
        // A value with its first part above 31 shows the year first, for the whole column
        // (DuckDB's time_date_timestamp_yy.mm.dd.csv).
        let auto = try CSVTest.read("d\n90.01.01\n04.12.13\n")
        #expect(CSVTest.values(auto, "d") == [CSVTest.days(1990, 1, 1), CSVTest.days(2004, 12, 13)])
        #expect(auto.table.readAs["d"]?.contains("two-digit year first") == true)
        var options = CSVOptions()
        options.dateOrder = .shortYearFirst
        let yearFirst = try CSVTest.read("d\n90.01.01\n04.12.13\n", options: options)
        #expect(CSVTest.values(yearFirst, "d") == [CSVTest.days(1990, 1, 1), CSVTest.days(2004, 12, 13)])
    }

    /// DuckDB's timestamp_with_tz.csv: zone names after the time.
    @Test func timestampsWithZoneNames() throws {
        let loaded = try CSVTest.read("t\n2021-05-25 04:55:03 UTC\n2021-05-25 04:55:03 EST\n2021-05-25 04:55:03 CEST\n")
        let base = Int64(CivilDate.days(year: 2021, month: 5, day: 25)) * 86_400 + 4 * 3600 + 55 * 60 + 3
        #expect(CSVTest.values(loaded, "t") == [.timestamp(base), .timestamp(base + 5 * 3600), .timestamp(base - 2 * 3600)])
        // A name that means two zones is not guessed.
        #expect(CSVTest.type(try CSVTest.read("t\n2021-05-25 04:55:03 CST\n"), "t") == .text)
    }

    /// DuckDB's multi_quote.csv (1/1/19, 1/2/19, …) and issue_811.csv (01.01.2012, 01.02.2012, …).
    @Test func ambiguousDatesInOrderOrDottedAreDecided() throws {
        let days = try CSVTest.read("d\n1/1/19\n1/2/19\n1/3/19\n1/4/19\n")
        #expect(CSVTest.values(days, "d") == [CSVTest.days(2019, 1, 1), CSVTest.days(2019, 1, 2), CSVTest.days(2019, 1, 3), CSVTest.days(2019, 1, 4)])
        let dotted = try CSVTest.read("d\n01.02.2012\n03.04.2013\n")
        #expect(CSVTest.values(dotted, "d") == [CSVTest.days(2012, 2, 1), CSVTest.days(2013, 4, 3)])
    }

    /// `dates "…"` with a pattern: GA4's 20240301, 05-Mar-2024 14:30, a month 2024/03, US am/pm.
    @Test func explicitDatePatterns() throws {
        var options = CSVOptions()
        options.datePattern = CSVDatePattern("yyyymmdd")
        let ga = try CSVTest.read("day,sessions\n20240301,5\n20240302,7\n", options: options)
        #expect(CSVTest.values(ga, "day") == [CSVTest.days(2024, 3, 1), CSVTest.days(2024, 3, 2)])
        #expect(ga.table.readAs["day"] == "date, with the pattern \"yyyymmdd\"")
        #expect(CSVTest.type(ga, "sessions") == .integer)
        let pattern = CSVDatePattern("dd-MMM-yy h:mm am")
        #expect(pattern?.seconds("05-mars-24 2:30 pm") == Int64(CivilDate.days(year: 2024, month: 3, day: 5)) * 86_400 + 14 * 3600 + 30 * 60)
        #expect(CSVDatePattern("yyyy/mm")?.seconds("2024/03") == Int64(CivilDate.days(year: 2024, month: 3, day: 1)) * 86_400)
        #expect(CSVDatePattern("yyyy/mm")?.seconds("2024/13") == nil)
        #expect(CSVDatePattern("dd.mm.yyyy")?.seconds("31.02.2024") == nil)
        #expect(CSVDatePattern("qq") == nil && CSVDatePattern("HH:mm") == nil)
    }

    /// Issue 12's shapes, each read without options.
    @Test(arguments: [
        ("2024-01", "2024-01-01"), ("2024/01", "2024-01-01"), ("01/2024", "2024-01-01"), ("Jan 2024", "2024-01-01"),
        ("January 2024", "2024-01-01"), ("janv. 2024", "2024-01-01"), ("février 2024", "2024-02-01"), ("Jan-24", "2024-01-01"),
        ("2024-Q1", "2024-01-01"), ("Q2 2024", "2024-04-01"), ("T3 2024", "2024-07-01"), ("Jan 5, 2024", "2024-01-05"),
        ("5 janv. 2024", "2024-01-05"), ("5 January 2024", "2024-01-05"), ("5. März 2024", "2024-03-05"), ("05-Jan-2024", "2024-01-05"),
    ])
    func peopleDates(_ written: String, _ iso: String) throws {
        let loaded = try CSVTest.read("d,n\n\"\(written)\",1\n\"\(written)\",2\n")
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        #expect(CSVTest.values(loaded, "d").first == CSVTest.days(parts[0], parts[1], parts[2]), "\(written)")
        #expect(loaded.table.readAs["d"] != nil)
    }

    @Test(arguments: [
        ("\"$1,234.56\"", 1234.56), ("\"1 234,56 €\"", 1234.56), ("EUR 12.50", 12.5), ("\"(1,234.00)\"", -1234),
        ("12.5%", 0.125), ("\"1,234\"", 1234), ("£99", 99), ("-$5.25", -5.25), ("\"12 345\"", 12345),
    ])
    func peopleNumbers(_ written: String, _ value: Double) throws {
        let loaded = try CSVTest.read("x,n\n\(written),1\n\(written),2\n")
        #expect(CSVTest.values(loaded, "x").first?.number == value, "\(written)")
        #expect(loaded.table.readAs["x"] != nil)
    }

    @Test func peopleNumbersOnlyWhenEveryValueAgrees() throws {
        #expect(CSVTest.type(try CSVTest.read("x\n$5\n€6\n"), "x") == .text)         // two currencies
        #expect(CSVTest.type(try CSVTest.read("x\n12%\n0.5\n"), "x") == .text)       // percent and not
        #expect(CSVTest.type(try CSVTest.read("x\n$5\nn/a\n"), "x") == .text)        // a word
        #expect(CSVTest.type(try CSVTest.read("zip\n09001\n\"1,234\"\n"), "zip") == .text)   // a code
    }

    @Test func ambiguousDatesAreTextWithAWarningThatSaysWhatDecides() throws {
        let loaded = try CSVTest.read("signup\n01/02/2025\n03/04/2025\n")
        #expect(CSVTest.values(loaded, "signup") == [.text("01/02/2025"), .text("03/04/2025")])
        #expect(loaded.warnings == [CSVWarning(column: "signup", message:
            "dates in column signup are ambiguous (dd/mm vs mm/dd) and nothing in the file decides, so it is read as text; "
            + "say dates \"dd/mm/yyyy\" or dates \"mm/dd/yyyy\"")])
        var options = CSVOptions()
        options.dateOrder = .monthFirst
        let explicit = try CSVTest.read("signup\n01/02/2025\n03/04/2025\n", options: options)
        #expect(CSVTest.values(explicit, "signup") == [CSVTest.days(2025, 1, 2), CSVTest.days(2025, 3, 4)])
        #expect(explicit.warnings.isEmpty)
    }

    @Test func dateOrderEvidenceFromAnotherColumn() throws {
        let loaded = try CSVTest.read("a,b\n31/01/2025,01/02/2025\n")
        #expect(CSVTest.values(loaded, "b") == [CSVTest.days(2025, 2, 1)])
        #expect(loaded.warnings.isEmpty)
    }

    @Test func conflictingDateOrdersMakeText() throws {
        let loaded = try CSVTest.read("d\n25/12/2024\n12/25/2024\n")
        #expect(CSVTest.type(loaded, "d") == .text)
        #expect(CSVTest.values(loaded, "d") == [.text("25/12/2024"), .text("12/25/2024")])
    }

    @Test func invalidCalendarDatesMakeText() throws {
        #expect(CSVTest.type(try CSVTest.read("d\n2025-01-31\n2025-02-30\n"), "d") == .text)
        #expect(CSVTest.type(try CSVTest.read("d\n2025-13-01\n"), "d") == .text)
        #expect(CSVTest.type(try CSVTest.read("d\n31/04/2025\n"), "d") == .text)
        var options = CSVOptions()
        options.dateOrder = .dayFirst
        #expect(CSVTest.type(try CSVTest.read("d\n30/02/2025\n", options: options), "d") == .text)
    }

    @Test func timestamps() throws {
        let text = "t\n2025-03-01 10:20\n2025-03-01T10:20:30\n2025-03-01 10:20:30.750\n2025-03-01T10:20:30Z\n"
            + "2025-03-01T12:20:30+02:00\n2025-03-01 05:20:30-0500\n"
        let loaded = try CSVTest.read(text)
        #expect(CSVTest.type(loaded, "t") == .timestamp)
        let at = CSVTest.seconds(2025, 3, 1, 10, 20, 30)
        #expect(CSVTest.values(loaded, "t") == [CSVTest.seconds(2025, 3, 1, 10, 20), at, at, at, at, at])
    }

    @Test func timestampsWithDayFirstDatesAndAMPM() throws {
        let loaded = try CSVTest.read("t\n25/12/2024 9:05 PM\n01/02/2025 12:00:00 AM\n")
        #expect(CSVTest.values(loaded, "t") == [CSVTest.seconds(2024, 12, 25, 21, 5), CSVTest.seconds(2025, 2, 1)])
    }

    @Test func datesAndTimestampsMixToTimestamps() throws {
        let loaded = try CSVTest.read("t\n2025-01-02\n2025-01-03 08:00:00\n")
        #expect(CSVTest.type(loaded, "t") == .timestamp)
        #expect(CSVTest.values(loaded, "t") == [CSVTest.seconds(2025, 1, 2), CSVTest.seconds(2025, 1, 3, 8)])
        var dayFirst = CSVOptions()
        dayFirst.dateOrder = .dayFirst
        let pending = try CSVTest.read("t\n01/02/2025\n03/04/2025 08:00\n", options: dayFirst)
        #expect(CSVTest.values(pending, "t") == [CSVTest.seconds(2025, 2, 1), CSVTest.seconds(2025, 4, 3, 8)])
    }

    @Test func mixedKindsBecomeText() throws {
        #expect(CSVTest.type(try CSVTest.read("x\n1\n2025-01-01\n"), "x") == .text)
        #expect(CSVTest.type(try CSVTest.read("x\n1\nyes\n"), "x") == .text)
        #expect(CSVTest.type(try CSVTest.read("x\n1.5\nn/a\n"), "x") == .text)
        let late = try CSVTest.read("x\n1\n2\n3\nabc\n")
        #expect(CSVTest.values(late, "x") == [.text("1"), .text("2"), .text("3"), .text("abc")])
        guard case .text(_, let dictionary)? = late.table.column(named: "x")?.storage else {
            Issue.record("not text")
            return
        }
        #expect(dictionary == ["1", "2", "3", "abc"])
    }

    @Test func decimalCommaWithSemicolons() throws {
        let loaded = try CSVTest.read("name;amount;count\nA;12,5;3\nB;-0,25;4\nC;7;5\n")
        #expect(CSVTest.type(loaded, "amount") == .decimal)
        #expect(CSVTest.values(loaded, "amount") == [.decimal(12.5), .decimal(-0.25), .decimal(7)])
        #expect(CSVTest.type(loaded, "count") == .integer)
    }

    @Test func decimalPointElsewhereTurnsOffDecimalComma() throws {
        // Each column agrees with itself, so each is read with its own mark, and said.
        let loaded = try CSVTest.read("a;b\n12,5;1.5\n3,25;2.5\n")
        #expect(CSVTest.values(loaded, "a") == [.decimal(12.5), .decimal(3.25)])
        #expect(loaded.table.readAs["a"] != nil)
        #expect(CSVTest.type(loaded, "b") == .decimal)
        var options = CSVOptions()
        options.decimalComma = true
        let forced = try CSVTest.read("a;b\n12,5;1.5\n", options: options)
        #expect(CSVTest.values(forced, "a") == [.decimal(12.5)])
        #expect(CSVTest.type(forced, "b") == .text)
    }

    @Test func aQuotedDecimalCommaInACommaFileIsReadAndSaid() throws {
        let loaded = try CSVTest.read("a,b\n\"12,5\",1\n")
        #expect(CSVTest.values(loaded, "a") == [.decimal(12.5)])
        #expect(loaded.table.readAs["a"] == "decimal, from \"12,5\"")
        // Said otherwise, it is not a number.
        var options = CSVOptions()
        options.decimalComma = false
        #expect(CSVTest.type(try CSVTest.read("a,b\n\"12,5\",1\n", options: options), "a") == .text)
    }

    @Test func typeOverrides() throws {
        var options = CSVOptions()
        options.columnTypes = ["zip": .text, "n": .decimal, "when": .date, "flag": .boolean, "t": .timestamp]
        let loaded = try CSVTest.read("zip,n,when,flag,t\n01234,1,2025-01-02 10:00:00,1,2025-01-02\n,2.5,,0,\n",
                                      options: options)
        #expect(CSVTest.values(loaded, "zip") == [.text("01234"), .null])
        #expect(CSVTest.values(loaded, "n") == [.decimal(1), .decimal(2.5)])
        #expect(CSVTest.values(loaded, "when") == [CSVTest.days(2025, 1, 2), .null])
        #expect(CSVTest.values(loaded, "flag") == [.boolean(true), .boolean(false)])
        #expect(CSVTest.values(loaded, "t") == [CSVTest.seconds(2025, 1, 2), .null])
    }

    @Test func overrideFailureNamesRowAndColumn() {
        var options = CSVOptions()
        options.columnTypes = ["amount": .integer]
        let error = CSVTest.error("id,amount\n1,10\n2,12.5\n", options: options)
        #expect(error?.kind == .malformed)
        #expect(error?.row == 3)
        #expect(error?.column == 2)
        #expect(error?.message == "row 3, column amount: \"12.5\" is not a whole number (the column is read as integer)")
        options.columnTypes = ["missing": .date]
        #expect(CSVTest.error("a\n1\n", options: options)?.message.contains("no such column") == true)
    }

    @Test func timeColumn() throws {
        #expect(try CSVTest.read("id,created_at\n1,2025-01-01\n").table.timeColumn == "created_at")
        #expect(try CSVTest.read("id,a,b\n1,2025-01-01,2025-01-02 10:00\n").table.timeColumn == nil)
        #expect(try CSVTest.read("id\n1\n").table.timeColumn == nil)
        var options = CSVOptions()
        options.timeColumn = "b"
        #expect(try CSVTest.read("id,a,b\n1,2025-01-01,2025-01-02 10:00\n", options: options).table.timeColumn == "b")
        options.timeColumn = "id"
        #expect(CSVTest.error("id,a\n1,2025-01-01\n", options: options)?.kind == .malformed)
        options.timeColumn = "nope"
        #expect(CSVTest.error("id,a\n1,2025-01-01\n", options: options)?.kind == .malformed)
    }
}
