#!/usr/bin/env node
import { Command } from 'commander';
import { EDGEBENCH_VERSION } from '../version.js';
import { register as registerAgent } from './agent.js';
import { register as registerCompareOutputs } from './compare-outputs.js';
import { register as registerDiff } from './diff.js';
import { register as registerEnv } from './env.js';
import { register as registerFleet } from './fleet.js';
import { register as registerHistory } from './history.js';
import { register as registerInspect } from './inspect.js';
import { register as registerOptimize } from './optimize.js';
import { register as registerPipeline } from './pipeline.js';
import { register as registerReport } from './report.js';
import { register as registerRun } from './run.js';
import { runCli } from './run-cli.js';
import { register as registerShow } from './show.js';
import { register as registerStudy } from './study.js';
import { register as registerTune } from './tune.js';
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
registerStudy(program);
registerTune(program);
registerHistory(program);
registerShow(program);
registerDiff(program);
registerReport(program);
registerOptimize(program);
registerPipeline(program);
registerCompareOutputs(program);
registerAgent(program);
registerFleet(program);

await runCli(program, process.argv);
