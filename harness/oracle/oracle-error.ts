import { GantryError } from '../errors.ts';

/** The bisection cannot give an answer: bad options, an all-oracle mix that fails, or answers that never settle. */
export class OracleError extends GantryError {}
