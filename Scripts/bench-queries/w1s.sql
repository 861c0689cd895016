-- W1s (the first W1): leads per source (cleaned) with the agreed MQL rule, customers and revenue.
SELECT lower(trim(source))           AS "lower(trim(source))",
       count(*)                      AS leads,
       count(*) FILTER (WHERE score >= 60 AND employees >= 50
                        AND regexp_matches(title, 'vp|director|head|chief', 'i')) AS mqls,
       count(customer_at)            AS customers,
       sum(revenue)                  AS revenue
FROM leads
GROUP BY 1
ORDER BY 1;
