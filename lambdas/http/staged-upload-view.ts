/** A staged upload as the wire shows it: a recorded failure becomes its error code. */
import type { StagedUploadView } from '../core/staged.ts';
import { NFT_STORAGE_ERRORS } from './nft-storage-errors.ts';

export function wireView({ failure, ...view }: StagedUploadView) {
  if (!failure) return view;
  const code = NFT_STORAGE_ERRORS[failure.name].code as 'HTTP_ERROR' | 'ERROR_INVALID_CAR';
  return { ...view, error: { code, message: failure.message } };
}
