// Reading database addresses as libpq tools do: URL parts, then the environment, then ~/.pgpass.
import Testing
@testable import FunnelPostgres

@Suite struct DatabaseAddressTests {
    @Test func urlGivesEveryPart() throws {
        let a = try DatabaseAddress.parse("postgresql://analyst@db.example.com:6543/crm?sslmode=require", environment: [:], passwordFile: nil)
        #expect(a.host == "db.example.com")
        #expect(a.port == 6543)
        #expect(a.user == "analyst")
        #expect(a.database == "crm")
        #expect(a.tls == .require)
        #expect(a.password == nil)
        #expect(!a.passwordInURL)
        #expect(a.redacted == "postgresql://analyst@db.example.com:6543/crm")
    }

    @Test func environmentFillsWhatTheURLLeavesOut() throws {
        let env = ["PGHOST": "10.0.0.5", "PGPORT": "5433", "PGUSER": "ro", "PGDATABASE": "warehouse", "PGPASSWORD": "s3cret"]
        let a = try DatabaseAddress.parse("postgresql://", environment: env, passwordFile: nil)
        #expect(a.host == "10.0.0.5")
        #expect(a.port == 5433)
        #expect(a.user == "ro")
        #expect(a.database == "warehouse")
        #expect(a.password == "s3cret")
        // The user defaults to the database name's fallback: the database is the user's name.
        let b = try DatabaseAddress.parse("postgres://me@localhost", environment: [:], passwordFile: nil)
        #expect(b.database == "me")
        #expect(b.port == 5432)
    }

    @Test func passwordInURLIsDecodedAndFlagged() throws {
        let a = try DatabaseAddress.parse("postgresql://bob:p%40ss%3Aword@[::1]:5432/db", environment: ["PGPASSWORD": "other"], passwordFile: nil)
        #expect(a.password == "p@ss:word")
        #expect(a.passwordInURL)
        #expect(a.host == "::1")
        #expect(!a.redacted.contains("p@ss"))
        #expect("postgresql://bob:p%40ss@h/db".redactingPassword == "postgresql://bob:***@h/db")
    }

    @Test func passwordFileMatchesFieldByField() throws {
        let file = """
        # comment
        otherhost:5432:*:analyst:wrong
        127.0.0.1:5432:crm:analyst:right\\:one
        *:*:*:*:fallback
        """
        let a = try DatabaseAddress.parse("postgresql://analyst@127.0.0.1/crm", environment: [:], passwordFile: file)
        #expect(a.password == "right:one")
        let b = try DatabaseAddress.parse("postgresql://someone@elsewhere/x", environment: [:], passwordFile: file)
        #expect(b.password == "fallback")
        // PGPASSWORD comes before the file, as in libpq.
        let c = try DatabaseAddress.parse("postgresql://analyst@127.0.0.1/crm", environment: ["PGPASSWORD": "env"], passwordFile: file)
        #expect(c.password == "env")
    }

    @Test func badAddressesAreErrorsNotTraps() {
        for bad in ["mysql://x@y/z", "postgresql://a@h:99999/db", "postgresql://a@h:port/db", "postgresql://a@[::1/db",
                    "postgresql://a@h/db?sslmode=sometimes", "postgresql://a@h/db?color=blue", "postgresql://a%zz@h/db", "postgresql://%"] {
            #expect(throws: DatabaseError.self, "\(bad)") { try DatabaseAddress.parse(bad, environment: [:], passwordFile: nil) }
        }
    }

    @Test func sqlTextQuotes() {
        #expect(SQLText.literal("it's") == "'it''s'")
        #expect(SQLText.identifier("Lead \"Source\"") == "\"Lead \"\"Source\"\"\"")
    }

    @Test func sslModesAsLibpqReadsThem() throws {
        for (mode, expected) in [("disable", DatabaseAddress.TLSMode.disable), ("allow", .prefer), ("prefer", .prefer), ("require", .require),
                                 ("verify-ca", .verifyCA), ("verify-full", .verifyFull)] {
            #expect(try DatabaseAddress.parse("postgresql://a@h/db?sslmode=\(mode)", environment: [:], passwordFile: nil).tls == expected)
            #expect(try DatabaseAddress.parse("postgresql://a@h/db", environment: ["PGSSLMODE": mode], passwordFile: nil).tls == expected)
        }
        // The URL's sslmode wins over the environment's.
        #expect(try DatabaseAddress.parse("postgresql://a@h/db?sslmode=disable", environment: ["PGSSLMODE": "verify-full"], passwordFile: nil).tls == .disable)
        #expect(throws: DatabaseError.self) { try DatabaseAddress.parse("postgresql://a@h/db", environment: ["PGSSLMODE": "sometimes"], passwordFile: nil) }
    }

    @Test func rootCertificatesFromTheURLOrTheEnvironment() throws {
        let fromURL = try DatabaseAddress.parse("postgresql://a@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem", environment: ["PGSSLROOTCERT": "/env/ca.pem"], passwordFile: nil)
        #expect(fromURL.rootCertificates == "/etc/ca.pem")
        let fromEnvironment = try DatabaseAddress.parse("postgresql://a@h/db?sslmode=verify-ca", environment: ["PGSSLROOTCERT": "/env/ca.pem"], passwordFile: nil)
        #expect(fromEnvironment.rootCertificates == "/env/ca.pem")
        // No ~/.postgresql/root.crt under this home: the system's roots.
        let none = try DatabaseAddress.parse("postgresql://a@h/db?sslmode=verify-ca", environment: ["HOME": "/nonexistent"], passwordFile: nil)
        #expect(none.rootCertificates == nil)
    }
}
