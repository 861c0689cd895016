import FunnelEngine
import FunnelLanguage
import FunnelRender
@testable import FunnelShell
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers shared by the shell's tests: temporary folders, small CSV files, sessions built by
/// running statements in-process, and the built `funnel` binary run with pipes.
enum ShellTestSupport {
    /// A fresh folder under $TMPDIR (or /tmp); removed by `removeTree` at the end of a test.
    static func temporaryDirectory(_ label: String = "shell") -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/funnel-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func removeTree(_ path: String) {
        guard path.hasPrefix("/") && path.count > 5 else { return }
        _ = system("rm -rf '\(path)'")
    }

    static func write(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot write \(path)")
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            precondition(n > 0)
            offset += n
        }
        close(fd)
    }

    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Permission bits (e.g. 0o600) of a file or folder, nil when missing.
    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o7777
    }

    /// The leads file of these tests: a column whose name has spaces, an accented one.
    static let leadsCSV = """
        id,source,score,Became a Customer Date,Société
        1,email,70,2025-01-02,Acme
        2,social,40,,Bêta
        3,email,90,2025-03-04,Ça Va
        4,paid,65,,Dûrer

        """

    static let dealsCSV = """
        deal_id,contact_id,amount,won
        10,1,1000,true
        11,3,2500,false

        """

    /// A folder holding leads.csv and deals.csv.
    static func dataDirectory() -> String {
        let dir = temporaryDirectory("data")
        write(leadsCSV, to: dir + "/leads.csv")
        write(dealsCSV, to: dir + "/deals.csv")
        return dir
    }

    static func interpreter() -> Interpreter {
        Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31))), emit: { _ in })
    }

    /// Runs `script` in-process (paths relative to `directory`), as a file in that folder.
    static func session(running script: String, in directory: String) -> Interpreter {
        final class Reports: @unchecked Sendable { var text = "" }
        let reports = Reports()
        let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        var runner = ScriptRunner(interpreter: interpreter()) { reports.text += renderer.render($0) }
        let code = runner.run(SourceFile(path: directory + "/setup.funnel", text: script))
        #expect(code == .success, "the set-up script failed:\n\(reports.text)")
        return runner.interpreter
    }

    // MARK: Standard error, captured

    /// One capture of a process-wide descriptor at a time.
    static let descriptorLock = Mutex(())

    /// Runs `body` with descriptor 2 (standard error) sent to a temporary file, and returns what
    /// was written there. The test runner (swift-testing) also reports on standard error, from
    /// other threads: its lines written meanwhile land in the capture too. So the capture is
    /// written back to standard error afterwards (nothing of the runner's is lost), and tests
    /// only look for text in it, never for its absence.
    static func capturingStandardError(_ body: () -> Void) -> String {
        descriptorLock.withLock { _ in
            let dir = temporaryDirectory("stderr")
            defer { removeTree(dir) }
            let path = dir + "/err"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            precondition(fd >= 0)
            let saved = dup(2)
            dup2(fd, 2)
            close(fd)
            body()
            dup2(saved, 2)
            close(saved)
            let captured = read(path) ?? ""
            StandardStreams.err(captured)
            return captured
        }
    }

    // MARK: The built binary

    /// The `funnel` executable next to the test bundle (swift build puts both in the same
    /// folder), or $FUNNEL_BINARY.
    static func binaryPath() -> String? {
        if let explicit = getenv("FUNNEL_BINARY").map({ String(cString: $0) }), !explicit.isEmpty { return explicit }
        var candidates: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 {
            let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
            // …/debug/funnelPackageTests.xctest (Linux) or …/debug/x.xctest/Contents/MacOS/x
            while let last = parts.last, !last.hasSuffix(".xctest") { parts.removeLast() }
            if !parts.isEmpty {
                parts.removeLast()
                candidates.append(parts.joined(separator: "/") + "/funnel")
            }
        }
        return candidates.first { access($0, X_OK) == 0 }
    }

    struct Run {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    /// Runs the binary with `arguments`, `input` on standard input (a file, not a terminal),
    /// in `directory`, with HOME and the history under `directory`.
    static func runBinary(_ arguments: [String], input: String, in directory: String, environment: [String: String] = [:]) -> Run? {
        guard let binary = binaryPath() else { return nil }
        let io = temporaryDirectory("io")
        defer { removeTree(io) }
        write(input, to: io + "/in")
        var env = ["HOME": directory + "/home", "LANG": "C.UTF-8", "FUNNEL_HISTORY": directory + "/history", "PATH": "/usr/bin:/bin", "TERM": "dumb"]
        for (k, v) in environment { env[k] = v }
        let assignments = env.keys.sorted().map { "\($0)=\(quote(env[$0]!))" }.joined(separator: " ")
        let command = "cd \(quote(directory)) && env -i \(assignments) \(quote(binary)) \(arguments.map(quote).joined(separator: " ")) < \(quote(io + "/in")) > \(quote(io + "/out")) 2> \(quote(io + "/err"))"
        let status = system(command)
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Run(stdout: read(io + "/out") ?? "", stderr: read(io + "/err") ?? "", status: code)
    }

    static func quote(_ s: String) -> String { "'" + s.replacingEvery("'", with: "'\\''") + "'" }
}

extension String {
    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
