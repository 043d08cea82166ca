import { describe, expect, it } from 'vitest';
import {
  ALL_AGENCIES,
  agencySubtree,
  canActOn,
  canReceive,
  canSeeDossier,
  type DossierScope,
  type Principal,
  type SubtreeOf,
  visibleAgencies,
} from '../../domain/access';
import { type CommandName, commandNames, commandRoles, type Role, roleSchema } from '../../domain/commands';

/*
 * Hierarchy (data, any depth):
 *   PROV ─┬─ A ── A1 ── A1X
 *         └─ B
 *   OTHER-PROV ── C
 */
const agencies = [
  { code: 'PROV', parentCode: null },
  { code: 'A', parentCode: 'PROV' },
  { code: 'A1', parentCode: 'A' },
  { code: 'A1X', parentCode: 'A1' },
  { code: 'B', parentCode: 'PROV' },
  { code: 'OTHER-PROV', parentCode: null },
  { code: 'C', parentCode: 'OTHER-PROV' },
];
const subtreeOf: SubtreeOf = (code) => agencySubtree(agencies, code);
const roles: Role[] = roleSchema.options;
const who = (role: Role, agencyCode: string): Principal => ({
  id: `${role}@${agencyCode}`,
  name: role,
  role,
  agencyCode,
});

/** A dossier received by `agencyCode` that has not moved. */
const at = (agencyCode: string): DossierScope => ({
  agencyCode,
  currentAgencyCode: agencyCode,
  participants: [agencyCode],
});

describe('agencySubtree', () => {
  it('includes the agency and every agency below it, at any depth', () => {
    expect([...agencySubtree(agencies, 'PROV')].sort()).toEqual(['A', 'A1', 'A1X', 'B', 'PROV']);
    expect([...agencySubtree(agencies, 'A')].sort()).toEqual(['A', 'A1', 'A1X']);
    expect([...agencySubtree(agencies, 'A1X')]).toEqual(['A1X']);
  });

  it('treats an unknown agency as its own subtree', () => {
    expect([...agencySubtree(agencies, 'NOWHERE')]).toEqual(['NOWHERE']);
  });

  it('terminates on a cycle in bad data', () => {
    const cyclic = [
      { code: 'X', parentCode: 'Y' },
      { code: 'Y', parentCode: 'X' },
    ];
    expect([...agencySubtree(cyclic, 'X')].sort()).toEqual(['X', 'Y']);
  });
});

/**
 * How the principal's agency relates to a dossier; the principal always belongs to agency A
 * (or to PROV for `child`: the dossier is of an agency two levels below).
 */
type Relation = 'own' | 'other' | 'child' | 'parent' | 'participant' | 'holding';
const scenarios: Record<Relation, { principalAgency: string; dossier: DossierScope; story: string }> = {
  own: { principalAgency: 'A', dossier: at('A'), story: 'received and held by its agency' },
  other: { principalAgency: 'A', dossier: at('C'), story: 'of an agency in another province' },
  child: { principalAgency: 'PROV', dossier: at('A1'), story: 'of an agency below its own (two levels)' },
  parent: { principalAgency: 'A', dossier: at('PROV'), story: 'of the agency above its own' },
  participant: {
    principalAgency: 'B',
    dossier: { agencyCode: 'A', currentAgencyCode: 'C', participants: ['A', 'B', 'C'] },
    story: 'its agency took part earlier (liên thông) but no longer holds it',
  },
  holding: {
    principalAgency: 'C',
    dossier: { agencyCode: 'A', currentAgencyCode: 'C', participants: ['A', 'C'] },
    story: 'handed off to its agency (liên thông), received elsewhere',
  },
};

/** Who sees what: the specification, written out rather than derived. */
const sees: Record<Relation, Record<Role, boolean>> = {
  own: { intake: true, officer: true, supervisor: true, auditor: true, admin: true },
  other: { intake: false, officer: false, supervisor: false, auditor: false, admin: true },
  child: { intake: false, officer: false, supervisor: true, auditor: true, admin: true },
  parent: { intake: false, officer: false, supervisor: false, auditor: false, admin: true },
  participant: { intake: true, officer: true, supervisor: true, auditor: true, admin: true },
  holding: { intake: true, officer: true, supervisor: true, auditor: true, admin: true },
};
/** Where a role allowed by `commandRoles` may act: its agency received or holds the dossier. */
const inActingScope: Record<Relation, boolean> = {
  own: true,
  other: false,
  child: true,
  parent: false,
  participant: false,
  holding: true,
};

describe('canSeeDossier', () => {
  for (const relation of Object.keys(scenarios) as Relation[]) {
    const { principalAgency, dossier, story } = scenarios[relation];
    for (const role of roles) {
      const expected = sees[relation][role];
      it(`${expected ? 'shows' : 'hides'} a dossier ${story} to ${role === 'admin' ? 'an' : 'a'} ${role}`, () => {
        expect(canSeeDossier(who(role, principalAgency), dossier, subtreeOf)).toBe(expected);
      });
    }
  }

  it('shows every dossier to the admin token and to a nationwide auditor', () => {
    for (const agency of ['A', 'C', 'PROV', 'OTHER-PROV']) {
      expect(canSeeDossier(who('admin', ALL_AGENCIES), at(agency), subtreeOf)).toBe(true);
      expect(canSeeDossier(who('auditor', ALL_AGENCIES), at(agency), subtreeOf)).toBe(true);
    }
  });

  it('keeps an auditor within its agency subtree', () => {
    expect(canSeeDossier(who('auditor', 'PROV'), at('A1X'), subtreeOf)).toBe(true);
    expect(canSeeDossier(who('auditor', 'PROV'), at('C'), subtreeOf)).toBe(false);
  });

  it('shows a dossier to the agency holding it even before participants are recorded', () => {
    const dossier = { agencyCode: 'A', currentAgencyCode: 'B', participants: [] };
    expect(canSeeDossier(who('officer', 'B'), dossier, subtreeOf)).toBe(true);
    expect(canSeeDossier(who('officer', 'A'), dossier, subtreeOf)).toBe(true);
    expect(canSeeDossier(who('officer', 'C'), dossier, subtreeOf)).toBe(false);
  });
});

