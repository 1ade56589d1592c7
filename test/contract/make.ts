/** How a contract suite gets a fresh, empty implementation for each case. */
export type Make<T> = () => T | Promise<T>;
