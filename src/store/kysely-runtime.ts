/**
 * Kysely, loaded on first use. Its entry module pulls in some 400 files (a quarter of a second): every
 * CLI command would pay that at start-up, though most never open a store. The store's modules import
 * Kysely's types only, and take its runtime values from here, synchronously (SQLite stores open
 * synchronously), the first time a store is opened.
 */
import { createRequire } from 'node:module';

type KyselyModule = typeof import('kysely');

let loaded: KyselyModule | undefined;

export function kyselyRuntime(): KyselyModule {
  loaded ??= createRequire(import.meta.url)('kysely') as KyselyModule;
  return loaded;
}
