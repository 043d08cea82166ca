/** Strings that must never reach an event: they break PostgreSQL, JSON consumers or letters. */
export const hostileStrings: Record<string, string> = {
  NUL: 'Nguyễn\u0000Văn An',
  'bell (C0 control)': 'Nguyễn\u0007Văn An',
  'escape (C0 control)': '\u001b[31mNguyễn',
  'carriage return': 'Nguyễn\rVăn An',
  DEL: 'Nguyễn\u007fVăn An',
  'lone high surrogate': 'Nguyễn \ud800 An',
  'lone low surrogate': 'Nguyễn \udc00 An',
  'right-to-left override': 'Nguyễn \u202eAn Văn',
  'left-to-right embedding': '\u202aNguyễn',
  'first strong isolate': 'Nguyễn \u2068An\u2069',
};
