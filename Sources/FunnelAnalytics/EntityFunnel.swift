import FunnelEngine

/// Which of an entity's rows a breakdown reads its key from, when the entity (a contact, an
/// account) has several rows that may hold different values.
public enum Attribution: Sendable, Equatable, Hashable {
    /// The row at which the entity reached its first stage (the default).
    case firstTouch
    /// The row of the furthest stage it reached.
    case lastTouch
    /// The row at which it reached this row stage; entities that did not reach it are left out.
    case stage(Int)
}

/// A funnel counted by a distinct entity (`count distinct contact_id`): each entity reaches a
/// stage when one of its rows does, in order, at the earliest time that follows the stage
/// before — so a contact whose visit, signup and purchase are three rows converts.
///
/// The entity's progress is written onto one of its rows (the attribution's), with the
/// entity's stage times, and every other row left out: the result is an ordinary `FunnelData`
/// whose rows are entities, so counts, breakdowns by key or period, velocity and cohorts read it
/// as they read any funnel.
public struct EntityFunnel: Sendable {
    /// The funnel over one row per counted entity (the representative rows).
    public var data: FunnelData
    /// Per exclusion: the entities it dropped.
    public var excluded: [Int]
    /// Entities with at least one row in the funnel's view.
    public var entityCount: Int
    /// Rows whose entity key (or constant property) is null: in no entity.
    public var rowsWithoutKey: Int
    /// Entities left out of a breakdown `at` a stage because they did not reach it.
    public var notAttributed: Int

