/**
 * AWS IoT's data endpoint (IOT_DATA_ENDPOINT): `aws iot describe-endpoint
 * --endpoint-type iot:Data-ATS` prints a bare host, the SDK wants a URL. Both
 * are taken and the host becomes `https://host`.
 */

/** A DNS name or IPv4 address, with an optional port. */
const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/i;
const URL_OF_HOST = /^(https?):\/\/([^/?#\s]+)\/?$/i;

/**
 * The endpoint as a URL: a bare host as `https://host`, a URL of the schemes
 * given as it is (without a trailing `/`); undefined for anything else, a
 * path included. The deployed stack takes https only; the functions also take
 * http, for a loopback stand-in of the data plane.
 */
export function iotDataEndpointUrl(value: string, schemes: readonly ('https' | 'http')[] = ['https', 'http']): string | undefined {
  if (HOST.test(value)) return `https://${value}`;
  const url = URL_OF_HOST.exec(value);
  if (!url || !HOST.test(url[2]!)) return undefined;
  const scheme = url[1]!.toLowerCase();
  return (schemes as readonly string[]).includes(scheme) ? `${scheme}://${url[2]}` : undefined;
}