describe('canActOn: every role × action × relation, from commandRoles', () => {
  for (const command of commandNames) {
    describe(command, () => {
      for (const relation of Object.keys(scenarios) as Relation[]) {
        const { principalAgency, dossier, story } = scenarios[relation];
        for (const role of roles) {
          const visible = sees[relation][role];
          const roleAllowed = commandRoles[command].includes(role);
          const expected = !visible
            ? { ok: false, status: 404, code: 'dossier_not_found' }
            : !roleAllowed
              ? { ok: false, status: 403, code: 'forbidden_role' }
              : role === 'admin' || inActingScope[relation]
                ? { ok: true }
                : { ok: false, status: 403, code: 'forbidden_scope' };
          const verdict = expected.ok ? 'allows' : `answers ${expected.status} ${expected.code} to`;
          it(`${verdict} ${role} on a dossier ${story}`, () => {
            const decision = canActOn(who(role, principalAgency), command, dossier, subtreeOf);
            expect(decision).toMatchObject(expected);
            if (!decision.ok) expect(decision.message.length).toBeGreaterThan(0);
          });
        }
      }
    });
  }
});

describe('canActOn: special principals', () => {
  it.each(commandNames)('lets the admin token (agency *) %s on any dossier', (command: CommandName) => {
    expect(canActOn(who('admin', ALL_AGENCIES), command, at('C'), subtreeOf)).toEqual({ ok: true });
  });

  it.each(commandNames)('never lets an auditor %s, even nationwide', (command: CommandName) => {
    expect(canActOn(who('auditor', ALL_AGENCIES), command, at('A'), subtreeOf)).toMatchObject({
      ok: false,
      status: 403,
      code: 'forbidden_role',
    });
  });

  it('lets the agency that received a dossier act on it while another agency holds it', () => {
    const handedOff = { agencyCode: 'A', currentAgencyCode: 'C', participants: ['A', 'C'] };
    expect(canActOn(who('intake', 'A'), 'returnResult', handedOff, subtreeOf)).toEqual({ ok: true });
    expect(canActOn(who('officer', 'C'), 'completeStep', handedOff, subtreeOf)).toEqual({ ok: true });
  });

  it('does not let a supervisor act outside its subtree on a dossier it only took part in', () => {
    const dossier = { agencyCode: 'C', currentAgencyCode: 'C', participants: ['C', 'A'] };
    expect(canSeeDossier(who('supervisor', 'PROV'), dossier, subtreeOf)).toBe(true);
    expect(canActOn(who('supervisor', 'PROV'), 'reportDelay', dossier, subtreeOf)).toMatchObject({
      status: 403,
      code: 'forbidden_scope',
    });
  });
});

describe('canReceive (POST /v1/dossiers)', () => {
  it.each(roles)('decides whether a %s may receive a dossier for its own agency', (role) => {
    const decision = canReceive(who(role, 'A'), 'A');
    if (role === 'intake' || role === 'admin') expect(decision).toEqual({ ok: true });
    else expect(decision).toMatchObject({ ok: false, status: 403, code: 'forbidden_role' });
  });

  it('lets a desk receive only for its own agency', () => {
    expect(canReceive(who('intake', 'A'), 'B')).toMatchObject({ status: 403, code: 'forbidden_scope' });
    expect(canReceive(who('intake', 'PROV'), 'A')).toMatchObject({ status: 403, code: 'forbidden_scope' });
  });

  it('lets admin receive for any agency', () => {
    expect(canReceive(who('admin', ALL_AGENCIES), 'C')).toEqual({ ok: true });
    expect(canReceive(who('admin', 'A'), 'C')).toEqual({ ok: true });
  });
});

describe('visibleAgencies (list filters)', () => {
  it('gives desks and officers their own agency only', () => {
    expect([...(visibleAgencies(who('intake', 'A'), subtreeOf) as Set<string>)]).toEqual(['A']);
    expect([...(visibleAgencies(who('officer', 'PROV'), subtreeOf) as Set<string>)]).toEqual(['PROV']);
  });

  it('gives supervisors and auditors their whole subtree', () => {
    for (const role of ['supervisor', 'auditor'] as const) {
      expect([...(visibleAgencies(who(role, 'A'), subtreeOf) as Set<string>)].sort()).toEqual([
        'A',
        'A1',
        'A1X',
      ]);
    }
  });

  it('gives admin and nationwide principals everything', () => {
    expect(visibleAgencies(who('admin', 'A'), subtreeOf)).toBe('all');
    expect(visibleAgencies(who('auditor', ALL_AGENCIES), subtreeOf)).toBe('all');
  });
});
