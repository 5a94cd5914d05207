/** Meta-configurations of fixture jobs that several suites submit (the fixture worker runs them). */

/**
 * An OOD sweep like the demo's: one model scores its own test split, its generated samples and MNIST with the
 * fixture `score` handler, which gives MNIST higher likelihood but lower LID (the paradox), `points` each.
 */
export function paradoxOodSweep(points: number, project = 'eval'): string {
  return `
project: ${project}
base_config:
  fixture: score
  points: ${points}
  base_model: {config_dir: runs/fmnist/run_config.json, checkpoint_dir: runs/fmnist/best.json}
  data:
    in_distribution: {pick_loader: train, dataloader_args: {dataset: fashion-mnist}}
    out_of_distribution: {pick_loader: test, dataloader_args: {dataset: fashion-mnist}}
  ood: {seed: 100}
sweep_configuration:
  data:
    out_of_distribution:
      dataloader_args:
        dataset: {sweep: true, values: [fashion-mnist, dgm-generated, mnist]}
`;
}
