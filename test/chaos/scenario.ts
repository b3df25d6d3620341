/** A named chaos scenario; `npm run chaos -- <id>` runs just that one. */
import type { ScenarioResult } from './harness.js';

export interface Scenario {
  id: string;
  title: string;
  /** Rough wall time, for the runner's progress line. */
  estimateSeconds: number;
  run(): Promise<ScenarioResult>;
}
