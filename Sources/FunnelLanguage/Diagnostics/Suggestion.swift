/// Finds the candidate nearest to a misspelt name, for "did you mean …?".
public enum Suggestion {
    public static func nearest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        guard !target.isEmpty else { return nil }
        var best: (String, Int)? = nil
        for candidate in candidates where candidate != name {
            let d = distance(target, Array(candidate.lowercased()))
            if let current = best, current.1 <= d { continue }
            best = (candidate, d)
        }
        guard let (candidate, d) = best else { return nil }
        // Accept about one edit in three characters, so that "sorce" finds "source" but "x" finds nothing.
        let limit = max(1, (target.count + 2) / 3)
        return d <= limit ? candidate : nil
    }

    /// Damerau–Levenshtein (optimal string alignment) distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
