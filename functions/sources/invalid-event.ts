/** A source event body that cannot be read: HTTP 400 naming the field, so the sender's logs say what to fix. */
import { ApiError } from '../http/errors.js';

export class InvalidEventError extends ApiError {
  constructor(field: string, accepts: string) {
    super(400, 108, `invalid event field ${field}: ${accepts}`);
  }
}
