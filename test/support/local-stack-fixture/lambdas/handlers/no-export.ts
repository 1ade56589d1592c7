/** A module without a handler export, for the loader's error path. */
export const notAHandler = 42;
