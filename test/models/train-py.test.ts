import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import {extractTerms} from '../../src/models/model-text.js'
import {fnv1a32} from '../../src/hash.js'
import {labelFromRating} from '../../src/models/trainer.js'

const trainPy = fileURLToPath(new URL('../../resources/pyspark/train.py', import.meta.url))
// Byte-code goes to a temporary prefix, not next to the resource.
const pycache = mkdtempSync(path.join(tmpdir(), 'lakectl-pycache-'))
afterAll(() => rmSync(pycache, {recursive: true, force: true}))

function python(args: string[], input?: string) {
  return spawnSync('python3', args, {input, encoding: 'utf8', env: {...process.env, PYTHONPYCACHEPREFIX: pycache}})
}

describe('resources/pyspark/train.py', () => {
  it('compiles', () => {
    const result = python(['-m', 'py_compile', trainPy])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('labels, tokenises and hashes exactly as the TypeScript trainer', () => {
    const texts = [
      'Love this product, great quality!',
      "Don't buy: it's NOT worth it... never again",
      'It\u2019s \'fine\' — très bien, 5 étoiles 😀',
      "'' (no) way ;; isn't bad",
    ]
    const ratings = [1, 2, 3, 4, 5, 0, 6, 2.5]
    const script = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("train", sys.argv[1])
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
data = json.load(sys.stdin)
print(json.dumps({
    "terms": [train.extract_terms(t) for t in data["texts"]],
    "hashes": [train.fnv1a32("42:" + t) for t in data["texts"]],
    "labels": [train.label_from_rating(r) for r in data["ratings"]],
}))`
    const result = python(['-c', script, trainPy], JSON.stringify({texts, ratings}))
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      terms: texts.map((t) => extractTerms(t, 2)),
      hashes: texts.map((t) => fnv1a32(`42:${t}`)),
      labels: ratings.map(labelFromRating),
    })
  })
})
