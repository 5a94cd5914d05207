#!/usr/bin/env bash
# Prepares the folders a GPU machine needs to run bench/gpu/check.ts without Node.js or npm:
#   .gpu/  node.xz (this machine's Node binary), check.mjs (the check, bundled with the engine and
#          tfjs), node_modules/webgpu/{package.json,index.js} + dawn.node.xz (Dawn for linux-x64)
#   .gl/   the Vulkan/GL loader .debs (libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
# Both are ignored by git (.git/info/exclude) and travel with `carry: [".gpu", ".gl"]`.
# Usage, from the repository root: bash bench/gpu/prepare.sh [--no-gl]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
with_gl=1
[[ "${1:-}" == "--no-gl" ]] && with_gl=0

for dir in /.gpu/ /.gl/; do
  grep -qxF "$dir" .git/info/exclude 2>/dev/null || echo "$dir" >> .git/info/exclude
done
rm -rf .gpu && mkdir -p .gpu/node_modules/webgpu/dist/linux-x64

echo "bundling bench/gpu/check.ts → .gpu/check.mjs"
esbuild="$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
# tfjs is CommonJS: give the ESM bundle a real `require` for Node built-ins.
"$esbuild" bench/gpu/check.ts --bundle --platform=node --format=esm --target=node20 --minify \
  --outfile=.gpu/check.mjs --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"

echo "copying Dawn (npm webgpu) for linux-x64"
webgpu="$(readlink -f packages/engine/node_modules/webgpu)"
cp "$webgpu/package.json" "$webgpu/index.js" .gpu/node_modules/webgpu/
xz -T2 -6 -c "$webgpu/dist/linux-x64/dawn.node" > .gpu/dawn.node.xz

echo "compressing $(command -v node) ($(node --version))"
xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz

if [[ $with_gl == 1 ]]; then
  echo "downloading the loader .debs for amd64 into .gl/"
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gpu .gl 2>/dev/null || true
echo "ready: run on the GPU machine with carry [\".gpu\", \".gl\"] (see bench/gpu/README.md)"
