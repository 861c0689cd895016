import FunnelEngine
import Synchronization

/// Writes a plan as one PostgreSQL query with the same answer as the in-memory engine, or says
/// it cannot (nil): a construct whose meaning could differ on the server (a `%` of decimals, a
/// regular expression beyond the common core, a link to a table in memory) is answered in memory
/// instead, from the columns it reads. What is written keeps funnel's rules: three-valued logic,
/// `/` in decimals with x/0 null, text compared byte by byte (`collate "C"`), groups in ascending
/// key order with nulls last.
public struct SQLCompiler {
    let catalog: Catalog

    /// What plans may be sent over: the database table each relation stands for, the condition
    /// that chose a view's rows, and what the session's links found (rows along a link are
    /// joined on the server only when their meaning there is the in-memory one).
    public struct Catalog: Sendable {
        var tables: [String: DatabaseTable]
        /// For a relation that is a view of its table, the condition that chose its rows.
        var rowConditions: [String: PlanExpression]
        /// For a relation that is a few rows of its table chosen in memory: their positions in
        /// the table's order (ascending, each once).
        var rowPositions: [String: [Int32]] = [:]
        var links: [LinkStep: Link]

        init(tables: [String: DatabaseTable], rowConditions: [String: PlanExpression] = [:], links: [LinkStep: Link] = [:]) {
            self.tables = tables
            self.rowConditions = rowConditions
            self.links = links
        }
    }

    public struct Compiled: Sendable {
        public var sql: String
        /// The result's column types, to give an empty result its columns.
        public var types: [(name: String, type: ColumnType)]
        /// Averages sent as a sum and a count (the column after it in the query's results) and
        /// divided here as the in-memory engine divides: their result column, and whether the
        /// values are whole numbers.
        public var averages: [(column: Int, integer: Bool)] = []
        /// Columns read from the first of several linking rows, for the note that says so.
        var linkReads: [LinkRead] = []
        /// Over rows named by position: the rows meant and the table's row count then. The
        /// query's last three columns are then the rows counted and the least and greatest
        /// row count the server numbered them in, to be checked and dropped.
        var positionsChecked: (rows: Int, tableRows: Int)? = nil
    }

    /// A compiled expression: its SQL and the type of its values (nil: the null constant).
    struct Typed {
        var sql: String
        var type: ColumnType?
        /// For a `numeric` column: its exact values (NaN as null), which sums read instead of
        /// the doubles `sql` gives.
        var exact: String? = nil

        /// The values as `numeric`, to be summed exactly.
        var numeric: String { exact ?? "(\(sql))::numeric" }
    }

    /// The longest query sent: rules built on rules can repeat a shared expression in each use.
    static let maxLength = 1 << 20

