/**
 * The handler modules a worker loads when neither --handlers nor DGM_OOD_HANDLERS names others:
 * normalizing-flow training (`train` jobs) and the likelihood/LID OOD methods (`ood` jobs). Each module
 * loads its heavy dependencies (tfjs) only when a job runs.
 */
export const DEFAULT_HANDLER_MODULES: string[] = ['@dgm-ood/training/handlers', '@dgm-ood/methods/handlers'];
