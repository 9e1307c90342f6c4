/**
 * The progress line of a long listing, on stderr so that stdout stays the
 * result: rewritten in place on a terminal, one line per page otherwise.
 */
export type Progress = { page(rows: number, total: number | undefined): void; done(): void };

export function progressLine(stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  let shown = false;
  let pages = 0;
  return {
    page(rows, total) {
      pages += 1;
      // A listing of one page needs no progress.
      if (!enabled || pages < 2) return;
      const text = `fetched ${rows} clients${total !== undefined ? ` of ${total}` : ''} (${pages} pages)`;
      if (stream.isTTY) stream.write(`\r${text}\u001b[K`);
      else stream.write(`${text}\n`);
      shown = true;
    },
    done() {
      if (shown && stream.isTTY) stream.write('\r\u001b[K');
    },
  };
}
