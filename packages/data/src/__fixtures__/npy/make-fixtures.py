"""Writes the tiny .npy/.npz fixtures of npy.test.ts and npz.test.ts (run: /usr/bin/python3 make-fixtures.py).

Values are small formulas of the index, so the tests can recompute them without reading this script's output.
"""
import io
import os
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def arange(shape, dtype):
    return (np.arange(int(np.prod(shape))) % 100 - 7).astype(dtype).reshape(shape)


def save(name, array, version=None):
    path = os.path.join(HERE, name)
    if version is None:
        np.save(path, array)
    else:
        with open(path, 'wb') as f:
            np.lib.format.write_array(f, array, version=version)


# One file per dtype: arange(2, 3) - 7 cast to the dtype (booleans: value != 0 after the cast).
for code in ['u1', 'i1', 'i2', 'i4', 'i8', 'f4', 'f8']:
    save(f'{code}.npy', arange((2, 3), code))
save('b1.npy', arange((2, 3), 'i4') % 3 == 0)
save('f4-fortran.npy', np.asfortranarray(arange((2, 3, 4), 'f4')))
save('f8-scalar.npy', np.array(2.5))
save('u1-empty.npy', np.zeros((0, 4), 'u1'))
save('i2-v2.npy', arange((3,), 'i2'), version=(2, 0))
save('i2-v3.npy', arange((3,), 'i2'), version=(3, 0))
save('f4-big-endian.npy', arange((2,), '>f4'))
save('u2.npy', arange((2,), 'u2'))

images = arange((3, 4, 5), 'u1')
labels = np.array([[1, 0], [2, 1], [3, 0]], 'u1')
np.savez(os.path.join(HERE, 'stored.npz'), images=images, labels=labels)
np.savez_compressed(os.path.join(HERE, 'compressed.npz'), images=images, labels=labels)

# A miniature of what the medmnist package downloads (np.savez_compressed, uint8 images N×28×28 and labels
# N×K): pixel p of image i of split s is (i·7 + p + offset(s)) % 256; label row i is [i % 5 + offset(s)/100, 1, …].
OFFSETS = {'train': 0, 'val': 100, 'test': 200}
arrays = {}
for split, n in [('train', 5), ('val', 3), ('test', 2)]:
    i = np.arange(n)[:, None, None]
    p = np.arange(28 * 28).reshape(1, 28, 28)
    arrays[f'{split}_images'] = ((i * 7 + p + OFFSETS[split]) % 256).astype('u1')
    labels = np.ones((n, 14), 'u1')
    labels[:, 0] = np.arange(n) % 5 + OFFSETS[split] // 100
    arrays[f'{split}_labels'] = labels
np.savez_compressed(os.path.join(HERE, 'chestmnist.npz'), **arrays)
