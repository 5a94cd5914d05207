/**
 * Deterministic run names. dysweep draws a random English word; we derive the word from the config hash
 * (first 32 bits modulo the list size), so the same concrete config always gets the same name.
 * Names are not unique (as in dysweep) — never key anything on them.
 */

export const RUN_NAME_WORDS: readonly string[] = [
  'acorn', 'adobe', 'agate', 'alder', 'almond', 'amber', 'anchor', 'anvil', 'apple', 'apricot', 'arbor', 'arrow',
  'aspen', 'aster', 'atlas', 'aurora', 'autumn', 'badger', 'bamboo', 'banner', 'barley', 'basil', 'beacon', 'beech',
  'berry', 'birch', 'bison', 'blossom', 'bluff', 'bramble', 'breeze', 'brook', 'buckle', 'butter', 'cabin', 'cactus',
  'canoe', 'canyon', 'cedar', 'cello', 'chalk', 'cherry', 'chestnut', 'cider', 'cinder', 'citrus', 'clover', 'cobalt',
  'comet', 'copper', 'coral', 'cotton', 'cove', 'crane', 'crater', 'creek', 'cricket', 'crystal', 'cypress', 'daisy',
  'dawn', 'delta', 'desert', 'dingo', 'dolphin', 'dove', 'dune', 'eagle', 'ember', 'emerald', 'falcon', 'fern',
  'fable', 'feather', 'fennel', 'fiddle', 'finch', 'fjord', 'flint', 'forest', 'fossil', 'fox', 'frost', 'garnet',
  'gecko', 'geyser', 'ginger', 'glacier', 'glade', 'granite', 'grove', 'gull', 'harbor', 'harvest', 'hazel', 'heath',
  'heron', 'hickory', 'hollow', 'honey', 'horizon', 'iris', 'island', 'ivory', 'jade', 'jasper', 'juniper', 'kelp',
  'kestrel', 'kettle', 'koala', 'lagoon', 'lantern', 'larch', 'lark', 'laurel', 'lava', 'lemon', 'lichen', 'lilac',
  'linden', 'lotus', 'lynx', 'magnet', 'maple', 'marble', 'marsh', 'meadow', 'melon', 'mesa', 'meteor', 'mint',
  'mistral', 'moss', 'nectar', 'nebula', 'nutmeg', 'oak', 'oasis', 'ocean', 'olive', 'onyx', 'opal', 'orchard',
  'orchid', 'osprey', 'otter', 'owl', 'oyster', 'paddle', 'palm', 'panda', 'papaya', 'pebble', 'pecan', 'pelican',
  'pepper', 'pine', 'plum', 'pollen', 'poplar', 'poppy', 'prairie', 'prism', 'puffin', 'quail', 'quartz', 'quill',
  'rain', 'raven', 'reed', 'ridge', 'river', 'robin', 'rowan', 'saffron', 'sage', 'salmon', 'sandal', 'sapphire',
  'sequoia', 'shale', 'shell', 'sierra', 'silver', 'sparrow', 'spruce', 'squall', 'star', 'stone', 'summit', 'swallow',
  'sycamore', 'tamarind', 'thistle', 'thunder', 'thyme', 'tide', 'timber', 'topaz', 'torrent', 'tulip', 'tundra', 'umber',
  'valley', 'velvet', 'violet', 'walnut', 'willow', 'wren', 'yarrow', 'zephyr', 'zinnia', 'basalt', 'bay', 'cairn',
  'caramel', 'cascade', 'coyote', 'current', 'dahlia', 'drift', 'elm', 'estuary', 'fig', 'galaxy', 'gorge', 'hawk',
  'hemlock', 'indigo', 'jasmine', 'kiwi', 'lilypad', 'mango', 'marigold', 'mulberry', 'nettle', 'nova', 'pinecone', 'pumice',
  'reef', 'sorrel', 'tansy', 'tern', 'verbena', 'wisteria', 'yew', 'zenith',
];

/** The word for a config hash (hex sha256). */
export function runWordFor(configHash: string): string {
  const n = parseInt(configHash.slice(0, 8), 16);
  return RUN_NAME_WORDS[n % RUN_NAME_WORDS.length] as string;
}

/** `<run_name>-<word>` when the meta-config sets `run_name`, else the word alone (dysweep's rule). */
export function baseRunName(configHash: string, prefix: string | undefined): string {
  const word = runWordFor(configHash);
  return prefix === undefined ? word : `${prefix}-${word}`;
}
