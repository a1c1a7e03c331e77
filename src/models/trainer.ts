/**
 * Trains the sentiment model from labelled reviews, in plain TypeScript: TF-IDF over unigrams and
 * bigrams with negation marking, then L2-regularised logistic regression.
 *
 * Why logistic regression rather than naive Bayes: its probabilities are far better calibrated, and
 * sentiment_score is read as a probability (the neutral band 0.4..0.6, averages in Gold, log_loss);
 * naive Bayes is overconfident, pushing most reviews towards 0 or 1. It is also the model train.py
 * fits on Databricks (scikit-learn, same features, same C), so versions from either engine compare.
 */
import {LakectlError} from '../errors.js'
import {fnv1a32} from '../hash.js'
import {SENTIMENT_MODEL_FORMAT_VERSION, SENTIMENT_MODEL_TYPE, type SentimentModel} from './model-artifact.js'
import {extractTerms, tfidfRow, type SparseRow} from './model-text.js'
import {scoreBins, type ScoreBins} from '../reports/model-metrics.js'
import {loadScorer, sigmoid} from './scorer.js'

export interface TrainingExample {
  text: string
  rating: number
}

export interface TrainingOptions {
  /** Keep at most this many terms, the most frequent by document frequency. Default 5000. */
  maxVocabulary?: number
  /** Ignore terms that occur in fewer training reviews than this. Default 2. */
  minDocumentFrequency?: number
  /** 1 = unigrams, 2 = unigrams and bigrams. Default 2. */
  ngrams?: 1 | 2
  /** Inverse L2 regularisation strength, as scikit-learn's C. Default 4. */
  C?: number
  /** Upper bound on gradient iterations. Default 1000. */
  maxIterations?: number
  /** Share of labelled reviews held out for metrics. Default 0.2. */
  testFraction?: number
  /** Seeds the held-out split hash. Default 42. */
  seed?: number
  /** Refuse to train with fewer labelled reviews than this in either class. Default 10. */
  minExamplesPerClass?: number
}

export interface TrainingResult {
  model: SentimentModel
  metrics: Record<string, number>
  params: Record<string, string>
  /** The scores the model gives every review it was trained from (rating 3 too): drift is measured against them. */
  scoreBins: ScoreBins
}

const DEFAULTS: Required<TrainingOptions> = {
  maxVocabulary: 5000,
  minDocumentFrequency: 2,
  ngrams: 2,
  C: 4,
  maxIterations: 1000,
  testFraction: 0.2,
  seed: 42,
  minExamplesPerClass: 10,
}

// Rating 3 is neither: it is excluded from training and shows up as "neutral" only through the score.
export const LABEL_RULE = 'rating >= 4 -> positive (1); rating <= 2 -> negative (0); rating 3 excluded'

export function labelFromRating(rating: number): 0 | 1 | null {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5 || rating === 3) return null
  return rating >= 4 ? 1 : 0
}

/** Thrown when the data cannot support a model; the caller reports it and trains again later. */
export class InsufficientTrainingDataError extends LakectlError {
  constructor(positive: number, negative: number, required: number) {
    super(
      `Too few labelled reviews to train the sentiment model: ${positive} positive (rating >= 4) and ` +
        `${negative} negative (rating <= 2); at least ${required} of each are needed.`,
      {
        code: 'INSUFFICIENT_TRAINING_DATA',
        hint: 'Let more reviews reach silver.customer_events_cleaned, then train again.',
        details: {positive, negative, required},
      },
    )
  }
}

interface LabelledReview {
  text: string
  label: 0 | 1
  hash: number
  heldOut: boolean
}