    func compile(_ plan: LogicalPlan) -> Compiled? {
        guard case .aggregate(let input, let keys, let measures) = plan else { return nil }
        guard let frame = Frame(input, catalog: catalog) else { return nil }
        var select: [String] = []
        var types: [(String, ColumnType)] = []
        var groupBy: [String] = []
        var orderBy: [String] = []
        for key in keys {
            guard var typed = frame.expression(key.expression) else { return nil }
            if let unit = key.period {
                guard typed.type?.isTemporal == true else { return nil }
                typed = Typed(sql: Self.truncate(typed.sql, unit), type: .date)
            }
            guard let type = typed.type else { return nil }
            select.append("\(typed.sql) as \(SQLText.identifier(key.name))")
            types.append((key.name, type))
            groupBy.append(String(select.count))
            orderBy.append(type == .text ? "\(typed.sql) collate \"C\" nulls last" : "\(select.count) nulls last")
        }
        var averages: [(column: Int, integer: Bool)] = []
        for measure in measures {
            var filter = ""
            if let f = measure.filter {
                guard let condition = frame.expression(f), condition.type == .boolean || condition.type == nil else { return nil }
                filter = " filter (where \(condition.sql))"
            }
            if measure.function == .avg {
                guard let argument = measure.argument, let value = frame.expression(argument), let type = value.type, type.isNumeric else { return nil }
                averages.append((types.count, type == .integer))
                select.append("(sum(\(type == .integer ? value.sql : value.numeric))\(filter))::float8 as \(SQLText.identifier(measure.name))")
                select.append("count(\(value.sql))\(filter) as \(SQLText.identifier(measure.name + " count"))")
                types.append((measure.name, .decimal))
                continue
            }
            guard let (sql, type) = frame.aggregate(measure, filter: filter) else { return nil }
            select.append("\(sql) as \(SQLText.identifier(measure.name))")
            types.append((measure.name, type))
        }
        if frame.positions != nil {
            select += ["count(*)", "min(funnel_total)", "max(funnel_total)"]
        }
        var sql = "select \(select.joined(separator: ", ")) from \(frame.from)"
        if !frame.conditions.isEmpty { sql += " where " + frame.conditions.map { "(\($0))" }.joined(separator: " and ") }
        if !groupBy.isEmpty {
            sql += " group by \(groupBy.joined(separator: ", "))"
            sql += " order by " + orderBy.joined(separator: ", ")
        }
        guard sql.utf8.count <= Self.maxLength else { return nil }
        var compiled = Compiled(sql: sql, types: types)
        compiled.averages = averages
        compiled.linkReads = frame.joins.reads
        if let positions = frame.positions { compiled.positionsChecked = (positions.count, frame.table.rowCount) }
        return compiled
    }

    static func truncate(_ sql: String, _ unit: DateUnit) -> String {
        switch unit {
        case .day: return "(\(sql))::date"
        case .week: return "date_trunc('week', \(sql))::date"
        case .month: return "date_trunc('month', \(sql))::date"
        case .quarter: return "date_trunc('quarter', \(sql))::date"
        case .year: return "date_trunc('year', \(sql))::date"
        }
    }

    /// The rows of one database table a plan aggregates: its filters, its derived columns
    /// written in place where they are used, and the rows of other tables its expressions read
    /// along links (joined as they are compiled).
    struct Frame: Sendable {
        var table: DatabaseTable
        let catalog: Catalog
        var conditions: [String] = []
        var derived: [String: Typed] = [:]
        /// The relations whose columns a join brought in, by name.
        var joined: [String: Joined] = [:]
        /// The joins the expressions needed so far; shared by the frame's copies.
        private(set) var joins: JoinClauses
        /// For rows named by position, those positions (`Catalog.rowPositions`).
        private(set) var positions: [Int32]? = nil
        var from: String {
            guard positions != nil else { return table.fromClause + joins.sql }
            return "(\(table.numberedRows(["*"]))) as funnel_rows" + joins.sql
        }

        /// A relation joined along a link: its alias in the query, its table, and how its rows
        /// were found.
        struct Joined: Sendable {
            var alias: String
            var table: DatabaseTable
            var join: LinkJoin
            /// For a join against the link: the rows of this table with several linking rows.
            var severalLinking: Int
        }

        init?(_ plan: LogicalPlan, catalog: Catalog) {
            switch plan {
            case .scan(let name, _):
                guard let table = catalog.tables[name] else { return nil }
                self.table = table
                self.catalog = catalog
                joins = JoinClauses()
                if let positions = catalog.rowPositions[name] {
                    guard case .relation = table.source, !table.columns.contains(where: { $0.name == "funnel_n" || $0.name == "funnel_total" }) else { return nil }
                    self.positions = positions
                    conditions.append("funnel_n = any('{" + positions.map { String($0) }.joined(separator: ",") + "}'::int8[])")
                }
                if let rows = catalog.rowConditions[name] {
                    guard let typed = expression(rows), typed.type == .boolean || typed.type == nil else { return nil }
                    conditions.append(typed.sql)
                }
            case .join(let input, let join):
                guard var frame = Frame(input, catalog: catalog) else { return nil }
                // The first join to a relation serves, as in memory.
                if frame.joined[join.relation] == nil {
                    guard let joined = frame.joinAlong(join) else { return nil }
                    frame.joined[join.relation] = joined
                }
                self = frame
            case .filter(let input, let condition):
                guard var frame = Frame(input, catalog: catalog), let typed = frame.expression(condition),
                      typed.type == .boolean || typed.type == nil else { return nil }
                frame.conditions.append(typed.sql)
                self = frame
            case .derive(let input, let name, let expression):
                guard var frame = Frame(input, catalog: catalog), let typed = frame.expression(expression) else { return nil }
                frame.derived[name] = typed
                self = frame
            case .aggregate, .sort, .limit:
                return nil
            }
        }

