-- W2 on PostgreSQL 15 (Scripts/bench-postgres): runway, the funnel by month against the plan
-- (visits from sessions). A port of ../setup.sql + ../w2.sql (DuckDB), self-contained: the reach
-- chain over bench_leads, then each stage counted in the month its own time falls in; months are
-- the plan's (plan.month is the date of the month's first day); a month between the first and the
-- last month with any reached stage has an actual (0 if none), others none.
-- pace = cumulative actual / cumulative plan. Ratios in double precision.
--
-- As in DuckDB's version, the reach is counted once per stage (five UNION ALL branches over it).
-- Measured at 1M leads on PostgreSQL 15: this (reach materialized once) 1.5 s; one pass with a
-- LATERAL (VALUES ...) row per reached stage 7 s; GROUPING SETS over five month columns 2.0 s;
-- reach NOT MATERIALIZED (five scans of bench_leads) 2.7 s.
WITH b AS (
    SELECT created_at, mql_at, sql_at, opp_at, customer_at,
           coalesce(score >= 60 AND employees >= 50 AND title ~* 'vp|director|head|chief', false) AS mql
    -- OFFSET 0: b stays a subquery of its own, so the MQL rule (a regex) is worked out once per
    -- lead; without it PostgreSQL inlines the chain and evaluates the rule again inside every
    -- reach expression that depends on it (W3a 3x slower at 1M).
    FROM bench_leads OFFSET 0
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
), reach AS (
    SELECT *, r_opps AND customer_at IS NOT NULL AND customer_at >= opp_at AS r_customers FROM s5
), stage_month AS (
    -- reach is read five times: PostgreSQL computes it once (a CTE read more than once is
    -- materialized), then each branch counts one stage by month
    SELECT 1 AS k, date_trunc('month', created_at) AS m, count(*) AS n FROM reach WHERE r_leads GROUP BY 2
    UNION ALL SELECT 2, date_trunc('month', mql_at), count(*) FROM reach WHERE r_mqls GROUP BY 2
    UNION ALL SELECT 3, date_trunc('month', sql_at), count(*) FROM reach WHERE r_sqls GROUP BY 2
    UNION ALL SELECT 4, date_trunc('month', opp_at), count(*) FROM reach WHERE r_opps GROUP BY 2
    UNION ALL SELECT 5, date_trunc('month', customer_at), count(*) FROM reach WHERE r_customers GROUP BY 2
), span AS (
    SELECT min(m) AS lo, max(m) AS hi FROM stage_month
), visit_month AS (
    SELECT 0 AS k, date_trunc('month', "date"::timestamp) AS m, sum(sessions) AS n FROM sessions GROUP BY 2
), actual AS (
    SELECT * FROM stage_month UNION ALL SELECT * FROM visit_month
), planned AS (
    SELECT date_trunc('month', month::timestamp) AS m, sum(visits) AS p0, sum(leads) AS p1, sum(mqls) AS p2,
           sum(sqls) AS p3, sum(opportunities) AS p4, sum(customers) AS p5
    FROM plan GROUP BY 1
), stages(k, stage) AS (
    VALUES (0, 'visits'), (1, 'leads'), (2, 'mqls'), (3, 'sqls'), (4, 'opportunities'), (5, 'customers')
), rows AS (
    SELECT p.m, s.k, s.stage,
           CASE WHEN p.m BETWEEN span.lo AND span.hi THEN coalesce(a.n, 0) END AS actual,
           (ARRAY[p0, p1, p2, p3, p4, p5])[s.k + 1] AS plan
    FROM planned p CROSS JOIN stages s CROSS JOIN span
    LEFT JOIN actual a ON a.k = s.k AND a.m = p.m
)
SELECT to_char(m, 'YYYY-MM') AS month, stage, actual, plan, actual - plan AS variance,
       CASE WHEN plan <> 0 THEN actual::float8 / plan END AS "% of plan",
       CASE WHEN actual IS NOT NULL
            THEN (sum(coalesce(actual, 0)) OVER w)::float8 / nullif(sum(plan) OVER w, 0) END AS pace
FROM rows
WINDOW w AS (PARTITION BY k ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY k, m;
