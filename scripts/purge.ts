// `npm run purge`: deletes dead rows (see src/services/purge/rules.ts) from the database `npm start`
// would use (same environment, same configuration) and exits. The server also does this on a timer
// (PURGE_INTERVAL_SECONDS); this is for cron jobs and for operators who turned the timer off.
import { loadConfigOrExit } from '../src/config.ts';
import { configuredDatabase, openDatabase } from '../src/db/open-database.ts';
import { createPurger, describePurge } from '../src/services/purge/purge.ts';
import { createPurgeRules } from '../src/services/purge/rules.ts';

const config = loadConfigOrExit();

const db = await openDatabase(configuredDatabase(config));
try {
  const result = await createPurger({ prisma: db.prisma, rules: createPurgeRules(config) }).run();
  console.log(result.skipped ? 'Purge skipped: another purge is running.' : `Purged ${describePurge(result.deleted)}.`);
} finally {
  await db.close();
}
