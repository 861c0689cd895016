#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the shell's history lives: `FUNNEL_HISTORY` (empty disables it), else
/// `$XDG_STATE_HOME/funnel/history`, else `~/.local/state/funnel/history`. The folder is made
/// 0700 and the file 0600, since statements can hold client names and figures.
public enum HistoryFile {
    public static let maximumEntries = 2000

    public static func path(environment: [String: String]) -> String? {
        if let explicit = environment["FUNNEL_HISTORY"] { return explicit.isEmpty ? nil : explicit }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/funnel/history" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.local/state/funnel/history" }
        return nil
    }

    /// Makes the folder (0700) and the file (0600) when missing; false when that is impossible.
    public static func prepare(_ path: String) -> Bool {
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            if !directory.isEmpty && !makeDirectories(directory) { return false }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return false }
        fchmod(fd, 0o600)
        close(fd)
        return true
    }

    private static func makeDirectories(_ path: String) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFDIR }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            if !makeDirectories(String(path[..<slash])) { return false }
        }
        return mkdir(path, 0o700) == 0 || errno == EEXIST
    }

    public static func environment() -> [String: String] {
        var out: [String: String] = [:]
        for name in ["FUNNEL_HISTORY", "XDG_STATE_HOME", "HOME", "XDG_CONFIG_HOME"] {
            if let value = getenv(name) { out[name] = String(cString: value) }
        }
        return out
    }
}
