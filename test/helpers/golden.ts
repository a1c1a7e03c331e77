/**
 * Golden files for human output: volatile values (ids, times, durations, ports, rates) are replaced
 * with placeholders before the comparison. LAKECTL_UPDATE_GOLDEN=1 rewrites the files instead.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import {expect} from 'vitest'

export function scrub(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<TIME>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<PORT>')
    .replace(/lakectl\/[\d.]+ \S+ node-v[\d.]+/g, 'lakectl/<VERSION> <PLATFORM> node-<NODE>')
    .replace(/\b\d+(\.\d+)?(s|m\d\ds|h\d\dm) ago\b/g, '<AGO>')
}

export function expectGolden(name: string, actual: string): void {
  const file = new URL(`../e2e/golden/${name}`, import.meta.url)
  const text = scrub(actual)
  if (process.env.LAKECTL_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    writeFileSync(file, text)
    if (process.env.LAKECTL_UPDATE_GOLDEN !== '1') throw new Error(`wrote the missing golden file ${file.pathname}: check it and run again`)
    return
  }
  expect(text).toBe(readFileSync(file, 'utf8'))
}
