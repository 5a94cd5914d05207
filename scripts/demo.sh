#!/usr/bin/env bash
# The end-to-end FMNIST→MNIST demo lands with issue 7; until then this says so instead of pretending.
echo "The dgm-ood demo (train a flow on Fashion-MNIST, score FMNIST/MNIST, AUC table) is not implemented yet." >&2
echo "It depends on the coordinator, workers, engine and flows. Run 'bash scripts/test.sh' for what exists." >&2
exit 1
