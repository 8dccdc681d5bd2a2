// What the engine's owner tells it about the world outside the model.
import type { AmfComponent, AmfSu } from '../model.js';

export interface EngineOptions {
  /** The node that hosts an SU: every action for its components carries it. */
  hostOf(su: AmfSu): number;
  /** The base environment of CLC-CLI commands (PATH and the like). */
  clcEnv: Record<string, string>;
  /** Where the CLC-CLI instantiate command writes the component's pid (RINGFORT_PID_FILE). */
  pidFileOf(comp: AmfComponent): string;
}
