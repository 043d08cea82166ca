import { describe, expect, it } from 'vitest';
import { versionInForce } from '../../services/reference';
import { createMemoryReferenceCache } from '../../services/reference-cache';

/** A load whose answer the test releases, to interleave it with change notifications. */
function deferredLoad<T>(value: T) {
  let calls = 0;
  let release: () => void = () => {};
  const load = () => {
    calls++;
    return new Promise<T>((resolve) => {
      release = () => resolve(value);
    });
  };
  return { load, release: () => release(), calls: () => calls };
}

describe('reference cache (in memory)', () => {
  it('reads PostgreSQL every time while it is not listening for changes', async () => {
    const cache = createMemoryReferenceCache();
    let reads = 0;
    const load = async () => ++reads;
    await cache.get('k', load);
    await cache.get('k', load);
    expect(reads).toBe(2);
  });

  it('answers from memory once listening, until a change is announced', async () => {
    const cache = createMemoryReferenceCache();
    cache.setLive(true);
    let reads = 0;
    const load = async () => ++reads;
    expect(await cache.get('k', load)).toBe(1);
    expect(await cache.get('k', load)).toBe(1);
    cache.invalidate();
    expect(await cache.get('k', load)).toBe(2);
  });

  it('does not keep a value read before a change that was announced while it was being read', async () => {
    const cache = createMemoryReferenceCache();
    cache.setLive(true);
    const slow = deferredLoad('before the change');
    const first = cache.get('k', slow.load);
    cache.invalidate();
    slow.release();
    expect(await first).toBe('before the change');
    expect(await cache.get('k', async () => 'after the change')).toBe('after the change');
  });

  it('starts empty when it listens again after losing its connection', async () => {
    const cache = createMemoryReferenceCache();
    cache.setLive(true);
    await cache.get('k', async () => 'old');
    cache.setLive(false);
    expect(await cache.get('k', async () => 'while down')).toBe('while down');
    cache.setLive(true);
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('does not keep what `keep` refuses (an unknown key id), nor a failed read', async () => {
    const cache = createMemoryReferenceCache();
    cache.setLive(true);
    let reads = 0;
    const unknown = async () => {
      reads++;
      return null;
    };
    await cache.get('k', unknown, (v) => v !== null);
    await cache.get('k', unknown, (v) => v !== null);
    expect(reads).toBe(2);
    await expect(cache.get('f', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('f', async () => 'up')).toBe('up');
  });

  it('shares one read between concurrent callers', async () => {
    const cache = createMemoryReferenceCache();
    cache.setLive(true);
    const slow = deferredLoad(42);
    const both = Promise.all([cache.get('k', slow.load), cache.get('k', slow.load)]);
    slow.release();
    expect(await both).toEqual([42, 42]);
    expect(slow.calls()).toBe(1);
  });

  it('stays bounded: past its size it starts over', async () => {
    const cache = createMemoryReferenceCache(3);
    cache.setLive(true);
    let reads = 0;
    const load = async () => ++reads;
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k, load);
    await cache.get('a', load);
    expect(reads).toBe(5);
  });
});

describe('procedure version in force (selected in memory from all versions)', () => {
  const v = (version: number, from: string) => ({ version, effectiveFrom: new Date(from) });
  const versions = [v(1, '2025-01-01T00:00:00Z'), v(2, '2026-01-01T00:00:00Z'), v(3, '2026-01-01T00:00:00Z')];

  it('takes the newest effective version, the highest on the same date', () => {
    expect(versionInForce(versions, new Date('2026-06-01T00:00:00Z'))?.version).toBe(3);
    expect(versionInForce(versions, new Date('2025-06-01T00:00:00Z'))?.version).toBe(1);
  });

  it('takes the first version before any takes effect, and nothing without versions', () => {
    expect(versionInForce(versions, new Date('2020-01-01T00:00:00Z'))?.version).toBe(1);
    expect(versionInForce([], new Date())).toBeUndefined();
  });

  it('counts a version effective at exactly the instant', () => {
    expect(versionInForce(versions, new Date('2026-01-01T00:00:00Z'))?.version).toBe(3);
  });
});
