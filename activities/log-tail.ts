/** Keeps the last `limit` bytes written to it, and how many bytes were dropped before them. */
export class LogTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  write(data: Buffer | string): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Trim lazily, once twice the limit is held, so writes stay cheap.
    if (this.size > this.limit * 2) this.trim();
  }

  private trim(): void {
    const all = Buffer.concat(this.chunks);
    const keep = all.subarray(Math.max(0, all.length - this.limit));
    this.dropped += all.length - keep.length;
    this.chunks = [Buffer.from(keep)];
    this.size = keep.length;
  }

  /** Bytes written so far, kept or not. */
  get totalBytes(): number {
    return this.size + this.dropped;
  }

  /** The last `maxBytes` written, for a live view; the kept tail is not changed. */
  peek(maxBytes: number): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - maxBytes)).toString('utf8');
  }

  result(): { text: string; truncatedBytes: number } {
    this.trim();
    return { text: Buffer.concat(this.chunks).toString('utf8'), truncatedBytes: this.dropped };
  }
}
