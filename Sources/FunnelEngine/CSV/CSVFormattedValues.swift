// A second look at text columns: values written for people — amounts with currency signs and
// thousands separators, percentages, months, quarters and dates with month names — become
// numbers and dates when every value of the column agrees on one way of writing them.

enum CSVFormattedValues {
    /// A column read again, and what it was read from ("decimal, from "$1,234.56"").
    struct Recognised {
        var column: Column
        var note: String
    }

    /// The column as numbers or dates, or nil when some value does not fit one reading.
    /// `europeanFile`: the file is `;`-separated, where `1.234` groups thousands and `1,234` is
    /// a decimal; elsewhere the other way round (only when nothing else in the column decides).
    static func recognise(_ column: Column, europeanFile: Bool, decimalMark: Character? = nil) -> Recognised? {
        guard case .text(let codes, let dictionary) = column.storage, dictionary.count > 0 else { return nil }
        // Most text columns (names, emails, notes) fail on their first values: look at a few
        // before reading the whole dictionary.
        var looked = 0
        for i in 0..<dictionary.count where looked < 8 {
            let value = trimmed(dictionary[i])
            if value.isEmpty { continue }
            looked += 1
            if PeopleNumbers.parts(value) == nil && PeopleDates.parse(value) == nil && PeopleDates.parse(value, shortYearFirst: true) == nil { return nil }
        }
        var values: [String?] = []
        values.reserveCapacity(dictionary.count)
        var sample: String? = nil
        for i in 0..<dictionary.count {
            let value = trimmed(dictionary[i])
            if value.isEmpty { values.append(nil) } else { values.append(value); sample = sample ?? value }
        }
        guard let sample else { return nil }
        let shown = sample.count > 24 ? String(sample.prefix(23)) + "…" : sample
        if let numbers = PeopleNumbers.read(values, europeanFile: europeanFile, decimalMark: decimalMark) {
            // Show a value that needed reading ("1,234", not "426").
            let telling = values.lazy.compactMap { $0 }.first { $0.contains { !($0.isASCII && $0.isNumber) } } ?? sample
            let shown = telling.count > 24 ? String(telling.prefix(23)) + "…" : telling
            let storage: ColumnStorage
            if numbers.integers, let whole = wholeNumbers(numbers.values) {
                storage = .integer(.int64(codesMapped(codes, rows: column.count, whole, empty: 0)))
            } else {
                storage = .decimal(codesMapped(codes, rows: column.count, numbers.values.map { $0 ?? 0 }, empty: 0))
            }
            let validity = mergedValidity(column, codes: codes, known: numbers.values.map { $0 != nil })
            let what = numbers.percent ? "percent as a fraction (12.5% is 0.125)" : numbers.integers ? "integer" : "decimal"
            return Recognised(column: Column(name: column.name, storage: storage, validity: validity),
                              note: "\(what), from \"\(shown)\"")
        }
        if let dates = PeopleDates.read(values) {
            let storage: ColumnStorage
            if dates.timed {
                storage = .timestamp(codesMapped(codes, rows: column.count, dates.seconds.map { $0 ?? 0 }, empty: 0))
            } else {
                storage = .date(codesMapped(codes, rows: column.count, dates.seconds.map { Int32(clamping: ($0 ?? 0) / 86_400) }, empty: 0))
            }
            let validity = mergedValidity(column, codes: codes, known: dates.seconds.map { $0 != nil })
            return Recognised(column: Column(name: column.name, storage: storage, validity: validity),
                              note: "\(dates.kind), from \"\(shown)\"")
        }
        return nil
    }

    /// The column read with a date pattern the user gave (`dates "yyyymmdd"`): text, or whole
    /// numbers such as 20240301; nil unless every value follows it.
    static func withPattern(_ column: Column, _ pattern: CSVDatePattern) -> Recognised? {
        var seconds: [Int64?]
        var known: [Bool]
        var sample = ""
        switch column.storage {
        case .text(let codes, let dictionary):
            seconds = []
            for i in 0..<dictionary.count {
                let value = trimmed(dictionary[i])
                if value.isEmpty { seconds.append(nil); continue }
                guard let s = pattern.seconds(value) else { return nil }
                if sample.isEmpty { sample = value }
                seconds.append(s)
            }
            known = seconds.map { $0 != nil }
            guard !sample.isEmpty else { return nil }
            let storage: ColumnStorage = pattern.hasTime
                ? .timestamp(codesMapped(codes, rows: column.count, seconds.map { $0 ?? 0 }, empty: 0))
                : .date(codesMapped(codes, rows: column.count, seconds.map { Int32(clamping: ($0 ?? 0) / 86_400) }, empty: 0))
            return Recognised(column: Column(name: column.name, storage: storage, validity: mergedValidity(column, codes: codes, known: known)),
                              note: "\(pattern.hasTime ? "timestamp" : "date"), with the pattern \"\(pattern.text)\"")
        case .integer:
            var values: [Int64] = []
            values.reserveCapacity(column.count)
            for r in 0..<column.count {
                guard column.validity?.isValid(r) != false, case .integer(let v) = column.value(at: r) else { values.append(0); continue }
                guard let s = pattern.seconds(String(v)) else { return nil }
                values.append(s)
            }
            let storage: ColumnStorage = pattern.hasTime ? .timestamp(values) : .date(values.map { Int32(clamping: $0 / 86_400) })
            return Recognised(column: Column(name: column.name, storage: storage, validity: column.validity),
                              note: "\(pattern.hasTime ? "timestamp" : "date"), with the pattern \"\(pattern.text)\"")
        default:
            return nil
        }
    }

