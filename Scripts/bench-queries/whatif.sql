-- What if: the funnel's stage counts with the MQL rule as defined (score >= 60) and with
-- score >= 50, side by side (warm runs only).
WITH now AS (
    SELECT [(SELECT sum(sessions) FROM sessions), count(*) FILTER (WHERE r_leads),
            count(*) FILTER (WHERE r_mqls), count(*) FILTER (WHERE r_sqls),
            count(*) FILTER (WHERE r_opps), count(*) FILTER (WHERE r_customers)]::DOUBLE[] AS c
    FROM funnel_reach(60)
), wi AS (
    SELECT [(SELECT sum(sessions) FROM sessions), count(*) FILTER (WHERE r_leads),
            count(*) FILTER (WHERE r_mqls), count(*) FILTER (WHERE r_sqls),
            count(*) FILTER (WHERE r_opps), count(*) FILTER (WHERE r_customers)]::DOUBLE[] AS c
    FROM funnel_reach(50)
), stages(k, stage) AS (
    VALUES (1, 'visits'), (2, 'leads'), (3, 'mqls'), (4, 'sqls'), (5, 'opportunities'), (6, 'customers')
)
SELECT stage, now.c[k] AS now,
       CASE WHEN k > 1 AND now.c[k - 1] <> 0 THEN now.c[k] / now.c[k - 1] END AS "step now",
       wi.c[k] AS "what if",
       CASE WHEN k > 1 AND wi.c[k - 1] <> 0 THEN wi.c[k] / wi.c[k - 1] END AS "step what if",
       wi.c[k] - now.c[k] AS change,
       CASE WHEN now.c[k] <> 0 THEN (wi.c[k] - now.c[k]) / now.c[k] END AS "change %"
FROM stages, now, wi
ORDER BY k;
