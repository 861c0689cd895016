/// Walks expression trees without recursion limits of their own (the parser bounds their depth).
enum ExprWalk {
    static func children(of expr: Expr) -> [Expr] {
        switch expr.kind {
        case .number, .duration, .string, .date, .boolean, .null, .name, .has: return []
        case .member(let b, _), .unary(_, let b), .isNull(let b, _), .top(let b, _), .confidence(let b, _), .attributed(let b, _), .running(let b), .toDate(let b, _), .wide(let b): return [b]
        case .binary(_, let a, let b), .versus(let a, let b): return [a, b]
        case .between(let a, let b, let c, _): return [a, b, c]
        case .inList(let a, let items, _): return [a] + items
        case .call(_, let args, _): return args
        case .load(let path, _): return [path]
        case .filter(let b, let c): return (b.map { [$0] } ?? []) + [c]
        case .groupBy(let b, let keys), .cohort(let b, let keys): return [b] + keys
        case .select(let b, let items): return [b] + items.map(\.expr)
        case .sort(let b, let keys): return [b] + keys.map(\.expr)
        }
    }

    /// Every `load` in `expr`, outermost first.
    static func loads(in expr: Expr) -> [Expr] {
        var found: [Expr] = []
        var stack = [expr]
        while let e = stack.popLast() {
            if case .load = e.kind { found.append(e) }
            stack.append(contentsOf: children(of: e).reversed())
        }
        return found
    }

    static func firstLoad(in expr: Expr) -> Expr? { loads(in: expr).first }
}

/// Finds a cycle among named definitions (rules using rules, KPIs using KPIs).
enum Cycles {
    /// Depth first, each name explored once: rules defined on the two before them
    /// (`rule r5 = r4 and r3`) share their definitions, and a walk that copied them per path
    /// took exponential time.
    static func find(start: String, edges: (String) -> [String]) -> [String]? {
        var path: [String] = []
        var onPath: Set<String> = []
        var finished: Set<String> = []
        func visit(_ node: String) -> [String]? {
            if onPath.contains(node), let i = path.firstIndex(of: node) { return Array(path[i...]) + [node] }
            if finished.contains(node) { return nil }
            path.append(node)
            onPath.insert(node)
            defer {
                path.removeLast()
                onPath.remove(node)
            }
            for next in edges(node) {
                if let cycle = visit(next) { return cycle }
            }
            finished.insert(node)
            return nil
        }
        return visit(start)
    }

    /// `a → b → a`, or for a long cycle its ends and how many names are left out.
    static func describe(_ cycle: [String]) -> String {
        guard cycle.count > 12 else { return cycle.joined(separator: " → ") }
        return (cycle.prefix(5) + ["… (\(cycle.count - 10) more)"] + cycle.suffix(5)).joined(separator: " → ")
    }

    static func names(in expr: Expr) -> [String] {
        var found: [String] = []
        func walk(_ e: Expr) {
            switch e.kind {
            case .name(let n): found.append(n)
            case .member(let b, _), .unary(_, let b), .isNull(let b, _): walk(b)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .between(let a, let b, let c, _): walk(a); walk(b); walk(c)
            case .inList(let a, let items, _): walk(a); items.forEach(walk)
            case .call(_, let args, _): args.forEach(walk)
            case .filter(let b, let c): if let b { walk(b) }; walk(c)
            default: break
            }
        }
        walk(expr)
        return found
    }
}
