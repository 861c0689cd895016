-- bench: reach=table   (end to end, DuckDB computes the reach once into a temporary table: its fastest)
-- W2: runway, the funnel by month against the plan (visits from sessions). Each stage is counted
-- in the month its own time falls in; months are the plan's; a month between the first and the
-- last month with any reached stage has an actual (0 if none), others none.
-- pace = cumulative actual / cumulative plan.
WITH stage_month AS (
    SELECT 1 AS k, date_trunc('month', created_at) AS m, count(*) AS n FROM reach WHERE r_leads GROUP BY 2
    UNION ALL SELECT 2, date_trunc('month', mql_at), count(*) FROM reach WHERE r_mqls GROUP BY 2
    UNION ALL SELECT 3, date_trunc('month', sql_at), count(*) FROM reach WHERE r_sqls GROUP BY 2
    UNION ALL SELECT 4, date_trunc('month', opp_at), count(*) FROM reach WHERE r_opps GROUP BY 2
    UNION ALL SELECT 5, date_trunc('month', customer_at), count(*) FROM reach WHERE r_customers GROUP BY 2
), span AS (
    SELECT min(m) AS lo, max(m) AS hi FROM stage_month
), visit_month AS (
    SELECT 0 AS k, date_trunc('month', "date") AS m, sum(sessions) AS n FROM sessions GROUP BY 2
), actual AS (
    SELECT * FROM stage_month UNION ALL SELECT * FROM visit_month
), planned AS (
    SELECT date_trunc('month', month) AS m, sum(visits) AS p0, sum(leads) AS p1, sum(mqls) AS p2,
           sum(sqls) AS p3, sum(opportunities) AS p4, sum(customers) AS p5
    FROM plan GROUP BY 1
), stages(k, stage) AS (
    VALUES (0, 'visits'), (1, 'leads'), (2, 'mqls'), (3, 'sqls'), (4, 'opportunities'), (5, 'customers')
), rows AS (
    SELECT p.m, s.k, s.stage,
           CASE WHEN p.m BETWEEN span.lo AND span.hi THEN coalesce(a.n, 0) END AS actual,
           [p0, p1, p2, p3, p4, p5][s.k + 1] AS plan
    FROM planned p CROSS JOIN stages s CROSS JOIN span
    LEFT JOIN actual a ON a.k = s.k AND a.m = p.m
)
SELECT strftime(m, '%Y-%m') AS month, stage, actual, plan, actual - plan AS variance,
       CASE WHEN plan <> 0 THEN actual / plan END AS "% of plan",
       CASE WHEN actual IS NOT NULL
            THEN sum(coalesce(actual, 0)) OVER w / nullif(sum(plan) OVER w, 0) END AS pace
FROM rows
WINDOW w AS (PARTITION BY k ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY k, m;
