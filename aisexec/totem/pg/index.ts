// The packing layer above the Totem ring (docs/totem-packing.md): many small
// messages per frame, large ones (up to 1 MiB) in fragments. Pure.
import { SaAisErrorT } from '../../../lib-ais/errors.js';
import type { SubmitResult } from './packer.js';

export * from './format.js';
export * from './packer.js';
export * from './assembler.js';

/** The SA error a service answers its client with for a refused submission. */
export function submitErrorCode(result: SubmitResult): SaAisErrorT {
  switch (result) {
    case 'ok': return SaAisErrorT.SA_AIS_OK;
    case 'too_big': return SaAisErrorT.SA_AIS_ERR_TOO_BIG;
    case 'queue_full': return SaAisErrorT.SA_AIS_ERR_TRY_AGAIN;
  }
}
