// A database's failures as the plan errors the language reports: the kind of failure is kept, so
// that a dropped connection during a KPI exits 69 as it does during a load, not 65.
import FunnelEngine
import Testing
@testable import FunnelPostgres

@Suite struct DatabaseBackendErrorTests {
    @Test func eachKindKeepsItsCause() {
        let cases: [(DatabaseError.Kind, PlanError.Cause)] = [
            (.unreachable, .unavailable), (.connectionLost, .unavailable), (.authentication, .permission),
            (.missing, .missing), (.cancelled, .cancelled), (.server, .data), (.badAddress, .data),
        ]
        for (kind, cause) in cases {
            #expect(DatabaseBackend.planError(DatabaseError(kind, "m"), table: nil).cause == cause, "\(kind)")
        }
    }

    @Test func aServerErrorKeepsItsSQLState() {
        let error = DatabaseBackend.planError(DatabaseError(.server, "division by zero", sqlState: "22012"), table: nil)
        #expect(error.message == "division by zero")
        #expect(error.notes == ["SQLSTATE 22012"])
    }
}
