// What crosses the connection: the SQL each statement sends over a database table (`explain sql`),
// so that a statement answered in memory by fetching whole columns is caught even when its
// output is right.
@testable import FunnelPostgres
import Testing

struct DatabasePushdownTests {
    static var enabled: Bool { DatabaseErrorTests.url != nil }

    static let setUp = """
        leads = load env("FUNNEL_TEST_DATABASE") table "golden_leads" time created_at
        rule mql = score >= 60
        deals = load env("FUNNEL_TEST_DATABASE") table "golden_deals"
        hot = leads where mql
        funnel inbound on leads {
          leads     at created_at
          mqls      at mql_at where mql optional
          sqls      at sql_at
          customers at customer_at
          revenue   sum(revenue)
        }

        """

    /// The queries `explain sql STATEMENT` says the statement sends.
    /// `setUp`: more definitions before it.
    func sent(_ statement: String, setUp more: String = "") throws -> [String] {
        try DatabaseGoldenTests.prepare()
        let out = GoldenHarness.run(text: Self.setUp + more + "explain sql " + statement + "\n", asScriptAt: GoldenTests.root + "/sent.funnel", relativeTo: GoldenTests.root)
        #expect(!out.contains("error"), "\(out)")
        return out.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { $0.contains("select") }
    }

