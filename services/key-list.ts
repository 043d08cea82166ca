/**
 * Key lists in the environment (`<id>:<secret>,<id>:<secret>…`), shared by the event signing keys
 * and the payload encryption keys: the first entry is current (signs, encrypts), every entry is
 * accepted (verifies, decrypts), so a key rotates by putting the new one first. Errors name what is
 * wrong, never a secret.
 */
export interface KeyList<K extends { id: string }> {
  current: K;
  all: Map<string, K>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function parseKeyList<K extends { id: string }>(
  value: string,
  opts: {
    /** Said when an entry is not `<id>:<secret>` with a valid id. */
    shape: string;
    /** Said when the list is empty. */
    empty: string;
    /** The key of one entry; throws when its secret is unusable. */
    toKey: (id: string, secret: string) => K;
  },
): KeyList<K> {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      if (!KEY_ID.test(id)) throw new Error(opts.shape);
      return opts.toKey(id, entry.slice(colon + 1));
    });
  if (keys.length === 0) throw new Error(opts.empty);
  const all = new Map<string, K>();
  for (const k of keys) {
    if (all.has(k.id)) throw new Error(`key id ${k.id} appears twice`);
    all.set(k.id, k);
  }
  return { current: keys[0]!, all };
}
