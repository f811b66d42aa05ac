/** One ref update a push asks for (`old new ref` in the receive-pack request). */
export interface PushCommand {
  old: string;
  new: string;
  ref: string;
}

/** The command list is small (a few refs); anything larger before its end is not a push gantry makes. */
const MAX_COMMAND_BYTES = 1 << 20;
const COMMAND = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (refs\/\S+)$/;

export class PushRequestError extends Error {}

/**
 * Reads the start of a receive-pack request body: pkt-lines of ref updates
 * (the first with the capabilities after a NUL, shallow lines possibly
 * before) up to the flush packet. Returns the commands and every byte read,
 * so the whole body can still be handed to git unchanged. A signed push
 * (`push-cert`) is refused: its commands sit inside the certificate.
 */
export async function readPushCommands(body: AsyncIterator<Buffer>): Promise<{ commands: PushCommand[]; read: Buffer }> {
  let read = Buffer.alloc(0);
  let at = 0;
  const commands: PushCommand[] = [];
  for (;;) {
    while (read.length < at + 4 || read.length < at + packetLength(read, at)) {
      if (read.length > MAX_COMMAND_BYTES) throw new PushRequestError('the push has no end to its list of ref updates');
      const next = await body.next();
      if (next.done) throw new PushRequestError('the push request ended inside its list of ref updates');
      read = Buffer.concat([read, next.value]);
    }
    const length = packetLength(read, at);
    if (length === 0) return { commands, read };
    const line = read.subarray(at + 4, at + length).toString('latin1').split('\0')[0]!.replace(/\n$/, '');
    at += length;
    if (line.startsWith('shallow ')) continue;
    if (line.startsWith('push-cert')) throw new PushRequestError('signed pushes are not accepted');
    const match = COMMAND.exec(line);
    if (!match) throw new PushRequestError(`not a ref update: ${JSON.stringify(line.slice(0, 120))}`);
    commands.push({ old: match[1]!, new: match[2]!, ref: match[3]! });
  }
}

/** The pkt-line length at `at` (4 hex digits, counting themselves); 0 is the flush packet. Needs 4 bytes. */
function packetLength(buffer: Buffer, at: number): number {
  if (buffer.length < at + 4) return 4;
  const hex = buffer.subarray(at, at + 4).toString('latin1');
  if (!/^[0-9a-f]{4}$/.test(hex)) throw new PushRequestError(`not a pkt-line: ${JSON.stringify(hex)}`);
  const length = Number.parseInt(hex, 16);
  if (length !== 0 && length < 4) throw new PushRequestError(`a pkt-line of length ${length}`);
  return length;
}
