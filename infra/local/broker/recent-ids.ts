/** The last `capacity` ids seen, oldest forgotten first: enough to execute each command once. */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 4096) {}

  /** Records `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
    return true;
  }
}
