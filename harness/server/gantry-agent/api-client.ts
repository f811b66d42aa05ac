import { request } from 'node:http';

/**
 * The agent API as the session reaches it: a Unix socket ($GANTRY_API)
 * and the session's token ($GANTRY_TOKEN). Bundled into gantry-agent, so
 * it uses nothing but Node's builtins.
 */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

export function callApi(env: NodeJS.ProcessEnv, method: 'GET' | 'POST' | 'DELETE', path: string, payload?: unknown): Promise<ApiAnswer> {
  const socketPath = env.GANTRY_API;
  const token = env.GANTRY_TOKEN;
  if (!socketPath || !token) {
    return Promise.reject(new Error('this session has no agent API ($GANTRY_API and $GANTRY_TOKEN are unset): run gantry-agent inside a gantry session'));
  }
  const data = payload === undefined ? undefined : JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const call = request({
      socketPath, method, path,
      headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
      timeout: 30_000,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text, it is what the error says.
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    call.on('timeout', () => call.destroy(new Error('the agent API did not answer within 30 s')));
    call.on('error', reject);
    if (data) call.write(data);
    call.end();
  });
}

/** The answer's body, or an error carrying what the API said. */
export async function expectOk(answer: Promise<ApiAnswer>): Promise<unknown> {
  const { status, body } = await answer;
  if (status >= 200 && status < 300) return body;
  const said = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : String(body);
  throw new Error(`the agent API refused (${status}): ${said}`);
}