    /// Whether one value reads as a column of `type` recognised from values written for people.
    static func fits(_ value: String, _ type: ColumnType) -> Bool {
        let text = trimmed(value)
        switch type {
        // A plain number ("2024" heading a column of amounts) is a name here, not a value.
        case .integer, .decimal: return PeopleNumbers.read([text], europeanFile: false) != nil
        case .date, .timestamp: return PeopleDates.parse(text) != nil
        default: return false
        }
    }

    private static func trimmed(_ text: String) -> String {
        var s = Substring(text)
        while let c = s.first, c == " " || c == "\t" || c == "\u{A0}" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\u{A0}" { s = s.dropLast() }
        return String(s)
    }

    private static func wholeNumbers(_ values: [Double?]) -> [Int64]? {
        var out: [Int64] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let v else { out.append(0); continue }
            guard v == v.rounded(), v.magnitude < 9_007_199_254_740_992 else { return nil }
            out.append(Int64(v))
        }
        return out
    }

    /// Per row, the value of its code.
    private static func codesMapped<T>(_ codes: TextCodes, rows: Int, _ byCode: [T], empty: T) -> [T] {
        var out = [T](repeating: empty, count: rows)
        codes.forEachCode(nil, below: rows) { row, code in
            if code >= 0 && code < byCode.count { out[row] = byCode[code] }
        }
        return out
    }

    /// The column's nulls, and rows whose text was empty (blank) as nulls too.
    private static func mergedValidity(_ column: Column, codes: TextCodes, known: [Bool]) -> Validity? {
        var validity = column.validity ?? Validity(count: column.count, allValid: true)
        codes.forEachCode(nil, below: column.count) { row, code in
            if code < 0 || code >= known.count || !known[code] { validity.clear(row) }
        }
        return validity.nullCount == 0 ? nil : validity
    }
}

// MARK: - Numbers

/// Amounts, counts and percentages as people write them: `$1,234.56`, `1 234,56 €`, `EUR 12.50`,
/// `(1,234.00)`, `12.5%`, `"1,234"`. The decimal mark and the thousands separator are decided
/// for the whole column.
enum PeopleNumbers {
    struct Read {
        var values: [Double?]
        var integers: Bool
        var percent: Bool
    }

