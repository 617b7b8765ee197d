// `npm run reencrypt-secrets`: with ENCRYPTION_KEY set to the new key and ENCRYPTION_KEY_PREVIOUS to
// the old one, re-encrypts every stored authenticator secret, queued mail, kept provider token and pending
// provider sign-in under the new key, then reports. Safe
// to run while servers are up, and again. Exits 1 if some secret opened with neither key.
import { loadConfigOrExit } from '../src/config.ts';
import { configuredDatabase, openDatabase } from '../src/db/open-database.ts';
import { createSecretBox } from '../src/services/security/secret-box.ts';
import { reencryptSecrets } from '../src/services/security/reencrypt-secrets.ts';

const config = loadConfigOrExit();
const db = await openDatabase(configuredDatabase(config));
let exitCode = 0;
try {
  const report = await reencryptSecrets(db.prisma, createSecretBox(config.encryption));
  console.log(`Re-encrypted ${report.reencrypted} authenticator secret(s); ${report.current} already under the current key.`);
  console.log(`Re-encrypted ${report.mailsReencrypted} queued mail(s).`);
  console.log(`Re-encrypted ${report.providerSecretsReencrypted} kept provider token(s) and pending provider sign-in(s).`);
  if (report.unreadable.length > 0) {
    console.error(`${report.unreadable.length} secret(s) open with neither key (users ${report.unreadable.join(', ')}): keep the key they were sealed with.`);
    exitCode = 1;
  } else if (config.encryption.previousKey) {
    console.log('ENCRYPTION_KEY_PREVIOUS is no longer needed.');
  }
} finally {
  await db.close();
}
// Set after closing: PGlite's close() resets process.exitCode to 0.
process.exitCode = exitCode;
