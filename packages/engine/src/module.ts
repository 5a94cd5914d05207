import * as tf from '@tensorflow/tfjs';

/** JSON-serialisable non-trainable state (ActNorm `initialized`, 1×1-conv permutations). */
export type StateValue = boolean | number | number[];

/**
 * Minimal parameter container (shared by every model family), in the spirit of torch.nn.Module: trainable tf.Variables and JSON state,
 * both addressable by dotted names ("levels.0.transforms.3.net.final.weight") for checkpoints.
 * tf.Variables are created unnamed (tfjs names must be globally unique); our own names live here.
 */
export abstract class Module {
  private readonly paramsByName = new Map<string, tf.Variable>();
  private readonly childrenByName = new Map<string, Module>();

  protected addParameter(name: string, value: tf.Tensor): tf.Variable {
    if (this.paramsByName.has(name)) throw new Error(`parameter ${name} registered twice`);
    const v = tf.variable(value, true);
    value.dispose();
    this.paramsByName.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, child: M): M {
    if (this.childrenByName.has(name)) throw new Error(`child module ${name} registered twice`);
    this.childrenByName.set(name, child);
    return child;
  }

  children(): Array<[string, Module]> {
    return [...this.childrenByName.entries()];
  }

  /** All trainable parameters, depth first, in registration order. */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, v] of this.paramsByName) out.push([prefix + n, v]);
    for (const [n, c] of this.childrenByName) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Own non-trainable state; override in modules that have some. */
  protected ownState(): Record<string, StateValue> {
    return {};
  }

  /** Restore own state; `path` prefixes error messages. Override together with ownState. */
  protected loadOwnState(_state: Record<string, StateValue>, _path: string): void {}

  stateDict(prefix = ''): Record<string, StateValue> {
    const out: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(this.ownState())) out[prefix + k] = v;
    for (const [n, c] of this.childrenByName) Object.assign(out, c.stateDict(`${prefix}${n}.`));
    return out;
  }

  loadStateDict(state: Record<string, StateValue>, prefix = ''): void {
    const own: Record<string, StateValue> = {};
    for (const k of Object.keys(this.ownState())) {
      const v = state[prefix + k];
      if (v === undefined) throw new Error(`state entry ${prefix + k} is missing`);
      own[k] = v;
    }
    this.loadOwnState(own, prefix);
    for (const [n, c] of this.childrenByName) c.loadStateDict(state, `${prefix}${n}.`);
  }

  dispose(): void {
    for (const v of this.paramsByName.values()) v.dispose();
    for (const c of this.childrenByName.values()) c.dispose();
  }
}
