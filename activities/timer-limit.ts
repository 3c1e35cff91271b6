/** The longest delay Node's timers take (about 24.8 days); longer grace periods and deadlines are cut to it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
