#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The only way the language touches files: reading what a script names, writing where export
/// says. Writes are atomic (a temporary file in the same folder, then rename).
struct FileAccess: Sendable {
    struct Failure: Error {
        var reason: String
    }

    static func resolve(_ path: String, relativeTo base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty || base == "." { return path }
        if path.hasPrefix("~/"), let home = getenv("HOME") { return String(cString: home) + String(path.dropFirst(1)) }
        return base + "/" + path
    }

    /// Removes `.` and `name/..` parts: include_tests/../include/x.funnel → include/x.funnel.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    static func displayName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The absolute path with links resolved, or the path itself when it does not exist.
    func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func errnoReason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case EISDIR: return "it is a folder"
        case ENOSPC: return "no space left on the device"
        case EROFS: return "read-only file system"
        default: return String(cString: strerror(code))
        }
    }

    func readText(_ path: String) throws(Failure) -> String {
        do { return try ScriptFile.read(path) } catch { throw Failure(reason: error.reason) }
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Creates the folders of `path` that are missing.
    func makeParentDirectories(_ path: String) throws(Failure) {
        let dir = FileAccess.directory(of: path)
        guard dir != ".", dir != "/", !exists(dir) else { return }
        try makeParentDirectories(dir)
        if mkdir(dir, 0o755) != 0, errno != EEXIST { throw Failure(reason: "cannot create folder \(dir): \(FileAccess.errnoReason(errno))") }
    }

    /// Writes `contents` to `path` through a temporary file and a rename, so readers never see half a file.
    func writeAtomically(_ contents: String, to path: String, creatingFolders: Bool = true) throws(Failure) {
        if creatingFolders { try makeParentDirectories(path) }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(reason: FileAccess.errnoReason(errno)) }
        var bytes = Array(contents.utf8)
        var offset = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < raw.count {
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure != 0 {
            unlink(temporary)
            throw Failure(reason: FileAccess.errnoReason(failure))
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure(reason: FileAccess.errnoReason(code))
        }
    }
}

/// Atomic text writes for other modules (the shell's `:save`): a temporary file, then a rename.
public enum AtomicFile {
    /// Writes `text` to `path` (whose folder must exist); returns why it failed, or nil.
    public static func write(_ text: String, to path: String) -> String? {
        do { try FileAccess().writeAtomically(text, to: path, creatingFolders: false) } catch { return error.reason }
        return nil
    }
}
