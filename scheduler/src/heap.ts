/** A binary min-heap of integer ids ordered by a fixed key array (lower key first). */
export class IdHeap {
  #items: Int32Array;
  #size = 0;

  constructor(
    private readonly key: Int32Array,
    capacity = 16,
  ) {
    this.#items = new Int32Array(Math.max(16, capacity));
  }

  get size(): number {
    return this.#size;
  }

  peek(): number {
    return this.#size > 0 ? this.#items[0]! : -1;
  }

  push(id: number): void {
    if (this.#size === this.#items.length) {
      const grown = new Int32Array(this.#items.length * 2);
      grown.set(this.#items);
      this.#items = grown;
    }
    const items = this.#items;
    const key = this.key;
    let i = this.#size++;
    const k = key[id]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (key[p]! <= k) break;
      items[i] = p;
      i = parent;
    }
    items[i] = id;
  }

  pop(): number {
    if (this.#size === 0) return -1;
    const items = this.#items;
    const key = this.key;
    const top = items[0]!;
    const last = items[--this.#size]!;
    const n = this.#size;
    if (n > 0) {
      const k = key[last]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && key[items[c + 1]!]! < key[items[c]!]!) c++;
        if (key[items[c]!]! >= k) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  clear(): void {
    this.#size = 0;
  }
}
