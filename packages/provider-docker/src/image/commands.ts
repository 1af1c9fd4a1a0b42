import { shellQuote } from '@stratum/core/kit';
import { compareKeysByCodePoint } from '../shared/sort';
import type { ImageAttrs } from './schema';

/**
 * `cd CTX && DOCKER_BUILDKIT=1 docker build [--target T] [--build-arg K=V ...]
 * [--pull] -t TAG -f DOCKERFILE .` — build args sorted by key so the same
 * attrs always give the same command. Never log it: build args may be secrets.
 */
export function buildImageCommand(attrs: ImageAttrs): string {
  const argv = ['docker', 'build'];
  if (attrs.target !== undefined) argv.push('--target', attrs.target);
  for (const [key, value] of buildArgEntries(attrs)) argv.push('--build-arg', `${key}=${value}`);
  if (attrs.pull_base) argv.push('--pull');
  argv.push('-t', attrs.tag, '-f', attrs.dockerfile, '.');
  return `cd ${shellQuote(attrs.context)} && DOCKER_BUILDKIT=1 ${argv.map(shellQuote).join(' ')}`;
}

/** `[key, value-as-text]` pairs of `build_args`, sorted by key. */
export function buildArgEntries(attrs: Pick<ImageAttrs, 'build_args'>): [string, string][] {
  return Object.entries(attrs.build_args ?? {})
    .map(([k, v]): [string, string] => [k, String(v)])
    .sort(([a], [b]) => compareKeysByCodePoint(a, b));
}

/**
 * The reference to look an image up by. A tag without a `:tag` part means
 * `:latest` to `docker build -t`, but to `docker images` it means every tag of
 * the repository — so the lookup spells `:latest` out.
 */
export function lookupRef(tag: string): string {
  if (tag.includes('@')) return tag;
  const lastSlash = tag.lastIndexOf('/');
  return tag.slice(lastSlash + 1).includes(':') ? tag : `${tag}:latest`;
}

/** Prints the full image id of `tag`, or nothing when there is no such image. */
export function imageIdCommand(tag: string): string {
  return `docker images --no-trunc --format '{{.ID}}' ${shellQuote(lookupRef(tag))}`;
}

/** Removes the tag (the image goes when no other tag or container holds it). */
export function removeImageCommand(tag: string): string {
  return `docker rmi ${shellQuote(tag)}`;
}

/** Docker's "that image does not exist" when removing a tag. */
export const NO_SUCH_IMAGE = /No such image/i;
