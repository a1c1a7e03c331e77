-- DuckDB macros that give the Spark SQL functions used by silver/*.sql and gold/*.sql their Spark
-- meaning, so one text runs on both engines (see reference/portable-sql.md). Sessions run with
-- TimeZone = 'UTC', as Spark runs with spark.sql.session.timeZone = UTC.
-- Each macro is a semantic bridge: keep the list short and covered by test/pipeline.
-- TEMP macros belong to the connection: they stay visible after USE <catalog> and do not change what
-- DuckDB's own names (datediff) mean on other connections. Install them on every pipeline connection.

-- Spark: the keys of a JSON object, NULL for invalid JSON or any other JSON value.
-- The CASE keeps json_keys away from invalid text (it would throw). Valid JSON is an object exactly when
-- its first character after JSON whitespace is '{': a pattern test, cheaper than parsing again for
-- json_type. (DuckDB reads a pattern literal as is: RE2 turns the escapes into tab, LF and CR.)
CREATE OR REPLACE TEMP MACRO json_object_keys(v) AS
  CASE WHEN json_valid(v) AND regexp_matches(v, '^[ \t\n\r]*[{]') THEN json_keys(v) END;

-- Spark: parse v with a DDL schema. Only the form the Silver SQL uses is supported here:
-- 'a STRING, b STRING, ...' (every field read as text). NULL for invalid JSON (never an error); the SQL
-- calls it only for JSON objects (json_object_keys), where both engines give the fields, so what other
-- JSON values turn into (Spark: a row of NULLs or NULL) never matters. Not checking the JSON type here
-- saves a third parse of every record.
CREATE OR REPLACE TEMP MACRO from_json(v, schema) AS
  CASE WHEN json_valid(v) THEN
    json_transform(v, '{"' || replace(replace(schema, ' STRING, ', '":"VARCHAR","'), ' STRING', '":"VARCHAR"') || '}')
  END;

-- Spark: partial-match regular expression test (Java regex; patterns here are RE2-compatible).
CREATE OR REPLACE TEMP MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern);

-- Spark: cast an ISO-8601 string to a timestamp, NULL when it does not parse. Going through
-- TIMESTAMPTZ applies the offset (a direct TIMESTAMP cast would drop it); the result is the UTC wall time
-- of that instant, built from its epoch microseconds (a TIMESTAMPTZ -> TIMESTAMP cast gives the same in
-- the UTC session time zone, at about four times the cost). Text without an offset is read in the
-- session time zone (UTC), as Spark reads it with spark.sql.session.timeZone = UTC.
CREATE OR REPLACE TEMP MACRO try_to_timestamp(s) AS make_timestamp(epoch_us(try_cast(s AS TIMESTAMPTZ)));

-- Spark: the date of a timestamp in the session time zone (UTC).
CREATE OR REPLACE TEMP MACRO to_date(ts) AS CAST(ts AS DATE);

-- Spark: datediff(end, start) in days. Shadows DuckDB's three-argument datediff.
CREATE OR REPLACE TEMP MACRO datediff(end_date, start_date) AS date_diff('day', start_date, end_date);
