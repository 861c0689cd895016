// CSV structure: delimiters, quoting, line endings, encodings, headers, ragged rows, files.
import Testing
@testable import FunnelEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct CSVStructureTests {
    @Test(arguments: [(",", UInt8(ascii: ",")), (";", UInt8(ascii: ";")), ("\t", UInt8(ascii: "\t")), ("|", UInt8(ascii: "|"))])
    func sniffsEachDelimiter(separator: String, byte: UInt8) throws {
        let text = ["id", "name", "amount"].joined(separator: separator) + "\n"
            + ["1", "Acme", "10"].joined(separator: separator) + "\n"
            + ["2", "Globex", "20"].joined(separator: separator) + "\n"
        let loaded = try CSVTest.read(text)
        #expect(loaded.delimiter == byte)
        #expect(CSVTest.names(loaded) == ["id", "name", "amount"])
        #expect(CSVTest.values(loaded, "name") == [.text("Acme"), .text("Globex")])
        #expect(CSVTest.values(loaded, "amount") == [.integer(10), .integer(20)])
    }

    @Test func sniffIgnoresDelimitersInsideQuotes() throws {
        let loaded = try CSVTest.read("a;b\n\"x,y,z\";1\n\"p,q\";2\n")
        #expect(loaded.delimiter == UInt8(ascii: ";"))
        #expect(CSVTest.values(loaded, "a") == [.text("x,y,z"), .text("p,q")])
    }

    @Test func explicitDelimiterWins() throws {
        var options = CSVOptions()
        options.delimiter = UInt8(ascii: "|")
        let loaded = try CSVTest.read("a,b|c\n1,2|3\n", options: options)
        #expect(CSVTest.names(loaded) == ["a,b", "c"])
    }

    @Test func stripsUTF8ByteOrderMark() throws {
        let loaded = try CSVTest.read(bytes: [0xEF, 0xBB, 0xBF] + Array("id,name\n1,x\n".utf8))
        #expect(CSVTest.names(loaded) == ["id", "name"])
        #expect(loaded.encoding == "utf-8")
    }

    @Test func crlfLineEndings() throws {
        let loaded = try CSVTest.read("id,name\r\n1,a\r\n2,b\r\n")
        #expect(loaded.table.rowCount == 2)
        #expect(CSVTest.values(loaded, "name") == [.text("a"), .text("b")])
    }

    @Test func loneCRLineEndings() throws {
        let loaded = try CSVTest.read("id,name\r1,a\r2,b")
        #expect(CSVTest.values(loaded, "id") == [.integer(1), .integer(2)])
        #expect(CSVTest.values(loaded, "name") == [.text("a"), .text("b")])
        // Row numbers count lone CRs as line ends.
        let error = CSVTest.error("a,b\r1,2\r3,4,5\r")
        #expect(error?.row == 3)
    }

    @Test func quotedFieldsWithDelimitersNewlinesAndDoubledQuotes() throws {
        let text = "id,note,company\n"
            + "1,\"hello, world\",\"Smith, Jones & Co\"\n"
            + "2,\"line one\nline two\",\"She said \"\"hi\"\"\"\n"
            + "3,\"\",\"crlf\r\ninside\"\n"
        let loaded = try CSVTest.read(text)
        #expect(loaded.table.rowCount == 3)
        #expect(CSVTest.values(loaded, "note") == [.text("hello, world"), .text("line one\nline two"), .null])
        #expect(CSVTest.values(loaded, "company")
            == [.text("Smith, Jones & Co"), .text("She said \"hi\""), .text("crlf\r\ninside")])
    }

    @Test func rowNumbersCountLinesInsideQuotedFields() throws {
        // The record on line 4 follows a quoted field spanning lines 2-3.
        let error = CSVTest.error("a,b\n1,\"x\ny\"\n2,3,4\n")
        #expect(error?.kind == .malformed)
        #expect(error?.row == 4)
        #expect(error?.column == 3)
        #expect(error?.message == "row 4 has 3 fields, the header has 2")
    }

    @Test func forgivingQuotes() throws {
        // Spaces before an opening quote, text after a closing quote, a quote inside a value.
        let loaded = try CSVTest.read("a,b,c\n1, \"x,y\",5\" screen\n2,\"ab\"cd,\"q\"  \n")
        #expect(CSVTest.values(loaded, "b") == [.text("x,y"), .text("abcd")])
        #expect(CSVTest.values(loaded, "c") == [.text("5\" screen"), .text("q")])
    }

    @Test func windows1252Bytes() throws {
        // "Société" and "€5" in Windows-1252: 0xE9 is é, 0x80 is €.
        let bytes: [UInt8] = Array("name,price\nSoci".utf8) + [0xE9] + Array("t".utf8) + [0xE9] + Array(",".utf8)
            + [0x80] + Array("5\nCaf".utf8) + [0xE9] + Array(",3\n".utf8)
        let loaded = try CSVTest.read(bytes: bytes)
        #expect(loaded.encoding == "windows-1252")
        #expect(CSVTest.values(loaded, "name") == [.text("Société"), .text("Café")])
        #expect(CSVTest.values(loaded, "price") == [.integer(5), .integer(3)])
        #expect(loaded.warnings.contains { $0.message.contains("not UTF-8") && $0.message.contains("Windows-1252") })
    }

    /// DuckDB's encodings/shift_jis.csv was read as Windows-1252 mojibake with no word.
    @Test func shiftJISIsToldFromWindows1252AndSaid() throws {
        let bytes: [UInt8] = [150, 188, 145, 79, 44, 148, 78, 151, 238, 10, 142, 82, 147, 99, 44, 51, 48, 10, 151, 233, 150, 216, 44, 51, 50, 10]
        let loaded = try CSVTest.read(bytes: bytes)
        #expect(loaded.encoding == "shift-jis")
        #expect(loaded.table.columns.map(\.name) == ["名前", "年齢"])
        #expect(CSVTest.values(loaded, "名前") == [.text("山田"), .text("鈴木")])
        #expect(loaded.warnings.contains { $0.message.contains("Shift-JIS") })
        // Accented Latin text fits Shift-JIS byte rules too, and stays Windows-1252.
        let french: [UInt8] = Array("ville\nTr".utf8) + [0xE8] + Array("s bien\nC".utf8) + [0xF4] + Array("te\n".utf8)
        #expect(try CSVTest.read(bytes: french).encoding == "windows-1252")
    }

    @Test func latin1HeaderIsDecodedToo() throws {
        let bytes: [UInt8] = Array("r".utf8) + [0xE9] + Array("gion,n\nNord,1\n".utf8)
        let loaded = try CSVTest.read(bytes: bytes)
        #expect(CSVTest.names(loaded) == ["région", "n"])
    }

    @Test func utf16WithByteOrderMark() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "id;ville\n1;Orléans\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let loaded = try CSVTest.read(bytes: bytes)
        #expect(loaded.encoding == "utf-16le")
        #expect(CSVTest.values(loaded, "ville") == [.text("Orléans")])
    }

    @Test func nulBytesAreRemovedWithAWarning() throws {
        let bytes: [UInt8] = Array("a,b\n1,x\n2,y".utf8) + [0] + Array("z\n".utf8)
        let loaded = try CSVTest.read(bytes: bytes)
        #expect(CSVTest.values(loaded, "b") == [.text("x"), .text("yz")])
        #expect(loaded.warnings.contains { $0.row == 3 && $0.message.contains("NUL") })
    }

    @Test func headerNamesAreTrimmedFilledAndDeduplicated() throws {
        let loaded = try CSVTest.read(" id ,,email,email, email,email_2\n1,2,3,4,5,6\n")
        #expect(CSVTest.names(loaded) == ["id", "column_2", "email", "email_3", "email_4", "email_2"])
        #expect(loaded.warnings.contains { $0.column == "email_3" && $0.row == 1 })
        #expect(loaded.warnings.contains { $0.column == "column_2" })
    }

    /// 20,000 copies of one name took 14 s (40,000: 61 s): each copy restarted its suffix count,
    /// and each got its own warning.
    @Test func aHeaderOfManyRepeatedNamesIsRenamedInOnePassWithOneWarning() throws {
        let width = 40_000
        let header = Array(repeating: "x", count: width).joined(separator: ",") + "," + Array(repeating: "", count: 3).joined(separator: ",")
        let loaded = try CSVTest.read(header + "\n" + Array(repeating: "1", count: width + 3).joined(separator: ",") + "\n")
        let names = CSVTest.names(loaded)
        #expect(names.count == width + 3)
        #expect(Set(names).count == names.count)
        #expect(names[0] == "x" && names[1] == "x_2" && names[width - 1] == "x_\(width)")
        #expect(names[width] == "column_\(width + 1)")
        #expect(loaded.warnings.count == 2, "\(loaded.warnings.map(\.message))")
        #expect(loaded.warnings.contains { $0.message.contains("used 40000 times") })
        #expect(loaded.warnings.contains { $0.message.contains("3 columns have no name") })
    }

    /// Text at row 900,000 of a number column made the whole column text without a word, and the
    /// later error ("x.v is text") named no row.
    @Test func aLateValueThatMakesAColumnTextIsNamedWithItsRow() throws {
        var text = "id,amount,when,flag\n"
        for i in 1...300 { text += "\(i),\(i).5,2025-01-\(i % 28 + 1 < 10 ? "0" : "")\(i % 28 + 1),\(i % 2 == 0 ? "true" : "false")\n" }
        text += "301,n/a,soon,maybe\n302,1,2025-01-01,true\n"
        let loaded = try CSVTest.read(text, chunks: 3)
        for (column, family) in [("amount", "numbers"), ("when", "dates"), ("flag", "true/false values")] {
            #expect(CSVTest.type(loaded, column) == .text)
            let note = loaded.table.typeNotes[column] ?? ""
            #expect(note.contains("holds \(family) from row 2 to row 301, but row 302 holds"), "\(note)")
            #expect(loaded.warnings.contains { $0.row == 302 && $0.column == column })
        }
        #expect(loaded.table.typeNotes["id"] == nil)
    }

    @Test func aHeaderOfMillionsOfColumnsIsRefusedWithItsRow() {
        let header = Array(repeating: "c", count: 200_000).joined(separator: ",")
        let error = CSVTest.error("\n" + header + "\n1\n")
        #expect(error?.row == 2)
        #expect(error?.message.contains("more than 65536 columns") == true, "\(error?.message ?? "no error")")
    }

    @Test func anEarlyBreakIsANoteButNotAWarning() throws {
        let loaded = try CSVTest.read("code\n12\nA7\nB9\n")
        #expect(loaded.table.typeNotes["code"]?.contains("row 3 holds \"A7\"") == true)
        #expect(loaded.warnings.isEmpty)
    }

    /// 16 files of DuckDB's corpus have no header: their first data row became the header.
    @Test func aFirstRowTypedLikeTheDataIsDataNotAHeader() throws {
        let loaded = try CSVTest.read("1,alpha,2025-01-05,,true\n2,beta,2025-01-06,3.5,false\n3,gamma,2025-01-07,4,true\n")
        #expect(CSVTest.names(loaded) == ["column_1", "column_2", "column_3", "column_4", "column_5"])
        #expect(loaded.table.rowCount == 3)
        #expect(CSVTest.values(loaded, "column_1") == [.integer(1), .integer(2), .integer(3)])
        #expect(CSVTest.type(loaded, "column_3") == .date)
        #expect(loaded.warnings.contains { $0.row == 1 && $0.message.contains("looks like data") })
    }

    @Test(arguments: ["id,name,when\n1,alpha,2025-01-05\n", "2024,2025\nx,y\n", "a,b\nx,y\n", "id,,amount\n1,,2\n"])
    func aHeaderOfNamesStaysTheHeader(_ text: String) throws {
        let loaded = try CSVTest.read(text)
        #expect(loaded.table.rowCount == 1)
        #expect(!loaded.warnings.contains { $0.message.contains("looks like data") })
    }

    @Test func headerTrueOrFalseIsObeyed() throws {
        var options = CSVOptions()
        options.header = true
        let named = try CSVTest.read("1,2\n3,4\n", options: options)
        #expect(CSVTest.names(named) == ["1", "2"] && named.table.rowCount == 1)
        options.header = false
        let data = try CSVTest.read("id,name\n1,alpha\n", options: options)
        #expect(CSVTest.names(data) == ["column_1", "column_2"] && data.table.rowCount == 2)
        #expect(CSVTest.values(data, "column_1") == [.text("id"), .text("1")])
    }

    @Test func textValuesKeepTheirSpacesAndCase() throws {
        let loaded = try CSVTest.read("source\n  Paid Search \nPAID search\n")
        #expect(CSVTest.values(loaded, "source") == [.text("  Paid Search "), .text("PAID search")])
    }

    @Test func emptyAndBlankFieldsAreNull() throws {
        let loaded = try CSVTest.read("n,t,d\n1,x,2025-01-01\n,  ,\n\"\",\"  \",\" \"\n 3 ,y, 2025-01-02 \n")
        #expect(CSVTest.values(loaded, "n") == [.integer(1), .null, .null, .integer(3)])
        #expect(CSVTest.values(loaded, "t") == [.text("x"), .null, .null, .text("y")])
        #expect(CSVTest.values(loaded, "d") == [CSVTest.days(2025, 1, 1), .null, .null, CSVTest.days(2025, 1, 2)])
        #expect(loaded.table.column(named: "n")?.nullCount == 2)
    }

    @Test func allNullColumnIsText() throws {
        let loaded = try CSVTest.read("a,b\n1,\n2,\n")
        #expect(CSVTest.type(loaded, "b") == .text)
        #expect(CSVTest.values(loaded, "b") == [.null, .null])
    }

    @Test func blankLinesAreSkipped() throws {
        let loaded = try CSVTest.read("\n\na,b\n1,2\n\n3,4\n\n\n")
        #expect(loaded.table.rowCount == 2)
        #expect(CSVTest.values(loaded, "b") == [.integer(2), .integer(4)])
        // Line numbers still count the blank lines.
        #expect(CSVTest.error("\na,b\n\n1,2,3\n")?.row == 4)
    }

    @Test func shortRowsAreFilledWithNullsAndCounted() throws {
        let loaded = try CSVTest.read("a,b,c\n1,2,3\n4,5\n6\n7,8,9\n")
        #expect(CSVTest.values(loaded, "b") == [.integer(2), .integer(5), .null, .integer(8)])
        #expect(CSVTest.values(loaded, "c") == [.integer(3), .null, .null, .integer(9)])
        let warning = loaded.warnings.first { $0.message.contains("fewer fields") }
        #expect(warning?.row == 3)
        #expect(warning?.message.hasPrefix("2 rows had fewer fields than the header") == true)
    }

    @Test func extraFieldsAreAnError() {
        let error = CSVTest.error("a,b,c,d\n1,2,3,4\n1,2,3,4,5\n")
        #expect(error == CSVError(kind: .malformed, path: "test.csv", row: 3, column: 5,
                                  message: "row 3 has 5 fields, the header has 4"))
    }

    @Test func emptyExtraFieldsAreIgnored() throws {
        let loaded = try CSVTest.read("a,b\n1,2,\n3,4, \n")
        #expect(loaded.table.columns.count == 2)
        #expect(CSVTest.values(loaded, "b") == [.integer(2), .integer(4)])
        #expect(loaded.warnings.contains { $0.row == 2 && $0.message.contains("empty fields after the last column") })
    }

    /// `unescaped_quotes/stops.csv` of DuckDB's corpus: the inner quotes were altered with no word.
    @Test func undoubledInnerQuotesArePartOfTheValueAndSaid() throws {
        let loaded = try CSVTest.read("id,name,lat\n\"1\",\"Lahr \"Vis-à-Vis Bus\" more text\",\"48.3\"\n\"2\",\"Lahr \"Vis-à-Vis Bus\"\",\"48.4\"\n\"3\",\"plain\",\"48.5\"\n")
        #expect(loaded.table.rowCount == 3)
        #expect(CSVTest.values(loaded, "name") == [.text("Lahr \"Vis-à-Vis Bus\" more text"), .text("Lahr \"Vis-à-Vis Bus\""), .text("plain")])
        #expect(CSVTest.values(loaded, "lat") == [.decimal(48.3), .decimal(48.4), .decimal(48.5)])
        #expect(loaded.warnings.contains { $0.row == 2 && $0.message.contains("not doubled") })
    }

    /// DuckDB's imdb_movie_info_escaped.csv: quotes escaped with a backslash, also right before a
    /// delimiter (`the \"Pacemaker\", easily`).
    @Test func backslashEscapedQuotesAreQuotes() throws {
        let loaded = try CSVTest.read("id,note\n1,\"the \\\"Pacemaker\\\", easily\"\n2,\"a\\\",b\"\n3,\"plain\"\n4,\"C:\\\\\"\n")
        #expect(CSVTest.values(loaded, "note") == [.text("the \"Pacemaker\", easily"), .text("a\",b"), .text("plain"), .text("C:\\\\")])
        #expect(loaded.warnings.contains { $0.message.contains("escaped with a backslash") })
        // Without such quotes a backslash is an ordinary character.
        #expect(CSVTest.values(try CSVTest.read("p\n\"C:\\dir\"\n"), "p") == [.text("C:\\dir")])
    }

    /// pollock's file_quotation_char_0x27.csv: fields quoted with ', one holding commas and an
    /// apostrophe ("It's").
    @Test func apostropheQuotedFilesAreReadAndSaid() throws {
        let text = "date,sku,price,description\n31/05/2018,HK-9973,39.49,'Light, ventilated. It's also grippy.'\n01/06/2018,HK-9974,12.00,'Plain'\n"
        let loaded = try CSVTest.read(text)
        #expect(loaded.table.columns.count == 4 && loaded.table.rowCount == 2)
        #expect(CSVTest.values(loaded, "description") == [.text("Light, ventilated. It's also grippy."), .text("Plain")])
        #expect(loaded.warnings.contains { $0.message.contains("quotes its fields with '") })
        // Apostrophes in names, and a field that only starts with one, leave ' an ordinary character.
        let names = try CSVTest.read("name,city\nO'Brien,Cork\n'Tis the season,Dublin\n")
        #expect(CSVTest.values(names, "name") == [.text("O'Brien"), .text("'Tis the season")])
    }

    /// Past a delimiter an undoubled quote is ambiguous: the field ends at the quote, and a row
    /// that then has too many fields is refused (DuckDB's bad_csv_file_2047.csv).
    @Test func anUndoubledQuoteBeforeADelimiterIsNotGuessedAcross() {
        let error = CSVTest.error("a,b,c\n\"1\",\"\"x, y\"\",\"2\"\n")
        #expect(error?.kind == .malformed)
        #expect(error?.row == 2)
    }

    /// `page_namespacepage_title_sample.csv`: titles such as `"` and `"!"` in a tab-separated file
    /// joined 27 lines into other rows. Its quotes are not quoting: each line is a row, and the
    /// load says so.
    @Test func quotesThatAreNotQuotingAreReadAsCharacters() throws {
        var text = "ns\ttitle\n"
        for i in 0..<50 { text += "0\tTitle_\(i)\n" }
        text += "0\t\"\n0\t\"!\"\n0\t\"\"Chu\"_\"Kara\":_Best\n0\tAfter\n"
        let loaded = try CSVTest.read(text)
        #expect(loaded.table.rowCount == 54)
        #expect(CSVTest.values(loaded, "title").suffix(4) == [.text("\""), .text("\"!\""), .text("\"\"Chu\"_\"Kara\":_Best"), .text("After")])
        #expect(loaded.warnings.contains { $0.message.contains("not CSV quoting") })
        // Said otherwise, the quotes quote: the same lines join.
        var options = CSVOptions()
        options.quoting = true
        let quoted = try CSVTest.read(text, options: options)
        #expect(quoted.table.rowCount < 54)
    }

    /// A title line above the header (DuckDB's skip_row.csv, stats_3_muta_10_21.csv; ad reports):
    /// skipped, and said. The delimiter is sniffed past it.
    @Test func titleLinesAboveTheHeaderAreSkippedAndSaid() throws {
        let loaded = try CSVTest.read("Campaign report\nExported 2025-05-28\ndate;campaign;spend\n2025-05-01;Brand;12,5\n2025-05-02;Search;7\n")
        #expect(loaded.table.columns.map(\.name) == ["date", "campaign", "spend"])
        #expect(loaded.table.rowCount == 2)
        #expect(loaded.warnings.contains { $0.row == 1 && $0.message.contains("rows 1 to 2 are titles") && $0.message.contains("the header is row 3") })
        // Rows may leave the header's last columns off (nullpadding_header.csv).
        let padded = try CSVTest.read("# gunk at the top\none,two,three,four\n1,a,alice\n2,b,bob\n")
        #expect(padded.table.columns.count == 4 && padded.table.rowCount == 2)
        // A header with no rows below it is not a title's: the file keeps its first record.
        #expect(CSVTest.error("content\n84,hello\n")?.row == 2)
        #expect(try CSVTest.read("a\nb\n").table.rowCount == 1)
    }

    /// A Google Ads report: a title, a date range (three comma-split fields above eight columns),
    /// the header, rows, and totals rows at the bottom, which are not data.
    @Test func anAdReportReadsItsRowsOnly() throws {
        var text = "Campaign report\nMarch 1, 2024 - March 31, 2024\nCampaign,Day,Clicks,Impr.,Cost,Conv.,Status,Budget\n"
        for i in 1...6 { text += "Brand \(i),2024-03-0\(i),\(i * 10),\(i * 100),\(i).50,\(i),Enabled,100\n" }
        text += "Total: Account,--,210,2100,24.00,21,,\nTotal: Search,--,210,2100,24.00,21,,\n"
        let loaded = try CSVTest.read(text)
        #expect(loaded.table.rowCount == 6)
        #expect(CSVTest.type(loaded, "Day") == .date && CSVTest.type(loaded, "Clicks") == .integer)
        #expect(loaded.warnings.contains { $0.row == 1 && $0.message.contains("rows 1 to 2 are titles") })
        #expect(loaded.warnings.contains { $0.row == 10 && $0.message.contains("2 rows are totals rows") })
        // A campaign called "Total Recall" is a row.
        #expect(try CSVTest.read("campaign,clicks\nBrand,1\nTotal Recall,2\n").table.rowCount == 2)
        // A malformed header (fewer fields than its rows) is still refused, not taken for a title.
        #expect(CSVTest.error("a,b\n1,2,3\n4,5,6\n")?.row == 2)
    }

    /// DuckDB's dates_special_format.csv: eight dates like "Dec 8, 2022", the first of them no header.
    @Test func aFirstRowOfPeopleDatesIsData() throws {
        let loaded = try CSVTest.read("\"Dec 8, 2022\"\n\"Sep 26, 2022\"\n\"Aug 31, 2022\"\n")
        #expect(loaded.table.rowCount == 3 && CSVTest.type(loaded, "column_1") == .date)
        // Years heading columns of amounts are names.
        let pivot = try CSVTest.read("channel,2023,2024\nsearch,\"$1,200\",\"$1,500\"\nsocial,$800,$950\n")
        #expect(pivot.table.columns.map(\.name) == ["channel", "2023", "2024"] && pivot.table.rowCount == 2)
        #expect(CSVTest.values(pivot, "2024") == [.integer(1500), .integer(950)])
    }

    /// DuckDB's unionbyname_21248 files: one row, a blank line, then "Ultima actualizacion: …".
    @Test func aNoteAfterABlankLineAtTheEndIsNotARow() throws {
        for ending in ["", "\n", "\r\n"] {
            let text = "id|name|updated\r\n2004|\"Coppel S.A.\"|2021-04-30T19:51:27\r\n\r\n\"Ultima actualizacion: 2025-05-28\"" + ending
            let loaded = try CSVTest.read(text)
            #expect(loaded.table.rowCount == 1)
            #expect(CSVTest.type(loaded, "id") == .integer)
            #expect(loaded.warnings.contains { $0.row == 4 && $0.message.contains("ends with a note") && $0.message.contains("Ultima") })
        }
        // Without the blank line, or with a delimiter, the last line is a (short) row as before.
        #expect(try CSVTest.read("a,b\n1,2\nNote\n").table.rowCount == 2)
        #expect(try CSVTest.read("a,b\n1,2\n\nNote,3\n").table.rowCount == 2)
        // The end of a quoted field that spans a blank line is not a note.
        #expect(CSVTest.values(try CSVTest.read("a,b\n1,\"first\n\nsecond\"\n"), "b") == [.text("first\n\nsecond")])
    }

    /// A file of one record: data when it holds a date or mostly numbers (DuckDB's
    /// hits_problematic.csv, one row of 105 fields), else a header with no rows.
    @Test func aLoneRecordIsDataWhenItLooksLikeData() throws {
        let row = try CSVTest.read("5258277067567845909,1,\"Смеситет\",1,\"2013-07-01 21:30:14\"\n")
        #expect(row.table.rowCount == 1 && row.table.columns.count == 5)
        #expect(row.warnings.contains { $0.message.contains("looks like data") })
        let header = try CSVTest.read("id,name,created_at\n")
        #expect(header.table.rowCount == 0 && header.table.columns.map(\.name) == ["id", "name", "created_at"])
    }

    @Test func unterminatedQuoteNamesTheRowWhereItOpened() {
        let error = CSVTest.error("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n")
        #expect(error?.kind == .malformed)
        #expect(error?.row == 3)
        #expect(error?.column == 2)
        #expect(error?.message.contains("never closed") == true)
    }

    @Test func dictionaryIsInOrderOfFirstAppearance() throws {
        let loaded = try CSVTest.read("s\nb\na\nb\nc\na\n")
        guard case .text(let codes, let dictionary)? = loaded.table.column(named: "s")?.storage else {
            Issue.record("not text")
            return
        }
        #expect(dictionary == ["b", "a", "c"])
        #expect(codes == [0, 1, 0, 2, 1])
    }

    @Test func headerOnlyGivesEmptyTextColumns() throws {
        let loaded = try CSVTest.read("a,b,c\n")
        #expect(loaded.table.rowCount == 0)
        #expect(loaded.table.columns.map(\.type) == [.text, .text, .text])
    }

    @Test func emptyFileIsAnError() {
        #expect(CSVTest.error(bytes: []) == CSVError(kind: .malformed, path: "test.csv", row: 1, message: "the file is empty"))
        #expect(CSVTest.error("\n\r\n\n")?.kind == .malformed)
    }

    @Test func cancellation() {
        var options = CSVOptions()
        options.isCancelled = { true }
        #expect(CSVTest.error("a\n1\n", options: options)?.kind == .cancelled)
    }

    @Test func loadsFilesAndReportsMissingOnes() throws {
        let path = "/tmp/funnel-csv-test-\(getpid()).csv"
        let text = "id,created_at\n1,2025-03-01 10:00:00\n2,2025-03-02 11:30:00\n"
        let f = fopen(path, "w")
        fputs(text, f)
        fclose(f)
        defer { unlink(path) }
        let loaded = try CSVReader.load(path: path, name: "leads")
        #expect(loaded.table.name == "leads")
        #expect(loaded.table.rowCount == 2)
        #expect(loaded.table.timeColumn == "created_at")

        #expect(throws: CSVError.self) { try CSVReader.load(path: path + ".missing", name: "x") }
        do {
            _ = try CSVReader.load(path: path + ".missing", name: "x")
        } catch {
            #expect(error.kind == .fileNotFound)
        }
        do {
            _ = try CSVReader.load(path: "/tmp", name: "x")
        } catch {
            #expect(error.kind == .unreadable)
        }
    }
}