    /// A query that reads whole columns in table order (what a statement in memory fetches).
    static func readsWholeColumns(_ sql: String) -> Bool {
        sql.hasSuffix("order by ctid") && !sql.contains("row_number")
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func aViewKeepsItsRowsOnTheServer() throws {
        let filter = try sent("won = leads where mql and country == \"DE\"")
        #expect(filter.count == 1 && filter[0].contains("where funnel_kept"), "\(filter)")
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func listedRowsAreFetchedByPosition() throws {
        for statement in ["hot", "hot sort score desc top 3 select id, score", "hot select id, per = score / employees"] {
            let queries = try sent(statement)
            #expect(!queries.isEmpty, "\(statement)")
            for sql in queries {
                #expect(!Self.readsWholeColumns(sql), "\(statement): \(sql)")
                #expect(sql.contains("= any("), "\(statement): \(sql)")
            }
        }
        // Only the columns read: the sort reads score, the select id and score.
        let sorted = try sent("hot sort score desc top 3 select id, score")
        #expect(sorted.allSatisfy { !$0.contains("\"title\"") }, "\(sorted)")
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func funnelStatementsSendOneQueryOfCounts() throws {
        for statement in ["inbound", "inbound by source", "demand inbound by source", "health inbound", "decay inbound.mqls after 30 days",
                          "bottleneck inbound", "inbound cohort by month", "velocity inbound by source",
                          "what if mql = score >= 70 in inbound", "stuck inbound.mqls after 30 days"] {
            let queries = try sent(statement)
            #expect(!queries.isEmpty, "\(statement)")
            for sql in queries { #expect(!Self.readsWholeColumns(sql), "\(statement): \(sql)") }
            // The as-of check (once per session), bottleneck's months, what-if's second funnel and
            // the rows stuck lists are queries of their own.
            #expect(queries.count <= 2, "\(statement): \(queries.count) queries")
        }
        #expect(try sent("demand inbound by source").count <= 2)
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func aSortedTopOfATableIsOrderedOnTheServer() throws {
        let queries = try sent("leads sort score desc top 3 select id, score")
        #expect(queries.contains { $0.contains("order by funnel_key0 desc nulls last, funnel_n limit 3") }, "\(queries)")
        for sql in queries { #expect(!Self.readsWholeColumns(sql), "\(sql)") }
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func figuresOverAViewAreSummedOnTheServer() throws {
        for statement in ["sum(hot.revenue)", "count(hot) by source", "median(hot.score)"] {
            let queries = try sent(statement)
            let figure = queries.filter { !$0.contains("\"late\"") }
            #expect(figure.count == 1, "\(statement): \(queries)")
            #expect(figure.allSatisfy { $0.contains("from golden_leads where") && !$0.contains("row_number") }, "\(statement): \(figure)")
        }
    }

    @Test(.enabled(if: DatabasePushdownTests.enabled)) func aLinkIsCountedOnTheServer() throws {
        let queries = try sent("link deals.contact_id -> leads.id")
        #expect(queries.count == 1 && queries[0].contains("not exists"), "\(queries)")
        for sql in queries { #expect(!Self.readsWholeColumns(sql), "\(sql)") }
    }

    static let linked = """
        link deals.contact_id -> leads.id
        rule won_deal = stage == "won"
        funnel closing on leads {
          leads at created_at
          won   at closed_at where count(deals where won_deal) > 0
        }
        funnel deal_path on deals {
          deals at closed_at
          won   at closed_at where won_deal
        }
        dealt = leads where has deals

        """

    /// Reading a linked table (its columns, its rows' aggregates, `has`) joins it on the server:
    /// neither table's columns nor the link's keys are fetched.
    @Test(.enabled(if: DatabasePushdownTests.enabled)) func readingThroughLinksRunsOnTheServer() throws {
        for statement in ["count(deals) by leads.country", "sum(deals.amount where won_deal) by source", "count(leads where has deals)",
                          "closing", "closing by country", "deal_path by leads.source", "velocity closing", "closing where has deals",
                          "x = leads where count(deals) > 1", "hot where has deals select id, deals = count(deals), first = closed_at",
                          "dealt by country select n = count(), won = count(where count(deals where won_deal) > 0)"] {
            let queries = try sent(statement, setUp: Self.linked)
            #expect(!queries.isEmpty, "\(statement)")
            #expect(queries.contains { $0.contains("left join") }, "\(statement): \(queries)")
            for sql in queries { #expect(!Self.readsWholeColumns(sql), "\(statement): \(sql)") }
        }
    }

    /// `demand` with `orders`: the promoters and the orders' amount of the customers are counted
    /// by the server with the funnel, not read from the orders' rows.
    @Test(.enabled(if: DatabasePushdownTests.enabled)) func demandWithOrdersIsCountedOnTheServer() throws {
        try DatabaseGoldenTests.prepare()
        let out = GoldenHarness.run(text: """
            leads = load env("FUNNEL_TEST_DATABASE") table "golden_funnel_leads" time created_at
            orders = load env("FUNNEL_TEST_DATABASE") table "golden_funnel_orders"
            link orders.contact_id -> leads.id
            funnel f on leads {
              leads     at created_at
              customers at customer_at
              orders    orders.amount
            }
            explain sql demand f by source

            """, asScriptAt: GoldenTests.root + "/orders.funnel", relativeTo: GoldenTests.root)
        let queries = out.components(separatedBy: ";\n").filter { $0.contains("select") }
        #expect(queries.count == 2, "\(out)")
        #expect(queries.contains { $0.contains("filter (where h1)") && $0.contains("left join") }, "\(out)")
        for sql in queries { #expect(!Self.readsWholeColumns(sql.trimmingCharacters(in: .whitespacesAndNewlines)), "\(sql)") }
    }

    /// Columns named like the numbering's own names (n, total, kept) do not take their place.
    @Test(.enabled(if: DatabasePushdownTests.enabled)) func columnsNamedLikeTheNumbering() throws {
        guard let url = DatabaseErrorTests.url else { return }
        let address = try DatabaseAddress.parse(url, environment: ["PGPASSWORD": "funnel-test"], passwordFile: nil)
        let connection = DatabaseConnections.shared.connection(to: address)
        for statement in ["drop table if exists numbering_names", "create table numbering_names (n int, total int, kept text)",
                          "insert into numbering_names values (3, 30, 'c'), (1, 10, 'a'), (2, 20, null), (5, 50, 'e')"] {
            _ = try connection.scalarRows(statement, isCancelled: { false })
        }
        let out = GoldenHarness.run(text: """
            t = load env("FUNNEL_TEST_DATABASE") table "numbering_names"
            v = t where n >= 2
            v sort total desc select n, total, kept
            t sort n top 2 select n, kept
            sum(v.total)

            """, asScriptAt: GoldenTests.root + "/numbering.funnel", relativeTo: GoldenTests.root, format: .csv)
        #expect(out == "n,total,kept\n5,50,e\n3,30,c\n2,20,\nn,kept\n1,a\n2,\nname,value\nsum(v.total),100\n", "\(out)")
    }
}
