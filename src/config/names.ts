/** The medallion's layers and the catalog's schemas: plain names, importable without the config schema (zod). */
export const LAYERS = ['bronze', 'silver', 'gold'] as const
export type Layer = (typeof LAYERS)[number]
export const SCHEMAS = ['bronze', 'silver', 'gold', 'ops', 'ml'] as const
export type SchemaName = (typeof SCHEMAS)[number]
