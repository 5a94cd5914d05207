/** The parameter container is shared by every model family; it lives in the engine. */
export { Module, type StateValue } from '@dgm-ood/engine/module';
