import FunnelEngine

/// What evaluation needs from outside the session: the date `today` means, and whether the user
/// pressed Ctrl-C.
public struct EvaluationContext: Sendable {
    public var today: Int32
    public var isCancelled: @Sendable () -> Bool

    public init(today: Int32, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.today = today
        self.isCancelled = isCancelled
    }

    func checkCancelled() throws(Diagnostic) {
        if isCancelled() { throw Diagnostic(.error, .cancelled, "cancelled") }
    }
}
