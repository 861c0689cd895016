-- The funnel's reach per lead on PostgreSQL 15 (Scripts/bench-postgres runs it before each of
-- w1.sql, w2.sql, w3.sql, in the same psql session): a port of ../setup.sql (DuckDB) over
-- bench_leads, the leads table the benchmark loads. Counts are bigint; the workloads work out every
-- rate in double precision (DuckDB's `/` is a float division, PostgreSQL's divides integers).
--
-- Reach, as docs/metrics.md defines it: leads at created_at; mqls at mql_at where mql optional;
-- sqls at sql_at; opportunities at opp_at; customers at customer_at. A stage is reached when the
-- previous one was (or was the optional stage the row could enter), its time is not null, its
-- where is true, and its time is not before the time of the last stage the row reached. A query
-- that does not read a column of the view (src, revenue) does not compute it.
CREATE TEMP VIEW reach AS
WITH b AS (
    SELECT lower(trim(source)) AS src, created_at, mql_at, sql_at, opp_at, customer_at, revenue,
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
)
SELECT *, r_opps AND customer_at IS NOT NULL AND customer_at >= opp_at AS r_customers FROM s5;
