-- W1: leads per source with the agreed MQL rule, customers and revenue.
-- Scripts/bench fills in the path of the generated leads.csv below.
WITH leads AS (
    SELECT *,
           score >= 60 AND employees >= 50
               AND regexp_matches(title, 'vp|director|head|chief', 'i') AS mql
    FROM read_csv_auto('LEADS_PATH')
)
SELECT source,
       count(*)                     AS leads,
       count(*) FILTER (WHERE mql)  AS mqls,
       count(customer_at)           AS customers,
       sum(revenue)                 AS revenue
FROM leads
GROUP BY source
ORDER BY source;
