import type { ErrorDetail } from '@karavan/shared';
import { ApiError } from '../../lib/errors';

/** A rule of the shipments the request schema cannot state: 422 with the field paths. */
export const unprocessable = (message: string, details: ErrorDetail[]) =>
  new ApiError(422, 'UNPROCESSABLE', message, details);