        // MARK: Rows along links

        /// A link key as both sides compare it: whole numbers, or text byte by byte (as the
        /// in-memory link matches them); nil for another type.
        static func key(_ column: String, of table: DatabaseTable) -> Typed? {
            guard let type = table.type(of: column), type.keptType == .integer || type.keptType == .text else { return nil }
            let sql = type.selectExpression(SQLText.identifier(column))
            return Typed(sql: type.keptType == .text ? "(\(sql)) collate \"C\"" : sql, type: type.keptType)
        }

        static func same(_ a: DatabaseTable, _ b: DatabaseTable) -> Bool {
            a.connection === b.connection && a.source == b.source
        }

        /// The keys of `link` on this frame's table and on `other`'s, when this frame's rows are
        /// those of `mine` (a relation of the link) and both are keys the server compares as
        /// funnel does. The names a join brings in start with `funnel_j`: a table with such a
        /// column of its own is not joined (its columns are named unqualified).
        private func keys(mine: (relation: String, column: String), other: (relation: String, column: String), otherTable: DatabaseTable) -> (mine: Typed, other: Typed)? {
            guard let myTable = catalog.tables[mine.relation], Self.same(myTable, table), otherTable.connection === table.connection,
                  let otherBase = catalog.tables[other.relation], Self.same(otherBase, otherTable),
                  !table.columns.contains(where: { $0.name.hasPrefix("funnel_j") }),
                  let myKey = Self.key(mine.column, of: table), let otherKey = Self.key(other.column, of: otherTable), myKey.type == otherKey.type else { return nil }
            return (myKey, otherKey)
        }

        /// Joins the columns of `join.relation` into each row: along the link, the row its key
        /// reaches (the first of a key that appears more than once, in table order); against
        /// it, the first linking row in table order (only where the link's keys are unique, as
        /// the in-memory join then reads).
        private func joinAlong(_ join: LinkJoin) -> Joined? {
            guard let link = catalog.links[join.link], let other = catalog.tables[join.relation] else { return nil }
            let step = join.link
            let toOne = join.direction == .toOne
            guard let keys = toOne ? keys(mine: (step.fromTable, step.fromColumn), other: (step.toTable, step.toColumn), otherTable: other)
                                   : keys(mine: (step.toTable, step.toColumn), other: (step.fromTable, step.fromColumn), otherTable: other) else { return nil }
            var severalLinking = 0
            if !toOne {
                guard link.duplicateKeys == 0, let several = link.severalLinking else { return nil }
                severalLinking = several
            }
            // Which of several rows is the first needs the table's order (a query has none).
            let unique = toOne && link.duplicateKeys == 0
            if !unique, case .query = other.source { return nil }
            let alias = joins.add { a in
                var list = ["\(keys.other.sql) as \(a)_k"]
                for (i, column) in other.columns.enumerated() {
                    let quoted = SQLText.identifier(column.name)
                    list.append("\(column.type.selectExpression(quoted)) as \(a)_c\(i)")
                    if column.type.oid == 1700 { list.append("nullif(\(quoted), 'NaN'::numeric) as \(a)_x\(i)") }
                }
                let rows = unique
                    ? "select \(list.joined(separator: ", ")) from \(other.fromClause)"
                    : "select distinct on (\(a)_k) \(list.joined(separator: ", ")) from \(other.fromClause) where \(keys.other.sql) is not null order by \(a)_k, ctid"
                return "left join (\(rows)) as \(a) on \(a).\(a)_k = \(keys.mine.sql)"
            }
            return Joined(alias: alias, table: other, join: join, severalLinking: severalLinking)
        }

