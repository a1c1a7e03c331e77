import {describe, expect, it} from 'vitest'

import {REDACTED, Redactor} from '../../src/databricks/redact.js'

describe('redaction', () => {
  const canary = 'lkl_canary_0123456789abcdef'
  const redactor = new Redactor([canary])

  it('masks credential headers by name', () => {
    expect(redactor.headers({authorization: `Bearer ${canary}`, 'content-type': 'application/json', cookie: 'a=b'})).toEqual({
      authorization: REDACTED,
      'content-type': 'application/json',
      cookie: REDACTED,
    })
  })

  it('masks JSON keys that name secrets, at any depth', () => {
    const body = JSON.stringify({name: 'x', client_secret: 'abc', nested: [{access_token: 'zzz', keep: 1}], token_value: 'q'})
    const out = JSON.parse(redactor.body(body))
    expect(out).toEqual({name: 'x', client_secret: REDACTED, nested: [{access_token: REDACTED, keep: 1}], token_value: REDACTED})
  })

  it('masks known secret values and bearer credentials anywhere in text', () => {
    expect(redactor.text(`error for token ${canary} here`)).toBe(`error for token ${REDACTED} here`)
    expect(redactor.text('Authorization: Bearer dapiXYZ.abc')).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(redactor.body(`not json ${canary}`)).not.toContain(canary)
  })

  it('truncates long bodies', () => {
    const out = redactor.body('x'.repeat(5000), 100)
    expect(out).toMatch(/^x{100}\.\.\. \(4900 more bytes\)$/)
  })
})
