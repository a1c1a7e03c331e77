/**
 * The base of every lakectl command: global flags, the typed result rendered once (a table for humans,
 * one JSON document under --json), errors mapped to the documented exit codes, Ctrl-C -> 130, and the
 * lazily built workspace client for the resolved target.
 *
 * It is an oclif command by contract, not by inheritance: oclif runs it through the static `run` (as it
 * runs any command class), and so does the start-up dispatch (dispatch.ts) without loading oclif at all.
 * Command lines are parsed by parseSimple, or by oclif's parser (loaded then) for what it declines.
 */
import {setMaxListeners} from 'node:events'

import type {Interfaces} from '@oclif/core'

import type {DatabricksClient} from '../databricks/client.js'
import {resolveSettings, type Settings} from '../config/targets.js'
import {InterruptedError} from '../errors.js'
import {ExitCode, exitCodeOf, toLakectlError} from './errors.js'
import {Flags} from './flags.js'
import {Output} from './output.js'
import {type ParseInput, type ParseOutput, parseSimple} from './parse.js'

interface Definition {
  flags?: Interfaces.FlagInput
  args?: Interfaces.ArgInput
}

export type CommandFlags<T extends Definition> = Interfaces.InferredFlags<(typeof LakectlCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends Definition> = Interfaces.InferredArgs<T['args']>

/** What a command needs of oclif's Config (the start-up dispatch passes just this). */
export interface CommandConfig {
  version: string
}

export abstract class LakectlCommand<T extends Definition, R> {
  /** Set by whoever loads the command: oclif's Config, or the start-up dispatch. */
  static id: string
  static summary?: string
  static description?: string
  static examples?: string[]
  static hidden?: boolean
  static strict = true
  static args: Interfaces.ArgInput = {}
  static flags: Interfaces.FlagInput = {}
  static baseFlags = {
    target: Flags.string({description: 'Target from lakectl.yaml (default: default_target, or local).', helpGroup: 'GLOBAL', env: 'LAKECTL_TARGET'}),
    profile: Flags.string({description: 'Databricks config profile (~/.databrickscfg) to use.', helpGroup: 'GLOBAL'}),
    config: Flags.string({description: 'Path to lakectl.yaml.', helpGroup: 'GLOBAL', env: 'LAKECTL_CONFIG'}),
    json: Flags.boolean({description: 'Print one JSON document (errors too).', helpGroup: 'GLOBAL'}),
    'no-color': Flags.boolean({description: 'Disable colour.', helpGroup: 'GLOBAL'}),
    debug: Flags.boolean({description: 'Trace HTTP requests on stderr (credentials redacted).', helpGroup: 'GLOBAL'}),
    yes: Flags.boolean({char: 'y', description: 'Answer yes to confirmations (needed without a terminal).', helpGroup: 'GLOBAL'}),
    'no-input': Flags.boolean({description: 'Never prompt; fail with the flag to pass instead.', helpGroup: 'GLOBAL'}),
  }

  /** Runs the command for argv (the words after the command's own): oclif's entry point for a command class. */
  static async run<C extends LakectlCommand<Definition, unknown>>(this: new (argv: string[], config: CommandConfig) => C, argv: string[], config: CommandConfig): Promise<void> {
    await new this(argv, config).runCommand()
  }

  readonly id: string

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** Every positional argument (commands with `strict = false` take several). */
  protected positional!: string[]
  protected out!: Output
  /** Aborted on Ctrl-C: every request and wait listens to it. */
  protected readonly abort = new AbortController()
  /** The resolved config, or why it could not be: only a command that uses it fails on a bad config. */
  private resolved!: {settings: Settings} | {error: unknown}
  private clientCache?: Promise<DatabricksClient>
  private interrupts = 0
  /** --timeout, when the user gave it (it then bounds the retries of an unreachable host too). */
  private givenTimeout?: number

  constructor(
    readonly argv: string[],
    readonly config: CommandConfig,
  ) {
    this.id = this.ctor.id
  }

  private get ctor(): typeof LakectlCommand {
    return this.constructor as typeof LakectlCommand
  }

  private async runCommand(): Promise<void> {
    let failure: Error | undefined
    try {
      await this.init()
      await this.run()
    } catch (error) {
      failure = error as Error
      await this.catch(failure)
    } finally {
      await this.finally(failure)
    }
  }

  /** Does the work and returns the typed result; never writes to the terminal except through this.out. */
  abstract execute(): Promise<R>

  /** Renders the result for humans (tables, short sentences). */
  abstract render(result: R): Promise<void> | void

  protected async init(): Promise<void> {
    const ctor = this.ctor
    const definition = {flags: {...ctor.baseFlags, ...ctor.flags}, args: ctor.args, strict: ctor.strict} as unknown as ParseInput
    const {args, argv, flags, metadata} = (await parseSimple(definition, this.argv)) ?? (await this.oclifParse(definition))
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.positional = argv.map(String)
    const timeout = (flags as {timeout?: unknown}).timeout
    if (typeof timeout === 'number' && !metadata.flags.timeout?.setFromDefault) this.givenTimeout = timeout
    this.out = await Output.create({json: this.flags.json, noColor: this.flags['no-color'], noInput: this.flags['no-input']})
    this.resolved = await resolveSettings(this.flags, process.env, process.cwd()).then(
      (settings) => ({settings}),
      (error: unknown) => ({error}),
    )
    // Every request in flight listens to the signal: many at once are expected, not a leak.
    setMaxListeners(0, this.abort.signal)
    process.on('SIGINT', this.onInterrupt)
  }

  /** The exit code a successful run ends with (a check that found problems returns 3, say). */
  protected exitCodeFor(_result: R): number {
    return ExitCode.ok
  }

  protected async run(): Promise<R> {
    const result = await this.execute()
    if (this.out.json) this.out.printJson(result)
    else await this.render(result)
    const code = this.exitCodeFor(result)
    if (code !== ExitCode.ok) process.exitCode = code
    return result
  }

  /** This command line as typed (global flags after the words), quoted for a shell: for hints. */
  protected commandLine(): string {
    const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)
    return ['lakectl', ...this.id.split(':'), ...this.argv.map(quote)].join(' ')
  }

  protected get settings(): Settings {
    if ('error' in this.resolved) throw this.resolved.error
    return this.resolved.settings
  }

  /** The workspace client for the resolved target (built once, on first use). */
  protected client(): Promise<DatabricksClient> {
    this.clientCache ??= import('./context.js').then((m) =>
      m.createClient(this.settings, {
        signal: this.abort.signal,
        trace: this.flags.debug ? (line) => this.out.debug(line) : undefined,
        onRetry: (event) => this.out.retry(event),
        unreachableSeconds: this.givenTimeout ?? this.settings.config.network.unreachable_retry_seconds,
        version: this.config.version,
      }),
    )
    return this.clientCache
  }

  /** oclif's parser, for the command lines parseSimple declines: it parses them or throws its usage error. */
  private async oclifParse(definition: ParseInput): Promise<ParseOutput> {
    const {Parser} = await import('@oclif/core')
    return (await Parser.parse(this.argv, {...definition, context: this} as never)) as unknown as ParseOutput
  }

  protected async catch(error: Error): Promise<void> {
    const ctor = this.ctor
    const known = Object.entries({...ctor.baseFlags, ...ctor.flags}).filter(([, f]) => !f.hidden).map(([name]) => name)
    const failure = this.abort.signal.aborted ? new InterruptedError() : toLakectlError(error, {words: this.id.replaceAll(':', ' '), flags: known})
    // A parse error comes before the flags are known: read the two that shape the output from argv.
    const out = this.out ?? (await Output.create({json: this.argv.includes('--json'), noColor: this.argv.includes('--no-color'), noInput: true}))
    if (failure.code === 'INTERNAL' && this.flags?.debug) out.debug(String(error.stack))
    out.error(failure)
    process.exitCode = exitCodeOf(failure)
  }

  protected async finally(_error: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onInterrupt)
    const client = await this.clientCache?.catch(() => undefined)
    client?.close()
  }

  private readonly onInterrupt = () => {
    this.interrupts++
    // A second Ctrl-C does not wait for clean-up.
    if (this.interrupts > 1) process.exit(ExitCode.interrupted)
    this.abort.abort()
  }
}

