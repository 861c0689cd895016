import FunnelEngine

/// What `demand F [by key]` reads besides the funnel: its groups, and the money sliced by the same keys.
public struct DemandInputs: Sendable {
    /// The group keys' names, and for a period key its unit (keys hold the period's first day).
    public var keyNames: [String]
    public var keyPeriods: [DateUnit?]
    public var keyOfGroup: [[Value]]
    /// Per row of the funnel's table, its group.
    public var groupOfRow: [Int32]
    /// By group key: spend, and revenue; nil when the funnel sets none.
    public var spend: [[Value]: Double]?
    public var revenue: [[Value]: Double]?
    /// Per row of the funnel's table, its linked orders and their amount (null: none); nil without `orders`.
    public var orderCounts: [Int64]?
    public var orderAmounts: Column?
    /// Said under the table (lift, what to add).
    public var notes: [String]
    /// Per group, each row stage's count, when counted already (by a database); nil: counted
    /// here from the funnel's reach and `groupOfRow`.
    public var stageCounts: [[Int]]? = nil
    /// Per group, the promoters and the orders' total amount of the rows that reached the last
    /// stage, when counted already (by a database); nil: from `orderCounts` and `orderAmounts`.
    public var orderTotals: [(promoters: Int, amount: Double)]? = nil

    public init(keyNames: [String], keyPeriods: [DateUnit?], keyOfGroup: [[Value]], groupOfRow: [Int32], spend: [[Value]: Double]?,
                revenue: [[Value]: Double]?, orderCounts: [Int64]?, orderAmounts: Column?, notes: [String]) {
        self.keyNames = keyNames
        self.keyPeriods = keyPeriods
        self.keyOfGroup = keyOfGroup
        self.groupOfRow = groupOfRow
        self.spend = spend
        self.revenue = revenue
        self.orderCounts = orderCounts
        self.orderAmounts = orderAmounts
        self.notes = notes
    }
}

extension FunnelTables {
    /// The rows that reached the last row stage.
    public static func lastStageRows(_ funnel: EvaluatedFunnel) -> Selection {
        let reach = funnel.reach
        guard let last = reach.reached.last else { return [] }
        var rows: Selection = []
        forEachRow(reach.selection, below: reach.rowCount) { r in if r < last.count, last[r] { rows.append(Int32(r)) } }
        return rows
    }

