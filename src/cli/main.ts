#!/usr/bin/env node
import { buildProgram } from './program.js';
import { runCli } from './run-cli.js';

await runCli(await buildProgram(process.argv.slice(2)), process.argv);