        /// A column a join brought in; reading one from the first of several linking rows is noted.
        private func joinedColumn(_ ref: ColumnRef, of relation: String) -> Typed? {
            guard let joined = joined[relation], let i = joined.table.columns.firstIndex(where: { $0.name == ref.name }) else { return nil }
            let column = joined.table.columns[i]
            if joined.severalLinking > 0 {
                joins.read(LinkRead(link: joined.join.link, column: ref.name, severalLinking: joined.severalLinking))
            }
            let a = joined.alias
            return Typed(sql: "\(a).\(a)_c\(i)", type: column.type.keptType, exact: column.type.oid == 1700 ? "\(a).\(a)_x\(i)" : nil)
        }

        /// Per row, an aggregate of the rows that link to it (`count(deals)` on leads), grouped
        /// by key on the server; only where the link's keys are unique (else only the first row
        /// of a key has linking rows, in memory).
        private func linkedAggregate(_ aggregate: LinkedAggregate) -> Typed? {
            let step = aggregate.link
            guard aggregate.function != .avg, let link = catalog.links[step], link.duplicateKeys == 0,
                  let inner = Frame(aggregate.rows, catalog: catalog),
                  let keys = keys(mine: (step.toTable, step.toColumn), other: (step.fromTable, step.fromColumn), otherTable: inner.table) else { return nil }
            let value: String, type: ColumnType
            if let argument = aggregate.argument {
                guard let typed = inner.expression(argument), let (sql, t) = Self.aggregate(aggregate.function, of: typed, filter: "") else { return nil }
                (value, type) = (sql, t)
            } else {
                guard aggregate.function == .countRows else { return nil }
                (value, type) = ("count(*)", .integer)
            }
            let conditions = (inner.conditions + ["\(keys.other.sql) is not null"]).map { "(\($0))" }.joined(separator: " and ")
            let alias = joins.add { a in
                "left join (select \(keys.other.sql) as \(a)_k, \(value) as \(a)_v from \(inner.from) where \(conditions) group by 1) as \(a) on \(a).\(a)_k = \(keys.mine.sql)"
            }
            joins.take(inner.joins.reads)
            let counts = [AggregateFunction.countRows, .count, .countDistinct].contains(aggregate.function)
            return Typed(sql: counts ? "coalesce(\(alias).\(alias)_v, 0)" : "\(alias).\(alias)_v", type: type)
        }

        /// Per row, whether a row of `rows` is linked with it; only where the link's keys are
        /// unique (else only the first row of a key counts as linked, in memory).
        private func linkedExists(_ rows: LogicalPlan, _ step: LinkStep, towardThisRow: Bool) -> Typed? {
            guard let link = catalog.links[step], link.duplicateKeys == 0, let inner = Frame(rows, catalog: catalog) else { return nil }
            let found = towardThisRow
                ? keys(mine: (step.toTable, step.toColumn), other: (step.fromTable, step.fromColumn), otherTable: inner.table)
                : keys(mine: (step.fromTable, step.fromColumn), other: (step.toTable, step.toColumn), otherTable: inner.table)
            guard let keys = found else { return nil }
            let conditions = (inner.conditions + ["\(keys.other.sql) is not null"]).map { "(\($0))" }.joined(separator: " and ")
            let alias = joins.add { a in
                "left join (select distinct \(keys.other.sql) as \(a)_k from \(inner.from) where \(conditions)) as \(a) on \(a).\(a)_k = \(keys.mine.sql)"
            }
            joins.take(inner.joins.reads)
            return Typed(sql: "(\(alias).\(alias)_k is not null)", type: .boolean)
        }

        func aggregate(_ measure: Measure, filter: String) -> (String, ColumnType)? {
            if measure.function == .countRows { return ("count(*)\(filter)", .integer) }
            guard let argument = measure.argument, let value = expression(argument) else { return nil }
            return Self.aggregate(measure.function, of: value, filter: filter)
        }

