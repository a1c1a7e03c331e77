/**
 * Redaction for everything lakectl prints about HTTP traffic (--debug traces, error details).
 * Credentials are removed by header name, by JSON key and by value (the known secrets of the session).
 */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-databricks-.*token.*|x-.*-secret)$/i
const SECRET_KEY = /(token|secret|password|authorization|credential|private_key|api_key)/i
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g
export const REDACTED = '***'

export class Redactor {
  private readonly secrets: string[]

  constructor(secrets: Iterable<string | undefined> = []) {
    this.secrets = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4)
  }

  with(...secrets: Array<string | undefined>): Redactor {
    return new Redactor([...this.secrets, ...secrets])
  }

  headers(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue
      out[name] = SECRET_HEADER.test(name) ? REDACTED : this.text(Array.isArray(value) ? value.join(', ') : value)
    }
    return out
  }

  /** A request or response body: JSON keys that name secrets are masked, then any known secret value. */
  body(text: string | undefined, limit = 2000): string {
    if (!text) return ''
    let out = text
    try {
      out = JSON.stringify(maskJson(JSON.parse(text)))
    } catch {
      // Not JSON: value-based redaction below still applies.
    }
    out = this.text(out)
    return out.length > limit ? `${out.slice(0, limit)}... (${out.length - limit} more bytes)` : out
  }

  text(text: string): string {
    let out = text.replace(BEARER, `$1 ${REDACTED}`)
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED)
    return out
  }
}

function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? REDACTED : maskJson(v)]),
    )
  }
  return value
}
