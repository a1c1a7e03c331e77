import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {UsageError} from '../../errors.js'
import {GENERATOR_DEFAULTS} from '../../pipeline/generator.js'
import {type EventSource, produceEvents, type ProduceResult, readEventFile} from '../../streams/produce.js'

/** Flags that shape generated events: they make no sense with --from-file. */
const GENERATOR_FLAGS = ['count', 'duplicates', 'malformed', 'late', 'invalid', 'seed'] as const
const FRACTIONS = {duplicates: 'duplicateFraction', malformed: 'malformedFraction', late: 'lateFraction', invalid: 'invalidFraction'} as const
const MAX_BATCH = 100_000

export default class LocalProduce extends LakectlCommand<typeof LocalProduce, ProduceResult> {
  static summary = 'Write synthetic customer events (or a JSONL file) to the local workspace\'s topic.'
  static description = `The Bronze stream reads this topic (source.topic of lakectl.yaml, default customer-events).
Generated events are deterministic for a --seed and include exact duplicates, malformed values, events
breaking Silver's rules and late events in the given fractions (0..1). --from-file replays a JSONL file:
each non-empty line is sent verbatim as one record (malformed lines too); empty lines are skipped.
--rate paces the events per second (default: as fast as the workspace takes them). Only the local
workspace has a topic: on a Databricks target produce to your Kafka instead.`

  static examples = [
    '<%= config.bin %> local produce --count 100000',
    '<%= config.bin %> local produce --count 1000000 --rate 50000 --duplicates 0.1',
    '<%= config.bin %> local produce --from-file events.jsonl --json',
  ]

  static flags = {
    count: Flags.string({description: 'Events to generate (default 1000).'}),
    rate: Flags.string({description: 'Events per second (default: as fast as possible).'}),
    duplicates: Flags.string({description: `Fraction of exact duplicates of earlier events (default ${GENERATOR_DEFAULTS.duplicateFraction}).`}),
    malformed: Flags.string({description: `Fraction of values that are not JSON objects (default ${GENERATOR_DEFAULTS.malformedFraction}).`}),
    late: Flags.string({description: `Fraction of events 1 hour to 3 days late (default ${GENERATOR_DEFAULTS.lateFraction}).`}),
    invalid: Flags.string({description: `Fraction of events breaking Silver's rules (default ${GENERATOR_DEFAULTS.invalidFraction}).`}),
    seed: Flags.string({description: `Seed of the generator (default ${GENERATOR_DEFAULTS.seed}); the same seed gives the same events.`}),
    topic: Flags.string({description: 'Topic (default: source.topic of lakectl.yaml).'}),
    'from-file': Flags.string({description: 'Replay a JSONL file, one record per non-empty line, instead of generating.'}),
    'batch-size': Flags.string({description: `Records per request (default 5000, at most ${MAX_BATCH.toLocaleString('en')}).`}),
  }

  async execute(): Promise<ProduceResult> {
    const source = this.eventSource()
    const rate = this.flags.rate === undefined ? undefined : number('--rate', this.flags.rate, {min: 0, exclusiveMin: true})
    const batchSize = this.flags['batch-size'] === undefined ? 5000 : integer('--batch-size', this.flags['batch-size'], 1, MAX_BATCH)
    const topic = this.flags.topic ?? this.settings.config.source.topic
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new UsageError(`Invalid topic '${topic}': use 1-249 letters, digits, '.', '_' or '-'.`)
    const {target} = this.settings
    if (target.kind !== 'local') {
      throw new UsageError(`Target '${target.name}' is a Databricks workspace: only the local workspace has a topic to produce to.`, {
        code: 'NOT_LOCAL',
        hint: 'lakectl local produce --target local (or write to your Kafka topic)',
      })
    }
    const client = await this.client()
    return this.out.withProgress('', (progress) =>
      produceEvents(client, {topic, source, rate, batchSize, onProgress: (done, total) => progress.update(`produced ${done.toLocaleString('en')} / ${total.toLocaleString('en')} events`)}),
    )
  }

  render(result: ProduceResult): void {
    const what = result.source === 'file' ? 'records from the file' : 'events'
    this.out.print(
      `Produced ${result.produced.toLocaleString('en')} ${what} to ${result.topic} in ${result.duration_seconds} s ` +
        `(${result.events_per_second.toLocaleString('en')} events/s; latest offsets ${JSON.stringify(result.partitions)}).`,
    )
    this.out.print('Next: lakectl stream status')
  }

  /** Validates every input flag before anything is produced. */
  private eventSource(): EventSource {
    const file = this.flags['from-file']
    if (file !== undefined) {
      const given = GENERATOR_FLAGS.filter((flag) => this.flags[flag] !== undefined)
      if (given.length > 0) {
        throw new UsageError(`--from-file replays a file as it is: drop ${given.map((flag) => `--${flag}`).join(', ')}.`, {code: 'CONFLICTING_FLAGS'})
      }
      return {kind: 'file', path: file, lines: readEventFile(file)}
    }
    const options = {
      count: this.flags.count === undefined ? 1000 : integer('--count', this.flags.count, 0, Number.MAX_SAFE_INTEGER),
      seed: this.flags.seed === undefined ? undefined : integer('--seed', this.flags.seed, 0, 2 ** 32 - 1),
    }
    const fractions = Object.fromEntries(
      Object.entries(FRACTIONS).map(([flag, option]) => {
        const value = this.flags[flag as keyof typeof FRACTIONS]
        return [option, value === undefined ? GENERATOR_DEFAULTS[option] : number(`--${flag}`, value, {min: 0, max: 1})]
      }),
    ) as Record<(typeof FRACTIONS)[keyof typeof FRACTIONS], number>
    if (fractions.duplicateFraction + fractions.malformedFraction + fractions.invalidFraction > 1) {
      throw new UsageError('--duplicates, --malformed and --invalid add up to more than 1.', {code: 'BAD_FRACTIONS'})
    }
    return {kind: 'generator', options: {...options, ...fractions}}
  }
}

function number(flag: string, text: string, range: {min: number; max?: number; exclusiveMin?: boolean}): number {
  const value = Number(text)
  const below = range.exclusiveMin ? value <= range.min : value < range.min
  if (text.trim() === '' || !Number.isFinite(value) || below || (range.max !== undefined && value > range.max)) {
    const bounds = range.max === undefined ? `${range.exclusiveMin ? 'greater than' : 'at least'} ${range.min}` : `between ${range.min} and ${range.max}`
    throw new UsageError(`${flag} must be a number ${bounds}, got '${text}'.`, {code: 'BAD_FLAG'})
  }
  return value
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer between ${min} and ${max.toLocaleString('en')}, got '${text}'.`, {code: 'BAD_FLAG'})
  }
  return value
}
