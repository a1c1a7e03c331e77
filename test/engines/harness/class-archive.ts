/**
 * A CDS class archive for the tier's Spark drivers: the classes of Spark, Scala and the JDK that a driver
 * loads on its way to its first query, parsed and verified once and mapped from the archive by every
 * later driver. A driver start costs about 26 s of CPU on this machine, and the tier starts dozens of
 * them beside running ones (measured on a Delta write, read and MERGE: 16.0 -> 12.1 s wall, user CPU
 * 26 -> 20.5 s). The archive lives in the engines cache, named by what it depends on (the JDK, PySpark
 * and the jars): a changed one gets a new archive, and a JVM that cannot use an archive (a moved cache)
 * warns and runs without it. Made by the tier's global set-up (vitest.engines.config.ts) when missing.
 */
import {createHash} from 'node:crypto'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {enginesCache, setupStamps} from './env.js'
import {sparkRun} from './spark.js'

/** Where the archive for this JDK, PySpark and jar set is (whether or not it exists yet). */
export function classArchive(): string {
  archivePath ??= archiveFor(enginesCache())
  return archivePath
}

let archivePath: string | undefined

function archiveFor(cache: string): string {
  const java = spawnSync('java', ['-version'], {encoding: 'utf8'}).stderr
  const stamps = setupStamps(cache).map((stamp) => readFileSync(stamp, 'utf8'))
  const key = createHash('sha256').update([java, ...stamps].join('\n')).digest('hex').slice(0, 16)
  return path.join(cache, 'cds', `spark-${key}.jsa`)
}

/** The vitest global set-up: makes the archive when it is missing, from setup/class-archive.py. */
export default async function ensureClassArchive(): Promise<void> {
  const archive = classArchive()
  if (existsSync(archive)) return
  const folder = path.dirname(archive)
  mkdirSync(folder, {recursive: true})
  const scratch = mkdtempSync(path.join(tmpdir(), 'lakectl-class-archive-'))
  const partial = path.join(folder, `${path.basename(archive)}.${process.pid}.partial`)
  try {
    const site = {dir: scratch, warehouse: path.join(scratch, 'warehouse'), workspaceRoot: scratch, volumesRoot: scratch, secretsDir: scratch}
    const program = path.join(import.meta.dirname, '..', 'setup', 'class-archive.py')
    await sparkRun(site, 'class-archive', program, [path.join(scratch, 'data')], {archiveClassesTo: partial})
    if (!existsSync(partial)) throw new Error(`the class archive run wrote no ${partial}`)
    // Archives of another JDK or jar set are of no use any more (each is about 160 MB).
    for (const old of readdirSync(folder).filter((f) => f.endsWith('.jsa'))) rmSync(path.join(folder, old), {force: true})
    renameSync(partial, archive)
  } finally {
    rmSync(partial, {force: true})
    rmSync(scratch, {recursive: true, force: true})
  }
}
