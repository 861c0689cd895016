// `dates "…"` with an explicit pattern, for the date shapes the reader does not find by itself:
// `yyyymmdd`, `dd-MMM-yyyy`, `yyyy/mm/dd HH:mm`, `d.m.yy`, ….

/// A date pattern: fields and the literal text between them.
///
/// Fields: `yyyy` (year), `yy` (two-digit year, 69–99 are 19xx), `mm` or `m` (month, 1 or 2
/// digits), `MMM` / `MMMM` (a month name: English, French or German), `dd` or `d` (day), `HH` or
/// `H` (hour), `mm` right after `HH:` (minutes), `ss` (seconds), `am` / `AM` (am or pm). Any
/// other character must be written as it is.
public struct CSVDatePattern: Sendable, Equatable {
    enum Field: Equatable {
        case year, shortYear, month, monthName, day, hour, minute, second, meridiem
        case literal(Character)
    }

    let fields: [Field]
    public let text: String

    /// nil when the pattern has no year and month.
    public init?(_ text: String) {
        var fields: [Field] = []
        let characters = Array(text)
        var i = 0
        func run(_ c: Character) -> Int {
            var n = 0
            while i + n < characters.count && characters[i + n] == c { n += 1 }
            return n
        }
        while i < characters.count {
            let c = characters[i]
            let n = run(c)
            switch c {
            case "y":
                guard n == 4 || n == 2 else { return nil }
                fields.append(n == 4 ? .year : .shortYear)
            case "M" where n >= 3:
                fields.append(.monthName)
            case "m", "M":
                guard n <= 2 else { return nil }
                // After an hour and a colon, mm is minutes.
                let afterHour = fields.count >= 2 && fields[fields.count - 1] == .literal(":") && fields[fields.count - 2] == .hour
                fields.append(afterHour ? .minute : .month)
            case "d":
                guard n <= 2 else { return nil }
                fields.append(.day)
            case "H", "h":
                guard n <= 2 else { return nil }
                fields.append(.hour)
            case "s":
                guard n == 2 else { return nil }
                fields.append(.second)
            case "a", "A":
                if i + 1 < characters.count, characters[i + 1] == "m" || characters[i + 1] == "M" {
                    fields.append(.meridiem)
                    i += 2
                    continue
                }
                for _ in 0..<n { fields.append(.literal(c)) }
            default:
                for _ in 0..<n { fields.append(.literal(c)) }
            }
            i += n
        }
        let has = { (f: Field) in fields.contains(f) }
        // A pattern without a day is a month: each value is its first day (`yyyy-mm`).
        guard has(.year) || has(.shortYear), has(.month) || has(.monthName) else { return nil }
        self.fields = fields
        self.text = text
    }

    public var hasTime: Bool { fields.contains(.hour) }

    /// Seconds since 1970 of `value`, or nil when it does not follow the pattern.
    public func seconds(_ value: String) -> Int64? {
        let characters = Array(value.lowercased())
        var i = 0
        var year = 0, month = 0, day = 1, hour = 0, minute = 0, second = 0
        var meridiem: Character? = nil
        func digits(max: Int, exactly: Bool) -> Int? {
            var v = 0, n = 0
            while i < characters.count && n < max, let d = characters[i].wholeNumberValue, characters[i].isASCII {
                v = v * 10 + d
                n += 1
                i += 1
            }
            return n == 0 || (exactly && n != max) ? nil : v
        }
        for field in fields {
            switch field {
            case .year: guard let v = digits(max: 4, exactly: true) else { return nil }; year = v
            case .shortYear: guard let v = digits(max: 2, exactly: true) else { return nil }; year = CSVTemporal.fullYear(v)
            case .month: guard let v = digits(max: 2, exactly: false) else { return nil }; month = v
            case .day: guard let v = digits(max: 2, exactly: false) else { return nil }; day = v
            case .hour: guard let v = digits(max: 2, exactly: false) else { return nil }; hour = v
            case .minute: guard let v = digits(max: 2, exactly: true) else { return nil }; minute = v
            case .second: guard let v = digits(max: 2, exactly: true) else { return nil }; second = v
            case .monthName:
                var word = ""
                while i < characters.count, characters[i].isLetter { word.append(characters[i]); i += 1 }
                guard let m = PeopleDates.months[word] else { return nil }
                month = m
                if i < characters.count, characters[i] == "." { i += 1 }
            case .meridiem:
                guard i + 1 < characters.count, characters[i] == "a" || characters[i] == "p", characters[i + 1] == "m" else { return nil }
                meridiem = characters[i]
                i += 2
            case .literal(let c):
                guard i < characters.count, String(characters[i]) == String(c).lowercased() else { return nil }
                i += 1
            }
        }
        guard i == characters.count else { return nil }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            hour = meridiem == "a" ? (hour == 12 ? 0 : hour) : (hour == 12 ? 12 : hour + 12)
        }
        guard CSVTemporal.isValid(year, month, day), hour < 24, minute < 60, second < 60 else { return nil }
        return Int64(CSVTemporal.days(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}
