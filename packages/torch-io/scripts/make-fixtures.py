"""Writes the small torch-io test fixtures. Run with /usr/bin/python3 (Debian python3-torch 1.13):

    /usr/bin/python3 packages/torch-io/scripts/make-fixtures.py

Both formats of one checkpoint dict, expected.json (dtype, shape, sha256 of the row-major little-endian
values per dotted name) and two malicious pickles that must be refused without running anything.
"""
import collections
import hashlib
import io
import json
import os
import pickle
import sys
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', '__fixtures__')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)

DTYPE_NAMES = {
    torch.float32: 'float32', torch.float64: 'float64', torch.float16: 'float16', torch.bfloat16: 'bfloat16',
    torch.int64: 'int64', torch.int32: 'int32', torch.uint8: 'uint8', torch.bool: 'bool',
}

base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1
state = collections.OrderedDict()
state['conv.weight'] = torch.randn(2, 3, 3, 3)
state['conv.bias'] = torch.nn.Parameter(torch.randn(2))
state['double'] = torch.randn(5, dtype=torch.float64)
state['half'] = torch.randn(2, 3).half()
state['bf16'] = torch.randn(4).bfloat16()
state['steps'] = torch.tensor([1, -2, 2**40, -(2**62)], dtype=torch.int64)
state['ints'] = torch.tensor([[7, -8], [9, 2**31 - 1]], dtype=torch.int32)
state['bytes'] = torch.tensor([0, 1, 255, 128], dtype=torch.uint8)
state['mask'] = torch.tensor([[True, False, True]], dtype=torch.bool)
state['scalar'] = torch.tensor(3.25)
# A view (transposed: non-contiguous strides) and a slice with a storage offset, both on `base`'s storage,
# so three tensors share one storage.
state['base'] = base
state['base_t'] = base.t()
state['base_slice'] = base[1:, 1:3]
state['empty'] = torch.zeros(0, 3)
# As a module's state_dict carries it: pickled as OrderedDict state (BUILD).
state._metadata = collections.OrderedDict([('', {'version': 1})])

checkpoint = {
    'module_state_dict': state,
    'opt_state_dict': {'state': {0: {'step': 3, 'exp_avg': torch.ones(2)}}, 'param_groups': [{'lr': 0.001, 'betas': (0.9, 0.999), 'params': [0, 1]}]},
    'epoch': 7,
    'best_loss': 0.125,
    'name': 'glow-tiny',
    'flags': [True, False, None],
}


def flatten(prefix, value, out):
    if isinstance(value, torch.Tensor):
        out[prefix] = value
    elif isinstance(value, dict):
        for k, v in value.items():
            flatten(f'{prefix}.{k}' if prefix else str(k), v, out)


def digest(t):
    c = t.detach().contiguous()
    if c.dtype == torch.bfloat16:
        raw = c.view(torch.int16).numpy().astype('<i2').tobytes()
    elif c.dtype == torch.bool:
        raw = c.numpy().astype('u1').tobytes()
    else:
        raw = c.numpy().newbyteorder('<').tobytes() if sys.byteorder == 'big' else c.numpy().tobytes()
    return hashlib.sha256(raw).hexdigest()


tensors = {}
flatten('', checkpoint, tensors)
expected = {name: {'dtype': DTYPE_NAMES[t.dtype], 'shape': list(t.shape), 'sha256': digest(t)} for name, t in tensors.items()}
with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    # float16/bfloat16 as the float32 values they widen to, to check the conversion and not just the bytes.
    widened = {name: tensors[name].float().flatten().tolist() for name in ('module_state_dict.half', 'module_state_dict.bf16')}
    json.dump({'tensors': expected, 'widened': widened, 'values': {'epoch': 7, 'best_loss': 0.125, 'name': 'glow-tiny', 'flags': [True, False, None]}}, f, indent=1, sort_keys=True)

torch.save(checkpoint, os.path.join(OUT, 'checkpoint-zip.pt'))
torch.save(checkpoint, os.path.join(OUT, 'checkpoint-legacy.pt'), _use_new_zipfile_serialization=False)
# Protocol 4: FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL instead of protocol 2's opcodes.
torch.save(checkpoint, os.path.join(OUT, 'checkpoint-zip-p4.pt'), pickle_protocol=4)

# Malicious pickles. The marker path is relative: the tests check it was never created in the working
# directory, an absolute /tmp path would do as well. pickle protocol 2 writes GLOBAL 'posix system'.
MARKER = 'torch-io-pwned-marker'


class Evil:
    def __reduce__(self):
        return (os.system, (f'touch {MARKER}',))


class EvalEvil:
    def __reduce__(self):
        return (eval, ("open('torch-io-pwned-marker','w').close()",))


with open(os.path.join(OUT, 'malicious-os-system.pkl'), 'wb') as f:
    pickle.dump(Evil(), f, protocol=2)

# A zip checkpoint whose data.pkl names builtins.eval: save a normal one, then swap the pickle.
buf = io.BytesIO()
torch.save({'w': torch.ones(1)}, buf)
buf.seek(0)
src = zipfile.ZipFile(buf)
with zipfile.ZipFile(os.path.join(OUT, 'malicious-eval.pt'), 'w', zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith('/data.pkl'):
            data = pickle.dumps({'w': EvalEvil()}, protocol=2)
        dst.writestr(info.filename, data)

total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, into {os.path.normpath(OUT)}')
