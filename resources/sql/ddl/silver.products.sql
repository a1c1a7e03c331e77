-- Reference data for enrichment, loaded by bootstrap from resources/data/products.csv.
CREATE TABLE IF NOT EXISTS {{catalog}}.silver.products (
  product_id STRING NOT NULL,
  product_name STRING,
  product_category STRING,
  list_price DECIMAL(10,2)
)
USING DELTA
COMMENT 'Products (reference data)'
TBLPROPERTIES (
  'lakectl.layer' = 'silver'
)
