#!/usr/bin/env python3
"""The reference's compressed lengths of the input-complexity fixture images, by OpenCV as the reference encoded
them (cv2.imencode: '.png' at IMWRITE_PNG_COMPRESSION 9; '.jpg' at OpenCV's default quality 95), written to
src/__fixtures__/complexity/opencv-bytes.json. Debian's python3-opencv; never used at run time.

  /usr/bin/python3 packages/methods/scripts/make-complexity-fixture.py
"""
import json
import os

import cv2
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', '__fixtures__', 'complexity')
raw = np.fromfile(os.path.join(HERE, 'images.u8'), dtype=np.uint8)
images = raw.reshape(-1, 28, 28, 1)
png, jpg = [], []
for image in images:
    ok, buf = cv2.imencode('.png', image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert ok
    png.append(len(buf))
    ok, buf = cv2.imencode('.jpg', image)
    assert ok
    jpg.append(len(buf))
out = {'opencv': cv2.__version__, 'count': len(images), 'shape': [28, 28, 1], 'png_level_9': png, 'jpeg_quality_95': jpg}
with open(os.path.join(HERE, 'opencv-bytes.json'), 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
print(json.dumps(out))
