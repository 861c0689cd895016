import FunnelLanguage

/// What `:help` prints.
enum ShellHelp {
    static func text(topic: String) -> String {
        switch topic {
        case "":
            return """
                Statements end at the end of the line (or with ;); an open bracket or brace, or a line
                ending in an operator, goes on at the `...>` prompt. A bare expression prints its value.

                  leads = load "leads.csv"           load a CSV (types, delimiter, dates sniffed)
                  leads                              shape, column types, first rows
                  leads where score >= 60 by source  filter, group (also by month, quarter, week, year)
                  rule mql = score >= 60 and …       a named condition
                  kpi rate = count(leads where mql) / count(leads) as percent target >= 25%
                  rate by source                     a KPI per group
                  export leads by source to "out/x.csv"

                Commands:
                  :help [topic]      this text; topics: functions, keys, commands, keywords
                  :tables            loaded tables          :schema TABLE   columns and types
                  :rules  :kpis  :funnels                   definitions so far
                  :save FILE         the session's definitions as a script (:save! replaces a file)
                  :timing on|off     time each statement    :format table|csv|json|markdown
                  :plan STATEMENT    the plans a statement runs and the columns they read
                  :sql STATEMENT     the SQL a statement sends to a database (explain sql)
                  :reload            re-read loaded files that changed on disk
                  :quit              leave (or Ctrl-D on an empty line)
                """
        case "functions":
            return """
                Aggregates: count() count(t) count(x) count(distinct x) sum avg min max median p90 percentile(x, 0.75)
                            with a filter inside: count(leads where mql), count(where mql)
                Text:       lower upper trim length contains starts_with ends_with, and  x ~ "regex"
                Dates:      year quarter month week day weekday date date_trunc("month", d) days_between(a, b)
                            in_period(d, "2025-Q3") today
                Other:      coalesce abs round
                """
        case "keys":
            return """
                Emacs keys: Ctrl-A/E start/end of line, Ctrl-B/F and arrows move, Ctrl-K kill to end, Ctrl-W kill word,
                Up/Down history, Ctrl-R search history, Tab complete (columns of the table in scope, names, files
                inside load "…"), Ctrl-C clear the line or cancel a running statement, Ctrl-D on an empty line quit.
                """
        case "commands":
            return Shell.commandNames.joined(separator: " ")
        case "keywords":
            return Keyword.allCases.map(\.rawValue).joined(separator: " ")
        default:
            return "no help on '\(topic)'; topics: functions, keys, commands, keywords"
        }
    }
}
