/**
 * The mark of a deleted workflow run, on a server that cannot delete workflows (src/client/execution-deletion.ts).
 * Its existence is the mark; it runs on a kjob worker and ends at once, so the time-skipping test server holds no
 * workflow task open for it (an open task there stops time from skipping).
 */
export async function kjobDeletionMark(): Promise<void> {}
