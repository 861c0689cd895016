@testable import FunnelShell
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reader used when input is not a terminal (and by the shell tests).
struct PlainLineReaderTests {
    static func readAll(_ reader: PlainLineReader, limit: Int = 100) -> [LineEvent] {
        var events: [LineEvent] = []
        for _ in 0..<limit {
            let event = reader.readLine(continuation: false)
            events.append(event)
            if event == .endOfInput { break }
        }
        return events
    }

    /// A reader on the read end of a pipe that already holds `bytes` and is closed for writing.
    static func pipeReader(_ bytes: [UInt8]) -> (PlainLineReader, Int32) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        precondition(bytes.count < 60_000, "keep under the pipe's buffer")
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            precondition(n > 0)
            offset += n
        }
        close(fds[1])
        return (PlainLineReader(descriptor: fds[0]), fds[0])
    }

    @Test func fromLines() {
        let reader = PlainLineReader(lines: ["a = 1", "", "count(leads"])
        #expect(Self.readAll(reader) == [.line("a = 1"), .line(""), .line("count(leads"), .endOfInput])
        // Stays at the end.
        #expect(reader.readLine(continuation: true) == .endOfInput)
    }

    @Test func fromNoLines() {
        #expect(Self.readAll(PlainLineReader(lines: [])) == [.endOfInput])
    }

    @Test func fromAPipe() {
        let (reader, fd) = Self.pipeReader(Array("first\nsecond\n".utf8))
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.line("first"), .line("second"), .endOfInput])
    }

    @Test func crlfLineEndings() {
        let (reader, fd) = Self.pipeReader(Array("a = 1\r\nb = 2\r\n\r\nc\n".utf8))
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.line("a = 1"), .line("b = 2"), .line(""), .line("c"), .endOfInput])
    }

    @Test func lastLineWithoutNewline() {
        let (reader, fd) = Self.pipeReader(Array("one\ntwo".utf8))
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.line("one"), .line("two"), .endOfInput])
    }

    @Test func lastLineWithoutNewlineEndingInCR() {
        let (reader, fd) = Self.pipeReader(Array("one\r\ntwo\r".utf8))
        defer { close(fd) }
        let events = Self.readAll(reader)
        #expect(events.first == .line("one"))
        #expect(events.last == .endOfInput)
        #expect(events.count == 3)
    }

    @Test func emptyInput() {
        let (reader, fd) = Self.pipeReader([])
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.endOfInput])
        #expect(reader.readLine(continuation: false) == .endOfInput)
    }

    @Test func onlyANewline() {
        let (reader, fd) = Self.pipeReader([UInt8(ascii: "\n")])
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.line(""), .endOfInput])
    }

    @Test func utf8() {
        let (reader, fd) = Self.pipeReader(Array("x = \"Société\"\n`Became a Customer Date` 👍\n".utf8))
        defer { close(fd) }
        #expect(Self.readAll(reader) == [.line("x = \"Société\""), .line("`Became a Customer Date` 👍"), .endOfInput])
    }

    @Test func linesLongerThanOneRead() {
        // More than the reader's 64 KiB chunk, from a file (a pipe would block the writer), with a
        // two-byte character across the chunk boundary.
        let dir = ShellTestSupport.temporaryDirectory("plain")
        defer { ShellTestSupport.removeTree(dir) }
        let long = String(repeating: "a", count: 65535) + "é" + String(repeating: "b", count: 100_000)
        ShellTestSupport.write("short\n" + long + "\nend", to: dir + "/in")
        let fd = open(dir + "/in", O_RDONLY)
        defer { close(fd) }
        let events = Self.readAll(PlainLineReader(descriptor: fd))
        #expect(events.count == 4)
        #expect(events[0] == .line("short"))
        #expect(events[1] == .line(long))
        #expect(events[2] == .line("end"))
        #expect(events[3] == .endOfInput)
    }

    @Test func manyLines() {
        let dir = ShellTestSupport.temporaryDirectory("plain")
        defer { ShellTestSupport.removeTree(dir) }
        let lines = (0..<50_000).map { "x\($0) = \($0)" }
        ShellTestSupport.write(lines.joined(separator: "\n") + "\n", to: dir + "/in")
        let fd = open(dir + "/in", O_RDONLY)
        defer { close(fd) }
        let events = Self.readAll(PlainLineReader(descriptor: fd), limit: 60_000)
        #expect(events.count == lines.count + 1)
        #expect(events.dropLast() == lines.map { LineEvent.line($0) }[...])
    }

    @Test func historyIsNotKept() {
        let reader = PlainLineReader(lines: ["a"])
        reader.addHistory("a")
        reader.close()
        #expect(reader.readLine(continuation: false) == .line("a"))
    }
}