    /// `demand F [by key]`: per group the stage counts, what each stage cost (spend / count),
    /// conversion first → last, revenue, average deal, ROMI, and with orders promoters and
    /// lifetime value. Formulas: docs/metrics.md.
    public static func demand(_ funnel: EvaluatedFunnel, _ inputs: DemandInputs) -> ResultTable {
        let groups = inputs.keyOfGroup.count
        let names = funnel.rowStageNames
        let last = names.count - 1
        let groupOfRow = inputs.groupOfRow
        // Stage by stage over the rows, as the funnel breakdown counts.
        let counts = inputs.stageCounts ?? FunnelGrouping.counts(funnel.reach, grouping: Grouping(groupCount: groups, groupOfRow: groupOfRow, keys: []))
        var promoters = [Int](repeating: 0, count: groups)
        var lifetime = [Double](repeating: 0, count: groups)
        if let totals = inputs.orderTotals {
            for (g, total) in totals.enumerated() where g < groups { (promoters[g], lifetime[g]) = total }
        } else if let orderCounts = inputs.orderCounts {
            let reach = funnel.reach
            let amounts = inputs.orderAmounts.flatMap { VectorOps.doubles($0, reach.selection) }
            let known = inputs.orderAmounts?.validity
            forEachRow(reach.selection, below: reach.rowCount) { r in
                guard r < groupOfRow.count, r < orderCounts.count else { return }
                let g = Int(groupOfRow[r])
                guard g >= 0, g < groups, reach.reached[last][r] else { return }
                if orderCounts[r] >= 2 { promoters[g] += 1 }
                if let amounts, r < amounts.count, known?.isValid(r) != false { lifetime[g] += amounts[r] }
            }
        }
        let (spend, revenue) = (inputs.spend, inputs.revenue)
        var columnNames = inputs.keyNames + names
        var formats: [DisplayFormat?] = Array(repeating: nil, count: inputs.keyNames.count) + Array(repeating: .number, count: names.count)
        if spend != nil {
            columnNames.append("spend"); formats.append(.money)
            for n in names { columnNames.append("cost/\(n)"); formats.append(.money) }
        }
        let conversion = RateColumn(column: "\(names[last])/\(names[0])", numerator: names[last], denominator: names[0])
        columnNames.append(conversion.column); formats.append(.percent)
        if revenue != nil {
            columnNames += ["revenue", "avg deal"]; formats += [.money, .money]
            if spend != nil { columnNames.append("ROMI"); formats.append(.percent) }
        }
        let hasOrders = inputs.orderCounts != nil || inputs.orderTotals != nil
        if hasOrders {
            columnNames += ["promoters", "promoter rate", "lifetime value"]; formats += [.number, .percent, .money]
        }
        var rows: [[Value]] = []
        let order = (0..<groups).sorted { KeyOrder.less(inputs.keyOfGroup[$0], inputs.keyOfGroup[$1]) }
        for g in order {
            let key = inputs.keyOfGroup[g]
            var row: [Value] = zip(key, inputs.keyPeriods).map { value, period in period.map { PeriodLabels.label(value, unit: $0) } ?? value }
            row += counts[g].map { .decimal(Double($0)) }
            let cost = spend?[key]
            if spend != nil {
                row.append(cost.map { .decimal($0) } ?? .null)
                for k in names.indices { row.append(cost.flatMap { counts[g][k] > 0 ? .decimal($0 / Double(counts[g][k])) : nil } ?? .null) }
            }
            row.append(counts[g][0] > 0 ? .decimal(Double(counts[g][last]) / Double(counts[g][0])) : .null)
            if let revenue {
                let won = revenue[key]
                row.append(won.map { .decimal($0) } ?? .null)
                row.append(won.flatMap { counts[g][last] > 0 ? .decimal($0 / Double(counts[g][last])) : nil } ?? .null)
                if spend != nil {
                    row.append(won.flatMap { w in cost.flatMap { c in c > 0 ? .decimal((w - c) / c) : nil } } ?? .null)
                }
            }
            if hasOrders {
                let customers = counts[g][last]
                row += [.decimal(Double(promoters[g])), customers > 0 ? .decimal(Double(promoters[g]) / Double(customers)) : .null,
                        customers > 0 ? .decimal(lifetime[g] / Double(customers)) : .null]
            }
            rows.append(row)
        }
        // Columns that carry nothing are left out, and a line says what they would have shown.
        var notes = inputs.notes
        var dropped = Set<Int>()
        if hasOrders, let promotersColumn = columnNames.firstIndex(of: "promoters"),
           rows.allSatisfy({ ($0[promotersColumn].number ?? 0) == 0 }) {
            dropped.formUnion([promotersColumn, promotersColumn + 1])
            notes.append("promoters: no customer ordered twice, in any group (the promoter columns are left out)")
        }
        if hasOrders, let lifetimeColumn = columnNames.firstIndex(of: "lifetime value"), let dealColumn = columnNames.firstIndex(of: "avg deal"),
           rows.allSatisfy({ row in
               guard let a = row[lifetimeColumn].number, let b = row[dealColumn].number else { return row[lifetimeColumn].isNull && row[dealColumn].isNull }
               return abs(a - b) < 0.005
           }) {
            dropped.insert(lifetimeColumn)
            notes.append("lifetime value: the average deal in every group, as no customer has a repeat order (the column is left out)")
        }
        let kept = columnNames.indices.filter { !dropped.contains($0) }
        var result = ResultTable(title: "demand marketing: \(funnel.name)" + (inputs.keyNames.isEmpty ? "" : " by \(inputs.keyNames.joined(separator: ", "))"),
                                 table: ResultRows.table(rows.map { row in kept.map { row[$0] } }, names: kept.map { columnNames[$0] }),
                                 formats: kept.map { formats[$0] }, footnotes: notes)
        result.rates = [conversion]
        return result
    }
}
