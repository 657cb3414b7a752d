/**
 * The system under test, as LoadGen sees it: something that answers one query at a time. A model-backed
 * SUT runs the model `runsPerQuery` times per query and keeps every run's time (pure inference).
 */
import { performance } from 'node:perf_hooks';

export interface SystemUnderTest {
  /** Samples one query carries (offline: one batch). */
  readonly samplesPerQuery: number;
  /** Answers one query; resolves when every sample in it is done. */
  issueQuery(): Promise<void>;
}

export interface ModelSut extends SystemUnderTest {
  readonly runsPerQuery: number;
  /** Every model run's time, in order. */
  readonly runTimesMs: number[];
}

/** A SUT over a runner (one model run of `samplesPerRun` samples), `runsPerQuery` runs per query. */
export function modelSut(run: () => Promise<unknown>, samplesPerRun: number, runsPerQuery = 1): ModelSut {
  const runTimesMs: number[] = [];
  return {
    samplesPerQuery: samplesPerRun * runsPerQuery,
    runsPerQuery,
    runTimesMs,
    async issueQuery() {
      for (let i = 0; i < runsPerQuery; i++) {
        const t0 = performance.now();
        await run();
        runTimesMs.push(performance.now() - t0);
      }
    },
  };
}
