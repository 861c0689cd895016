import FunnelEngine

/// A PostgreSQL column type, and how funnel keeps its values.
public struct DatabaseType: Sendable, Hashable {
    /// The type's OID (pg_type.oid).
    public var oid: UInt32
    /// As `format_type` writes it: "bigint", "numeric(12,2)", "timestamp with time zone".
    public var name: String

    public init(oid: UInt32, name: String) {
        self.oid = oid
        self.name = name
    }

    /// The column type funnel reads it as; nil for a type it keeps as text (json, arrays,
    /// intervals, network addresses: read in their text form, and said so).
    public var columnType: ColumnType? {
        switch oid {
        case 20, 21, 23, 26: return .integer              // int8, int2, int4, oid
        case 700, 701, 1700, 790: return .decimal         // float4, float8, numeric, money
        case 16: return .boolean
        case 1082: return .date
        case 1114, 1184: return .timestamp                // timestamp, timestamptz (read in UTC)
        case 25, 1043, 1042, 19, 18, 2950: return .text   // text, varchar, bpchar, name, char, uuid
        default: return nil
        }
    }

    /// The select-list expression that gives a column's values in the form `DatabaseColumns`
    /// decodes: eight-byte integers and doubles, dates, UTC wall-clock timestamps, text. A value
    /// funnel has no form for (±infinity, NaN) is null here, so that fetched columns, counts of
    /// nulls and aggregates on the server all see the same nulls.
    public func selectExpression(_ quotedColumn: String) -> String {
        switch (columnType, oid) {
        case (.integer?, 20): return quotedColumn
        case (.integer?, _): return "\(quotedColumn)::int8"
        case (.decimal?, 790): return "\(quotedColumn)::numeric::float8"
        case (.decimal?, _):
            let double = oid == 701 ? quotedColumn : "\(quotedColumn)::float8"
            return "nullif(nullif(nullif(\(double), 'NaN'::float8), 'Infinity'::float8), '-Infinity'::float8)"
        case (.date?, _): return "(case when isfinite(\(quotedColumn)) then \(quotedColumn) end)"
        case (.timestamp?, 1184): return "(case when isfinite(\(quotedColumn)) then \(quotedColumn) at time zone 'UTC' end)"
        case (.timestamp?, _): return "(case when isfinite(\(quotedColumn)) then \(quotedColumn) end)"
        case (.text?, 25): return quotedColumn
        case (.boolean?, _): return quotedColumn
        default: return "\(quotedColumn)::text"
        }
    }

    /// The type funnel keeps it as (text for those it has no type for).
    public var keptType: ColumnType { columnType ?? .text }
}