    static let currencies: [String] = ["US$", "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "$", "€", "£", "¥"]

    /// One value taken apart: sign, currency, percent, and the digits with their separators.
    struct Parts {
        var negative = false
        var currency: String? = nil
        var percent = false
        /// Digit runs, and the separator before each run after the first.
        var groups: [String] = []
        var separators: [Character] = []
    }

    static func parts(_ value: String) -> Parts? {
        var s = Substring(value)
        var parts = Parts()
        func strip() { while let c = s.first, c == " " || c == "\u{A0}" || c == "\u{202F}" { s = s.dropFirst() }
                       while let c = s.last, c == " " || c == "\u{A0}" || c == "\u{202F}" { s = s.dropLast() } }
        func takeCurrency() -> Bool {
            for code in currencies {
                if s.hasPrefix(code) { s = s.dropFirst(code.count); strip(); return set(code) }
                if s.hasSuffix(code) { s = s.dropLast(code.count); strip(); return set(code) }
            }
            return true
        }
        func set(_ code: String) -> Bool {
            let normal = code == "US$" || code == "USD" ? "$" : code == "EUR" ? "€" : code == "GBP" ? "£" : code == "JPY" ? "¥" : code
            if let current = parts.currency, current != normal { return false }
            parts.currency = normal
            return true
        }
        func takeSign() {
            if let c = s.first, c == "-" || c == "\u{2212}" { parts.negative.toggle(); s = s.dropFirst(); strip() }
        }
        strip()
        if s.hasSuffix("%") { parts.percent = true; s = s.dropLast(); strip() }
        takeSign()
        guard takeCurrency() else { return nil }
        takeSign()
        if s.first == "(" && s.last == ")" {
            parts.negative.toggle()
            s = s.dropFirst().dropLast()
            strip()
            guard takeCurrency() else { return nil }
            takeSign()
        }
        guard takeCurrency() else { return nil }
        if s.hasSuffix("%") && !parts.percent { parts.percent = true; s = s.dropLast(); strip() }
        guard !(parts.percent && parts.currency != nil), let first = s.first, first.isASCII, first.isNumber else { return nil }
        var run = ""
        for c in s {
            if c.isASCII && c.isNumber {
                run.append(c)
            } else if c == "," || c == "." || c == " " || c == "\u{A0}" || c == "\u{202F}" || c == "'" || c == "\u{2019}" {
                guard !run.isEmpty else { return nil }   // two separators in a row
                parts.groups.append(run)
                parts.separators.append(c == "\u{A0}" || c == "\u{202F}" || c == "\u{2019}" ? (c == "\u{2019}" ? "'" : " ") : c)
                run = ""
            } else {
                return nil
            }
        }
        guard !run.isEmpty else { return nil }
        parts.groups.append(run)
        return parts
    }

    /// `decimalMark`: said by the user (`,` or `.`); nil to decide from the column.
    static func read(_ values: [String?], europeanFile: Bool, decimalMark said: Character? = nil) -> Read? {
        var all: [Parts?] = []
        all.reserveCapacity(values.count)
        var currency: String? = nil
        var anyPeopleSign = false
        var decimalMarks = Set<Character>()
        var ambiguous = Set<Character>()
        var percentCount = 0, filled = 0
        var combined = false
        for value in values {
            guard let value else { all.append(nil); continue }
            guard let p = parts(value) else { return nil }
            filled += 1
            if let c = p.currency {
                if let known = currency, known != c { return nil }   // $ and € in one column: not one sum
                currency = c
            }
            if p.percent { percentCount += 1 }
            if p.currency != nil || p.percent || p.negative && value.contains("(") || !p.separators.isEmpty { anyPeopleSign = true }
            // A code written with a leading zero (09001) is no amount.
            if p.separators.isEmpty, p.groups[0].count > 1, p.groups[0].first == "0" { return nil }
            let kinds = Set(p.separators)
            if kinds.count > 2 { return nil }
            if kinds.count == 2, let last = p.separators.last {
                guard last == "," || last == "." else { return nil }
                decimalMarks.insert(last)
                combined = true
            } else if let only = kinds.first {
                if only == "," || only == "." {
                    if p.separators.count == 1 {
                        if p.groups[1].count == 3 { ambiguous.insert(only) } else { decimalMarks.insert(only) }
                    }
                    // Several of one mark: it groups thousands (1,234,567).
                }
            }
            all.append(p)
        }
        guard filled > 0, anyPeopleSign, decimalMarks.count <= 1 else { return nil }
        if let said {
            decimalMarks = [said]
        } else if let mark = decimalMarks.first, ambiguous.contains(where: { $0 != mark }), !combined {
            // `5,5` and `5.555` in one column, and no value like `1.234,5` to show that the
            // other mark groups thousands: 5555 or 5.555 is a guess, so the column stays text.
            return nil
        }
        // A percent column is percent throughout.
        guard percentCount == 0 || percentCount == filled else { return nil }
        let mark: Character? = decimalMarks.first ?? {
            if ambiguous.contains(",") && ambiguous.contains(".") { return europeanFile ? "," : "." }
            if ambiguous.contains(",") { return europeanFile ? "," : nil }
            if ambiguous.contains(".") { return europeanFile ? nil : "." }
            return nil
        }()
        var out: [Double?] = []
        out.reserveCapacity(all.count)
        var integers = percentCount == 0
        for p in all {
            guard let p else { out.append(nil); continue }
            var digits = p.groups[0]
            var fraction: String? = nil
            for (k, sep) in p.separators.enumerated() {
                let group = p.groups[k + 1]
                if sep == mark && k == p.separators.count - 1 {
                    fraction = group
                } else {
                    // A thousands separator: never the decimal mark, and groups of three after it.
                    guard sep != mark, group.count == 3, p.groups[0].count <= 3 || k > 0 else { return nil }
                    digits += group
                }
            }
            if p.separators.count >= 1, p.separators.first != mark, p.groups[0].count > 3 { return nil }
            guard var number = Double(digits + (fraction.map { "." + $0 } ?? "")) else { return nil }
            if fraction != nil { integers = false }
            if p.negative { number = -number }
            if p.percent { number = DecimalSum.settled(number / 100, magnitude: (number / 100).magnitude) }
            out.append(number)
        }
        return Read(values: out, integers: integers, percent: percentCount > 0)
    }
}

// MARK: - Dates

/// Months, quarters and dates as people write them: `2024-01`, `01/2024`, `Jan 2024`,
/// `janvier 2024`, `Jan-24`, `2024-Q1`, `Q1 2024`, `T1 2024`, `Jan 5, 2024`, `5 janv. 2024`,
/// `5. März 2024`, `05-Jan-2024`, with an optional time (`Mar 05, 2024 10:30 am`).
enum PeopleDates {
    struct Read {
        var seconds: [Int64?]
        var timed: Bool
        var kind: String
    }

