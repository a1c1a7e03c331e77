/**
 * A SQL warehouse that records the statements a service sends and answers each at once (no rows), so a
 * test can read what went over the wire, or run the same statements on another engine.
 */
import {DatabricksClient} from '../../src/databricks/client.js'
import type {HttpRequest} from '../../src/databricks/transport.js'

export interface SentStatement {
  statement: string
  parameters: Array<{name: string; value?: string; type: string}>
}

/** `fail` decides a FAILED answer (its message) for a statement. */
export function recordingWarehouse(fail: (sent: SentStatement, index: number) => string | undefined = () => undefined): {client: DatabricksClient; sent: SentStatement[]} {
  const sent: SentStatement[] = []
  const client = new DatabricksClient({
    host: 'http://127.0.0.1:9',
    auth: {headers: async () => ({authorization: 'Bearer t'}), secrets: () => ['t']},
    userAgent: 'test',
    sleep: async () => undefined,
    transport: {
      async send(request: HttpRequest) {
        const body = JSON.parse(request.body ?? '{}') as SentStatement
        sent.push({statement: body.statement, parameters: body.parameters ?? []})
        const error = fail(body, sent.length - 1)
        const status = error ? {state: 'FAILED', error: {error_code: 'ABORTED', message: error}} : {state: 'SUCCEEDED'}
        const result = {statement_id: `s${sent.length}`, status, manifest: {schema: {columns: []}}, result: {}}
        return {status: 200, headers: {}, body: JSON.stringify(result)}
      },
    },
  })
  return {client, sent}
}
