// The SHA-256 of a high-entropy token, hex: how a device token, a passkey challenge or a provider
// flow's state is kept (never the value itself). Not for passwords or guessable codes (argon2, HMAC).
import { createHash } from 'node:crypto';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');
