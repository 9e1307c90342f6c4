import { standInSuite } from './emqx-stand-in.js';

standInSuite('emqx5');
