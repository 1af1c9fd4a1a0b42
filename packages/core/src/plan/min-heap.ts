/**
 * A binary min-heap of small integers ordered by a caller's comparison: the
 * ready set of the planner's Kahn sorts, so picking the next resource stays
 * O(log n) for large desired sets.
 */
export class MinHeap {
  readonly #items: number[] = [];
  readonly #less: (a: number, b: number) => boolean;

  constructor(less: (a: number, b: number) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: number): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && this.#less(items[l]!, items[m]!)) m = l;
      if (r < items.length && this.#less(items[r]!, items[m]!)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
    return top;
  }
}
