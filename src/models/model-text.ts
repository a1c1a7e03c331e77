/**
 * Text -> terms -> TF-IDF row: the one featurisation shared by the trainer and the scorer, so a model
 * scores exactly the features it was trained on. resources/pyspark/train.py mirrors the tokenisation.
 */

const NEGATORS = new Set(['not', 'no', 'never', 'nor', 'cannot', 'without'])
const NEGATION_PREFIX = 'not_'
// These end a negation scope and a bigram chain.
const CLAUSE_BREAKS = new Set([...'.,;:!?()'].map((char) => char.charCodeAt(0)))
const APOSTROPHE = 0x27
const RIGHT_SINGLE_QUOTE = 0x2019 // the typographic apostrophe in "don’t"
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u

function isApostrophe(code: number): boolean {
  return code === APOSTROPHE || code === RIGHT_SINGLE_QUOTE
}

/** Words are runs of letters, digits and apostrophes; ASCII is decided without a regex, for speed. */
function isWordCodePoint(codePoint: number): boolean {
  if (codePoint < 0x80) {
    return (codePoint >= 0x61 && codePoint <= 0x7a) || (codePoint >= 0x30 && codePoint <= 0x39) || codePoint === APOSTROPHE
  }
  return codePoint === RIGHT_SINGLE_QUOTE || LETTER_OR_DIGIT.test(String.fromCodePoint(codePoint))
}

/**
 * Lower-cased unigrams (and bigrams within a clause when ngrams is 2). Words after a negator
 * ("not", "never", "no", "...n't"), up to the next punctuation mark, are prefixed with `not_`, so
 * "not good" and "good" are different features. Apostrophes at the edges of a word are dropped.
 */
export function extractTerms(text: string, ngrams: 1 | 2): string[] {
  const lower = text.toLowerCase()
  const terms: string[] = []
  let negated = false
  let previous: string | undefined
  for (let i = 0; i < lower.length; ) {
    let codePoint = lower.codePointAt(i)!
    if (!isWordCodePoint(codePoint)) {
      if (CLAUSE_BREAKS.has(codePoint)) {
        negated = false
        previous = undefined
      }
      i += codePoint > 0xffff ? 2 : 1
      continue
    }
    let start = i
    let typographic = false
    while (i < lower.length && isWordCodePoint((codePoint = lower.codePointAt(i)!))) {
      typographic ||= codePoint === RIGHT_SINGLE_QUOTE
      i += codePoint > 0xffff ? 2 : 1
    }
    let end = i
    while (start < end && isApostrophe(lower.charCodeAt(start))) start++
    while (end > start && isApostrophe(lower.charCodeAt(end - 1))) end--
    if (start === end) continue
    // replaceAll on every word would cost more than the whole scan, so only when needed.
    const word = typographic ? lower.slice(start, end).replaceAll('\u2019', "'") : lower.slice(start, end)
    const term = negated ? NEGATION_PREFIX + word : word
    terms.push(term)
    if (ngrams === 2 && previous !== undefined) terms.push(`${previous} ${term}`)
    previous = term
    if (NEGATORS.has(word) || word.endsWith("n't")) negated = true
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
  const hits: number[] = []
  for (const term of terms) {
    const index = vocabulary.get(term)
    if (index !== undefined) hits.push(index)
  }
  sortSmallFirst(hits) // repeats of a term become adjacent
  const indices: number[] = []
  const values: number[] = []
  let squaredNorm = 0
  for (let start = 0, end = 0; start < hits.length; start = end) {
    while (end < hits.length && hits[end] === hits[start]) end++
    const value = (1 + Math.log(end - start)) * idf[hits[start]]
    indices.push(hits[start])
    values.push(value)
    squaredNorm += value * value
  }
  const norm = Math.sqrt(squaredNorm)
  for (let i = 0; i < values.length; i++) values[i] /= norm
  return {indices, values}
}

/** Insertion sort for the usual short row (several times faster than Array#sort there), else Array#sort. */
function sortSmallFirst(numbers: number[]): void {
  if (numbers.length > 64) {
    numbers.sort((a, b) => a - b)
    return
  }
  for (let i = 1; i < numbers.length; i++) {
    const value = numbers[i]
    let j = i - 1
    for (; j >= 0 && numbers[j] > value; j--) numbers[j + 1] = numbers[j]
    numbers[j + 1] = value
  }
}
