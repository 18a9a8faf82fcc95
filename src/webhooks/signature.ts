// Secrets and signatures of the Standard Webhooks specification: `whsec_` + base64 key, and
// `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`.
import { createHmac, randomBytes } from 'node:crypto';

/** A new secret: 32 random bytes, base64, behind the `whsec_` prefix receivers' libraries expect. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` value. Signed with node:crypto rather than the standardwebhooks package: four lines
 * of HMAC need no runtime dependency, and the tests verify with the package, so both sides stay honest.
 */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}
