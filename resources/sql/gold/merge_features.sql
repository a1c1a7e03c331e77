-- Gold write 4: upsert each touched customer's features as of its latest event date; never with a stale
-- recompute (fewer lifetime events: see merge_daily.sql).
MERGE INTO {{catalog}}.gold.customer_features AS t
USING gold_feature_updates AS u
ON t.customer_id = u.customer_id AND t.as_of_date = u.as_of_date
WHEN MATCHED AND u.lifetime_events >= t.lifetime_events THEN UPDATE SET
  recency_days = u.recency_days,
  frequency_30d = u.frequency_30d,
  monetary_30d = u.monetary_30d,
  events_30d = u.events_30d,
  sessions_30d = u.sessions_30d,
  active_days_30d = u.active_days_30d,
  reviews_30d = u.reviews_30d,
  avg_sentiment_30d = u.avg_sentiment_30d,
  avg_rating_30d = u.avg_rating_30d,
  tenure_days = u.tenure_days,
  lifetime_events = u.lifetime_events,
  lifetime_revenue = u.lifetime_revenue
WHEN NOT MATCHED THEN INSERT (
  customer_id, as_of_date, recency_days, frequency_30d, monetary_30d, events_30d, sessions_30d,
  active_days_30d, reviews_30d, avg_sentiment_30d, avg_rating_30d, tenure_days, lifetime_events,
  lifetime_revenue
) VALUES (
  u.customer_id, u.as_of_date, u.recency_days, u.frequency_30d, u.monetary_30d, u.events_30d,
  u.sessions_30d, u.active_days_30d, u.reviews_30d, u.avg_sentiment_30d, u.avg_rating_30d, u.tenure_days,
  u.lifetime_events, u.lifetime_revenue
)
