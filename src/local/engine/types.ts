/**
 * How DuckDB types look through the Databricks APIs: `type_name` (the ColumnTypeName enum),
 * `type_text` (Spark's lower-case type string), `type_json` (Spark's JSON type) and precision/scale.
 */
import {DuckDBTypeId, type DuckDBType} from '@duckdb/node-api'

export interface DatabricksType {
  name: string
  text: string
  /** Spark's JSON form of the type (a string for simple types, an object for nested ones). */
  json: unknown
  precision?: number
  scale?: number
}

function simple(name: string, text: string, json: string = text): DatabricksType {
  return {name, text, json}
}

export function databricksType(type: DuckDBType): DatabricksType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return simple('BOOLEAN', 'boolean')
    case DuckDBTypeId.TINYINT:
      return simple('BYTE', 'tinyint', 'byte')
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return simple('SHORT', 'smallint', 'short')
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return simple('INT', 'int', 'integer')
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return simple('LONG', 'bigint', 'long')
    case DuckDBTypeId.UBIGINT:
      return decimal(20, 0)
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      // Spark has no 128-bit integer; its widest exact type is decimal(38,0).
      return decimal(38, 0)
    case DuckDBTypeId.FLOAT:
      return simple('FLOAT', 'float')
    case DuckDBTypeId.DOUBLE:
      return simple('DOUBLE', 'double')
    case DuckDBTypeId.DECIMAL:
      return decimal(type.width, type.scale)
    case DuckDBTypeId.DATE:
      return simple('DATE', 'date')
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return simple('TIMESTAMP', 'timestamp')
    case DuckDBTypeId.BLOB:
      return simple('BINARY', 'binary')
    case DuckDBTypeId.INTERVAL:
      return simple('INTERVAL', 'interval')
    case DuckDBTypeId.SQLNULL:
      return simple('NULL', 'void')
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const element = databricksType(type.valueType)
      return {name: 'ARRAY', text: `array<${element.text}>`, json: {type: 'array', elementType: element.json, containsNull: true}}
    }
    case DuckDBTypeId.MAP: {
      const key = databricksType(type.keyType)
      const value = databricksType(type.valueType)
      return {
        name: 'MAP',
        text: `map<${key.text},${value.text}>`,
        json: {type: 'map', keyType: key.json, valueType: value.json, valueContainsNull: true},
      }
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, i) => ({name, type: databricksType(type.entryTypes[i])}))
      return {
        name: 'STRUCT',
        text: `struct<${fields.map((field) => `${field.name}:${field.type.text}`).join(',')}>`,
        json: {type: 'struct', fields: fields.map((field) => ({name: field.name, type: field.type.json, nullable: true, metadata: {}}))},
      }
    }
    default:
      // VARCHAR, UUID, ENUM, TIME, JSON and the rest read as strings in Spark.
      return simple('STRING', 'string')
  }
}

function decimal(precision: number, scale: number): DatabricksType {
  const text = `decimal(${precision},${scale})`
  return {name: 'DECIMAL', text, json: text, precision, scale}
}
