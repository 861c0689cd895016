-- Shared set-up of the funnel workloads: the four tables and the funnel's reach per lead.
-- Scripts/bench fills in the paths and the kind of the four tables: views end to end (each query
-- reads the CSV, and only the columns it needs), tables for the warm runs (loaded once).
-- leads.csv's dialect is spelled out (Scripts/bench fills in: comma, '"' quotes doubled inside, a
-- header): the wide shape's free text holds commas, quotes and line breaks. Types stay sniffed.
CREATE LOAD_KIND leads    AS SELECT * FROM read_csv_auto('LEADS_PATH', LEADS_DIALECT);
CREATE LOAD_KIND sessions AS SELECT * FROM read_csv_auto('SESSIONS_PATH');
CREATE LOAD_KIND spend    AS SELECT * FROM read_csv_auto('SPEND_PATH');
-- The plan's months are written 2025-01, as plan spreadsheets write them: DuckDB is told so.
CREATE LOAD_KIND plan     AS SELECT * REPLACE (CAST(month || '-01' AS DATE) AS month)
                             FROM read_csv_auto('PLAN_PATH', types = {'month': 'VARCHAR'});

-- The funnel, as docs/metrics.md defines reach:
--   leads at created_at; mqls at mql_at where mql optional; sqls at sql_at; opportunities at
--   opp_at; customers at customer_at. A stage is reached when the previous one was (or was an
--   optional stage the row could enter), its time is not null, its where is true, and its time
--   is not before the time of the last stage the row reached.
-- r_* = reached; t_prev_* = the time of the last reached stage before it (velocity's "from").
-- funnel_reach(s) uses the MQL rule with score >= s (the what-if changes it); reach is the funnel
-- as defined, a view (computed by each query) or, where a workload asks, a table (once).
CREATE TEMP MACRO funnel_reach(min_score) AS TABLE
WITH b AS (
    SELECT lower(trim(source)) AS src, created_at, mql_at, sql_at, opp_at, customer_at, revenue,
           coalesce(score >= min_score AND employees >= 50
                    AND regexp_matches(title, 'vp|director|head|chief', 'i'), false) AS mql
    FROM leads
), s1 AS (
    SELECT *, created_at IS NOT NULL AS r_leads FROM b
), s2 AS (
    SELECT *, r_leads AND mql AND mql_at IS NOT NULL AND mql_at >= created_at AS r_mqls FROM s1
), s3 AS (
    SELECT *, CASE WHEN r_mqls THEN mql_at ELSE created_at END AS t_prev_sqls FROM s2
), s4 AS (
    -- mqls is optional: a lead that reached leads may go on to sqls without it
    SELECT *, (r_mqls OR r_leads) AND sql_at IS NOT NULL AND sql_at >= t_prev_sqls AS r_sqls FROM s3
), s5 AS (
    SELECT *, r_sqls AND opp_at IS NOT NULL AND opp_at >= sql_at AS r_opps FROM s4
)
SELECT *, r_opps AND customer_at IS NOT NULL AND customer_at >= opp_at AS r_customers FROM s5;
CREATE TEMP REACH_KIND reach AS SELECT * FROM funnel_reach(60);
