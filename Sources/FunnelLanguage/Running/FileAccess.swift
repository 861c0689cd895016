#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the file being run may touch. The main script may read and write whatever its user can;
/// a file it includes may only define things, unless the include grants more
/// (`include "clients/acme.funnel" allow load`), and then only inside the included file's own
/// folder (its real path: `..` and symbolic links cannot lead out of it).
public struct FileGrant: Sendable, Equatable {
    public var uses: Set<FileUse>
    /// Real path of the folder every read and write must stay in; nil for the main script.
    public var folder: String?
    /// The included file the grant belongs to, as shown in messages.
    public var grantedTo: String?
    /// The path its include statement wrote, for the advice on granting more.
    public var includedAs: String?

    public static let mainScript = FileGrant(uses: Set(FileUse.allCases), folder: nil, grantedTo: nil, includedAs: nil)

    /// An included file's grant: what its include allows, never more than the includer has.
    func narrowed(to allowed: [FileUse], folder: String, file: String, includedAs: String) -> FileGrant {
        FileGrant(uses: uses.intersection(allowed), folder: folder, grantedTo: file, includedAs: includedAs)
    }
}

/// The only way the language touches files: every path a script names goes through
/// `checkedPath` (control characters, grants, confinement), reads accept regular files only,
/// and writes are atomic (a hidden temporary file in the same folder, then a rename).
struct FileAccess: Sendable {
    struct Failure: Error {
        var reason: String
        var notes: [String] = []
    }

    /// The largest script or included file read (a script is text someone wrote; 16 MB is far
    /// past any review, and reading `/dev/zero` as a script must stop).
    static let maxScriptBytes = 16 << 20

    /// Why `path` cannot name a file, or nil: empty, or holding a control character (a NUL cuts
    /// the path short in the C library: `"notes.txt\0.csv"` would write `notes.txt`).
    static func problem(inPath path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        for (i, scalar) in path.unicodeScalars.enumerated() where isControl(scalar) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            return "the path \(visible(path)) holds a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)) at character \(i + 1); a path may not"
        }
        return nil
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) }

    /// The path quoted, with control characters written as `\u{…}` so that a message shows them.
    static func visible(_ path: String) -> String {
        var out = "\""
        for scalar in path.unicodeScalars {
            if isControl(scalar) { out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    /// The path `use` may touch, resolved against `base`, or why not.
    func checkedPath(_ path: String, for use: FileUse, grant: FileGrant, relativeTo base: String) throws(Failure) -> String {
        if let problem = FileAccess.problem(inPath: path) { throw Failure(reason: problem) }
        let who = grant.grantedTo ?? "this file"
        guard grant.uses.contains(use) else {
            let verb = use == .load ? "load files" : use == .include ? "include files" : use == .export ? "export" : "write reports"
            throw Failure(reason: "\(who) may not \(verb): it is included, and its include does not allow \(use.rawValue)",
                          notes: ["an included file defines rules, KPIs, funnels, links and parameters; to let it \(use.rawValue) files inside its own folder, write: include \"\(grant.includedAs ?? "…")\" allow \(use.rawValue)"])
        }
        let resolved = FileAccess.resolve(path, relativeTo: base)
        guard let folder = grant.folder else { return resolved }
        let absolute = FileAccess.normalize(FileAccess.absolute(resolved))
        let real = canonicalExistingPart(of: absolute)
        for candidate in [absolute, real] where !FileAccess.isInside(candidate, folder) {
            throw Failure(reason: "\(who) may only \(use.rawValue) inside its own folder, and \(path) is outside it" + (candidate == real && real != absolute ? " (through a symbolic link)" : ""),
                          notes: ["its folder is \(FileAccess.directory(of: grant.grantedTo ?? folder + "/x"))/"])
        }
        return resolved
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "." ? cwd : cwd + "/" + path
    }

    /// The real path of the longest part of `absolute` that exists, with the rest appended: where
    /// a write to a folder not made yet would land.
    func canonicalExistingPart(of absolute: String) -> String {
        var head = absolute
        var tail: [String] = []
        while head != "/" && !head.isEmpty {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                let real = String(cString: resolved)
                return tail.isEmpty ? real : (real == "/" ? "" : real) + "/" + tail.reversed().joined(separator: "/")
            }
            tail.append(FileAccess.displayName(head))
            head = FileAccess.directory(of: head)
        }
        return absolute
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

    /// An included file's path as messages show it: relative to how the including file was
    /// shown (review.funnel → clients/acme.funnel).
    static func shown(_ path: String, includedFrom includer: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = directory(of: includer)
        return normalize(folder == "." ? path : folder + "/" + path)
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

    /// What is at `path` when it is not a regular file ("a folder", "a device", …), or nil.
    static func nonRegularKind(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return ScriptFile.kindName(info.st_mode)
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

    /// Writes `contents` to `path` through a temporary file and a rename, so readers never see
    /// half a file. The temporary file is hidden (`.NAME.funnel-tmp-PID`) and left-overs of
    /// writes that were killed are removed first. Only a regular file is ever replaced.
    func writeAtomically(_ contents: String, to path: String, creatingFolders: Bool = true) throws(Failure) {
        if let problem = FileAccess.problem(inPath: path) { throw Failure(reason: problem) }
        var existing = stat()
        if lstat(path, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG, (existing.st_mode & S_IFMT) != S_IFLNK {
            throw Failure(reason: "it is \(ScriptFile.kindName(existing.st_mode) ?? "not a regular file"), not a file funnel may replace")
        }
        if let kind = FileAccess.nonRegularKind(at: path) {
            throw Failure(reason: "it leads to \(kind), not a file funnel may replace")
        }
        if creatingFolders { try makeParentDirectories(path) }
        let folder = FileAccess.directory(of: path)
        let name = FileAccess.displayName(path)
        FileAccess.removeStaleTemporaries(of: name, in: folder)
        let temporary = (folder == "." && !path.hasPrefix("./") ? "" : (folder == "/" ? "/" : folder + "/")) + FileAccess.temporaryName(for: name, pid: getpid())
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
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

    static func temporaryName(for name: String, pid: pid_t) -> String { ".\(name).funnel-tmp-\(pid)" }

    /// Removes `.NAME.funnel-tmp-PID` (and the older `NAME.tmp-PID`) left in `folder` by a write
    /// whose process no longer runs (killed mid-write).
    static func removeStaleTemporaries(of name: String, in folder: String) {
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        let prefixes = [".\(name).funnel-tmp-", "\(name).tmp-"]
        while let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let prefix = prefixes.first(where: { entryName.hasPrefix($0) }),
                  let pid = pid_t(entryName.dropFirst(prefix.count)), pid > 0 else { continue }
            if pid != getpid(), kill(pid, 0) == 0 || errno == EPERM { continue }
            unlink(folder + "/" + entryName)
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
