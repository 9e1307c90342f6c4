/**
 * The list parser of each surface, loaded at the first list request on that
 * surface (and kept, as every loaded module is): a parser builds its query
 * grammar when loaded, and a function instance is mostly asked on one surface.
 */
import type { ListParser } from './dialect.js';
import type { Surface } from './surfaces.js';

const LOADERS: Readonly<Record<Surface, () => Promise<ListParser>>> = {
  native: async () => (await import('./native-list.js')).parseNativeList,
  emqx4: async () => (await import('./emqx4/list.js')).parseEmqx4List,
  emqx5: async () => (await import('./emqx5/list.js')).parseEmqx5List,
};

export const listParserOf = (surface: Surface): Promise<ListParser> => LOADERS[surface]();
