/** An EMQX disconnect is never put before its connect, whatever the node's clock did between the two. */
import { describe, expect, it } from 'vitest';
import { disconnectEvent } from '../../../../functions/sources/emqx/connection.js';
import { connection } from '../../../support/sessions.js';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

describe('disconnectEvent', () => {
  const conn = connection({ clientid: 'skewed', node: 'emqx@10.0.0.1', connected_at: T0 });

  it('puts a disconnect stamped before the connect at the connect', () => {
    expect(disconnectEvent(conn, T0 - 500, 'normal')).toEqual({ type: 'disconnected', conn, at: T0 });
  });

  it('puts a kick stamped before the connect at the connect', () => {
    expect(disconnectEvent(conn, T0 - 500, 'kicked')).toEqual({ type: 'terminated', conn, at: T0, reason: 'kicked' });
  });

  it('keeps the time of a disconnect after the connect', () => {
    expect(disconnectEvent(conn, T0 + 500, 'normal')).toEqual({ type: 'disconnected', conn, at: T0 + 500 });
  });
});
