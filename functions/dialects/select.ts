/** The dialect of each surface. */
import type { Surface } from './surfaces.js';
import type { Dialect } from './dialect.js';
import { EMQX4_DIALECT } from './emqx4/index.js';
import { EMQX5_DIALECT } from './emqx5/index.js';
import { NATIVE_DIALECT } from './native.js';

export const DIALECTS: Readonly<Record<Surface, Dialect>> = {
  native: NATIVE_DIALECT,
  emqx4: EMQX4_DIALECT,
  emqx5: EMQX5_DIALECT,
};
