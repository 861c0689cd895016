-- W3 on PostgreSQL 15 (Scripts/bench-postgres): velocity and demand marketing by
-- lower(trim(source)), two statements. A port of ../w3.sql (DuckDB) over setup.sql's reach view, read
-- once by each statement, as funnel's two statements each ask the server once. Days and ratios in double precision.

-- W3a: velocity: per step, over the leads that reached the later stage, days from the time of the
-- last stage reached before it (for a lead that skipped the optional mqls, from created_at); end
-- to end from created_at to customer_at. Median and p90 interpolate (percentile_cont, DuckDB's
-- quantile_cont), as docs/metrics.md says.
WITH d AS (
    SELECT src,
           (extract(epoch FROM mql_at) - extract(epoch FROM created_at))::float8 / 86400 AS d_mqls,
           (extract(epoch FROM sql_at) - extract(epoch FROM t_prev_sqls))::float8 / 86400 AS d_sqls,
           (extract(epoch FROM opp_at) - extract(epoch FROM sql_at))::float8 / 86400 AS d_opps,
           (extract(epoch FROM customer_at) - extract(epoch FROM opp_at))::float8 / 86400 AS d_customers,
           (extract(epoch FROM customer_at) - extract(epoch FROM created_at))::float8 / 86400 AS d_end,
           r_mqls, r_sqls, r_opps, r_customers
    FROM reach
), g AS (
    SELECT src,
           count(*) FILTER (WHERE r_mqls) AS n1,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_mqls) FILTER (WHERE r_mqls) AS q1,
           avg(d_mqls) FILTER (WHERE r_mqls) AS a1,
           count(*) FILTER (WHERE r_sqls) AS n2,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_sqls) FILTER (WHERE r_sqls) AS q2,
           avg(d_sqls) FILTER (WHERE r_sqls) AS a2,
           count(*) FILTER (WHERE r_opps) AS n3,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_opps) FILTER (WHERE r_opps) AS q3,
           avg(d_opps) FILTER (WHERE r_opps) AS a3,
           count(*) FILTER (WHERE r_customers) AS n4,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_customers) FILTER (WHERE r_customers) AS q4,
           avg(d_customers) FILTER (WHERE r_customers) AS a4,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_end) FILTER (WHERE r_customers) AS q5,
           avg(d_end) FILTER (WHERE r_customers) AS a5
    FROM d GROUP BY src
), steps AS (
    SELECT src, 1 AS k, 'leads→mqls' AS step, n1 AS n, q1 AS q, a1 AS a FROM g
    UNION ALL SELECT src, 2, 'mqls→sqls', n2, q2, a2 FROM g
    UNION ALL SELECT src, 3, 'sqls→opportunities', n3, q3, a3 FROM g
    UNION ALL SELECT src, 4, 'opportunities→customers', n4, q4, a4 FROM g
    UNION ALL SELECT src, 5, 'leads→customers (end to end)', n4, q5, a5 FROM g
)
SELECT src AS "lower(trim(source))", step, n AS rows, q[1] AS median, q[2] AS p90, a AS mean
FROM steps ORDER BY src COLLATE "C", k;

-- W3b: demand: stage counts, spend (spend.channel is the source), cost per stage = spend / count
-- (CAC = cost/customers), customers/leads, revenue = sum(revenue) of the group's leads, avg deal =
-- revenue / customers, ROMI = (revenue - spend) / spend.
WITH g AS (
    SELECT src,
           count(*) FILTER (WHERE r_leads)     AS leads,
           count(*) FILTER (WHERE r_mqls)      AS mqls,
           count(*) FILTER (WHERE r_sqls)      AS sqls,
           count(*) FILTER (WHERE r_opps)      AS opportunities,
           count(*) FILTER (WHERE r_customers) AS customers,
           coalesce(sum(revenue), 0)           AS revenue
    FROM reach GROUP BY src
), s AS (
    SELECT lower(trim(channel)) AS src, sum(amount) AS spend FROM spend GROUP BY 1
)
SELECT g.src AS "lower(trim(source))", leads, mqls, sqls, opportunities, customers, spend,
       CASE WHEN leads > 0 THEN spend::float8 / leads END                 AS "cost/leads",
       CASE WHEN mqls > 0 THEN spend::float8 / mqls END                   AS "cost/mqls",
       CASE WHEN sqls > 0 THEN spend::float8 / sqls END                   AS "cost/sqls",
       CASE WHEN opportunities > 0 THEN spend::float8 / opportunities END AS "cost/opportunities",
       CASE WHEN customers > 0 THEN spend::float8 / customers END         AS "cost/customers",
       CASE WHEN leads > 0 THEN customers::float8 / leads END             AS "customers/leads",
       revenue,
       CASE WHEN customers > 0 THEN revenue::float8 / customers END       AS "avg deal",
       CASE WHEN spend > 0 THEN (revenue - spend)::float8 / spend::float8 END AS "ROMI"
FROM g LEFT JOIN s ON s.src = g.src
ORDER BY g.src COLLATE "C";
