import { ContainerError, isGantryError, messageOf, type GantryError } from '../errors.ts';
import { dockerUnavailable, imageMissing } from './runtime-errors.ts';

/** The HTTP status of a failed Docker API call, if the engine answered. */
export function dockerStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED']);

export interface DockerCallContext {
  /** The Docker call, as a person would name it ("create container"). */
  what: string;
  endpoint: string;
  image?: string;
}

/** Turns whatever dockerode threw into a GantryError that says what to do. */
export function translateDockerError(error: unknown, context: DockerCallContext): GantryError {
  if (isGantryError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return dockerUnavailable(context.endpoint, error);
  const status = dockerStatus(error);
  if (status === 404 && context.image !== undefined && /no such image/i.test(messageOf(error))) {
    return imageMissing(context.image, error);
  }
  return new ContainerError('CONTAINER_FAILED', `Docker ${context.what} failed at ${context.endpoint}${context.image ? ` (image ${context.image})` : ''}: ${messageOf(error)}`, {
    // A 5xx is the engine's trouble and may pass; a 4xx is our request and will not.
    retryable: status === undefined || status >= 500,
    cause: error,
    data: { what: context.what, status },
  });
}

/** Whether a translated error says the container (or image) no longer exists. */
export function isNotFound(error: unknown): boolean {
  return isGantryError(error) && error.data.status === 404;
}