        /// An aggregate of values (SQL with its type) over the rows `filter` keeps (a `filter
        /// (where …)` clause, or empty); nil when it has no SQL form with the in-memory meaning.
        static func aggregate(_ function: AggregateFunction, of value: Typed, filter: String) -> (String, ColumnType)? {
            guard let type = value.type else { return nil }
            let text = type == .text ? " collate \"C\"" : ""
            switch function {
            case .countRows: return ("count(*)\(filter)", .integer)
            case .count: return ("count(\(value.sql))\(filter)", .integer)
            case .countDistinct: return ("count(distinct \(value.sql)\(text))\(filter)", .integer)
            case .sum:
                guard type.isNumeric else { return nil }
                // Decimals summed exactly (numeric), then rounded once: the in-memory sum is
                // compensated and settles on the same shortest decimal.
                return type == .integer ? ("(sum(\(value.sql))\(filter))::int8", .integer) : ("(sum(\(value.numeric))\(filter))::float8", .decimal)
            case .avg:
                // Sent as a sum and a count, divided as the in-memory engine divides (`compile`).
                return nil
            case .min, .max:
                guard type != .boolean else { return nil }
                let f = function == .min ? "min" : "max"
                return ("\(f)(\(value.sql)\(text))\(filter)", type)
            case .median:
                guard type.isNumeric else { return nil }
                return ("percentile_cont(0.5) within group (order by \(value.sql))\(filter)", .decimal)
            case .percentile(let q):
                guard type.isNumeric, q.isFinite else { return nil }
                return ("percentile_cont(\(min(max(q, 0), 1))) within group (order by \(value.sql))\(filter)", .decimal)
            }
        }

        func expression(_ e: PlanExpression) -> Typed? {
            switch e {
            case .origin(_, let inner), .shared(_, let inner):
                return expression(inner)
            case .constant(let v):
                return Self.constant(v)
            case .column(let ref):
                if let relation = ref.relation { return joinedColumn(ref, of: relation) }
                if let d = derived[ref.name] { return d }
                guard let type = table.type(of: ref.name) else { return nil }
                let quoted = SQLText.identifier(ref.name)
                return Typed(sql: type.selectExpression(quoted), type: type.keptType, exact: type.oid == 1700 ? "nullif(\(quoted), 'NaN'::numeric)" : nil)
            case .unary(let op, let a):
                guard let x = expression(a) else { return nil }
                switch op {
                case .not:
                    guard x.type == .boolean || x.type == nil else { return nil }
                    return Typed(sql: "(not \(x.sql))", type: .boolean)
                case .negate:
                    guard x.type?.isNumeric ?? true else { return nil }
                    return Typed(sql: "(-\(x.sql))", type: x.type ?? .integer)
                }
            case .binary(let op, let a, let b):
                guard let x = expression(a), let y = expression(b) else { return nil }
                return binary(op, x, y)
            case .match(let a, let pattern, let negated):
                guard let x = expression(a), x.type == .text || x.type == nil, SQLCompiler.isPortable(pattern) else { return nil }
                return Typed(sql: "(\(x.sql) \(negated ? "!~*" : "~*") \(SQLText.literal(pattern)))", type: .boolean)
            case .isNull(let a, let negated):
                guard let x = expression(a) else { return nil }
                return Typed(sql: "(\(x.sql) is \(negated ? "not " : "")null)", type: .boolean)
            case .function(let f, let args):
                var typed: [Typed] = []
                for arg in args {
                    guard let t = expression(arg) else { return nil }
                    typed.append(t)
                }
                return function(f, typed)
            case .linkedAggregate(let aggregate):
                return linkedAggregate(aggregate)
            case .linkedExists(let rows, let link, let towardThisRow):
                return linkedExists(rows, link, towardThisRow: towardThisRow)
            }
        }

