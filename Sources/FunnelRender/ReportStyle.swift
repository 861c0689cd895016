/// The report's stylesheet: a system font stack, neutral greys, one blue accent (with five muted
/// companions for extra series), green and red for targets met and missed (always with text), and
/// print rules for A4. Kept free of `<`, `>` and `&` so the page stays well-formed XML.
enum ReportStyle {
    static let css = """
    :root {
      --ink: #1d2733; --muted: #5f6b7a; --faint: #8a96a3; --line: #e3e7ec; --track: #eef1f5;
      --paper: #ffffff; --canvas: #f3f5f8; --accent: #2458d6; --accent-soft: #e8eefc;
      --good: #17753d; --good-bg: #e3f5e9; --bad: #b42318; --bad-bg: #fdecea;
      --c0: #2458d6; --c1: #0f8a7e; --c2: #c47a12; --c3: #7a4fd0; --c4: #c2417a; --c5: #52606d;
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body {
      margin: 0; background: var(--canvas); color: var(--ink);
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
        "Liberation Sans", "DejaVu Sans", sans-serif;
      font-size: 15px; line-height: 1.5; font-variant-numeric: tabular-nums;
      -webkit-print-color-adjust: exact; print-color-adjust: exact;
    }
    .report { max-width: 1040px; margin: 0 auto; padding: 32px 28px 48px; }
    .report-header {
      background: var(--paper); border-top: 5px solid var(--accent); border-radius: 10px;
      padding: 26px 32px 24px; margin-bottom: 28px; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.06);
    }
    .eyebrow { margin: 0 0 4px; color: var(--accent); font-size: 12px; font-weight: 600;
      letter-spacing: 0.08em; text-transform: uppercase; }
    h1 { margin: 0; font-size: 30px; line-height: 1.2; font-weight: 700; letter-spacing: -0.01em; }
    .meta { display: flex; flex-wrap: wrap; gap: 6px 28px; margin-top: 12px; color: var(--muted); font-size: 14px; }
    .meta-value { color: var(--ink); font-weight: 600; }
    .parameters { display: flex; flex-wrap: wrap; gap: 8px; margin: 16px 0 0; padding: 0; }
    .parameter { display: inline-flex; align-items: baseline; gap: 6px; background: var(--accent-soft);
      border-radius: 999px; padding: 3px 12px; font-size: 13px; }
    .parameter dt { color: var(--muted); }
    .parameter dt::after { content: " ="; }
    .parameter dd { margin: 0; font-weight: 600; color: var(--ink); }
    .section-heading { margin: 36px 0 14px; font-size: 20px; font-weight: 650; padding-bottom: 6px;
      border-bottom: 1px solid var(--line); }
    .block { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
      padding: 20px 24px 18px; margin: 0 0 20px; break-inside: avoid; page-break-inside: avoid; }
    .block h3 { margin: 0 0 14px; font-size: 16px; font-weight: 650; }
    .chart-notes { margin: -6px 0 12px; color: var(--muted); font-size: 14px; }
    .chart-notes p { margin: 0 0 2px; }
    .pace-title { margin: 18px 0 6px; font-size: 13px; font-weight: 600; color: var(--muted);
      text-transform: uppercase; letter-spacing: 0.06em; }
    .prose { margin: 0 0 18px; max-width: 72ch; color: var(--ink); }
    .prose p { margin: 0 0 10px; }
    .empty-report, .empty { color: var(--muted); font-style: italic; }
    .footnote { margin: 10px 0 0; color: var(--muted); font-size: 13px; }

    .kpis { margin: 0 0 20px; }
    .kpi-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 14px; }
    .kpi { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 14px;
      border-top: 4px solid var(--line); break-inside: avoid; page-break-inside: avoid; display: flex; flex-direction: column; }
    .kpi.met { border-top-color: var(--good); }
    .kpi.missed { border-top-color: var(--bad); }
    .kpi-name { color: var(--muted); font-size: 13px; font-weight: 600; overflow-wrap: anywhere; }
    .kpi-value { font-size: 30px; font-weight: 700; line-height: 1.2; margin: 6px 0 10px; letter-spacing: -0.01em;
      overflow-wrap: anywhere; }
    .kpi-value.long { font-size: 24px; }
    .kpi-value.longer { font-size: 17px; }
    .kpi-value.null { color: var(--faint); }
    .kpi-foot { margin-top: auto; display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between;
      gap: 6px; font-size: 13px; color: var(--muted); }
    .badge { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 700; }
    .badge.met { color: var(--good); background: var(--good-bg); }
    .badge.missed { color: var(--bad); background: var(--bad-bg); }

    svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
    svg.chart text { font-family: inherit; font-size: 13px; fill: var(--ink); }
    svg.chart .head { font-size: 11px; fill: var(--faint); text-transform: uppercase; letter-spacing: 0.06em; }
    svg.chart .no-data { fill: var(--faint); font-style: italic; }
    .funnel-chart .stage-label { font-size: 14px; font-weight: 600; }
    .funnel-chart .bar-track { fill: var(--track); }
    .funnel-chart .bar { fill: var(--accent); }
    .funnel-chart .bar-break { fill: none; stroke: #ffffff; stroke-width: 4; }
    .funnel-chart .count { font-size: 14px; font-weight: 700; }
    .funnel-chart .count.inside { fill: #ffffff; }
    .funnel-chart .share { fill: var(--muted); }
    .funnel-chart .step-arrow { fill: none; stroke: var(--faint); stroke-width: 1.5; stroke-linecap: round; stroke-linejoin: round; }
    .funnel-chart .conversion { font-weight: 700; fill: var(--accent); }
    .series-chart .grid { stroke: var(--line); stroke-width: 1; }
    .series-chart .grid.zero { stroke: #c3cad3; }
    .series-chart .y-label, .series-chart .x-label { font-size: 12px; fill: var(--muted); }
    .series-chart .legend-label { fill: var(--ink); }
    .series-chart .line, .series-chart .legend-line { fill: none; stroke-width: 2.25; stroke-linejoin: round; stroke-linecap: round; }
    .series-chart .plan.line, .series-chart .plan.legend-line { stroke-dasharray: 6 5; stroke-width: 2; opacity: 0.55; }
    .series-chart .point, .series-chart .legend-point { stroke-width: 2; stroke: #ffffff; }
    .series-chart .plan.point, .series-chart .plan.legend-point { fill: #ffffff; stroke-width: 1.75; }
    .c0.line, .c0.legend-line, .c0.plan.point, .c0.plan.legend-point { stroke: var(--c0); }
    .c1.line, .c1.legend-line, .c1.plan.point, .c1.plan.legend-point { stroke: var(--c1); }
    .c2.line, .c2.legend-line, .c2.plan.point, .c2.plan.legend-point { stroke: var(--c2); }
    .c3.line, .c3.legend-line, .c3.plan.point, .c3.plan.legend-point { stroke: var(--c3); }
    .c4.line, .c4.legend-line, .c4.plan.point, .c4.plan.legend-point { stroke: var(--c4); }
    .c5.line, .c5.legend-line, .c5.plan.point, .c5.plan.legend-point { stroke: var(--c5); }
    .c0.point, .c0.legend-point { fill: var(--c0); }
    .c1.point, .c1.legend-point { fill: var(--c1); }
    .c2.point, .c2.legend-point { fill: var(--c2); }
    .c3.point, .c3.legend-point { fill: var(--c3); }
    .c4.point, .c4.legend-point { fill: var(--c4); }
    .c5.point, .c5.legend-point { fill: var(--c5); }
    .series-chart .plan.point, .series-chart .plan.legend-point { fill: #ffffff; }
    .series-chart.dense .point:not(.plan) { stroke: none; }
    .bar-chart .bar-track { fill: var(--track); }
    .bar-chart .bar { fill: var(--accent); }
    .bar-chart .bar.negative { fill: var(--bad); }
    .bar-chart .bar-value { font-weight: 600; }
    .bar-chart .bar-value.null { fill: var(--faint); font-weight: 400; }
    .bar-chart .zero-line { stroke: var(--faint); stroke-width: 1; }

    .table-wrap { overflow-x: auto; }
    .result-table { width: 100%; border-collapse: collapse; font-size: 14px; }
    .result-table th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase;
      letter-spacing: 0.04em; padding: 8px 12px; border-bottom: 2px solid var(--line); white-space: nowrap; }
    .result-table td { padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: middle; }
    .result-table tbody tr:nth-child(even) td { background: #fafbfc; }
    .result-table tbody tr:last-child td { border-bottom: none; }
    .result-table .num { text-align: right; white-space: nowrap; }
    .result-table .null { color: var(--faint); }
    .bar-cell { min-width: 170px; }
    .cell-bar { display: inline-block; vertical-align: middle; width: 110px; height: 10px; border-radius: 5px;
      background: var(--track); margin-right: 10px; overflow: hidden; }
    .cell-bar-fill { display: block; height: 100%; background: var(--accent); border-radius: 5px; }
    .cell-bar-value { display: inline-block; min-width: 52px; }
    .report-footer { margin-top: 32px; color: var(--faint); font-size: 12px; text-align: center; }
    .table-part { margin: 14px 0 6px; color: var(--muted); font-size: 12px; font-weight: 600;
      text-transform: uppercase; letter-spacing: 0.05em; }
    .table-part:first-child { margin-top: 0; }
    .result-table td.above { color: var(--good); font-weight: 600; }
    .result-table td.below { color: var(--bad); font-weight: 600; }
    .result-table.sheet td:first-child { font-weight: 600; }

    svg.chart.narrow { display: none; }
    @media screen and (max-width: 640px) {
      body { font-size: 14px; }
      .report { padding: 12px 8px 32px; }
      .report-header { padding: 18px 16px; }
      h1 { font-size: 24px; }
      .block { padding: 14px 12px; }
      svg.chart.wide { display: none; }
      svg.chart.narrow { display: block; }
      .result-table thead { display: none; }
      .result-table, .result-table tbody, .result-table tr, .result-table td { display: block; width: 100%; }
      .result-table tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 4px 10px; }
      .result-table tbody tr:nth-child(even) td { background: none; }
      .result-table td { display: flex; justify-content: space-between; align-items: baseline; gap: 12px;
        padding: 4px 0; border-bottom: 1px solid var(--track); text-align: right; white-space: normal; }
      .result-table tbody tr td:last-child { border-bottom: none; }
      .result-table td::before { content: attr(data-label); color: var(--muted); font-size: 12px; font-weight: 600;
        text-align: left; text-transform: uppercase; letter-spacing: 0.04em; }
      .bar-cell { min-width: 0; }
      .cell-bar { width: 80px; }
    }

    @page { size: A4; margin: 14mm 12mm; }
    @media print {
      body { background: #ffffff; font-size: 12px; }
      .report { max-width: none; padding: 0; }
      .report-header { box-shadow: none; border: 1px solid var(--line); border-top: 5px solid var(--accent); padding: 16px 20px; }
      .block, .kpi { box-shadow: none; }
      .block { padding: 12px 16px; margin-bottom: 12px; }
      .section-heading { break-after: avoid; page-break-after: avoid; }
      .block h3 { break-after: avoid; page-break-after: avoid; }
      .result-table thead { display: table-header-group; }
      .result-table tr { break-inside: avoid; page-break-inside: avoid; }
      .result-table { font-size: 12px; }
      .result-table th { font-size: 10px; padding: 6px 8px; }
      .result-table td { padding: 5px 8px; }
      .table-wrap { overflow: visible; }
      .block.table-block { break-inside: auto; page-break-inside: auto; }
      .report-footer { display: none; }
    }

    """
}
