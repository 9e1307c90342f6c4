/** The console's built files: the page and the content-hashed assets it names. */
export type ConsoleAsset = { contentType: string; body: string };

export type ConsoleAssets = {
  /** The page served at `/console`. */
  html: string;
  /** By file name (`main.3KJ2QZ.js`), served at `/console/{name}`. */
  files: Record<string, ConsoleAsset>;
};

/**
 * Everything the page may load or call: its own origin only, no inline
 * script or style, never framed, no form posts (the page calls the API
 * with fetch).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** The page is revalidated on every visit (an unchanged one answers 304); hashed assets never change. */
export const PAGE_CACHE_CONTROL = 'no-cache';
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
