#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads lines from a file descriptor with a buffer: no prompt, no editing, no history.
/// Used when standard input or output is not a terminal, and in tests.
public final class PlainLineReader: LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    private let lines: [String]?
    private var lineIndex = 0

    public init(descriptor: Int32 = 0) {
        self.descriptor = descriptor
        lines = nil
    }

    /// Reads from the given lines instead of a descriptor (tests).
    public init(lines: [String]) {
        descriptor = -1
        self.lines = lines
    }

    public func readLine(continuation: Bool) -> LineEvent {
        if let lines {
            guard lineIndex < lines.count else { return .endOfInput }
            lineIndex += 1
            return .line(lines[lineIndex - 1])
        }
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[position..<end], as: UTF8.self)
                position = newline + 1
                compact()
                return .line(line)
            }
            if finished {
                guard position < buffer.count else { return .endOfInput }
                let line = String(decoding: buffer[position...], as: UTF8.self)
                position = buffer.count
                return .line(line)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { return .interrupted }
            if n <= 0 { finished = true; continue }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    private func compact() {
        if position > 1 << 20 {
            buffer.removeFirst(position)
            position = 0
        }
    }

    public func addHistory(_ entry: String) {}
    public func close() {}
}
