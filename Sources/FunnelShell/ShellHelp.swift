import FunnelLanguage

/// What `:help` prints.
enum ShellHelp {
    static func text(topic: String) -> String {
        switch topic {
        case "":
            return """
                A statement ends at the end of the line (or with ;); an open bracket or
                brace, or a line ending in an operator, goes on at the `...>` prompt.
                A bare expression prints its value.

                  leads = load "leads.csv"          load a CSV (types and dates sniffed)
                  leads                             shape, column types, first rows
                  leads where score >= 60 by source filter, group (by month, quarter…)
                  rule mql = score >= 60 and …      a named condition
                  kpi rate = count(leads where mql) / count(leads) as percent
                  rate by source                    a KPI per group
                  export leads by source to "out/x.csv"

                Commands:
                  :help [topic]     this text; topics: functions, keys, commands,
                                    keywords
                  :tables           loaded tables
                  :schema TABLE     its columns and types
                  :rules :kpis :funnels             the definitions so far
                  :save FILE        the definitions as a script (:save! replaces)
                  :timing on|off    time each statement
                  :format F         table, csv, json or markdown
                  :expanded [auto]  one field per line (on, off, or auto: when a
                                    table is wider than the terminal)
                  :pager on|off     results taller than the terminal through less
                                    (or $FUNNEL_PAGER, $PAGER)
                  :plan STATEMENT   the plans a statement runs, the columns read
                  :sql STATEMENT    the SQL a statement sends to a database
                  :reload           re-read loaded files that changed on disk
                  :clear            clear the screen (or Ctrl-L, or clear)
                  :quit             leave (or Ctrl-D on an empty line, or exit)
                """
        case "functions":
            return """
                Aggregates: count() count(t) count(x) count(distinct x) sum avg min
                            max median p90 percentile(x, 0.75); with a filter
                            inside: count(leads where mql), count(where mql)
                Text:       lower upper trim length contains starts_with
                            ends_with, and x ~ "regex"
                Dates:      year quarter month week day weekday date
                            date_trunc("month", d) days_between(a, b)
                            in_period(d, "2025-Q3") today
                Other:      coalesce abs round
                """
        case "keys":
            return """
                Emacs keys: Ctrl-A/E start/end of line, Ctrl-B/F and arrows move,
                Ctrl-K kill to the end, Ctrl-W kill a word, Up/Down history,
                Ctrl-R search the history as you type (Ctrl-R again: older; Enter
                runs the match; Ctrl-G gives the line back), Tab complete (the
                columns of the table in scope, names, files inside load "…"),
                Ctrl-L clear the screen,
                Ctrl-C clear the line or cancel a running statement, Ctrl-D on an
                empty line quit.
                """
        case "commands":
            return wrapped(Shell.commandNames)
        case "keywords":
            return wrapped(Keyword.allCases.map(\.rawValue))
        default:
            return "no help on '\(topic)'; topics: functions, keys, commands, keywords"
        }
    }

    /// Words in lines of at most 78 columns: `:help` reads at 80.
    static func wrapped(_ words: [String]) -> String {
        var lines: [String] = []
        var line = ""
        for word in words {
            if !line.isEmpty && line.count + 1 + word.count > 78 {
                lines.append(line)
                line = word
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
