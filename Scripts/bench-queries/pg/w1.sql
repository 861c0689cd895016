-- W1 on PostgreSQL 15 (Scripts/bench-postgres): the funnel visits -> leads -> MQL -> SQL ->
-- opportunity -> customer by lower(trim(source)), step conversion and the worst step. A port of
-- ../w1.sql (DuckDB) over setup.sql's reach view, sessions from the sessions table. Every rate in
-- double precision.
WITH visits AS (
    SELECT lower(trim(source)) AS src, sum(sessions) AS visits FROM sessions GROUP BY 1
), g AS (
    SELECT src,
           count(*) FILTER (WHERE r_leads)     AS leads,
           count(*) FILTER (WHERE r_mqls)      AS mqls,
           count(*) FILTER (WHERE r_sqls)      AS sqls,
           count(*) FILTER (WHERE r_opps)      AS opportunities,
           count(*) FILTER (WHERE r_customers) AS customers,
           count(*) FILTER (WHERE r_mqls AND r_sqls) AS mqls_sqls   -- both(mqls, sqls)
    FROM reach GROUP BY src
), c AS (
    SELECT g.src, coalesce(v.visits, 0) AS visits, leads, mqls, sqls, opportunities, customers, mqls_sqls
    FROM g LEFT JOIN visits v ON v.src = g.src
), rates AS (
    -- the whole funnel's counts as window sums over the groups (g is read once)
    SELECT c.*,
           CASE WHEN c.visits <> 0 THEN c.leads::float8 / c.visits END                   AS s1,
           CASE WHEN c.leads <> 0 THEN c.mqls::float8 / c.leads END                       AS s2,
           CASE WHEN c.mqls <> 0 THEN c.mqls_sqls::float8 / c.mqls END                    AS s3,
           CASE WHEN c.sqls <> 0 THEN c.opportunities::float8 / c.sqls END                AS s4,
           CASE WHEN c.opportunities <> 0 THEN c.customers::float8 / c.opportunities END  AS s5,
           (sum(leads) OVER ())::float8 / (SELECT sum(sessions) FROM sessions)             AS b1,
           (sum(mqls) OVER ())::float8 / (sum(leads) OVER ())                              AS b2,
           (sum(mqls_sqls) OVER ())::float8 / (sum(mqls) OVER ())                          AS b3,
           (sum(opportunities) OVER ())::float8 / (sum(sqls) OVER ())                      AS b4,
           (sum(customers) OVER ())::float8 / (sum(opportunities) OVER ())                 AS b5
    FROM c
), ratios AS (
    SELECT *, CASE WHEN b1 > 0 THEN s1 / b1 END AS q1, CASE WHEN b2 > 0 THEN s2 / b2 END AS q2,
              CASE WHEN b3 > 0 THEN s3 / b3 END AS q3, CASE WHEN b4 > 0 THEN s4 / b4 END AS q4,
              CASE WHEN b5 > 0 THEN s5 / b5 END AS q5
    FROM rates
)
SELECT src AS "lower(trim(source))", visits, leads, mqls, sqls, opportunities, customers,
       s1 AS "leads/visits", s2 AS "mqls/leads", s3 AS "sqls/mqls",
       s4 AS "opportunities/sqls", s5 AS "customers/opportunities",
       CASE least(q1, q2, q3, q4, q5)      -- least() leaves NULLs out, as DuckDB's does
           WHEN q1 THEN 'visits→leads' WHEN q2 THEN 'leads→mqls' WHEN q3 THEN 'mqls→sqls'
           WHEN q4 THEN 'sqls→opportunities' WHEN q5 THEN 'opportunities→customers'
       END AS "worst step"
FROM ratios
ORDER BY src COLLATE "C";
