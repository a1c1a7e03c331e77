/**
 * The local workspace's one SQL warehouse (reference 5.2). It starts RUNNING; start and stop walk
 * through STARTING / STOPPING quickly, and a statement sent while it is stopped starts it.
 */
import {LOCAL_USER_NAME} from '../identity.js'

export const WAREHOUSE_ID = 'local00000000001'
export const WAREHOUSE_NAME = 'Local DuckDB warehouse'

export type WarehouseState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED'

export class Warehouse {
  private current: WarehouseState = 'RUNNING'
  private timer?: NodeJS.Timeout
  private waiters: Array<() => void> = []

  constructor(
    /** How long STARTING and STOPPING last. */
    private readonly transitionMs: number,
    /** Called when the warehouse begins to stop (running statements are cancelled). */
    private readonly onStop: () => void,
  ) {}

  get state(): WarehouseState {
    return this.current
  }

  info(port: number): Record<string, unknown> {
    const running = this.current === 'RUNNING'
    return {
      id: WAREHOUSE_ID,
      name: WAREHOUSE_NAME,
      state: this.current,
      cluster_size: '2X-Small',
      min_num_clusters: 1,
      max_num_clusters: 1,
      num_clusters: running ? 1 : 0,
      auto_stop_mins: 0,
      enable_photon: false,
      enable_serverless_compute: false,
      warehouse_type: 'PRO',
      spot_instance_policy: 'COST_OPTIMIZED',
      channel: {name: 'CHANNEL_NAME_CURRENT'},
      creator_name: LOCAL_USER_NAME,
      odbc_params: {hostname: '127.0.0.1', path: `/sql/1.0/warehouses/${WAREHOUSE_ID}`, protocol: 'http', port},
      ...(running ? {health: {status: 'HEALTHY'}} : {}),
    }
  }

  start(): void {
    if (this.current === 'RUNNING' || this.current === 'STARTING') return
    this.transition('STARTING', 'RUNNING')
  }

  stop(): void {
    if (this.current === 'STOPPED' || this.current === 'STOPPING') return
    this.onStop()
    this.transition('STOPPING', 'STOPPED')
  }

  /** Resolves once RUNNING, starting the warehouse when it is stopped. */
  whenRunning(): Promise<void> {
    if (this.current === 'RUNNING') return Promise.resolve()
    if (this.current === 'STOPPED' || this.current === 'STOPPING') this.start()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  close(): void {
    clearTimeout(this.timer)
  }

  private transition(through: WarehouseState, to: WarehouseState): void {
    clearTimeout(this.timer)
    this.current = through
    this.timer = setTimeout(() => {
      this.current = to
      if (to === 'RUNNING') for (const resolve of this.waiters.splice(0)) resolve()
    }, this.transitionMs)
  }
}
