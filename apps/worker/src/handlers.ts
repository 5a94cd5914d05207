/**
 * The handler modules a worker loads when neither --handlers nor DGM_OOD_HANDLERS names others: the catalog's
 * `train` and `ood` handlers over every registered model family and OOD method. Each loads its heavy
 * dependencies (tfjs) only when a job runs.
 */
export const DEFAULT_HANDLER_MODULES: string[] = ['@dgm-ood/catalog/handlers'];