        static func constant(_ v: Value) -> Typed? {
            switch v {
            case .null: return Typed(sql: "null", type: nil)
            case .integer(let i): return Typed(sql: "(\(i))::int8", type: .integer)
            case .decimal(let d):
                guard d.isFinite else { return nil }
                return Typed(sql: "(\(d))::float8", type: .decimal)
            case .boolean(let b): return Typed(sql: b ? "true" : "false", type: .boolean)
            case .text(let s):
                guard !s.utf8.contains(0) else { return nil }
                return Typed(sql: SQLText.literal(s), type: .text)
            case .date(let d):
                return Typed(sql: "(date '1970-01-01' + (\(d))::int4)", type: .date)
            case .timestamp(let t):
                return Typed(sql: "(timestamp '1970-01-01' + make_interval(secs => \(t)))", type: .timestamp)
            }
        }

        func binary(_ op: BinaryOperator, _ x: Typed, _ y: Typed) -> Typed? {
            let xt = x.type, yt = y.type
            switch op {
            case .and, .or:
                guard xt == .boolean || xt == nil, yt == .boolean || yt == nil else { return nil }
                return Typed(sql: "(\(x.sql) \(op == .and ? "and" : "or") \(y.sql))", type: .boolean)
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
                let sqlOp: String
                switch op {
                case .equal: sqlOp = "="
                case .notEqual: sqlOp = "<>"
                case .less: sqlOp = "<"
                case .lessEqual: sqlOp = "<="
                case .greater: sqlOp = ">"
                default: sqlOp = ">="
                }
                if xt == nil || yt == nil { return Typed(sql: "(null::boolean)", type: .boolean) }
                guard let xt, let yt else { return nil }
                if xt.isNumeric && yt.isNumeric {
                    let mixed = xt != yt
                    return Typed(sql: "(\(mixed ? "(\(x.sql))::float8" : x.sql) \(sqlOp) \(mixed ? "(\(y.sql))::float8" : y.sql))", type: .boolean)
                }
                if xt.isTemporal && yt.isTemporal {
                    return Typed(sql: "(\(x.sql) \(sqlOp) \(y.sql))", type: .boolean)
                }
                if xt == .text && yt == .text {
                    return Typed(sql: "(\(x.sql) collate \"C\" \(sqlOp) \(y.sql) collate \"C\")", type: .boolean)
                }
                if xt == .boolean && yt == .boolean {
                    return Typed(sql: "(\(x.sql) \(sqlOp) \(y.sql))", type: .boolean)
                }
                return nil
            case .add, .subtract, .multiply:
                guard let xt, let yt else { return nil }
                let sqlOp = op == .add ? "+" : op == .subtract ? "-" : "*"
                if xt == .integer && yt == .integer { return Typed(sql: "(\(x.sql) \(sqlOp) \(y.sql))", type: .integer) }
                if xt.isNumeric && yt.isNumeric { return Typed(sql: "((\(x.sql))::float8 \(sqlOp) (\(y.sql))::float8)", type: .decimal) }
                if op == .subtract && xt.isTemporal && yt.isTemporal {
                    return Typed(sql: "((extract(epoch from (\(x.sql))::timestamp) - extract(epoch from (\(y.sql))::timestamp))::float8 / 86400)", type: .decimal)
                }
                return nil
            case .divide:
                guard let xt, let yt, xt.isNumeric, yt.isNumeric else { return nil }
                return Typed(sql: "((\(x.sql))::float8 / nullif((\(y.sql))::float8, 0))", type: .decimal)
            case .modulo, .match, .notMatch:
                return nil
            }
        }

