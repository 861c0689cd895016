import CEditLine
import CEditLineShim
@testable import FunnelShell
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The history file read without libedit's loader: what libedit writes reads back as it was.
struct HistoryFileFormatTests {
    static let statements = [
        "leads by source", "a\tb", "two\nlines", "back\\slash \\040 not an escape", "ümlaut 数据 👍",
        "quote \"x\" 'y'", "ctrl \u{1} and \u{7F} del", "  leading and trailing  ", "\\", "x\\",
        "inbound by month vs plan wide",
    ]

    /// libedit's entries, oldest first.
    static func entries(of history: OpaquePointer) -> [String] {
        var out: [String] = []
        var entry = funnel_history_newest(history)
        while let text = entry {
            out.append(String(cString: text))
            entry = funnel_history_older(history)
        }
        return out.reversed()
    }

    @Test func whatLibeditWritesReadsBackAsItWasAndAsLibeditReadsIt() throws {
        let dir = ShellTestSupport.temporaryDirectory("history-format")
        defer { ShellTestSupport.removeTree(dir) }
        let path = dir + "/history"
        let written = try #require(history_init())
        defer { history_end(written) }
        funnel_history_set_size(written, 100)
        for statement in Self.statements { funnel_history_enter(written, statement) }
        #expect(funnel_history_save(written, path) == Int32(Self.statements.count))

        let bytes = try #require(HistoryFileFormat.contents(of: path))
        let decoded = try #require(HistoryFileFormat.entries(bytes), "a sequence libedit wrote was not decoded")
        #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == Self.statements)

        let loaded = try #require(history_init())
        defer { history_end(loaded) }
        funnel_history_set_size(loaded, 100)
        funnel_history_load(loaded, path)
        #expect(Self.entries(of: loaded) == Self.statements)
    }

    @Test func eachEscapeOfStrvis() {
        func decode(_ text: String) -> String? {
            HistoryFileFormat.decoded(ArraySlice(Array(text.utf8))).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(decode("a\\040b") == "a b")
        #expect(decode("a\\\\b") == "a\\b")
        #expect(decode("\\^I\\^J\\^?") == "\t\n\u{7F}")
        #expect(HistoryFileFormat.decoded(ArraySlice(Array("\\M-A\\M^A".utf8))) == [0xC1, 0x81])
        #expect(decode("plain") == "plain")
        // Anything else is left to libedit's loader.
        for unknown in ["\\", "a\\q", "\\04", "\\049", "\\^", "\\M", "\\M-", "\\Mx", "\\^\u{1}"] {
            #expect(decode(unknown) == nil, "\(unknown)")
        }
    }

    @Test func theFileMustBeLibedits() {
        #expect(HistoryFileFormat.entries(Array("leads\n".utf8)) == nil)
        #expect(HistoryFileFormat.entries([]) == nil)
        #expect(HistoryFileFormat.entries(Array("_HiStOrY_V2_\n".utf8)) == [])
        #expect(HistoryFileFormat.entries(Array("_HiStOrY_V2_\na\\040b\n\nlast".utf8)) == [Array("a b".utf8), [], Array("last".utf8)])
        #expect(HistoryFileFormat.entries(Array("_HiStOrY_V2_\nok\nbad\\q\n".utf8)) == nil)
    }
}
