import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** An invalid environment, or a store it names that cannot be opened: one line, exit 1. */
function exitOnConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  exitOnConfigError(error);
}

let app;
try {
  app = await buildApp(config);
} catch (error) {
  exitOnConfigError(error);
}

// SIGTERM / SIGINT: stop accepting, let accepted requests finish, close the pool, exit 0.
closeWithGrace({ delay: config.REQUEST_TIMEOUT_MS + 5_000, logger: app.log }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an uncaught error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

await app.listen({ port: config.PORT, host: config.HOST });
