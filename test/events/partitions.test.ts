import { describe, expect, it } from 'vitest';
import { agencyOfSubject, partitionedSubjectFor } from '../../domain/events';
import {
  evenShare,
  formatPartitionSet,
  LEGACY_FILTERS,
  parsePartitionSet,
  partitionFilter,
  partitionOf,
} from '../../domain/partitions';
import { ConfigError, loadConfig, ownedPartitions } from '../../services/config';

describe('the partition of a dossier', () => {
  it('is stable: the same code always lands in the same partition (pinned values)', () => {
    // Pinned so a change of the hash (which would move in-flight dossiers) fails here first.
    expect(partitionOf('G22.41-260101-0001', 8)).toBe(partitionOf('G22.41-260101-0001', 8));
    expect([partitionOf('a', 1024), partitionOf('DOSSIER-1', 1024), partitionOf('Hồ-sơ', 1024)]).toEqual([
      (0xe40c292c >>> 0) % 1024,
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(partitionOf('', 7)).toBe(0x811c9dc5 % 7);
  });

  it('is always within 0..count-1 and 0 for a single partition', () => {
    for (let i = 0; i < 500; i++) {
      const p = partitionOf(`X-${i}`, 5);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(5);
      expect(partitionOf(`X-${i}`, 1)).toBe(0);
    }
  });

  it('spreads sequential dossier codes evenly (every partition within ±15% of the mean)', () => {
    for (const count of [2, 3, 8, 16]) {
      const per = new Array(count).fill(0);
      const n = 8000;
      for (let i = 0; i < n; i++)
        per[partitionOf(`000.00.20.H47-2607${String(i).padStart(6, '0')}`, count)]++;
      for (const c of per) expect(Math.abs(c - n / count) / (n / count)).toBeLessThan(0.15);
    }
  });

  it('refuses a count outside 1..1024', () => {
    expect(() => partitionOf('A', 0)).toThrow(/partition count/);
    expect(() => partitionOf('A', 1025)).toThrow(/partition count/);
    expect(() => partitionOf('A', 2.5)).toThrow(/partition count/);
  });
});

describe('partitioned subjects', () => {
  it('end with the partition, so one agency and one partition can each be selected', () => {
    const s = partitionedSubjectFor({ type: 'dossier.received' }, '000.00.20.H47', 3);
    expect(s).toBe('dossier.000~00~20~H47.received.3');
    expect(agencyOfSubject(s)).toBe('000.00.20.H47');
    expect(partitionFilter(3)).toBe('dossier.*.*.3');
  });

  it('leave the older subjects to two legacy consumers with exact-depth filters', () => {
    expect(LEGACY_FILTERS.map((l) => l.filter)).toEqual(['dossier.*.*', 'dossier.*']);
  });
});

describe('partition sets (PROJECTOR_PARTITIONS, ALERTS_PARTITIONS, LETTERS_PARTITIONS)', () => {
  it('read `all`, numbers and ranges', () => {
    expect(parsePartitionSet('all', 4)).toEqual([0, 1, 2, 3]);
    expect(parsePartitionSet('0-3', 8)).toEqual([0, 1, 2, 3]);
    expect(parsePartitionSet(' 6, 0-1 ,1 ', 8)).toEqual([0, 1, 6]);
    expect(formatPartitionSet([0, 1, 2, 3, 6])).toBe('0-3,6');
  });

  it('refuse a partition that does not exist or a malformed range', () => {
    expect(() => parsePartitionSet('4-8', 8)).toThrow(/does not exist/);
    expect(() => parsePartitionSet('3-1', 8)).toThrow(/empty/);
    expect(() => parsePartitionSet('a', 8)).toThrow(/not a partition/);
  });

  it('split evenly between processes, covering every partition once', () => {
    for (const [processes, count] of [
      [2, 8],
      [3, 8],
      [5, 5],
    ] as const) {
      const all = Array.from({ length: processes }, (_, i) => evenShare(i, processes, count)).flat();
      expect(all).toEqual(Array.from({ length: count }, (_, i) => i));
    }
    expect(formatPartitionSet(evenShare(1, 3, 8))).toBe('3-5');
  });

  it('are checked against MOTCUA_EVENT_PARTITIONS when the configuration loads', () => {
    expect(() => loadConfig({ MOTCUA_EVENT_PARTITIONS: '4', PROJECTOR_PARTITIONS: '0-5' })).toThrow(
      ConfigError,
    );
    const config = loadConfig({ MOTCUA_EVENT_PARTITIONS: '4', ALERTS_PARTITIONS: '2-3' });
    expect(ownedPartitions(config, 'PROJECTOR_PARTITIONS')).toEqual([0, 1, 2, 3]);
    expect(ownedPartitions(config, 'ALERTS_PARTITIONS')).toEqual([2, 3]);
    // Letters run in the alerts process: same partitions unless told otherwise.
    expect(ownedPartitions(config, 'LETTERS_PARTITIONS')).toEqual([2, 3]);
  });
});
