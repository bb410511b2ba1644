/**
 * The renditions served last, in memory, up to a total size: a page of
 * thumbnails is asked for again and again, and each answer from here saves a
 * round trip to storage. Least recently used first out (a Map iterates in
 * insertion order; a hit is moved to the end).
 */
export class RecentRenditions {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Buffer): void {
    // A rendition larger than a tenth of the whole would push out many others for itself.
    if (value.length > this.maxBytes / 10) return;
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.length;
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.length;
    }
  }
}
