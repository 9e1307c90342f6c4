import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLog } from '../../../infra/local/log.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the local stack log', () => {
  it('writes each message on one line, control characters of client text escaped', () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = consoleLog('mqtt');
    log.info('kicked dev\n12:00:00.000 api    forged line \u001b[2K\u009b1A\u2028\u2029\u007f');
    log.error('kick of x\r\n failed', new Error('broker said\nno\u0000'));
    const lines = [...info.mock.calls, ...error.mock.calls].map(([line]) => String(line));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} mqtt   kicked dev\\x0a12:00:00\.000 api    forged line \\x1b\[2K\\x9b1A\\u2028\\u2029\\x7f$/);
    expect(lines[1]).toMatch(/ kick of x\\x0d\\x0a failed: Error: broker said\\x0ano\\x00$/);
  });
});
