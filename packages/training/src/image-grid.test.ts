import { describe, expect, it } from 'vitest';
import { imageGrid } from './image-grid.js';

describe('imageGrid', () => {
  it('tiles images row-major with padding, clamping and truncating values to uint8', () => {
    const imgs = [300, -4, 7.9, 1]; // two 1×2 grayscale images
    const g = imageGrid(imgs, [2, 1, 2, 1], { columns: 2, padding: 1, padValue: 0 });
    expect([g.width, g.height, g.channels]).toEqual([7, 3, 1]);
    expect(Array.from(g.data.slice(7, 14))).toEqual([0, 255, 0, 0, 7, 1, 0]);
    expect(() => imageGrid([1, 2], [2, 1, 2, 1])).toThrow(/values for shape/);
  });
});
