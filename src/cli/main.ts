#!/usr/bin/env node
import { Command } from 'commander';
import { EDGEBENCH_VERSION } from '../version.js';
import { register as registerCompareOutputs } from './compare-outputs.js';
import { register as registerEnv } from './env.js';
import { register as registerInspect } from './inspect.js';
import { register as registerOptimize } from './optimize.js';
import { register as registerPipeline } from './pipeline.js';
import { register as registerRun } from './run.js';
import { runCli } from './run-cli.js';
import { register as registerZoo } from './zoo.js';

const program = new Command('edgebench');
program
  .description('Benchmark deep-learning inference on edge devices, and show what optimization buys.')
  .version(EDGEBENCH_VERSION)
  .option('--debug', 'show stack traces for errors')
  .option('--verbose', "show the runtimes' own warnings");

registerEnv(program);
registerRun(program);
registerZoo(program);
registerInspect(program);
registerOptimize(program);
registerPipeline(program);
registerCompareOutputs(program);

await runCli(program, process.argv);
