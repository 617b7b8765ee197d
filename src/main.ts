// `npm start`: configuration from the environment, then the server, until SIGINT/SIGTERM.
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { consoleLogger as logger } from './logger.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  logger.error(error.message);
  process.exit(1);
}

const app = await createApp(config, logger);
const url = await app.listen();
logger.info(`Auth API ready at ${url}graphql (${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info(`${signal}: finishing requests and mail, then stopping`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', error);
        process.exit(1);
      },
    );
  });
}
