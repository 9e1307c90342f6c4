/**
 * The app id and secret of the signed-in operator: kept in this tab's
 * sessionStorage only (gone when the tab closes), forgotten on sign-out.
 */
export type Credentials = { appId: string; secret: string };

const KEY = 'mqtt-clients-console.credentials';

export function savedCredentials(): Credentials | undefined {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Credentials> | null;
    return typeof parsed?.appId === 'string' && typeof parsed.secret === 'string' ? { appId: parsed.appId, secret: parsed.secret } : undefined;
  } catch {
    return undefined;
  }
}

export const saveCredentials = (credentials: Credentials) => sessionStorage.setItem(KEY, JSON.stringify(credentials));

export const forgetCredentials = () => sessionStorage.removeItem(KEY);

/** The HTTP Basic header of the credentials, UTF-8 as the API reads it. */
export function basicHeader({ appId, secret }: Credentials): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(`${appId}:${secret}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}
