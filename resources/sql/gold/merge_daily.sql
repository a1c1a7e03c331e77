-- Gold write 2: upsert the recomputed customer days. The target is bound to the batch's event_date
-- partitions by literals (gold/bounds.sql), so the MERGE reads and conflicts with concurrent writers
-- only there. Silver only grows between backfills, so a day recomputed from an older snapshot of Silver
-- (a concurrent writer computed it first) counts fewer events: it never overwrites a newer row.
MERGE INTO {{catalog}}.gold.customer_behavior_daily AS t
USING gold_daily_updates AS u
ON t.customer_id = u.customer_id AND t.event_date = u.event_date
  AND t.event_date BETWEEN CAST({{first_event_date}} AS DATE) AND CAST({{last_event_date}} AS DATE)
WHEN MATCHED AND u.events >= t.events THEN UPDATE SET
  events = u.events,
  views = u.views,
  clicks = u.clicks,
  add_to_carts = u.add_to_carts,
  purchases = u.purchases,
  reviews = u.reviews,
  sessions = u.sessions,
  revenue = u.revenue,
  avg_sentiment = u.avg_sentiment,
  avg_rating = u.avg_rating,
  first_event_ts = u.first_event_ts,
  last_event_ts = u.last_event_ts
WHEN NOT MATCHED THEN INSERT (
  customer_id, event_date, events, views, clicks, add_to_carts, purchases, reviews, sessions, revenue,
  avg_sentiment, avg_rating, first_event_ts, last_event_ts
) VALUES (
  u.customer_id, u.event_date, u.events, u.views, u.clicks, u.add_to_carts, u.purchases, u.reviews,
  u.sessions, u.revenue, u.avg_sentiment, u.avg_rating, u.first_event_ts, u.last_event_ts
)
