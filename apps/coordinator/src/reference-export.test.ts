import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandMetaConfig, runWordFor } from '@dgm-ood/metaconfig';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { referenceColumns, referenceRow, referenceRunName, referenceScoreName, referenceScores, type ReferenceJob } from './reference-export.js';

const HASH = 'abcdef0123456789'.repeat(4);

function oodJob(data: unknown, name = 'fixture-job'): ReferenceJob {
  return { id: '00000000-0000-4000-8000-000000000001', gridIndex: 3, name, configHash: HASH, config: { data } };
}

const side = (dataset: string, pickLoader?: string, extra?: unknown) => ({
  ...(pickLoader ? { pick_loader: pickLoader } : {}),
  dataloader_args: { dataset, ...(extra ? { additional_dataset_args: extra } : {}) },
});

describe('reference score columns', () => {
  it('maps each of our scores to the column the reference logged', () => {
    expect(
      ['log_likelihood', 'lid', 'background_log_likelihood', 'log_likelihood_bits', 'complexity_bits', 'score_norm', 'reconstruction'].map(referenceScoreName),
    ).toEqual(['log-likelihood', 'LID', 'ref-log-likelihood', 'log-likelihood', 'complexity-scores', 'score-norm', 'negative z_scores']);
    expect(['cclr_0_1', 'cclr_0_33', 'cclr_1'].map(referenceScoreName)).toEqual(['Cclr with frac = 0.1', 'Cclr with frac = 0.33', 'Cclr with frac = 1']);
    // Scores the reference never had keep their names.
    expect(['likelihood_ratio', 'input_complexity', 'avg_loss_1'].map(referenceScoreName)).toEqual(['likelihood_ratio', 'input_complexity', 'avg_loss_1']);
  });

  it('keeps the nats likelihood when a row also has the one in bits', () => {
    expect(referenceScores({ log_likelihood_bits: -3, log_likelihood: -2, lid: null })).toEqual({ 'log-likelihood': -2, LID: null });
    expect(referenceScores({ log_likelihood_bits: -3, complexity_bits: 7 })).toEqual({ 'log-likelihood': -3, 'complexity-scores': 7 });
  });

  it('orders the columns as the W&B export does (the reference notebooks’ export_wandb.csv header)', () => {
    expect(referenceColumns(['log_likelihood', 'lid'])).toEqual(['LID', '_defaultColorIndex', 'id', 'log-likelihood', 'name']);
    expect(referenceColumns(['log_likelihood', 'log_likelihood_bits'])).toEqual(['_defaultColorIndex', 'id', 'log-likelihood', 'name']);
  });
});

describe('reference run names', () => {
  it('keeps the names the reference’s ood_run_name_changer gave the jobs of its own meta-configurations', () => {
    for (const file of ['ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml', 'ood/intrinsic_dimension/flows/medical_LID_vs_likelihood.yaml']) {
      const expansion = expandMetaConfig(readFileSync(upstreamFixture('meta_configurations', file), 'utf8'), { file, format: 'yaml' });
      if (!expansion.ok) throw new Error(`${file} does not expand`);
      for (const job of expansion.jobs) {
        const out = (job.config as { data: { out_of_distribution: { pick_loader: string; dataloader_args: { dataset: string } } } }).data.out_of_distribution;
        const row = { dataset: out.dataloader_args.dataset, split: out.pick_loader };
        expect(referenceRunName({ id: 'x', gridIndex: job.index, name: job.name, configHash: job.configHash, config: job.config }, row)).toBe(job.name);
      }
    }
  });

  it('builds {A}_vs_{B}_{split}_{word} for a job named otherwise, with the word its config hash gives', () => {
    // No pick_loader: the reference's changer cannot name it, so the expansion gave it a generic name.
    const data = { in_distribution: side('fashion-mnist', 'train'), out_of_distribution: side('mnist') };
    const job = oodJob(data, `fashion-mnist_${HASH.slice(0, 8)}`);
    const name = referenceRunName(job, { dataset: 'mnist', split: 'test' });
    expect(name).toBe(`fashion-mnist_vs_mnist_test_${runWordFor(HASH)}`);
    // What the notebooks' parse_table reads from it: A, "vs", B, the split, the word.
    expect(name.split('_')).toEqual(['fashion-mnist', 'vs', 'mnist', 'test', runWordFor(HASH)]);
    // The meta-configuration's run_name prefix, as a generic name shows it, stays before the word.
    const prefixed = oodJob(data, `fashion-mnist_lid-run-${HASH.slice(0, 8)}`);
    expect(referenceRunName(prefixed, { dataset: 'mnist', split: 'test' })).toBe(`fashion-mnist_vs_mnist_test_lid-run-${runWordFor(HASH)}`);
  });

  it('names the model’s samples dgm-generated, medmnist by subclass and alignment, and falls back to the model’s dataset', () => {
    const generated = oodJob({ in_distribution: side('mnist'), out_of_distribution: side('dgm-generated', 'test') });
    expect(referenceRunName(generated, { dataset: 'dgm-generated', split: 'test' })).toBe(`mnist_vs_dgm-generated_test_${runWordFor(HASH)}`);
    const medical = oodJob({
      in_distribution: side('medmnist', 'train', { subclass: 'ChestMNIST', align: false }),
      out_of_distribution: side('medmnist', 'train', { subclass: 'PneumoniaMNIST' }),
    });
    expect(referenceRunName(medical, { dataset: 'medmnist', split: 'train' })).toBe(`ChestMNIST-noalign_vs_PneumoniaMNIST-align_train_${runWordFor(HASH)}`);
    const byModel = { ...oodJob({ out_of_distribution: side('svhn') }), modelDataset: 'cifar10' };
    expect(referenceRunName(byModel, { dataset: 'svhn', split: 'test' })).toBe(`cifar10_vs_svhn_test_${runWordFor(HASH)}`);
  });

  it('leaves the rows of a training job under the job’s name', () => {
    const train: ReferenceJob = { id: 'j', gridIndex: 0, name: 'RQNSF_mnist_acorn', configHash: HASH, config: { data: { dataset: 'mnist' } } };
    expect(referenceRunName(train, { dataset: 'mnist', split: 'test' })).toBe('RQNSF_mnist_acorn');
  });

  it('makes a row of the run columns and the renamed scores', () => {
    const job = oodJob({ in_distribution: side('cifar10'), out_of_distribution: side('svhn', 'test') }, 'cifar10_vs_svhn_test_alonely');
    expect(referenceRow(job, { dataset: 'svhn', split: 'test', scores: { log_likelihood: -5, lid: 12 } })).toEqual({
      _defaultColorIndex: 3, id: job.id, name: 'cifar10_vs_svhn_test_alonely', 'log-likelihood': -5, LID: 12,
    });
  });
});
