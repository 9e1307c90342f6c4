import { describe, expect, it } from 'vitest';
import { isAuthorized, parseBasicAuth } from '../../../functions/apps/basic-auth.js';

const app = { appId: 'admin', appSecret: 'pub:lic' };
const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('HTTP Basic credentials', () => {
  it('accepts the app id and secret, the secret holding colons', () => {
    expect(parseBasicAuth(basic('admin:pub:lic'))).toEqual(app);
    expect(isAuthorized(basic('admin:pub:lic'), app)).toBe(true);
    expect(isAuthorized(`basic ${Buffer.from('admin:pub:lic').toString('base64')}`, app)).toBe(true);
  });

  it('refuses a missing header, another scheme, garbage, and a wrong id or secret', () => {
    for (const header of [undefined, '', 'Bearer x', 'Basic', 'Basic !!', basic('admin'), basic('admin:public'), basic('root:pub:lic'), basic(':')]) {
      expect(isAuthorized(header, app)).toBe(false);
    }
  });
});
