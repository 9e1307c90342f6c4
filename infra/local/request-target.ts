/**
 * A request target as the local stand-ins read it: not through WHATWG URL
 * parsing, which resolves `.`, `..` and `%2E` path segments before the
 * server sees them, so each stand-in resolves them where the service it
 * stands in for does.
 */

export function splitTarget(target: string): { rawPath: string; query: URLSearchParams } {
  const at = target.search(/[?#]/);
  if (at < 0) return { rawPath: target, query: new URLSearchParams() };
  const query = target[at] === '?' ? target.slice(at + 1).replace(/#.*$/s, '') : '';
  return { rawPath: target.slice(0, at), query: new URLSearchParams(query) };
}

/** RFC 3986 dot-segment removal on path segments: `.` is dropped, `..` drops the segment before it. */
export function withoutDotSegments(segments: readonly string[]): string[] {
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '..') kept.pop();
    else if (segment !== '.') kept.push(segment);
  }
  return kept;
}
