/// Lead decay: rows waiting in a stage longer than a limit are treated as lost, and what they
/// were worth is what is at risk.
public struct DecayEstimate: Sendable, Equatable {
    /// Rows that reached the stage.
    public var reached: Int
    /// Of those, rows still waiting (not in the next stage) for longer than the limit.
    public var stale: Int
    /// P(last stage | this stage) = count(last) / count(stage).
    public var conversion: Double?
    /// Value of one customer (an average deal).
    public var dealValue: Double?
    /// What one row at this stage is worth: dealValue × conversion.
    public var valuePerRow: Double?
    /// Customers expected from the stage as it is: reached × conversion.
    public var expectedCustomers: Double?
    /// Customers expected once the stale rows are gone: (reached − stale) × conversion.
    public var expectedAfterDecay: Double?
    /// stale × valuePerRow.
    public var revenueAtRisk: Double?

    public static func estimate(reached: Int, stale: Int, customers: Int, dealValue: Double?) -> DecayEstimate {
        let conversion: Double? = reached > 0 ? Double(customers) / Double(reached) : nil
        let valuePerRow = conversion.flatMap { c in dealValue.map { $0 * c } }
        return DecayEstimate(
            reached: reached, stale: stale, conversion: conversion, dealValue: dealValue, valuePerRow: valuePerRow,
            expectedCustomers: conversion.map { Double(reached) * $0 },
            expectedAfterDecay: conversion.map { Double(reached - stale) * $0 },
            revenueAtRisk: valuePerRow.map { Double(stale) * $0 })
    }
}
