import FunnelEngine
import FunnelRender
import Testing
@testable import FunnelLanguage

#if canImport(Glibc)
import Glibc
#endif

/// What `export` writes, byte for byte, for the formats a golden script cannot load back
/// (JSON and Markdown), plus CSV. Uses the golden fixtures and a fresh temporary folder.
struct ExportTests {
    static let data: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/Golden/data"
    }()

    static func temporaryFolder() -> String {
        var template = Array("/tmp/funnel-export-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return "/tmp" }
        return String(cString: made)
    }

    static func run(_ text: String) -> (code: ScriptRunner.ExitCode, stdout: String, stderr: String) {
        final class Capture: @unchecked Sendable { var out = "", err = "" }
        let capture = Capture()
        let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        let interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))) { output in
            let (stream, rendered) = renderer.render(output)
            if stream == .standardOutput { capture.out += rendered } else { capture.err += rendered }
        }
        var runner = ScriptRunner(interpreter: interpreter) { capture.err += renderer.render($0) }
        let code = runner.run(SourceFile(path: "<export test>", text: text))
        return (code, capture.out, capture.err)
    }

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let bySource = "leads by source select n = count(), rate = count(where score >= 60) / count() as percent, revenue = sum(revenue) as money"

    @Test func formatsFollowTheExtension() {
        let dir = Self.temporaryFolder()
        let (code, stdout, stderr) = Self.run("""
            leads = load "\(Self.data)/leads.csv" time created_at
            export \(Self.bySource) to "\(dir)/by_source.json"
            export \(Self.bySource) to "\(dir)/by_source.md"
            export \(Self.bySource) to "\(dir)/by_source.csv"
            export leads where id <= 2 select id, created_at, title, mql_at to "\(dir)/rows.json"
            """)
        #expect(code == .success, "\(stderr)")
        #expect(stdout.contains("wrote \(dir)/by_source.json (5 rows)"))

        // JSON and CSV carry raw values: a rate as its ratio, money unformatted, null as null / empty.
        #expect(Self.read("\(dir)/by_source.json") == """
            [
              {"source": "email", "n": 3, "rate": 0.6666666666666666, "revenue": 0},
              {"source": "organic", "n": 4, "rate": 0.75, "revenue": 0},
              {"source": "paid_search", "n": 5, "rate": 0.6, "revenue": 160000},
              {"source": "referral", "n": 3, "rate": 0.6666666666666666, "revenue": 120000},
              {"source": null, "n": 1, "rate": 1, "revenue": 0}
            ]

            """)
        #expect(Self.read("\(dir)/by_source.csv") == """
            source,n,rate,revenue
            email,3,0.6666666666666666,0
            organic,4,0.75,0
            paid_search,5,0.6,160000
            referral,3,0.6666666666666666,120000
            ,1,1,0

            """)
        // Markdown shows values as the terminal does.
        #expect(Self.read("\(dir)/by_source.md") == """
            | source      |   n |   rate |    revenue |
            | ----------- | --: | -----: | ---------: |
            | email       |   3 |  66.7% |       0.00 |
            | organic     |   4 |  75.0% |       0.00 |
            | paid_search |   5 |  60.0% | 160,000.00 |
            | referral    |   3 |  66.7% | 120,000.00 |
            | —           |   1 | 100.0% |       0.00 |

            """)
        #expect(Self.read("\(dir)/rows.json") == """
            [
              {"id": 1, "created_at": "2025-01-05 09:00:00", "title": "VP Marketing", "mql_at": "2025-01-06 10:00:00"},
              {"id": 2, "created_at": "2025-01-12 14:30:00", "title": "Director of Sales", "mql_at": "2025-01-13 09:00:00"}
            ]

            """)
    }

    @Test func exportCreatesMissingFolders() {
        let dir = Self.temporaryFolder()
        let (code, _, stderr) = Self.run("""
            tiny = load "\(Self.data)/tiny.csv"
            export tiny to "\(dir)/a/b/tiny.csv"
            """)
        #expect(code == .success, "\(stderr)")
        #expect(Self.read("\(dir)/a/b/tiny.csv") == "id,name,amount\n1,alpha,10\n2,beta,20\n3,gamma,30\n")
    }

    @Test func exportNeverOverwritesAnInput() {
        let dir = Self.temporaryFolder()
        let input = "\(dir)/input.csv"
        let original = "id,amount\n1,10\n2,20\n"
        if let f = fopen(input, "wb") { fputs(original, f); fclose(f) }
        let (code, _, stderr) = Self.run("""
            t = load "\(input)"
            export t where amount > 10 to "\(dir)/./input.csv"
            """)
        #expect(code == .cannotCreateOutput)
        #expect(stderr.contains("refusing to overwrite"))
        #expect(Self.read(input) == original)
    }

    @Test func oneRowIsOneRow() {
        let dir = Self.temporaryFolder()
        let (_, stdout, _) = Self.run("""
            tiny = load "\(Self.data)/tiny.csv"
            export tiny where id == 1 to "\(dir)/one.csv"
            """)
        #expect(stdout == "wrote \(dir)/one.csv (1 row)\n")
    }
}
