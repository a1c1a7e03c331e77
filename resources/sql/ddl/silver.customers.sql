-- Reference data for enrichment, loaded by bootstrap from resources/data/customers.csv.
CREATE TABLE IF NOT EXISTS {{catalog}}.silver.customers (
  customer_id STRING NOT NULL,
  customer_segment STRING,
  country STRING COMMENT 'ISO 3166-1 alpha-2',
  signup_date DATE
)
USING DELTA
COMMENT 'Customers (reference data)'
TBLPROPERTIES (
  'lakectl.layer' = 'silver'
)
