/** Operator sessions that end: started at login, checked on each request, ended by logout. */
export * from "./sessions.ts";
