/**
 * An Apache Kafka broker (KRaft: one process is broker and controller) on free ports of 127.0.0.1, with
 * a SASL/PLAIN listener, so the Bronze runner's credentials path (secret scope -> JAAS config) runs too.
 */
import {execFile} from 'node:child_process'
import {randomBytes, randomUUID} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {kafkaClasspath, venvBin, venvEnv} from './env.js'
import {freePort} from './ports.js'
import {startProcess, type Managed} from './processes.js'

const run = promisify(execFile)
const KAFKA_IO = new URL('../python/kafka_io.py', import.meta.url).pathname

export interface Kafka {
  bootstrap: string
  username: string
  password: string
  process: Managed
  createTopic(topic: string, partitions: number): Promise<void>
  /** Produces each line of the file as one record value; returns the seconds it took. */
  produceFile(topic: string, file: string): Promise<{records: number; seconds: number}>
  stop(): Promise<void>
}

export async function startKafka(dir: string): Promise<Kafka> {
  mkdirSync(dir, {recursive: true})
  const [port, controllerPort] = [await freePort(), await freePort()]
  const username = 'lakectl'
  const password = randomUUID()
  const brokerSecret = randomUUID()
  const properties = path.join(dir, 'server.properties')
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN',
      'sasl.mechanism.inter.broker.protocol=PLAIN',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${brokerSecret}" user_broker="${brokerSecret}" user_${username}="${password}";`,
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  )
  const log4j = path.join(dir, 'log4j.properties')
  writeFileSync(log4j, 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\nlog4j.logger.kafka.server.KafkaRaftServer=INFO\n')
  const java = ['-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j.configuration=file:${log4j}`, '-cp', kafkaClasspath()]
  await run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', properties], {timeout: 120_000})
  const broker = startProcess({name: 'kafka', command: 'java', args: [...java, 'kafka.Kafka', properties], log: path.join(dir, 'kafka.log')})
  const bootstrap = `127.0.0.1:${port}`
  const clientEnv = venvEnv({KAFKA_USERNAME: username, KAFKA_PASSWORD: password})
  const kafkaIo = async (args: string[], timeout: number) => JSON.parse((await run(venvBin('python'), [KAFKA_IO, ...args], {env: clientEnv, timeout, maxBuffer: 1 << 20})).stdout)
  return {
    bootstrap,
    username,
    password,
    process: broker,
    async createTopic(topic, partitions) {
      if (!broker.running) throw new Error(`the Kafka broker exited: ${broker.output().slice(-2000)}`)
      await kafkaIo(['create-topic', '--bootstrap', bootstrap, '--topic', topic, '--partitions', String(partitions), '--timeout', '90'], 120_000)
    },
    produceFile: (topic, file) => kafkaIo(['produce', '--bootstrap', bootstrap, '--topic', topic, '--file', file], 600_000),
    stop: () => broker.stop(),
  }
}

/**
 * A KRaft cluster id: 16 random bytes, base64url. One that starts with '-' would be read as an option
 * by kafka-storage's argument parser (it failed a CI run: "argument --cluster-id/-t: expected one argument").
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}
