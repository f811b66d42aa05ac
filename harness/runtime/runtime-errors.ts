import { ContainerError, messageOf } from '../errors.ts';

/**
 * The runtime's failures, each built in one place so that the real runtime and
 * the fake say the same thing.
 */

export function dockerUnavailable(endpoint: string, cause?: unknown): ContainerError {
  return new ContainerError('DOCKER_UNAVAILABLE', `Docker not reachable at ${endpoint}: start dockerd or set DOCKER_HOST`, {
    retryable: true,
    cause,
    data: { endpoint },
  });
}

export function dockerTooSlow(endpoint: string, what: string, ms: number): ContainerError {
  return new ContainerError('DOCKER_UNAVAILABLE', `Docker at ${endpoint} did not answer "${what}" within ${ms} ms: check that dockerd is healthy (docker info)`, {
    retryable: true,
    data: { endpoint, what, ms },
  });
}

export function imageMissing(image: string, cause?: unknown): ContainerError {
  return new ContainerError('IMAGE_MISSING', `image ${image} not found: run images/build-offline.sh (or docker build -t ${image} <dir>)`, {
    cause,
    data: { image },
  });
}

export function unsafeUser(user: string): ContainerError {
  return new ContainerError('CONTAINER_FAILED', `container user "${user}" refused: it must be a numeric non-root uid:gid such as 1000:1000 (set container.user)`, {
    data: { user },
  });
}

export function emptySelector(): ContainerError {
  return new ContainerError('CONTAINER_FAILED', 'refusing to remove containers by an empty label selector (it would match every container on the host): pass at least gantry.run');
}

export function logFileUnwritable(path: string, cause: unknown): ContainerError {
  return new ContainerError('CONTAINER_FAILED', `cannot append container output to ${path}: ${messageOf(cause)}; check that its directory exists and is writable`, {
    cause,
    data: { path },
  });
}

export function removalFailed(labels: Record<string, string>, failed: number, total: number, cause: unknown): ContainerError {
  const filters = Object.entries(labels).map(([key, value]) => `--filter label=${key}=${value}`).join(' ');
  return new ContainerError('CONTAINER_FAILED', `could not remove ${failed} of ${total} containers (${filters}): ${messageOf(cause)}; retry, or run docker rm -f $(docker ps -aq ${filters})`, {
    retryable: true,
    cause,
    data: { labels, failed, total },
  });
}
