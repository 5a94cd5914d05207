/**
 * The handler modules a worker loads when neither --handlers nor DGM_OOD_HANDLERS names others.
 * Model and method packages add theirs here as they land.
 */
export const DEFAULT_HANDLER_MODULES: string[] = [];