    enum Kind: String { case month, quarter, date }

    /// Month names in English, French and German, short and long, without accents and dots.
    static let months: [String: Int] = {
        var table: [String: Int] = [:]
        let names: [[String]] = [
            ["jan", "january", "janv", "janvier", "januar", "jän", "jaen"],
            ["feb", "february", "fev", "fevr", "fevrier", "févr", "février", "februar"],
            ["mar", "march", "mars", "mär", "märz", "maerz", "mrz"],
            ["apr", "april", "avr", "avril"],
            ["may", "mai"],
            ["jun", "june", "juin", "juni"],
            ["jul", "july", "juil", "juillet", "juli"],
            ["aug", "august", "aout", "août"],
            ["sep", "sept", "september", "septembre"],
            ["oct", "october", "octobre", "okt", "oktober"],
            ["nov", "november", "novembre"],
            ["dec", "december", "déc", "décembre", "decembre", "dez", "dezember"],
        ]
        for (i, list) in names.enumerated() { for name in list { table[name] = i + 1 } }
        return table
    }()

    enum Token: Equatable {
        case number(Int, digits: Int)
        case word(String)
    }

    /// Words and numbers of a value, with the separators between them dropped, and the time
    /// part (from the first number followed by `:`) in seconds of the day.
    static func tokens(_ value: String) -> (tokens: [Token], time: Int?)? {
        var tokens: [Token] = []
        var word = ""
        var number = "", time: Int? = nil
        let characters = Array(value.lowercased())
        var i = 0
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)); word = "" }
            if !number.isEmpty { tokens.append(.number(Int(number) ?? -1, digits: number.count)); number = "" }
        }
        while i < characters.count {
            let c = characters[i]
            if c == ":" && !number.isEmpty {
                // The time: H:MM[:SS] [am|pm].
                let start = i - number.count
                guard let seconds = timeOfDay(String(characters[start...])) else { return nil }
                number = ""
                time = seconds
                break
            }
            if c.isASCII && c.isNumber {
                if !word.isEmpty { flush() }
                number.append(c)
            } else if c.isLetter {
                if !number.isEmpty { flush() }
                word.append(c)
            } else if [" ", ",", ".", "-", "/", "'", "\u{A0}", "\u{2019}"].contains(c) {
                flush()
            } else {
                return nil
            }
            i += 1
        }
        flush()
        return (tokens, time)
    }

    static func timeOfDay(_ text: String) -> Int? {
        var parts = text.split(whereSeparator: { $0 == " " }).map(String.init)
        guard let clock = parts.first else { return nil }
        parts.removeFirst()
        let fields = clock.split(separator: ":").map(String.init)
        guard fields.count == 2 || fields.count == 3, let h = Int(fields[0]), let m = Int(fields[1]), fields[1].count == 2,
              m < 60 else { return nil }
        let s = fields.count == 3 ? Int(fields[2].prefix(2)) ?? -1 : 0
        guard s >= 0, s < 60 else { return nil }
        var hour = h
        if let marker = parts.first {
            guard parts.count == 1, marker == "am" || marker == "pm", (1...12).contains(h) else { return nil }
            hour = marker == "am" ? (h == 12 ? 0 : h) : (h == 12 ? 12 : h + 12)
        }
        guard hour < 24 else { return nil }
        return hour * 3600 + m * 60 + s
    }

    static func year(_ token: Token) -> Int? {
        guard case .number(let n, let digits) = token else { return nil }
        if digits == 4 { return n }
        if digits == 2 { return CSVTemporal.fullYear(n) }
        return nil
    }

    static func month(_ token: Token) -> Int? {
        guard case .word(let w) = token else { return nil }
        return months[w]
    }

    static func small(_ token: Token, _ range: ClosedRange<Int>) -> Int? {
        guard case .number(let n, let digits) = token, digits <= 2, range.contains(n) else { return nil }
        return n
    }

    /// Whether a value is three two-digit numbers with the first above 31: a year first
    /// (`90.01.01`), which makes its column's `02.02.02` and `04.12.13` years first too.
    static func showsShortYearFirst(_ value: String) -> Bool {
        guard let (t, _) = tokens(value), t.count == 3,
              case .number(let first, 2) = t[0], case .number(_, 2) = t[1], case .number(_, 2) = t[2] else { return false }
        return first > 31
    }

    /// One value: its kind and the first second of it (a month's or quarter's first day).
    /// `shortYearFirst`: three two-digit numbers are year, month, day (the column said so).
    static func parse(_ value: String, shortYearFirst: Bool = false) -> (kind: Kind, seconds: Int64, timed: Bool)? {
        guard let (t, time) = tokens(value) else { return nil }
        func day(_ y: Int, _ m: Int, _ d: Int) -> Int64? {
            guard CSVTemporal.isValid(y, m, d) else { return nil }
            return Int64(CSVTemporal.days(y, m, d)) * 86_400 + Int64(time ?? 0)
        }
        let isDigits4: (Token) -> Bool = { if case .number(_, 4) = $0 { return true }; return false }
        switch t.count {
        case 2:
            guard time == nil else { return nil }
            // 2024-01, 01/2024
            if isDigits4(t[0]), let m = small(t[1], 1...12), let y = year(t[0]) { return day(y, m, 1).map { (.month, $0, false) } }
            if isDigits4(t[1]), let m = small(t[0], 1...12), let y = year(t[1]) { return day(y, m, 1).map { (.month, $0, false) } }
            // Jan 2024, janvier 2024, Jan-24 (a two-digit year only after - or ': "Jan 24" may be a day)
            if let m = month(t[0]), let y = year(t[1]) {
                if case .number(_, 2) = t[1], !(value.contains("-") || value.contains("'") || value.contains("\u{2019}")) { return nil }
                return day(y, m, 1).map { (.month, $0, false) }
            }
            // 2024-Q1, Q1 2024, T1 2024, 2024Q1 (a word and a digit glued: "q1" is word "q", number 1)
            return nil
        case 3:
            if shortYearFirst, case .number(let y, 2) = t[0], case .number(let m, 2) = t[1], case .number(let d, 2) = t[2] {
                return day(CSVTemporal.fullYear(y), m, d).map { (.date, $0, time != nil) }
            }
            // Q1 2024 / 2024 Q1 / T1-2024
            if case .word(let w) = t[0], w == "q" || w == "t", let q = small(t[1], 1...4), isDigits4(t[2]), let y = year(t[2]), time == nil {
                return day(y, (q - 1) * 3 + 1, 1).map { (.quarter, $0, false) }
            }
            if isDigits4(t[0]), case .word(let w) = t[1], w == "q" || w == "t", let q = small(t[2], 1...4), let y = year(t[0]), time == nil {
                return day(y, (q - 1) * 3 + 1, 1).map { (.quarter, $0, false) }
            }
            // Jan 5, 2024 / 5 janv. 2024 / 05-Jan-24
            if let m = month(t[0]), let d = small(t[1], 1...31), let y = year(t[2]) { return day(y, m, d).map { (.date, $0, time != nil) } }
            if let d = small(t[0], 1...31), let m = month(t[1]), let y = year(t[2]) { return day(y, m, d).map { (.date, $0, time != nil) } }
            return nil
        default:
            return nil
        }
    }

    static func read(_ values: [String?]) -> Read? {
        var out: [Int64?] = []
        out.reserveCapacity(values.count)
        var kind: Kind? = nil
        var timed = false
        var sawWordOrShape = false
        let shortYearFirst = values.contains { $0.map(showsShortYearFirst) ?? false }
        for value in values {
            guard let value else { out.append(nil); continue }
            guard let parsed = parse(value, shortYearFirst: shortYearFirst) else { return nil }
            if let known = kind, known != parsed.kind { return nil }
            kind = parsed.kind
            timed = timed || parsed.timed
            sawWordOrShape = true
            out.append(parsed.seconds)
        }
        guard let kind, sawWordOrShape else { return nil }
        let described: String
        switch kind {
        case .month: described = "months as their first day"
        case .quarter: described = "quarters as their first day"
        case .date: described = (timed ? "timestamp" : "date") + (shortYearFirst ? ", two-digit year first (90.01.01 is 1990-01-01)" : "")
        }
        return Read(seconds: out, timed: timed && kind == .date, kind: described)
    }
}