export function trainSentimentModel(examples: readonly TrainingExample[], options: TrainingOptions = {}): TrainingResult {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  const settings = validated({...DEFAULTS, ...given})
  const reviews = labelAndSplit(examples, settings)
  const train = reviews.filter((r) => !r.heldOut)
  const test = reviews.filter((r) => r.heldOut)

  const trainTerms = train.map((r) => extractTerms(r.text, settings.ngrams))
  const {vocabulary, idf} = buildVocabulary(trainTerms, settings)
  const index = new Map(vocabulary.map((term, i) => [term, i]))
  const rows = trainTerms.map((terms) => tfidfRow(terms, index, idf))
  const labels = train.map((r) => r.label)
  const {weights, bias} = fitLogisticRegression(rows, labels, vocabulary.length, 1 / (settings.C * train.length), settings.maxIterations)

  const model: SentimentModel = {
    type: SENTIMENT_MODEL_TYPE,
    formatVersion: SENTIMENT_MODEL_FORMAT_VERSION,
    ngrams: settings.ngrams,
    vocabulary,
    idf: idf.map(compact),
    weights: Array.from(weights, compact),
    bias: compact(bias),
  }
  // Evaluate the artifact as stored and served, through the scorer.
  const scorer = loadScorer(model)
  const scores = scorer.score(test.map((r) => r.text)) as number[]
  const bins = scoreBins(scorer.score(examples.map((e) => e.text).filter((t) => typeof t === 'string' && t.trim() !== '')) as number[])
  const metrics = {
    ...evaluate(test.map((r) => r.label), scores),
    n_train: train.length,
    n_test: test.length,
    // Share of positives among all labelled reviews (train and held out): the base rate to read f1 against.
    positive_rate: reviews.filter((r) => r.label === 1).length / reviews.length,
  }
  const params = {
    algorithm: 'logistic_regression',
    features: 'tfidf_sublinear_l2',
    negation: 'true',
    ngram_range: `1,${settings.ngrams}`,
    max_vocab: String(settings.maxVocabulary),
    vocab_size: String(vocabulary.length),
    min_df: String(settings.minDocumentFrequency),
    C: String(settings.C),
    max_iter: String(settings.maxIterations),
    tol: String(GRADIENT_TOLERANCE),
    test_fraction: String(settings.testFraction),
    seed: String(settings.seed),
    label_rule: LABEL_RULE,
    format_version: String(SENTIMENT_MODEL_FORMAT_VERSION),
  }
  return {model, metrics, params, scoreBins: bins}
}

function validated(settings: Required<TrainingOptions>): Required<TrainingOptions> {
  const problems = [
    Number.isInteger(settings.maxVocabulary) && settings.maxVocabulary >= 1 ? '' : 'maxVocabulary must be an integer >= 1',
    Number.isInteger(settings.minDocumentFrequency) && settings.minDocumentFrequency >= 1 ? '' : 'minDocumentFrequency must be an integer >= 1',
    settings.ngrams === 1 || settings.ngrams === 2 ? '' : 'ngrams must be 1 or 2',
    settings.C > 0 && Number.isFinite(settings.C) ? '' : 'C must be a positive number',
    Number.isInteger(settings.maxIterations) && settings.maxIterations >= 1 ? '' : 'maxIterations must be an integer >= 1',
    settings.testFraction > 0 && settings.testFraction < 1 ? '' : 'testFraction must be between 0 and 1',
    Number.isInteger(settings.seed) ? '' : 'seed must be an integer',
    Number.isInteger(settings.minExamplesPerClass) && settings.minExamplesPerClass >= 2 ? '' : 'minExamplesPerClass must be an integer >= 2',
  ].filter(Boolean)
  if (problems.length > 0) throw new Error(`Invalid training options: ${problems.join('; ')}.`)
  return settings
}

/**
 * Labels reviews by rating and holds out those whose seeded hash of the text falls below testFraction.
 * Hashing the text keeps a review (and its duplicates) on the same side in every retraining, so
 * successive versions are measured on mostly the same reviews; train.py uses the same hash.
 */
function labelAndSplit(examples: readonly TrainingExample[], settings: Required<TrainingOptions>): LabelledReview[] {
  const reviews: LabelledReview[] = []
  for (const {text, rating} of examples) {
    const label = labelFromRating(rating)
    if (label === null || typeof text !== 'string' || text.trim() === '') continue
    const hash = fnv1a32(`${settings.seed}:${text}`)
    reviews.push({text, label, hash, heldOut: hash / 2 ** 32 < settings.testFraction})
  }
  const positive = reviews.filter((r) => r.label === 1)
  const negative = reviews.filter((r) => r.label === 0)
  if (positive.length < settings.minExamplesPerClass || negative.length < settings.minExamplesPerClass) {
    throw new InsufficientTrainingDataError(positive.length, negative.length, settings.minExamplesPerClass)
  }
  // On small data a class can land entirely on one side; move its hash-nearest review across.
  for (const ofClass of [positive, negative]) {
    const byHash = ofClass.toSorted((a, b) => a.hash - b.hash)
    if (!ofClass.some((r) => r.heldOut)) byHash[0].heldOut = true
    if (ofClass.every((r) => r.heldOut)) byHash.at(-1)!.heldOut = false
  }
  return reviews
}

/** Terms in at least minDocumentFrequency reviews, the maxVocabulary most frequent (ties by term). */
function buildVocabulary(documents: string[][], settings: Required<TrainingOptions>): {vocabulary: string[]; idf: number[]} {
  const documentFrequency = new Map<string, number>()
  for (const terms of documents) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1)
  }
  const kept = [...documentFrequency]
    .filter(([, df]) => df >= settings.minDocumentFrequency)
    .sort(([termA, dfA], [termB, dfB]) => dfB - dfA || (termA < termB ? -1 : 1))
    .slice(0, settings.maxVocabulary)
  // Smoothed idf, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
  return {
    vocabulary: kept.map(([term]) => term),
    idf: kept.map(([, df]) => Math.log((1 + documents.length) / (1 + df)) + 1),
  }
}

