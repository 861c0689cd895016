-- What if: the funnel's stage counts with the MQL rule as defined (score >= 60) and with
-- score >= 50, side by side (warm runs only). mqls is optional, so some sqls never were mqls: the
-- step mqls→sqls is both(mqls, sqls) / count(mqls), the leads that reached both over the mqls
-- (docs/metrics.md), not count(sqls) / count(mqls); every other step is count(k) / count(k - 1).
WITH now AS (
    SELECT [(SELECT sum(sessions) FROM sessions), count(*) FILTER (WHERE r_leads),
            count(*) FILTER (WHERE r_mqls), count(*) FILTER (WHERE r_sqls),
            count(*) FILTER (WHERE r_opps), count(*) FILTER (WHERE r_customers)]::DOUBLE[] AS c,
           count(*) FILTER (WHERE r_mqls AND r_sqls)::DOUBLE AS mqls_sqls
    FROM funnel_reach(60)
), wi AS (
    SELECT [(SELECT sum(sessions) FROM sessions), count(*) FILTER (WHERE r_leads),
            count(*) FILTER (WHERE r_mqls), count(*) FILTER (WHERE r_sqls),
            count(*) FILTER (WHERE r_opps), count(*) FILTER (WHERE r_customers)]::DOUBLE[] AS c,
           count(*) FILTER (WHERE r_mqls AND r_sqls)::DOUBLE AS mqls_sqls
    FROM funnel_reach(50)
), stages(k, stage) AS (
    VALUES (1, 'visits'), (2, 'leads'), (3, 'mqls'), (4, 'sqls'), (5, 'opportunities'), (6, 'customers')
)
SELECT stage, now.c[k] AS now,
       CASE WHEN k > 1 AND now.c[k - 1] <> 0
            THEN (CASE WHEN stage = 'sqls' THEN now.mqls_sqls ELSE now.c[k] END) / now.c[k - 1] END AS "step now",
       wi.c[k] AS "what if",
       CASE WHEN k > 1 AND wi.c[k - 1] <> 0
            THEN (CASE WHEN stage = 'sqls' THEN wi.mqls_sqls ELSE wi.c[k] END) / wi.c[k - 1] END AS "step what if",
       wi.c[k] - now.c[k] AS change,
       CASE WHEN now.c[k] <> 0 THEN (wi.c[k] - now.c[k]) / now.c[k] END AS "change %"
FROM stages, now, wi
ORDER BY k;
