import {describe, expect, it} from 'vitest'

import {fnv1a32} from '../../src/hash.js'
import {parseSentimentModel} from '../../src/models/model-artifact.js'
import {loadScorer} from '../../src/models/scorer.js'
import {
  InsufficientTrainingDataError,
  labelFromRating,
  trainSentimentModel,
} from '../../src/models/trainer.js'
import {random, syntheticReviews} from '../helpers/reviews.js'

const clean = syntheticReviews(1500, 1)
const trained = trainSentimentModel(clean)

describe('trainSentimentModel', () => {
  it('learns separable reviews well on held-out data', () => {
    expect(trained.metrics.f1).toBeGreaterThan(0.9)
    expect(trained.metrics.auc).toBeGreaterThan(0.9)
    expect(trained.metrics.accuracy).toBeGreaterThan(0.9)
    const [happy, unhappy, negated] = loadScorer(trained.model).score([
      'Love this product, great quality!',
      'Terrible, broke after a day, waste of money.',
      'Not great quality, would not recommend',
    ])
    expect(happy).toBeGreaterThan(0.8)
    expect(unhappy).toBeLessThan(0.2)
    expect(negated).toBeLessThan(0.5)
  })

  it('reports metrics that agree with each other and with the held-out reviews', () => {
    const {metrics, model} = trained
    expect(metrics.n_train + metrics.n_test).toBe(clean.length)
    expect(metrics.n_test / clean.length).toBeGreaterThan(0.15)
    expect(metrics.n_test / clean.length).toBeLessThan(0.25)
    const {precision: p, recall: r} = metrics
    expect(metrics.f1).toBeCloseTo((2 * p * r) / (p + r), 12)
    for (const name of ['accuracy', 'precision', 'recall', 'f1', 'auc', 'positive_rate']) {
      expect(metrics[name]).toBeGreaterThanOrEqual(0)
      expect(metrics[name]).toBeLessThanOrEqual(1)
    }

    // Recompute from the documented split (seeded FNV-1a of the text below 0.2) by brute force.
    const heldOut = clean.filter((e) => fnv1a32(`42:${e.text}`) / 2 ** 32 < 0.2)
    expect(heldOut).toHaveLength(metrics.n_test)
    const labels = heldOut.map((e) => labelFromRating(e.rating)!)
    const scores = loadScorer(model).score(heldOut.map((e) => e.text)) as number[]
    const correct = labels.filter((label, i) => (scores[i] >= 0.5 ? 1 : 0) === label).length
    expect(metrics.accuracy).toBeCloseTo(correct / labels.length, 12)
    let ordered = 0
    let pairs = 0
    for (let i = 0; i < labels.length; i++) {
      for (let j = 0; j < labels.length; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue
        pairs++
        ordered += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0
      }
    }
    expect(metrics.auc).toBeCloseTo(ordered / pairs, 12)
    const logLoss = -labels.reduce<number>((sum, label, i) => sum + Math.log(label === 1 ? scores[i] : 1 - scores[i]), 0) / labels.length
    expect(metrics.log_loss).toBeCloseTo(logLoss, 9)
    const positives = clean.filter((e) => labelFromRating(e.rating) === 1).length
    expect(metrics.positive_rate).toBeCloseTo(positives / clean.length, 12)
  })

  it('records its parameters', () => {
    expect(trained.params).toMatchObject({
      algorithm: 'logistic_regression',
      ngram_range: '1,2',
      min_df: '2',
      C: '4',
      seed: '42',
      vocab_size: String(trained.model.vocabulary.length),
    })
  })

  it('is deterministic: the same reviews give the same artifact, byte for byte', () => {
    const again = trainSentimentModel(syntheticReviews(1500, 1))
    expect(JSON.stringify(again.model)).toBe(JSON.stringify(trained.model))
    expect(again.metrics).toEqual(trained.metrics)
  })

  it('produces a small JSON artifact that round-trips to identical scores', () => {
    const json = JSON.stringify(trained.model)
    expect(json.length).toBeLessThan(1_000_000)
    const restored = parseSentimentModel(JSON.parse(json))
    const texts = syntheticReviews(300, 99).map((e) => e.text)
    expect(loadScorer(restored).score(texts)).toEqual(loadScorer(trained.model).score(texts))
  })

  it('stays small when the vocabulary is large', () => {
    const words = Array.from({length: 20_000}, (_, i) => `w${i.toString(36)}`)
    const next = random(5)
    const examples = Array.from({length: 4000}, (_, i) => ({
      text: Array.from({length: 12}, () => words[Math.floor(next() * words.length)]).join(' ') + (i % 2 ? ' great' : ' awful'),
      rating: i % 2 ? 5 : 1,
    }))
    const {model} = trainSentimentModel(examples)
    expect(model.vocabulary.length).toBeLessThanOrEqual(5000)
    expect(JSON.stringify(model).length).toBeLessThan(1_000_000)
  })

  it('scores a better version for more, cleaner data than for little, noisy data', () => {
    const worse = trainSentimentModel(syntheticReviews(70, 3, {mislabelled: 0.3}))
    expect(trained.metrics.f1).toBeGreaterThan(worse.metrics.f1 + 0.1)
    expect(trained.metrics.auc).toBeGreaterThan(worse.metrics.auc)
  })

  it('excludes rating 3 and unusable rows from training and metrics', () => {
    const examples = [
      ...syntheticReviews(600, 4, {neutral: 0.2}),
      {text: '', rating: 5},
      {text: '   ', rating: 1},
      {text: 'rated nine', rating: 9},
      {text: 'rated two and a half', rating: 2.5},
    ]
    const labelled = examples.filter((e) => e.text.trim() !== '' && labelFromRating(e.rating) !== null)
    expect(labelled.length).toBeLessThan(600)
    const {metrics} = trainSentimentModel(examples)
    expect(metrics.n_train + metrics.n_test).toBe(labelled.length)
  })

  it('refuses too few labelled reviews of either class, saying how many it has', () => {
    const positives = syntheticReviews(400, 6).filter((e) => e.rating >= 4)
    const negatives = syntheticReviews(400, 6).filter((e) => e.rating <= 2)
    const fewNegatives = [...positives, ...negatives.slice(0, 9), ...Array.from({length: 50}, () => ({text: 'it is fine', rating: 3}))]
    expect(() => trainSentimentModel(fewNegatives)).toThrow(InsufficientTrainingDataError)
    expect(() => trainSentimentModel(fewNegatives)).toThrow(/9 negative .*at least 10 of each/)
    expect(() => trainSentimentModel([])).toThrow(/0 positive .* and 0 negative/)
    expect(() => trainSentimentModel([...positives.slice(0, 10), ...negatives.slice(0, 10)])).not.toThrow()
  })

  it('holds out at least one review of each class even on tiny data', () => {
    const tiny = [...Array.from({length: 10}, (_, i) => ({text: `great ${i}`, rating: 5})), ...Array.from({length: 10}, (_, i) => ({text: `awful ${i}`, rating: 1}))]
    const {metrics} = trainSentimentModel(tiny, {testFraction: 0.01})
    expect(metrics.n_test).toBeGreaterThanOrEqual(2)
    expect(Number.isFinite(metrics.auc)).toBe(true)
  })

  it('rejects invalid options and ignores undefined ones', () => {
    expect(() => trainSentimentModel(clean, {testFraction: 1})).toThrow(/testFraction/)
    expect(() => trainSentimentModel(clean, {C: 0, minDocumentFrequency: 0})).toThrow(/minDocumentFrequency.*C|C.*minDocumentFrequency/)
    expect(trainSentimentModel(clean, {C: undefined}).params.C).toBe('4')
  })
})

describe('labelFromRating', () => {
  it('labels 4-5 positive, 1-2 negative and leaves 3 and invalid ratings out', () => {
    expect([1, 2, 3, 4, 5].map(labelFromRating)).toEqual([0, 0, null, 1, 1])
    expect([0, 6, 2.5, Number.NaN].map(labelFromRating)).toEqual([null, null, null, null])
  })
})
