/**
 * Text -> terms -> TF-IDF row: the one featurisation shared by the trainer and the scorer, so a model
 * scores exactly the features it was trained on. resources/pyspark/train.py mirrors the tokenisation.
 */

// Words are runs of letters, digits and apostrophes; these punctuation marks end a negation scope.
const TOKEN_PATTERN = /[\p{L}\p{N}']+|[.,;:!?()]/gu
const NEGATORS = new Set(['not', 'no', 'never', 'nor', 'cannot', 'without'])
export const NEGATION_PREFIX = 'not_'

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't")
}

/**
 * Unigrams (and bigrams within a clause when ngrams is 2). Words after a negator, up to the next
 * punctuation mark, are prefixed with `not_`, so "not good" and "good" become different features.
 */
export function extractTerms(text: string, ngrams: 1 | 2): string[] {
  const terms: string[] = []
  let negated = false
  let previous: string | undefined
  for (const [raw] of text.toLowerCase().replaceAll('\u2019', "'").matchAll(TOKEN_PATTERN)) {
    const word = raw.replace(/^'+|'+$/g, '')
    if (word === '') {
      // A punctuation mark (or a stray apostrophe) closes the clause.
      if (raw[0] !== "'") {
        negated = false
        previous = undefined
      }
      continue
    }
    const term = negated ? NEGATION_PREFIX + word : word
    terms.push(term)
    if (ngrams === 2 && previous !== undefined) terms.push(`${previous} ${term}`)
    previous = term
    if (isNegator(word)) negated = true
  }
  return terms
}

/** A sparse row: parallel arrays of vocabulary indices and values. */
export interface SparseRow {
  indices: number[]
  values: number[]
}

/**
 * Sublinear TF-IDF, L2-normalised (scikit-learn's TfidfVectorizer with sublinear_tf=True): each known
 * term weighs (1 + ln count) * idf, and the row has unit length so text length does not shift scores.
 */
export function tfidfRow(terms: string[], vocabulary: ReadonlyMap<string, number>, idf: ArrayLike<number>): SparseRow {
  const counts = new Map<number, number>()
  for (const term of terms) {
    const index = vocabulary.get(term)
    if (index !== undefined) counts.set(index, (counts.get(index) ?? 0) + 1)
  }
  const indices: number[] = []
  const values: number[] = []
  let squaredNorm = 0
  for (const [index, count] of counts) {
    const value = (1 + Math.log(count)) * idf[index]
    indices.push(index)
    values.push(value)
    squaredNorm += value * value
  }
  const norm = Math.sqrt(squaredNorm)
  for (let i = 0; i < values.length; i++) values[i] /= norm
  return {indices, values}
}
