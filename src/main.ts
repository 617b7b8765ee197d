// `npm start`: configuration from the environment, then the server, until SIGINT/SIGTERM.
import { createApp } from './app.ts';
import { loadConfigOrExit } from './config.ts';
import { createPinoLogger } from './observability/pino-logger.ts';

const config = loadConfigOrExit();

const logger = createPinoLogger(config.log);
const app = await createApp(config, logger);
const url = await app.listen();
const metricsUrl = app.metricsUrl();
logger.info(`Auth API ready at ${url}graphql (${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`})`, {
  ...(metricsUrl ? { metrics: `${metricsUrl}metrics` } : {}),
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second signal: the operator will not wait for the grace.
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: finishing requests and mail, then stopping (grace ${config.shutdownGraceSeconds} s)`);
    const started = performance.now();
    app.close().then(
      (complete) => {
        logger.info(complete ? `stopped in ${Math.round(performance.now() - started)} ms` : 'stopped: work was cut at the end of the grace');
        process.exit(complete ? 0 : 1);
      },
      (error: unknown) => {
        logger.error('shutdown failed', error);
        process.exit(1);
      },
    );
  });
}
