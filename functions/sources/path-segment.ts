/**
 * A client id (or username) as one segment of a REST path.
 *
 * encodeURIComponent keeps `/`, `?`, `#`, `%`, spaces and non-ASCII inside the
 * segment, but leaves dots alone, and a segment of dots only is a path step:
 * `.` and `..` are resolved away by URL parsers (`fetch` included, which
 * resolves `%2E` the same way) and by servers normalising the path. Such a
 * segment is spelled with `%2E` here, which a server that decodes segments
 * after normalising reads back as the dots; a caller that sends through
 * `fetch`, or to a server that normalises after decoding (EMQX's router does),
 * must not use it as a path at all: `isDotSegment` says when.
 */

/** `.` and `..`: no server reads them as a segment once the path is normalised. */
export function isDotSegment(value: string): boolean {
  return value === '.' || value === '..';
}

export function pathSegment(value: string): string {
  return isDotSegment(value) ? value.replaceAll('.', '%2E') : encodeURIComponent(value);
}
