import {describe, expect, it} from 'vitest'

import {SENTIMENT_MODEL_FORMAT_VERSION, SENTIMENT_MODEL_TYPE, parseSentimentModel, type SentimentModel} from '../../src/models/model-artifact.js'
import {extractTerms} from '../../src/models/model-text.js'
import {NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, labelFor, loadScorer, sigmoid} from '../../src/models/scorer.js'

function model(overrides: Partial<SentimentModel> = {}): SentimentModel {
  return {
    type: SENTIMENT_MODEL_TYPE,
    formatVersion: SENTIMENT_MODEL_FORMAT_VERSION,
    ngrams: 1,
    vocabulary: ['great', 'terrible', 'not_great'],
    idf: [1, 1, 1],
    weights: [4, -4, -3],
    bias: 0,
    ...overrides,
  }
}

describe('loadScorer', () => {
  const scorer = loadScorer(model())

  it('scores the logistic function of the weighted, unit-length TF-IDF row', () => {
    const [great, terrible, both, repeated, unknown, negated] = scorer.score([
      'Great!', 'TERRIBLE', 'great but terrible', 'great great great', 'it arrived', 'not great',
    ])
    expect(great).toBe(sigmoid(4))
    expect(terrible).toBe(sigmoid(-4))
    expect(both).toBeCloseTo(0.5, 12)
    expect(repeated).toBe(sigmoid(4)) // length does not change the score: rows have unit length
    expect(unknown).toBe(sigmoid(0)) // no known term: the intercept alone
    expect(negated).toBe(sigmoid(-3))
  })

  it('returns null for null, empty and blank text and keeps positions', () => {
    expect(scorer.score([null, '', '   ', undefined, 'great'])).toEqual([null, null, null, null, sigmoid(4)])
    expect(scorer.score([])).toEqual([])
  })

  it('stays within [0, 1] for extreme weights', () => {
    for (const bias of [1e6, -1e6]) {
      const [score] = loadScorer(model({bias})).score(['anything'])
      expect(score).toBeGreaterThanOrEqual(0)
      expect(score).toBeLessThanOrEqual(1)
    }
  })

  it('scores many texts in one call', () => {
    const texts = Array.from({length: 50_000}, (_, i) => (i % 3 === 0 ? null : `great item number ${i}, terrible box`))
    const scores = scorer.score(texts)
    expect(scores).toHaveLength(texts.length)
    expect(scores.filter((s) => s === null)).toHaveLength(Math.ceil(texts.length / 3))
  })
})

describe('labelFor', () => {
  it('bands scores at the exported thresholds, inclusive at both edges', () => {
    expect([POSITIVE_THRESHOLD, NEGATIVE_THRESHOLD]).toEqual([0.6, 0.4])
    expect(labelFor(1)).toBe('positive')
    expect(labelFor(0.6)).toBe('positive')
    expect(labelFor(0.5999)).toBe('neutral')
    expect(labelFor(0.5)).toBe('neutral')
    expect(labelFor(0.4001)).toBe('neutral')
    expect(labelFor(0.4)).toBe('negative')
    expect(labelFor(0)).toBe('negative')
    expect(labelFor(null)).toBeNull()
  })
})

describe('extractTerms', () => {
  it('lower-cases words and pairs neighbours within a clause', () => {
    expect(extractTerms('Great quality. Fast', 2)).toEqual(['great', 'quality', 'great quality', 'fast'])
    expect(extractTerms('Great quality. Fast', 1)).toEqual(['great', 'quality', 'fast'])
  })

  it('marks words after a negator until punctuation', () => {
    expect(extractTerms("Not good at all, but I don't hate it! Never again", 1)).toEqual([
      'not', 'not_good', 'not_at', 'not_all', 'but', 'i', "don't", 'not_hate', 'not_it', 'never', 'not_again',
    ])
  })

  it('keeps apostrophes inside words, typographic or not, and handles non-ASCII letters', () => {
    expect(extractTerms('It\u2019s \'fine\' — très bien, 5 étoiles 😀', 1)).toEqual(["it's", 'fine', 'très', 'bien', '5', 'étoiles'])
  })
})

describe('parseSentimentModel', () => {
  it('accepts a valid artifact and rejects mismatched or foreign ones', () => {
    expect(parseSentimentModel(JSON.parse(JSON.stringify(model())))).toEqual(model())
    expect(() => parseSentimentModel(model({weights: [1]}))).toThrow(/same length/)
    expect(() => parseSentimentModel({...model(), type: 'sklearn'})).toThrow(/Not a lakectl\.sentiment/)
    expect(() => parseSentimentModel({...model(), formatVersion: 2})).toThrow(/formatVersion/)
  })
})