        func function(_ f: RowFunction, _ args: [Typed]) -> Typed? {
            func one(_ type: ColumnType) -> Typed? {
                guard args.count == 1, args[0].type == type || args[0].type == nil else { return nil }
                return args[0]
            }
            switch f {
            case .lower, .upper:
                guard let a = one(.text) else { return nil }
                return Typed(sql: "\(f == .lower ? "lower" : "upper")(\(a.sql))", type: .text)
            case .trim:
                guard let a = one(.text) else { return nil }
                // Every character Swift counts as white space, as the in-memory trim does.
                let space = " \t\n\r\u{0B}\u{0C}\u{85}\u{A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}"
                return Typed(sql: "btrim(\(a.sql), \(SQLText.literal(space)))", type: .text)
            case .length:
                guard let a = one(.text) else { return nil }
                return Typed(sql: "length(\(a.sql))::int8", type: .integer)
            case .part(let part):
                guard args.count == 1, args[0].type?.isTemporal ?? true else { return nil }
                let field: String
                switch part {
                case .year: field = "year"
                case .quarter: field = "quarter"
                case .month: field = "month"
                case .week: field = "week"
                case .day: field = "day"
                case .dayOfWeek: field = "isodow"
                }
                return Typed(sql: "extract(\(field) from \(args[0].sql))::int8", type: .integer)
            case .truncate(let unit):
                guard args.count == 1, args[0].type?.isTemporal ?? true else { return nil }
                return Typed(sql: SQLCompiler.truncate(args[0].sql, unit), type: .date)
            case .inPeriod(let start, let end, _):
                guard args.count == 1, args[0].type?.isTemporal ?? true else { return nil }
                let s = Self.constant(.date(start))?.sql ?? "null", e = Self.constant(.date(end))?.sql ?? "null"
                return Typed(sql: "(\(args[0].sql) >= \(s) and \(args[0].sql) < \(e))", type: .boolean)
            case .coalesce:
                guard let type = args.compactMap(\.type).first, args.allSatisfy({ $0.type == type || $0.type == nil }) else { return nil }
                return Typed(sql: "coalesce(\(args.map(\.sql).joined(separator: ", ")))", type: type)
            case .abs:
                guard args.count == 1, let type = args[0].type, type.isNumeric else { return nil }
                return Typed(sql: "abs(\(args[0].sql))", type: type)
            case .monthNumber, .contains, .startsWith, .endsWith, .daysBetween, .round:
                return nil
            }
        }
    }

    /// Whether a pattern means the same to PostgreSQL's `~*` as to funnel's matcher: letters,
    /// digits, spaces and the operators both read alike (| ^ $ . * + ? ( ) [ ] - and \d \w \s).
    static func isPortable(_ pattern: String) -> Bool {
        var escaped = false
        for ch in pattern.unicodeScalars {
            if escaped {
                guard "dws".unicodeScalars.contains(ch) else { return false }
                escaped = false
                continue
            }
            if ch == "\\" { escaped = true; continue }
            if ch.properties.isAlphabetic || ("0"..."9").contains(ch) || " |^$.*+?()[]-_@,:/'&".unicodeScalars.contains(ch) { continue }
            return false
        }
        return !escaped
    }
}

/// A column read from the first of several rows that link to a row: said in a note, as the
/// in-memory join says it.
struct LinkRead: Sendable, Hashable {
    var link: LinkStep
    var column: String
    var severalLinking: Int
}

/// The joins a frame's expressions need, each once (a rule used twice joins its rows once),
/// and the columns read from the first of several linking rows.
final class JoinClauses: Sendable {
    private struct State {
        var clauses: [String] = []
        var aliasOf: [String: String] = [:]
        var reads: [LinkRead] = []
    }
    private let state = Mutex(State())

    /// The alias of the join `clause` writes for an alias (the same join twice: the first's).
    func add(_ clause: (String) -> String) -> String {
        let shape = clause("funnel_j")
        let known = state.withLock { $0.aliasOf[shape] }
        if let known { return known }
        return state.withLock { state in
            let alias = "funnel_j\(state.clauses.count)"
            state.clauses.append(clause(alias))
            state.aliasOf[shape] = alias
            return alias
        }
    }

    /// The joins, as they follow the frame's table in a FROM clause.
    var sql: String { state.withLock { $0.clauses.map { " " + $0 }.joined() } }

    func read(_ read: LinkRead) {
        state.withLock { if !$0.reads.contains(read) { $0.reads.append(read) } }
    }

    func take(_ reads: [LinkRead]) {
        for r in reads { read(r) }
    }

    var reads: [LinkRead] { state.withLock { $0.reads } }
}
