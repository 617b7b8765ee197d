// `npm run migrate`: applies pending migrations to the configured database and exits. The server
// also does this at start; this is for deploy pipelines that migrate before rolling out.
import { loadConfigOrExit } from '../src/config.ts';
import { configuredDatabase, openDatabase } from '../src/db/open-database.ts';
import { createPinoLogger } from '../src/observability/pino-logger.ts';

const config = loadConfigOrExit();
const logger = createPinoLogger(config.log);
const db = await openDatabase(configuredDatabase(config));
const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
  SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
logger.info(`Database is at ${rows.at(-1)?.migration_name ?? 'no migration'} (${rows.length} applied).`);
await db.close();
