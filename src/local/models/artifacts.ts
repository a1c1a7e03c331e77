/**
 * Model artifacts on disk. A logged model is a folder holding `sentiment-model.json` (the artifact of
 * src/models/model-artifact.ts); registering a version copies it from its source (an artifact location
 * of this workspace's MLflow runs) into the version's storage location, as Databricks copies run
 * artifacts into the registry. Serving loads it from there.
 */
import {existsSync, readFileSync, realpathSync, rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {parseSentimentModel} from '../../models/model-artifact.js'
import {loadScorer, type Scorer} from '../../models/scorer.js'
import {invalidParameter} from '../http/errors.js'
import {writeFileAtomic} from '../state-dir.js'

export const MODEL_ARTIFACT_FILE = 'sentiment-model.json'

/** Most scorers kept loaded (each holds a vocabulary map). */
const CACHED_SCORERS = 8

function fileUri(folder: string): string {
  return pathToFileURL(folder).href
}

export class Artifacts {
  private readonly scorers = new Map<string, Scorer>()

  constructor(
    private readonly runsDir: string,
    private readonly registryDir: string,
  ) {}

  experimentUri(experimentId: string): string {
    return fileUri(path.join(this.runsDir, experimentId))
  }

  runArtifactUri(experimentId: string, runId: string): string {
    return fileUri(path.join(this.runsDir, experimentId, runId, 'artifacts'))
  }

  modelLocation(modelId: string): string {
    return fileUri(path.join(this.registryDir, modelId))
  }

  versionLocation(modelId: string, version: number): string {
    return fileUri(path.join(this.registryDir, modelId, String(version)))
  }

  /**
   * The local folder a version's source names: `runs:/<run_id>/<path>` (resolved through the run's
   * artifact URI) or a file:// URI. Only run artifact locations of this workspace are accepted, so a
   * request cannot make the server read arbitrary files.
   */
  resolveSource(source: string, runArtifactUri: (runId: string) => string): string {
    const runs = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source)
    const uri = runs ? `${runArtifactUri(runs[1])}/${runs[2] ?? ''}` : source
    let folder: string
    try {
      folder = path.resolve(uri.startsWith('file:') ? fileURLToPath(uri) : uri)
    } catch {
      throw invalidParameter(`Invalid source '${source}': expected runs:/<run_id>/<path> or a file:// URI.`)
    }
    if (!isInside(folder, this.runsDir)) {
      throw invalidParameter(`Invalid source '${source}': the local workspace registers models from its own MLflow run artifacts (runs:/<run_id>/<path>).`)
    }
    return folder
  }

  /**
   * Copies the model in `sourceFolder` to `storageLocation`; returns why it cannot be registered
   * (missing or invalid artifact) or undefined when it was.
   */
  register(sourceFolder: string, storageLocation: string): string | undefined {
    const file = path.join(sourceFolder, MODEL_ARTIFACT_FILE)
    if (!existsSync(file) || !isInside(realpathSync(file), realpathSync(this.runsDir))) return `No ${MODEL_ARTIFACT_FILE} in the model source.`
    try {
      const model = parseSentimentModel(JSON.parse(readFileSync(file, 'utf8')))
      writeFileAtomic(path.join(fileURLToPath(storageLocation), MODEL_ARTIFACT_FILE), JSON.stringify(model))
      return undefined
    } catch (error) {
      return `The model artifact cannot be loaded: ${error instanceof Error ? error.message : String(error)}`
    }
  }

  /** Writes a model into a run's artifacts (what mlflow.log_model does), returning the folder. */
  logModel(artifactUri: string, artifactPath: string, model: unknown): string {
    const folder = path.join(fileURLToPath(artifactUri), artifactPath)
    writeFileAtomic(path.join(folder, MODEL_ARTIFACT_FILE), JSON.stringify(model))
    return folder
  }

  /** The scorer of a registered version (cached by location: a version's artifact never changes). */
  scorer(storageLocation: string): Scorer {
    let scorer = this.scorers.get(storageLocation)
    if (!scorer) {
      const file = path.join(fileURLToPath(storageLocation), MODEL_ARTIFACT_FILE)
      scorer = loadScorer(parseSentimentModel(JSON.parse(readFileSync(file, 'utf8'))))
      if (this.scorers.size >= CACHED_SCORERS) this.scorers.delete(this.scorers.keys().next().value!)
      this.scorers.set(storageLocation, scorer)
    }
    return scorer
  }

  /** Deletes a stored artifact folder (a version's, or a model's with all its versions). */
  remove(storageLocation: string): void {
    for (const key of this.scorers.keys()) if (key === storageLocation || key.startsWith(`${storageLocation}/`)) this.scorers.delete(key)
    rmSync(fileURLToPath(storageLocation), {recursive: true, force: true})
  }
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
