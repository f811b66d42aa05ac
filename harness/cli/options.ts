import { InvalidArgumentError } from 'commander';

/** `--slots`: how many tasks this host runs at once. */
export function slotCount(value: string): number {
  const slots = Number(value);
  if (!/^\d+$/.test(value) || slots > 256) throw new InvalidArgumentError('give a whole number from 0 to 256');
  return slots;
}
