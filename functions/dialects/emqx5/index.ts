/** EMQX 5's `/api/v5` surface. */
import { NATIVE_DIALECT } from '../native.js';
import type { Dialect } from '../dialect.js';

export const EMQX5_DIALECT: Dialect = NATIVE_DIALECT;
