import { describe, expect, it } from 'vitest';
import { createPrisma, createReadPrisma } from '../../services/db';

describe('the read replica client (DATABASE_READ_URL)', () => {
  const primaryUrl = 'postgresql://app@primary:5432/motcua';
  const primary = createPrisma(primaryUrl);

  it('is the primary client itself when no replica is configured, or the same server is named', () => {
    expect(createReadPrisma({ DATABASE_URL: primaryUrl }, primary)).toBe(primary);
    expect(createReadPrisma({ DATABASE_URL: primaryUrl, DATABASE_READ_URL: primaryUrl }, primary)).toBe(
      primary,
    );
  });

  it('is a client of its own when a replica is configured', () => {
    const read = createReadPrisma(
      { DATABASE_URL: primaryUrl, DATABASE_READ_URL: 'postgresql://app@replica:5432/motcua' },
      primary,
    );
    expect(read).not.toBe(primary);
  });
});
