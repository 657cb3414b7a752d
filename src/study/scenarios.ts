/**
 * The scenario axis of a study: MLPerf LoadGen's load patterns, run by `src/measure/scenarios` inside
 * each worker. `single-stream` is the study's default and uses the study's own stop rules (one query
 * at a time, back to back); the other scenarios run with LoadGen's defaults, overridden per scenario by
 * the spec's `scenarioSettings`.
 */
import {
  SCENARIOS,
  type ScenarioName,
  type ScenarioRequest,
  type ScenarioSettings,
  scenarioSettings,
} from '../measure/scenarios/index.js';

export const SCENARIO_NAMES = SCENARIOS;
export type { ScenarioName };

/** Per-scenario settings a spec may override (everything but the name). */
export type ScenarioOverrides = Partial<Record<ScenarioName, Partial<Omit<ScenarioSettings, 'scenario'>>>>;

/** The scenarios this build can measure. */
export function availableScenarios(): readonly ScenarioName[] {
  return SCENARIOS;
}

/**
 * What the worker's `benchmark()` gets for a scenario: nothing for single-stream without overrides
 * (the plain timing loop with the study's stop rules), a checked LoadGen request otherwise.
 * Throws a UserError when the overrides are invalid.
 */
export function scenarioRequest(
  name: ScenarioName,
  overrides: ScenarioOverrides = {},
): ScenarioRequest | undefined {
  const own = overrides[name];
  if (name === 'single-stream' && (!own || Object.keys(own).length === 0)) return undefined;
  const request: ScenarioRequest = { ...own, scenario: name };
  scenarioSettings(request);
  return request;
}
