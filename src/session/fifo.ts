// A first-in first-out queue with O(1) push and shift, for the sender's hot path: an Array's
// shift() moves every element once the array is large, which made a million queued writes
// quadratic. Items live in one array from a moving head; the consumed prefix is dropped once
// it is at least half of the array, so each item is moved at most once more.

/** FIFO queue. Not thread-safe (main thread only); no method allocates except push's growth. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Items queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The item `index` places behind the oldest (0: the oldest), or undefined. */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) this.clear();
    else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes the item at `index` (rare: a cancelled write); O(length). */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.#items.splice(this.#head + index, 1)[0];
  }

  /** Index of the first item `match` accepts, or -1; O(length). */
  findIndex(match: (item: T) => boolean): number {
    for (let index = 0; index < this.length; index++) {
      if (match(this.#items[this.#head + index] as T)) return index;
    }
    return -1;
  }

  /** Removes every item and returns them oldest first. */
  drain(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.clear();
    return items;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
