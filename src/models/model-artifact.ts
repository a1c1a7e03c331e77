import {z} from 'zod'

export const SENTIMENT_MODEL_TYPE = 'lakectl.sentiment.tfidf-logreg'
export const SENTIMENT_MODEL_FORMAT_VERSION = 1

/**
 * The trained sentiment model as stored in the registry: plain JSON, parallel arrays indexed by term.
 * score(text) = sigmoid(bias + weights . tfidf(text)), with tfidf as in model-text.ts.
 */
const sentimentModelSchema = z
  .object({
    type: z.literal(SENTIMENT_MODEL_TYPE),
    formatVersion: z.literal(SENTIMENT_MODEL_FORMAT_VERSION),
    ngrams: z.union([z.literal(1), z.literal(2)]),
    vocabulary: z.array(z.string().min(1)),
    idf: z.array(z.number().positive()),
    weights: z.array(z.number()),
    bias: z.number(),
  })
  .refine((m) => m.idf.length === m.vocabulary.length && m.weights.length === m.vocabulary.length, {
    message: 'vocabulary, idf and weights must have the same length',
  })
  .refine((m) => new Set(m.vocabulary).size === m.vocabulary.length, {message: 'vocabulary has duplicate terms'})

export type SentimentModel = z.infer<typeof sentimentModelSchema>

/** Validates an artifact read from disk or the wire; throws with the offending field otherwise. */
export function parseSentimentModel(json: unknown): SentimentModel {
  const result = sentimentModelSchema.safeParse(json)
  if (!result.success) {
    throw new Error(`Not a ${SENTIMENT_MODEL_TYPE} v${SENTIMENT_MODEL_FORMAT_VERSION} model: ${z.prettifyError(result.error)}`)
  }
  return result.data
}
