// A second look at text columns: values written for people — amounts with currency signs and
// thousands separators, percentages, months, quarters and dates with month names — become
// numbers and dates when every value of the column agrees on one way of writing them.

enum CSVFormattedValues {
    /// A column read again, and what it was read from ("decimal, from "$1,234.56"").
    struct Recognised {
        var column: Column
        var note: String
        /// Read with a decimal comma the values themselves showed (`1,76`).
        var foundDecimalComma = false
    }

    /// The column as numbers or dates, or nil when some value does not fit one reading.
    /// `europeanFile`: the file is `;`-separated, where `1.234` groups thousands and `1,234` is
    /// a decimal; elsewhere the other way round (only when nothing else in the column decides).
    static func recognise(_ column: Column, europeanFile: Bool, decimalMark: Character? = nil) -> Recognised? {
        guard case .text(let codes, let dictionary) = column.storage, dictionary.count > 0 else { return nil }
        // Most text columns (names, emails, notes) fail on their first values: look at a few
        // before reading the whole dictionary.
        var looked = 0
        for i in 0..<dictionary.count where looked < screenedValues {
            let value = trimmed(dictionary[i])
            if value.isEmpty { continue }
            looked += 1
            if !mayBeWrittenForPeople(value) { return nil }
        }
        func shortened(_ text: String) -> String { text.count > 24 ? String(text.prefix(23)) + "…" : text }
        if let numbers = PeopleNumbers.read(dictionary, europeanFile: europeanFile, decimalMark: decimalMark) {
            // Show a value that needed reading ("1,234", not "426").
            var telling = ""
            for i in 0..<dictionary.count {
                let value = trimmed(dictionary[i])
                if telling.isEmpty { telling = value }
                if value.contains(where: { !($0.isASCII && $0.isNumber) }) { telling = value; break }
            }
            let shown = shortened(telling)
            let storage: ColumnStorage
            if numbers.integers, let whole = wholeNumbers(numbers.values) {
                storage = .integer(.int64(codesMapped(codes, rows: column.count, whole, empty: 0)))
            } else {
                storage = .decimal(codesMapped(codes, rows: column.count, numbers.values.map { $0 ?? 0 }, empty: 0))
            }
            let validity = mergedValidity(column, codes: codes, known: numbers.values.map { $0 != nil })
            let what = numbers.percent ? "percent as a fraction (12.5% is 0.125)" : numbers.integers ? "integer" : "decimal"
            return Recognised(column: Column(name: column.name, storage: storage, validity: validity),
                              note: "\(what), from \"\(shown)\"", foundDecimalComma: numbers.foundDecimalComma)
        }
        if let dates = PeopleDates.read(dictionary) {
            var sample = ""
            for i in 0..<dictionary.count where sample.isEmpty { sample = trimmed(dictionary[i]) }
            let shown = shortened(sample)
            let storage: ColumnStorage
            if dates.timed {
                storage = .timestamp(.narrowest(codesMapped(codes, rows: column.count, dates.seconds.map { $0 ?? 0 }, empty: 0)))
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
                ? .timestamp(.narrowest(codesMapped(codes, rows: column.count, seconds.map { $0 ?? 0 }, empty: 0)))
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
            let storage: ColumnStorage = pattern.hasTime ? .timestamp(.narrowest(values)) : .date(values.map { Int32(clamping: $0 / 86_400) })
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
        case .integer, .decimal: return PeopleNumbers.read(TextDictionary([text]), europeanFile: false) != nil
        case .date, .timestamp: return PeopleDates.parse(text) != nil
        default: return false
        }
    }

    /// How many distinct values of a column (in file order) `recognise` looks at before it
    /// reads the whole column: a column is read again only when all of them may be amounts,
    /// percentages, months or dates.
    static let screenedValues = 8

    /// Whether one value may be an amount, percentage, month or date written for people.
    /// Exact in one direction: a column holding a value for which this is false is never read
    /// as amounts or dates (`PeopleNumbers.read` refuses a code such as `09580` as it does).
    static func mayBeWrittenForPeople(_ value: String) -> Bool {
        if let shape = PeopleNumbers.shape(value), !PeopleNumbers.isCode(shape, Array(value.utf8)) { return true }
        return PeopleDates.parse(value) != nil || PeopleDates.parse(value, shortYearFirst: true) != nil
    }

    /// The screen of a column the load did not keep, from its first distinct values per chunk
    /// (in file order): false when `recognise` would certainly leave it text.
    static func mayRecognise(firstValues chunks: [[String]]) -> Bool {
        var seen = Set<String>()
        var looked = 0
        for values in chunks {
            for raw in values where looked < screenedValues && seen.insert(raw).inserted {
                let value = trimmed(raw)
                if value.isEmpty { continue }
                looked += 1
                if !mayBeWrittenForPeople(value) { return false }
            }
        }
        return looked > 0
    }

    static func trimmed(_ text: String) -> String {
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
/// for the whole column. Read from the values' UTF-8 bytes: a column of a million amounts has
/// hundreds of thousands of distinct values.
enum PeopleNumbers {
    struct Read {
        var values: [Double?]
        var integers: Bool
        var percent: Bool
        /// The column's values showed a decimal comma (`1,76`) when nothing was said.
        var foundDecimalComma = false
    }

    /// One value taken apart, without allocating: sign, currency, percent, and its digits.
    struct Shape {
        var negative = false
        var parentheses = false
        /// 0 none; else an index into `currencies`' normal forms.
        var currency: UInt8 = 0
        var percent = false
        /// Where the digits and separators are.
        var core: Range<Int> = 0..<0
        /// Bit 1 `,`, 2 `.`, 4 a space, 8 an apostrophe.
        var separatorKinds: UInt8 = 0
        var separators = 0
        var lastSeparator: UInt8 = 0
        var firstGroup = 0
        var lastGroup = 0
    }

    /// Currency signs and codes, as UTF-8, with the sign each stands for (USD is $).
    static let currencies: [(bytes: [UInt8], normal: UInt8)] = [
        (Array("US$".utf8), 1), (Array("USD".utf8), 1), (Array("EUR".utf8), 2), (Array("GBP".utf8), 3), (Array("JPY".utf8), 4),
        (Array("CHF".utf8), 5), (Array("CAD".utf8), 6), (Array("AUD".utf8), 7),
        (Array("$".utf8), 1), (Array("€".utf8), 2), (Array("£".utf8), 3), (Array("¥".utf8), 4),
    ]

    static func shape(_ text: String) -> Shape? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { shape(UnsafeBufferPointer($0)) }
    }

    static func shape(_ b: UnsafeBufferPointer<UInt8>) -> Shape? {
        var lo = 0, hi = b.count
        var shape = Shape()
        /// The length of a space at `i` going forward (space, tab, no-break or narrow no-break space).
        func spaceAt(_ i: Int) -> Int {
            if i < hi, b[i] == 0x20 || b[i] == 0x09 { return 1 }
            if i + 1 < hi, b[i] == 0xC2, b[i + 1] == 0xA0 { return 2 }
            if i + 2 < hi, b[i] == 0xE2, b[i + 1] == 0x80, b[i + 2] == 0xAF { return 3 }
            return 0
        }
        func spaceBefore(_ i: Int) -> Int {
            if i - 1 >= lo, b[i - 1] == 0x20 || b[i - 1] == 0x09 { return 1 }
            if i - 2 >= lo, b[i - 2] == 0xC2, b[i - 1] == 0xA0 { return 2 }
            if i - 3 >= lo, b[i - 3] == 0xE2, b[i - 2] == 0x80, b[i - 1] == 0xAF { return 3 }
            return 0
        }
        func trim() {
            while lo < hi { let n = spaceAt(lo); if n == 0 { break }; lo += n }
            while hi > lo { let n = spaceBefore(hi); if n == 0 { break }; hi -= n }
        }
        func takeCurrency() -> Bool {
            for (code, normal) in currencies {
                let n = code.count
                guard hi - lo >= n else { continue }
                var prefix = true, suffix = true
                for k in 0..<n {
                    if b[lo + k] != code[k] { prefix = false }
                    if b[hi - n + k] != code[k] { suffix = false }
                }
                guard prefix || suffix else { continue }
                if shape.currency != 0 && shape.currency != normal { return false }
                shape.currency = normal
                if prefix { lo += n } else { hi -= n }
                trim()
                return true
            }
            return true
        }
        func takeSign() {
            if lo < hi, b[lo] == 0x2D { shape.negative.toggle(); lo += 1; trim() }
            else if lo + 2 < hi, b[lo] == 0xE2, b[lo + 1] == 0x88, b[lo + 2] == 0x92 { shape.negative.toggle(); lo += 3; trim() }
        }
        func takePercent() {
            if hi > lo, b[hi - 1] == 0x25 { shape.percent = true; hi -= 1; trim() }
        }
        trim()
        takePercent()
        takeSign()
        guard takeCurrency() else { return nil }
        takeSign()
        if hi - lo >= 2, b[lo] == 0x28, b[hi - 1] == 0x29 {
            shape.negative.toggle()
            shape.parentheses = true
            lo += 1
            hi -= 1
            trim()
            guard takeCurrency() else { return nil }
            takeSign()
        }
        guard takeCurrency() else { return nil }
        if !shape.percent { takePercent() }
        guard !(shape.percent && shape.currency != 0), lo < hi, b[lo] &- 0x30 <= 9, b[hi - 1] &- 0x30 <= 9 else { return nil }
        shape.core = lo..<hi
        var i = lo
        var group = 0
        var groups = 0
        while i < hi {
            let c = b[i]
            if c &- 0x30 <= 9 { group += 1; i += 1; continue }
            var kind: UInt8 = 0, width = 1
            switch c {
            case 0x2C: kind = 1
            case 0x2E: kind = 2
            case 0x20: kind = 4
            case 0x27: kind = 8
            case 0xC2 where i + 1 < hi && b[i + 1] == 0xA0: kind = 4; width = 2
            case 0xE2 where i + 2 < hi && b[i + 1] == 0x80 && b[i + 2] == 0xAF: kind = 4; width = 3
            case 0xE2 where i + 2 < hi && b[i + 1] == 0x80 && b[i + 2] == 0x99: kind = 8; width = 3
            default: return nil
            }
            guard group > 0 else { return nil }   // two separators in a row
            if groups == 0 { shape.firstGroup = group }
            groups += 1
            shape.separators += 1
            shape.separatorKinds |= kind
            shape.lastSeparator = kind == 1 ? 0x2C : kind == 2 ? 0x2E : kind == 4 ? 0x20 : 0x27
            group = 0
            i += width
        }
        if groups == 0 { shape.firstGroup = group }
        shape.lastGroup = group
        return shape
    }

    /// The number a shape stands for with `mark` as the decimal mark (0: none), or nil when
    /// its separators do not fit (a thousands group of other than three digits).
    static func value(_ b: UnsafeBufferPointer<UInt8>, _ shape: Shape, mark: UInt8) -> (Double, fraction: Bool)? {
        var whole: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var inFraction = false
        var group = 0, seenSeparator = false
        var i = shape.core.lowerBound
        while i < shape.core.upperBound {
            let c = b[i]
            if c &- 0x30 <= 9 {
                if digits >= 18 { return nil }
                whole = whole * 10 + Int64(c &- 0x30)
                digits += whole == 0 ? 0 : 1
                if inFraction { fractionDigits += 1 }
                group += 1
                i += 1
                continue
            }
            let width = c == 0xC2 ? 2 : c == 0xE2 ? 3 : 1
            let char: UInt8 = c == 0xC2 || (c == 0xE2 && b[i + 2] == 0xAF) ? 0x20 : c == 0xE2 ? 0x27 : c
            // Before a separator: at most three digits first, three after each thousands separator.
            guard !inFraction, seenSeparator ? group == 3 : (char == mark || group <= 3) else { return nil }
            if char == mark { inFraction = true }
            seenSeparator = true
            group = 0
            i += width
        }
        // The last group after a thousands separator has three digits.
        if seenSeparator && !inFraction && group != 3 { return nil }
        var number = fractionDigits == 0 ? Double(whole) : Double(whole) / pow10(fractionDigits)
        if shape.negative { number = -number }
        if shape.percent { number = DecimalSum.settled(number / 100, magnitude: (number / 100).magnitude) }
        return (number, fractionDigits > 0)
    }

    private static func pow10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// The column's numbers, or nil unless every value is one under one reading. `values`:
    /// per dictionary entry, its UTF-8 bytes (nil: empty).
    static func read(_ dictionary: TextDictionary, europeanFile: Bool, decimalMark said: Character? = nil) -> Read? {
        var shapes: [Shape?] = []
        shapes.reserveCapacity(dictionary.count)
        var currency: UInt8 = 0
        var anyPeopleSign = false
        var decimalMarks = Set<UInt8>()
        var ambiguous = Set<UInt8>()
        var grouping = Set<UInt8>()
        var percentCount = 0, filled = 0
        var combined = false
        for i in 0..<dictionary.count {
            let got: Shape?? = dictionary.withUTF8(i) { b -> Shape?? in
                if isBlank(b) { return .some(nil) }
                guard let shape = shape(b) else { return nil }
                return .some(shape)
            }
            guard let entry = got else { return nil }
            guard let p = entry else { shapes.append(nil); continue }
            filled += 1
            if p.currency != 0 {
                if currency != 0 && currency != p.currency { return nil }   // $ and € in one column: not one sum
                currency = p.currency
            }
            if p.percent { percentCount += 1 }
            if p.currency != 0 || p.percent || p.parentheses || p.separators > 0 { anyPeopleSign = true }
            if dictionary.withUTF8(i, { isCode(p, $0) }) { return nil }
            let kinds = p.separatorKinds.nonzeroBitCount
            if kinds > 2 { return nil }
            if kinds == 2 {
                guard p.lastSeparator == 0x2C || p.lastSeparator == 0x2E else { return nil }
                decimalMarks.insert(p.lastSeparator)
                combined = true
            } else if kinds == 1, p.lastSeparator == 0x2C || p.lastSeparator == 0x2E {
                if p.separators > 1 {
                    grouping.insert(p.lastSeparator)   // 1.234.567: only thousands have two
                } else if p.lastGroup == 3 {
                    ambiguous.insert(p.lastSeparator)
                } else {
                    decimalMarks.insert(p.lastSeparator)
                }
            }
            shapes.append(p)
        }
        guard filled > 0, anyPeopleSign, decimalMarks.count <= 1 else { return nil }
        if let said {
            decimalMarks = [said == "," ? 0x2C : 0x2E]
        } else if let mark = decimalMarks.first, ambiguous.contains(where: { $0 != mark }), !combined, !grouping.contains(where: { $0 != mark }) {
            // `5,5` and `5.555` in one column, and no value like `1.234,5` or `1.234.567` to show
            // that the other mark groups thousands: 5555 or 5.555 is a guess, so the column stays text.
            return nil
        } else if !grouping.isDisjoint(with: decimalMarks) || grouping.count > 1 {
            return nil
        } else if decimalMarks.isEmpty, let group = grouping.first, ambiguous.contains(where: { $0 != group }) {
            // `1.234.567` beside `1,234`: the comma is a decimal mark or a second grouping.
            return nil
        }
        // A percent column is percent throughout.
        guard percentCount == 0 || percentCount == filled else { return nil }
        let mark: UInt8 = decimalMarks.first ?? {
            if !grouping.isEmpty { return 0 }
            if ambiguous.contains(0x2C) && ambiguous.contains(0x2E) { return europeanFile ? 0x2C : 0x2E }
            if ambiguous.contains(0x2C) { return europeanFile ? 0x2C : 0 }
            if ambiguous.contains(0x2E) { return europeanFile ? 0 : 0x2E }
            return 0
        }()
        var out: [Double?] = []
        out.reserveCapacity(shapes.count)
        var integers = percentCount == 0
        for (i, shape) in shapes.enumerated() {
            guard let shape else { out.append(nil); continue }
            guard let (number, fraction) = dictionary.withUTF8(i, { value($0, shape, mark: mark) }) else { return nil }
            if fraction { integers = false }
            out.append(number)
        }
        return Read(values: out, integers: integers, percent: percentCount > 0,
                    foundDecimalComma: said == nil && mark == 0x2C && decimalMarks.contains(0x2C))
    }

    /// A code written with a leading zero (`09001`) is no amount.
    static func isCode(_ shape: Shape, _ bytes: some Collection<UInt8>) -> Bool {
        guard shape.separators == 0, shape.firstGroup > 1, shape.core.lowerBound < bytes.count else { return false }
        return bytes[bytes.index(bytes.startIndex, offsetBy: shape.core.lowerBound)] == 0x30
    }

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == 0x20 || $0 == 0x09 }
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
    /// part (from the first number followed by `:`) in seconds of the day. Read from UTF-8
    /// bytes: a column of a million timestamps has a million distinct values.
    static func tokens(_ b: UnsafeBufferPointer<UInt8>) -> (tokens: [Token], time: Int?)? {
        var tokens: [Token] = []
        tokens.reserveCapacity(4)
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c &- 0x30 <= 9 {
                var v = 0, digits = 0
                while i < n, b[i] &- 0x30 <= 9, digits < 9 { v = v * 10 + Int(b[i] &- 0x30); digits += 1; i += 1 }
                if i < n, b[i] &- 0x30 <= 9 { return nil }
                if i < n, b[i] == 0x3A {
                    // The time: H:MM[:SS[.fff]] [am|pm], to the end.
                    guard let seconds = timeOfDay(b, hour: v, from: i) else { return nil }
                    return (tokens, seconds)
                }
                tokens.append(.number(v, digits: digits))
                continue
            }
            if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || (c == 0xC3 && i + 1 < n) {
                // A word: ASCII letters and the accented letters of French and German (2 bytes).
                var word: [UInt8] = []
                while i < n {
                    let d = b[i]
                    if (d | 0x20) >= 0x61 && (d | 0x20) <= 0x7A { word.append(d | 0x20); i += 1 }
                    else if d == 0xC3, i + 1 < n { word.append(0xC3); word.append(b[i + 1] >= 0x80 && b[i + 1] <= 0x9E ? b[i + 1] + 0x20 : b[i + 1]); i += 2 }
                    else { break }
                    if word.count > 16 { return nil }
                }
                // Never an empty word: each pass of the loop moves on (fuzz-csv's finding 6).
                guard !word.isEmpty, tokens.count <= 6 else { return nil }
                tokens.append(.word(String(decoding: word, as: UTF8.self)))
                continue
            }
            switch c {
            case 0x20, 0x2C, 0x2E, 0x2D, 0x2F, 0x27: i += 1
            case 0xC2 where i + 1 < n && b[i + 1] == 0xA0: i += 2
            case 0xE2 where i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0x99 || b[i + 2] == 0xAF): i += 3
            default: return nil
            }
            if tokens.count > 6 { return nil }
        }
        return (tokens, nil)
    }

    /// `H:MM[:SS[.fff]] [am|pm]` from the colon at `colon` to the end; seconds of the day.
    static func timeOfDay(_ b: UnsafeBufferPointer<UInt8>, hour h: Int, from colon: Int) -> Int? {
        var i = colon + 1
        let n = b.count
        func two() -> Int? {
            guard i + 1 < n, b[i] &- 0x30 <= 9, b[i + 1] &- 0x30 <= 9 else { return nil }
            defer { i += 2 }
            return Int(b[i] &- 0x30) * 10 + Int(b[i + 1] &- 0x30)
        }
        guard let m = two(), m < 60 else { return nil }
        var s = 0
        if i < n, b[i] == 0x3A {
            i += 1
            guard let sec = two(), sec < 60 else { return nil }
            s = sec
            if i < n, b[i] == 0x2E { i += 1; while i < n, b[i] &- 0x30 <= 9 { i += 1 } }
        }
        while i < n, b[i] == 0x20 { i += 1 }
        var hour = h
        if i < n {
            guard i + 2 == n, (b[i] | 0x20) == 0x61 || (b[i] | 0x20) == 0x70, (b[i + 1] | 0x20) == 0x6D, (1...12).contains(h) else { return nil }
            hour = (b[i] | 0x20) == 0x61 ? (h == 12 ? 0 : h) : (h == 12 ? 12 : h + 12)
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
    static func showsShortYearFirst(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (t, _) = tokens(b), t.count == 3,
              case .number(let first, 2) = t[0], case .number(_, 2) = t[1], case .number(_, 2) = t[2] else { return false }
        return first > 31
    }

    /// One value: its kind and the first second of it (a month's or quarter's first day).
    /// `shortYearFirst`: three two-digit numbers are year, month, day (the column said so).
    static func parse(_ value: String, shortYearFirst: Bool = false) -> (kind: Kind, seconds: Int64, timed: Bool)? {
        var bytes = Array(value.utf8)
        return bytes.withUnsafeMutableBufferPointer { parse(UnsafeBufferPointer($0), shortYearFirst: shortYearFirst) }
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, shortYearFirst: Bool = false) -> (kind: Kind, seconds: Int64, timed: Bool)? {
        guard let (t, time) = tokens(b) else { return nil }
        let hasDashOrApostrophe = b.contains { $0 == 0x2D || $0 == 0x27 } || (0..<max(0, b.count - 2)).contains { b[$0] == 0xE2 && b[$0 + 1] == 0x80 && b[$0 + 2] == 0x99 }
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
                if case .number(_, 2) = t[1], !hasDashOrApostrophe { return nil }
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

    static func read(_ dictionary: TextDictionary) -> Read? {
        var out: [Int64?] = []
        out.reserveCapacity(dictionary.count)
        var kind: Kind? = nil
        var timed = false
        var shortYearFirst = false
        for i in 0..<dictionary.count where dictionary.withUTF8(i, { showsShortYearFirst($0) }) { shortYearFirst = true; break }
        for i in 0..<dictionary.count {
            let result: (kind: Kind, seconds: Int64, timed: Bool)?? = dictionary.withUTF8(i) { raw in
                var lo = 0, hi = raw.count
                while lo < hi, raw[lo] == 0x20 || raw[lo] == 0x09 { lo += 1 }
                while hi > lo, raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09 { hi -= 1 }
                if lo == hi { return .some(nil) }
                guard let parsed = parse(UnsafeBufferPointer(rebasing: raw[lo..<hi]), shortYearFirst: shortYearFirst) else { return nil }
                return .some(parsed)
            }
            guard let entry = result else { return nil }
            guard let parsed = entry else { out.append(nil); continue }
            if let known = kind, known != parsed.kind { return nil }
            kind = parsed.kind
            timed = timed || parsed.timed
            out.append(parsed.seconds)
        }
        guard let kind else { return nil }
        let described: String
        switch kind {
        case .month: described = "months as their first day"
        case .quarter: described = "quarters as their first day"
        case .date: described = (timed ? "timestamp" : "date") + (shortYearFirst ? ", two-digit year first (90.01.01 is 1990-01-01)" : "")
        }
        return Read(seconds: out, timed: timed && kind == .date, kind: described)
    }
}
