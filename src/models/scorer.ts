import type {SentimentModel} from './model-artifact.js'
import {extractTerms, tfidfRow} from './model-text.js'

/** Silver's sentiment_label bands over sentiment_score (probability of positive); the one place for them. */
export const POSITIVE_THRESHOLD = 0.6
export const NEGATIVE_THRESHOLD = 0.4

export type SentimentLabel = 'positive' | 'neutral' | 'negative'

export function labelFor(score: number | null): SentimentLabel | null {
  if (score === null || Number.isNaN(score)) return null
  if (score >= POSITIVE_THRESHOLD) return 'positive'
  if (score <= NEGATIVE_THRESHOLD) return 'negative'
  return 'neutral'
}

export interface Scorer {
  /** Probability that each text is positive, in [0, 1]; null for null, empty or blank text. */
  score(texts: ReadonlyArray<string | null | undefined>): Array<number | null>
}

export function loadScorer(model: SentimentModel): Scorer {
  const vocabulary = new Map(model.vocabulary.map((term, index) => [term, index]))
  const idf = Float64Array.from(model.idf)
  const weights = Float64Array.from(model.weights)
  const {bias, ngrams} = model

  const scoreOne = (text: string | null | undefined): number | null => {
    if (text === null || text === undefined || text.trim() === '') return null
    const row = tfidfRow(extractTerms(text, ngrams), vocabulary, idf)
    let logit = bias
    for (let i = 0; i < row.indices.length; i++) logit += weights[row.indices[i]] * row.values[i]
    return sigmoid(logit)
  }
  return {score: (texts) => texts.map(scoreOne)}
}

export function sigmoid(logit: number): number {
  return logit >= 0 ? 1 / (1 + Math.exp(-logit)) : Math.exp(logit) / (1 + Math.exp(logit))
}
