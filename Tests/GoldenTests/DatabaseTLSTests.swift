// TLS as libpq's sslmode says, against the test server's certificate (for localhost, signed by
// Scripts/pg-cluster's throwaway CA): require encrypts without checking; verify-ca checks the
// certificate against the root certificates; verify-full also that it names the host. Runs when
// Scripts/test found openssl and gave the CA in FUNNEL_TEST_ROOT_CERT.
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct DatabaseTLSTests {
    static let rootCertificate: String? = getenv("FUNNEL_TEST_ROOT_CERT").map { String(cString: $0) }
    static var enabled: Bool { DatabaseErrorTests.url != nil && rootCertificate != nil }

    /// The test server's address at `host`, with these URL parameters.
    static func address(host: String = "127.0.0.1", _ parameters: String) -> String {
        DatabaseErrorTests.address().replacingOccurrences(of: "@127.0.0.1:", with: "@\(host):") + "?" + parameters
    }

    /// `count(t)` over a table of the server reached at `url`: what the script printed.
    func count(_ url: String) -> String {
        GoldenHarness.run(text: "t = load \"\(url)\" table \"golden_tiny\"\ncount(t)\n", asScriptAt: GoldenTests.root + "/tls.funnel", relativeTo: GoldenTests.root)
    }

    static var otherCA: String { (rootCertificate ?? "").replacingOccurrences(of: "/ca.crt", with: "/other-ca.crt") }

    @Test(.enabled(if: DatabaseTLSTests.enabled)) func requireEncryptsWithoutChecking() throws {
        try DatabaseGoldenTests.prepare()
        let out = count(Self.address("sslmode=require"))
        #expect(out.contains("count(t) = "), "\(out)")
        #expect(!out.contains("-- exit"), "\(out)")
    }

    @Test(.enabled(if: DatabaseTLSTests.enabled)) func verifyCAAcceptsTheServersCA() throws {
        try DatabaseGoldenTests.prepare()
        let out = count(Self.address("sslmode=verify-ca&sslrootcert=\(Self.rootCertificate ?? "")"))
        #expect(out.contains("count(t) = "), "\(out)")
    }

    @Test(.enabled(if: DatabaseTLSTests.enabled)) func verifyCARefusesAnotherCA() {
        let out = count(Self.address("sslmode=verify-ca&sslrootcert=\(Self.otherCA)"))
        #expect(out.contains("the server's certificate was not accepted (sslmode=verify-ca)"), "\(out)")
        #expect(out.contains("tls.funnel:1:5"), "\(out)")
        #expect(out.hasSuffix("-- exit 69 --\n"), "\(out)")
    }

    @Test(.enabled(if: DatabaseTLSTests.enabled)) func verifyFullWantsTheHostsName() throws {
        try DatabaseGoldenTests.prepare()
        // The certificate names localhost, not 127.0.0.1.
        let byAddress = count(Self.address("sslmode=verify-full&sslrootcert=\(Self.rootCertificate ?? "")"))
        #expect(byAddress.contains("the server's certificate was not accepted (sslmode=verify-full)"), "\(byAddress)")
        #expect(byAddress.contains("name the host 127.0.0.1"), "\(byAddress)")
        #expect(byAddress.hasSuffix("-- exit 69 --\n"), "\(byAddress)")
        let byName = count(Self.address(host: "localhost", "sslmode=verify-full&sslrootcert=\(Self.rootCertificate ?? "")"))
        #expect(byName.contains("count(t) = "), "\(byName)")
    }

    @Test(.enabled(if: DatabaseTLSTests.enabled)) func aMissingRootCertificateFileIsSaid() {
        let out = count(Self.address("sslmode=verify-full&sslrootcert=/nonexistent/root.crt"))
        #expect(out.contains("cannot read the root certificates /nonexistent/root.crt"), "\(out)")
        #expect(!out.contains("count(t) = "), "\(out)")
    }
}
