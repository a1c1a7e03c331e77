/**
 * Test-only faults of the local streams (set through /__lakectl/streams/{stream}/...):
 *   stall: the stream keeps triggering and recording progress, but its source hands it nothing although
 *          records wait (as a Kafka partition whose leader is unavailable does): its offsets stop moving;
 *   slow:  every batch takes delay_ms longer (a slow sink), so a busy source outruns it.
 */
export class StreamFaults {
  private readonly stalled = new Set<string>()
  private readonly delays = new Map<string, number>()

  stall(stream: string, stalled: boolean): void {
    if (stalled) this.stalled.add(stream)
    else this.stalled.delete(stream)
  }

  isStalled(stream: string): boolean {
    return this.stalled.has(stream)
  }

  slow(stream: string, delayMs: number): void {
    if (delayMs > 0) this.delays.set(stream, delayMs)
    else this.delays.delete(stream)
  }

  delayMs(stream: string): number {
    return this.delays.get(stream) ?? 0
  }
}
