/// The operators of row expressions, shared by the language's syntax and the plans it lowers to.
public enum UnaryOperator: String, Sendable { case negate = "-", not }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case match = "~", notMatch = "!~"
    case and, or

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return true
        default: return false
        }
    }
}
