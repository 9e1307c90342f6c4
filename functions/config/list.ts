/** GET /clients (list-clients.ts): the table and the key that signs the paging cursors. */
import * as z from '../validation/zod.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

const listSchema = () =>
  z.extend(tableSchema(), {
    CURSOR_SECRET: z.string().check(z.minLength(16, 'CURSOR_SECRET must hold at least 16 characters')),
    // How long a list walks an index before it answers the rows found so far (with a cursor to go on).
    LIST_BUDGET_MS: intSetting('LIST_BUDGET_MS', 3_000),
  });

export type ListConfig = TableConfig & { cursorSecret: string; listBudgetMs: number };

export function loadListConfig(env: NodeJS.ProcessEnv = process.env): ListConfig {
  const c = parse(listSchema(), env);
  return { ...tableConfigOf(c), cursorSecret: c.CURSOR_SECRET, listBudgetMs: c.LIST_BUDGET_MS };
}

export interface ListSettings extends TableSettings {
  readonly cursorSecret: string;
  /** @default 3000 (the function's) */
  readonly listBudgetMs?: number;
}

export function listEnvironment(s: ListSettings): Environment {
  return {
    ...tableEnvironment(s),
    CURSOR_SECRET: s.cursorSecret,
    ...optionalVariable('LIST_BUDGET_MS', s.listBudgetMs),
  };
}
