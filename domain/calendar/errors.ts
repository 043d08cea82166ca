export type CalendarErrorCode =
  | 'INVALID_INSTANT'
  | 'INVALID_DURATION'
  | 'AMBIGUOUS_DURATION'
  | 'INVALID_PAUSE'
  | 'INVALID_CUTOFF'
  | 'INVALID_WARNING'
  | 'INVALID_CALENDAR'
  | 'INVALID_OVERRIDE'
  | 'INVALID_YEAR'
  | 'EXTENSION_ALREADY_USED'
  | 'INVALID_EXTENSION';

/** Typed error thrown by the legal-time engine on bad input. */
export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  readonly code: CalendarErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: CalendarErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function isCalendarError(e: unknown): e is CalendarError {
  return e instanceof CalendarError;
}
