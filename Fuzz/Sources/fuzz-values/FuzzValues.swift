// libFuzzer target: `--set` values and the CSV reader's value parsing and type inference, on
// arbitrary fields (docs/fuzzing.md).
//
// Input: one option byte, then fields separated by line feeds (at most 64 are used).
//   bits 0-1: delimiter of the one-column CSV built from the fields (`,` `;` tab `|`)
//   bit 2:    fields quoted ("…", quotes doubled) or written as they are
//   bits 3-4: decimal comma (sniffed, yes, no); bits 5-6: date order (decided, day first, month first)
//   bit 7:    also a second column `w` holding the fields in reverse order
// Checks, besides "no crash, hang or leak":
// - a `--set` value read as a non-negative integer or a date reads back the same from its own text;
// - when the CSV column is typed integer, each of its first fields read alone is that integer too.
import FunnelEngine
import FunnelLanguage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValues(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count >= 1 else { return 0 }
    let flags = start[0]
    let body = UnsafeBufferPointer(start: start + 1, count: count - 1)
    let fields = body.split(separator: UInt8(ascii: "\n"), maxSplits: 64, omittingEmptySubsequences: false)
        .prefix(64).map { Array($0) }

    for field in fields { checkParameter(String(decoding: field, as: UTF8.self)) }

    let delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")][Int(flags & 3)]
    let quoted = flags & 4 != 0
    var options = CSVOptions()
    options.delimiter = delimiter
    switch (flags >> 3) & 3 {
    case 1: options.decimalComma = true
    case 2: options.decimalComma = false
    default: break
    }
    switch (flags >> 5) & 3 {
    case 1: options.dateOrder = .dayFirst
    case 2: options.dateOrder = .monthFirst
    default: break
    }
    let second = flags & 0x80 != 0
    let columns = second ? zip(fields, fields.reversed()).map { [$0, $1] } : fields.map { [$0] }
    let csv = makeCSV(header: second ? ["v", "w"] : ["v"], rows: columns, delimiter: delimiter, quoted: quoted)
    guard let table = read(csv, options), let column = table.column(named: "v") else { return 0 }
    for row in 0..<column.count { _ = column.value(at: row) }

    // A column typed integer holds only integers: each field alone reads as the same integer.
    // (Unquoted, a CR or a quote in a field changes the rows, so there is nothing to compare.)
    let plain = quoted || !fields.contains { $0.contains(UInt8(ascii: "\r")) || $0.contains(UInt8(ascii: "\"")) }
    if !second, plain, case .integer = column.storage, column.count == fields.count {
        for (row, field) in fields.prefix(8).enumerated() where !column.isNull(row) {
            let alone = makeCSV(header: ["v"], rows: [[field]], delimiter: delimiter, quoted: quoted)
            guard let single = read(alone, options)?.column(named: "v"), single.count == 1 else {
                fatalError("fuzz-values: field \(row + 1) \(String(reflecting: String(decoding: field, as: UTF8.self))) of an integer column cannot be read alone")
            }
            let together = column.value(at: row), apart = single.value(at: 0)
            if together != apart {
                fatalError("fuzz-values: field \(row + 1) \(String(reflecting: String(decoding: field, as: UTF8.self))) reads as \(together) in its column but \(apart) alone")
            }
        }
    }
    return 0
}

private func checkParameter(_ text: String) {
    let value = Parameters.parse(text)
    switch value {
    case .integer(let n) where n >= 0:
        let again = Parameters.parse(String(n))
        if again != value { fatalError("fuzz-values: --set \(String(reflecting: text)) is \(value) but \(n) reads back as \(again)") }
    case .date(let d):
        let shown = CivilDate.format(days: Int(d))
        let again = Parameters.parse(shown)
        if again != value { fatalError("fuzz-values: --set \(String(reflecting: text)) is \(value) but \(shown) reads back as \(again)") }
    default:
        break
    }
}

private func makeCSV(header: [String], rows: [[[UInt8]]], delimiter: UInt8, quoted: Bool) -> [UInt8] {
    var out = Array(header.joined(separator: String(UnicodeScalar(delimiter))).utf8)
    out.append(UInt8(ascii: "\n"))
    for row in rows {
        for (k, field) in row.enumerated() {
            if k > 0 { out.append(delimiter) }
            if quoted {
                out.append(UInt8(ascii: "\""))
                for b in field {
                    out.append(b)
                    if b == UInt8(ascii: "\"") { out.append(b) }
                }
                out.append(UInt8(ascii: "\""))
            } else {
                out += field
            }
        }
        out.append(UInt8(ascii: "\n"))
    }
    return out
}

private func read(_ bytes: [UInt8], _ options: CSVOptions) -> Table? {
    do {
        return try CSVReader.parse(bytes: bytes, path: "fuzz.csv", name: "t", options: options).table
    } catch {
        _ = error.message.count
        return nil
    }
}
