import { describe, expect, it } from 'vitest';
import { holderCommands } from '../../domain/access';
import { actionNames, actions, foldOf } from '../../domain/actions';
import { actionBodies } from '../../domain/actions/bodies';
import { dossierEventSchema } from '../../domain/events';

const dossierEventTypes = dossierEventSchema.options.map((o) => o.shape.type.value);

/* One module per action (domain/actions/): what every module must say, and what they cover together. */

describe('action modules', () => {
  it.each(actionNames)(
    '%s has a body (domain/actions/bodies.ts) and says its path, roles, event, validation, decision and fold',
    (name) => {
      const a = actions[name];
      expect(a.name).toBe(name);
      expect(a.path).toMatch(/^[a-z-]+$/);
      expect(a.roles.length).toBeGreaterThan(0);
      expect(a.roles).toContain('admin');
      expect(a.roles).not.toContain('auditor');
      expect(typeof actionBodies[name].safeParse).toBe('function');
      expect(dossierEventTypes).toContain(a.event);
      for (const f of [a.validate, a.decide, a.apply]) expect(typeof f).toBe('function');
    },
  );

  it('gives every action its own path and its own event', () => {
    expect(new Set(actionNames.map((n) => actions[n].path)).size).toBe(actionNames.length);
    expect(new Set(actionNames.map((n) => actions[n].event)).size).toBe(actionNames.length);
  });

  it('folds every event an action makes with that action, and nothing else', () => {
    for (const n of actionNames) expect(foldOf(actions[n].event)).toBe(actions[n].apply);
    expect(foldOf('dossier.overdue')).toBeUndefined();
    expect(foldOf('dossier.received')).toBeUndefined();
  });

  it('leaves the step work to the agency holding the dossier', () => {
    expect([...holderCommands].sort()).toEqual(['completeStep', 'handOff', 'markResultReady']);
  });
});
