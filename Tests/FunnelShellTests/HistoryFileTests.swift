@testable import FunnelShell
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the history lives, and that only its owner can read it.
struct HistoryFileTests {
    @Test func explicitPathWins() {
        let env = ["FUNNEL_HISTORY": "/x/h", "XDG_STATE_HOME": "/state", "HOME": "/home/ann"]
        #expect(HistoryFile.path(environment: env) == "/x/h")
    }

    @Test func emptyFunnelHistoryDisablesIt() {
        #expect(HistoryFile.path(environment: ["FUNNEL_HISTORY": "", "XDG_STATE_HOME": "/state", "HOME": "/home/ann"]) == nil)
    }

    @Test func xdgStateHome() {
        #expect(HistoryFile.path(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/ann"]) == "/state/funnel/history")
    }

    @Test func emptyXdgStateHomeFallsBackToHome() {
        #expect(HistoryFile.path(environment: ["XDG_STATE_HOME": "", "HOME": "/home/ann"]) == "/home/ann/.local/state/funnel/history")
    }

    @Test func home() {
        #expect(HistoryFile.path(environment: ["HOME": "/home/ann"]) == "/home/ann/.local/state/funnel/history")
    }

    @Test func nowhere() {
        #expect(HistoryFile.path(environment: [:]) == nil)
        #expect(HistoryFile.path(environment: ["HOME": ""]) == nil)
    }

    @Test func prepareMakesThePrivateFolderAndFile() throws {
        let dir = ShellTestSupport.temporaryDirectory("history")
        defer { ShellTestSupport.removeTree(dir) }
        // As for XDG_STATE_HOME=dir/state with state missing: two folders to make.
        let path = try #require(HistoryFile.path(environment: ["XDG_STATE_HOME": dir + "/state"]))
        #expect(HistoryFile.prepare(path))
        #expect(ShellTestSupport.mode(dir + "/state/funnel") == 0o700)
        #expect(ShellTestSupport.mode(path) == 0o600)
        var info = stat()
        #expect(stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        #expect(info.st_size == 0)
    }

    @Test func prepareTightensAnExistingFileAndKeepsItsContent() {
        let dir = ShellTestSupport.temporaryDirectory("history")
        defer { ShellTestSupport.removeTree(dir) }
        let path = dir + "/history"
        ShellTestSupport.write("_HiStOrY_V2_\n1\\040+\\0402\n", to: path)
        chmod(path, 0o644)
        #expect(HistoryFile.prepare(path))
        #expect(ShellTestSupport.mode(path) == 0o600)
        #expect(ShellTestSupport.read(path) == "_HiStOrY_V2_\n1\\040+\\0402\n")
    }

    @Test func prepareFailsWhereAFileIsInTheWay() {
        let dir = ShellTestSupport.temporaryDirectory("history")
        defer { ShellTestSupport.removeTree(dir) }
        ShellTestSupport.write("", to: dir + "/state")
        #expect(!HistoryFile.prepare(dir + "/state/funnel/history"))
    }

    @Test func initFileLocation() {
        #expect(InitFile.path(environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/ann"]) == "/cfg/funnel/init.funnel")
        #expect(InitFile.path(environment: ["HOME": "/home/ann"]) == "/home/ann/.config/funnel/init.funnel")
        #expect(InitFile.path(environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/ann"]) == "/home/ann/.config/funnel/init.funnel")
        #expect(InitFile.path(environment: [:]) == nil)
    }
}
