/**
 * The reference data bootstrap loads into silver.customers and silver.products (resources/data/*.csv:
 * a header, comma-separated, no quoting, empty cell = NULL).
 */
import {readResource} from './resources.js'

export interface CustomerRecord {
  customer_id: string
  customer_segment: string | null
  country: string | null
  signup_date: string | null
}

export interface ProductRecord {
  product_id: string
  product_name: string | null
  product_category: string | null
  list_price: string | null
}

export interface ReferenceData {
  customers: Map<string, CustomerRecord>
  products: Map<string, ProductRecord>
}

export function loadReferenceData(): ReferenceData {
  const customers = parseCsv(readResource('data', 'customers.csv')) as unknown as CustomerRecord[]
  const products = parseCsv(readResource('data', 'products.csv')) as unknown as ProductRecord[]
  return {
    customers: new Map(customers.map((row) => [row.customer_id, row])),
    products: new Map(products.map((row) => [row.product_id, row])),
  }
}

export function parseCsv(text: string): Array<Record<string, string | null>> {
  const [header, ...lines] = text.trim().split(/\r?\n/)
  const names = header.split(',')
  return lines.map((line) => {
    const cells = line.split(',')
    if (cells.length !== names.length) throw new Error(`CSV line '${line}' has ${cells.length} cells, the header ${names.length}`)
    return Object.fromEntries(names.map((name, i) => [name, cells[i] === '' ? null : cells[i]]))
  })
}