    /// - Parameters:
    ///   - groupOfRow: table-length; the group of each row (an entity, or with a constant
    ///     property an entity and one value of it), -1 for rows in no group.
    ///   - entityOfGroup: the entity each group belongs to (the identity without a constant property).
    public static func build(_ data: FunnelData, groupOfRow: [Int32], groupCount: Int, entityOfGroup: [Int32], entityCount: Int,
                             attribution: Attribution) -> EntityFunnel {
        let rowCount = data.rowCount, stageCount = data.stages.count
        var rowsWithoutKey = 0
        // Rows of each group, in table order (a counting sort).
        var start = [Int](repeating: 0, count: groupCount + 1)
        forEachRow(data.selection, below: min(rowCount, groupOfRow.count)) { r in
            let g = Int(groupOfRow[r])
            if g >= 0 && g < groupCount { start[g + 1] += 1 } else { rowsWithoutKey += 1 }
        }
        for g in 0..<groupCount { start[g + 1] += start[g] }
        var fill = start
        var rowsOfGroup = [Int32](repeating: 0, count: start[groupCount])
        forEachRow(data.selection, below: min(rowCount, groupOfRow.count)) { r in
            let g = Int(groupOfRow[r])
            guard g >= 0 && g < groupCount else { return }
            rowsOfGroup[fill[g]] = Int32(r)
            fill[g] += 1
        }

        let valid = data.stages.allSatisfy { $0.eligible.count == rowCount && ($0.times.map { $0.count == rowCount } ?? true) }
            && data.exclusions.allSatisfy { $0.times.count == rowCount && $0.eligible.count == rowCount }
        let window = data.window ?? Int64.max
        // The best chain of each entity so far (with a constant property, among its groups).
        var bestRows = [[Int32]](repeating: [], count: entityCount)
        var bestTimes = [[Int64]](repeating: [], count: entityCount)
        var bestDropped = [Int?](repeating: nil, count: entityCount)
        var entitySeen = [Bool](repeating: false, count: entityCount)
        var chainRow = [Int32](repeating: -1, count: stageCount)
        var chainTime = [Int64](repeating: Reach.unknown, count: stageCount)
        for g in 0..<groupCount where valid && start[g] < start[g + 1] {
            let rows = rowsOfGroup[start[g]..<start[g + 1]]
            chainRow.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
            chainTime.withUnsafeMutableBufferPointer { $0.update(repeating: Reach.unknown) }
            var previous: Int64? = nil, first: Int64? = nil
            for k in 0..<stageCount {
                let stage = data.stages[k]
                var bestRow: Int32 = -1, bestTime = Int64.max
                for r32 in rows {
                    let r = Int(r32)
                    guard stage.eligible[r] else { continue }
                    guard let times = stage.times else { bestRow = r32; break }
                    let t = times[r]
                    if data.order == .inOrder {
                        if let previous, t < previous { continue }
                        if let first, t &- first > window { continue }
                    }
                    if t < bestTime { (bestRow, bestTime) = (r32, t) }
                }
                if bestRow >= 0 {
                    chainRow[k] = bestRow
                    if stage.times != nil {
                        chainTime[k] = bestTime
                        if data.order == .inOrder {
                            previous = bestTime
                            first = first ?? bestTime
                        }
                    }
                } else if data.order == .inOrder && !stage.optional {
                    break
                }
            }
            // The first exclusion that holds for any of the group's rows drops the group.
            var dropped: Int? = nil
            for (i, exclusion) in data.exclusions.enumerated() where dropped == nil {
                guard exclusion.from < stageCount, exclusion.to < stageCount, chainRow[exclusion.from] >= 0 else { continue }
                let from = chainTime[exclusion.from]
                let to = chainRow[exclusion.to] >= 0 ? chainTime[exclusion.to] : Int64.max
                for r32 in rows where exclusion.eligible[Int(r32)] {
                    let t = exclusion.times[Int(r32)]
                    if t >= from && t < to {
                        dropped = i
                        break
                    }
                }
            }
            let e = g < entityOfGroup.count ? Int(entityOfGroup[g]) : -1
            guard e >= 0 && e < entityCount else { continue }
            entitySeen[e] = true
            if bestRows[e].isEmpty || better(chainRow, chainTime, dropped, than: bestRows[e], bestTimes[e], bestDropped[e]) {
                bestRows[e] = chainRow
                bestTimes[e] = chainTime
                bestDropped[e] = dropped
            }
        }

        var excluded = [Int](repeating: 0, count: data.exclusions.count)
        var notAttributed = 0
        var representative: [(row: Int32, entity: Int)] = []
        for e in 0..<entityCount where !bestRows[e].isEmpty {
            if let d = bestDropped[e] {
                excluded[d] += 1
                continue
            }
            let reachedStages = (0..<stageCount).filter { bestRows[e][$0] >= 0 }
            guard let firstStage = reachedStages.first, let lastStage = reachedStages.last else { continue }
            let row: Int32
            switch attribution {
            case .firstTouch: row = bestRows[e][firstStage]
            case .lastTouch: row = bestRows[e][lastStage]
            case .stage(let k):
                guard k >= 0 && k < stageCount && bestRows[e][k] >= 0 else {
                    notAttributed += 1
                    continue
                }
                row = bestRows[e][k]
            }
            representative.append((row, e))
        }
        // Two entities never share a row, so each representative row holds one entity.
        representative.sort { $0.row < $1.row }

        var stages: [StageData] = []
        for k in 0..<stageCount {
            var eligible = Validity(count: rowCount, allValid: false)
            var times: [Int64]? = data.stages[k].times == nil ? nil : [Int64](repeating: 0, count: rowCount)
            for (row, e) in representative where bestRows[e][k] >= 0 {
                eligible.set(Int(row))
                times?[Int(row)] = bestTimes[e][k]
            }
            stages.append(StageData(name: data.stages[k].name, times: times.map(IntegerValues.narrowest), eligible: eligible,
                                    optional: data.stages[k].optional))
        }
        let entities = FunnelData(rowCount: rowCount, selection: representative.map(\.row), stages: stages, window: data.window,
                                  order: data.order, exclusions: [])
        return EntityFunnel(data: entities, excluded: excluded, entityCount: entitySeen.filter { $0 }.count,
                            rowsWithoutKey: rowsWithoutKey, notAttributed: notAttributed)
    }

    /// Of two chains of one entity (two values of a constant property): the one not excluded,
    /// then the one reaching more stages, then the furthest, then the earlier start.
    private static func better(_ rows: [Int32], _ times: [Int64], _ dropped: Int?,
                               than bestRows: [Int32], _ bestTimes: [Int64], _ bestDropped: Int?) -> Bool {
        if (dropped == nil) != (bestDropped == nil) { return dropped == nil }
        let reached = rows.filter { $0 >= 0 }.count, bestReached = bestRows.filter { $0 >= 0 }.count
        if reached != bestReached { return reached > bestReached }
        let furthest = rows.lastIndex { $0 >= 0 } ?? -1, bestFurthest = bestRows.lastIndex { $0 >= 0 } ?? -1
        if furthest != bestFurthest { return furthest > bestFurthest }
        let start = times.first { $0 != Reach.unknown } ?? Int64.max, bestStart = bestTimes.first { $0 != Reach.unknown } ?? Int64.max
        return start < bestStart
    }
}