// Stop when no gradient component exceeds this: scikit-learn's default tol for the same objective.
const GRADIENT_TOLERANCE = 1e-4

/**
 * Minimises mean log loss + (l2 / 2) |w|^2 (the intercept is not penalised) by accelerated gradient
 * descent with adaptive restart. Deterministic: full batches in input order, no random start.
 * With unit-length rows plus an intercept the gradient is (2/4 + l2)-Lipschitz, which fixes the step.
 */
function fitLogisticRegression(rows: SparseRow[], labels: Array<0 | 1>, dimensions: number, l2: number, maxIterations: number) {
  const count = rows.length
  const step = 1 / (0.5 + l2)
  const weights = new Float64Array(dimensions)
  const previousWeights = new Float64Array(dimensions)
  const lookahead = new Float64Array(dimensions)
  const gradient = new Float64Array(dimensions)
  let bias = 0
  let previousBias = 0
  let momentumScale = 1

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const nextScale = (1 + Math.sqrt(1 + 4 * momentumScale * momentumScale)) / 2
    const momentum = (momentumScale - 1) / nextScale
    for (let j = 0; j < dimensions; j++) lookahead[j] = weights[j] + momentum * (weights[j] - previousWeights[j])
    const lookaheadBias = bias + momentum * (bias - previousBias)

    gradient.fill(0)
    let biasGradient = 0
    for (let i = 0; i < count; i++) {
      const {indices, values} = rows[i]
      let logit = lookaheadBias
      for (let k = 0; k < indices.length; k++) logit += lookahead[indices[k]] * values[k]
      const residual = (sigmoid(logit) - labels[i]) / count
      biasGradient += residual
      for (let k = 0; k < indices.length; k++) gradient[indices[k]] += residual * values[k]
    }
    let largest = Math.abs(biasGradient)
    for (let j = 0; j < dimensions; j++) {
      gradient[j] += l2 * lookahead[j]
      largest = Math.max(largest, Math.abs(gradient[j]))
    }

    previousWeights.set(weights)
    previousBias = bias
    if (largest < GRADIENT_TOLERANCE) {
      weights.set(lookahead)
      bias = lookaheadBias
      break
    }
    let uphill = 0
    for (let j = 0; j < dimensions; j++) {
      weights[j] = lookahead[j] - step * gradient[j]
      uphill += gradient[j] * (weights[j] - previousWeights[j])
    }
    bias = lookaheadBias - step * biasGradient
    uphill += biasGradient * (bias - previousBias)
    // Momentum that points uphill overshoots: drop it and continue as plain gradient descent.
    momentumScale = uphill > 0 ? 1 : nextScale
  }
  return {weights, bias}
}

/** Seven significant digits: far below any effect on a score, and a third the JSON size. */
function compact(value: number): number {
  return Number(value.toPrecision(7))
}

/** Held-out metrics; class predictions use 0.5 (labelFor's neutral band is a reporting choice). */
function evaluate(labels: Array<0 | 1>, scores: number[]): Record<string, number> {
  let truePositive = 0
  let falsePositive = 0
  let falseNegative = 0
  let logLoss = 0
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= 0.5 ? 1 : 0
    if (predicted === 1 && labels[i] === 1) truePositive++
    if (predicted === 1 && labels[i] === 0) falsePositive++
    if (predicted === 0 && labels[i] === 1) falseNegative++
    const p = Math.min(Math.max(scores[i], 1e-15), 1 - 1e-15)
    logLoss -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p)
  }
  const trueNegative = labels.length - truePositive - falsePositive - falseNegative
  const precision = truePositive + falsePositive === 0 ? 0 : truePositive / (truePositive + falsePositive)
  const recall = truePositive + falseNegative === 0 ? 0 : truePositive / (truePositive + falseNegative)
  return {
    accuracy: (truePositive + trueNegative) / labels.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    auc: rocAuc(labels, scores),
    log_loss: logLoss / labels.length,
  }
}

/** ROC AUC as the Mann-Whitney statistic: the share of (positive, negative) pairs ranked correctly. */
function rocAuc(labels: Array<0 | 1>, scores: number[]): number {
  const order = scores.map((score, i) => ({score, label: labels[i]})).sort((a, b) => a.score - b.score)
  let positiveRankSum = 0
  for (let start = 0; start < order.length; ) {
    let end = start
    while (end < order.length && order[end].score === order[start].score) end++
    const averageRank = (start + 1 + end) / 2 // tied scores share the mean of ranks start+1..end
    for (let i = start; i < end; i++) if (order[i].label === 1) positiveRankSum += averageRank
    start = end
  }
  const positives = labels.filter((l) => l === 1).length
  const negatives = labels.length - positives
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}
