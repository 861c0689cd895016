#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a script or standard input whole, as text (invalid UTF-8 is replaced, not fatal).
public enum ScriptFile {
    private static func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }

    public struct Failure: Error { public var reason: String }

    public static func read(_ path: String) throws(Failure) -> String {
        if let problem = FileAccess.problem(inPath: path) { throw Failure(reason: problem) }
        // Non-blocking, so that opening a pipe with no writer does not wait forever.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        if let kind = kindName(info.st_mode) { throw Failure(reason: "it is \(kind), not a file") }
        if Int(info.st_size) > FileAccess.maxScriptBytes { throw tooLarge(Int(info.st_size)) }
        return try readAll(fd)
    }

    /// "a folder", "a device", "a pipe", … for what is not a regular file; nil for a regular one.
    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a pipe"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    static func tooLarge(_ bytes: Int) -> Failure {
        Failure(reason: "it is larger than a script may be (\(FileAccess.maxScriptBytes >> 20) MB)" + (bytes > 0 ? ": \(bytes >> 20) MB" : ""))
    }

    /// Standard input as a script, up to the same bound as a script file.
    public static func readStandardInput() throws(Failure) -> String { try readAll(0) }

    private static func readAll(_ fd: Int32) throws(Failure) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    // Standard input opened non-blocking elsewhere: wait for it.
                    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&poller, 1, -1)
                    continue
                }
                throw Failure(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            if bytes.count + n > FileAccess.maxScriptBytes { throw tooLarge(0) }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
