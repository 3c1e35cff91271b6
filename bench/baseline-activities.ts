/** The baseline's activity: does nothing, as the benchmark's no-op pods do nothing. */
export async function noop(_index: number): Promise<number> {
  return 0;
}
