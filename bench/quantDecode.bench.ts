/**
 * Quantized-weight decode throughput: a 4096×4096 matrix stored four ways, each decoded to float32
 * and compared with a raw fs.read of the same stored bytes in the same run:
 *  - FP8 E4M3 with 128×128 block scales (weight_scale_inv; the architecture map's path)
 *  - MXFP4 (gpt-oss expert blocks + E8M0 scales)
 *  - GPTQ int4 g128 with act-order g_idx
 *  - AWQ int4 g128 (GEMM layout)
 * Three ways of decoding: through the role map into a new array (readMatrixKind, the path every
 * analysis takes); streamed, every chunk decoded where the consumer reads it (the statistics path:
 * streamF32 for GPTQ and AWQ, io/fp8BlockScaled.ts streamE4M3BlockScaled and io/mxfp4Blocks.ts
 * streamMxfp4Expert, each reading the stored bytes straight into a decode arena); and, for FP8 and
 * MXFP4, read into one array reused across repetitions (`into`: each chunk copied once from the
 * arena). The first two are also timed with the WASM kernels turned off (the JavaScript decoders
 * they replace).
 * Target: decoding at ≥ 50 % of the raw read's speed (ratio = raw time / decode time). Integer
 * formats store 1/8 of the float32 bytes they decode to, so the decoded float32 MB/s is printed
 * too. Warm page cache; repetitions alternate; best of each. Data goes to .bench-data/ and is
 * deleted. Peak RSS at the end. With --cold (Linux, root) the page cache is dropped before each
 * timed raw read and stream instead, so both read the file from the disk (pageCache.ts); only those
 * two are timed then.
 *
 *   npm run bench quantDecode        (or: node --import tsx bench/quantDecode.bench.ts [--cold])
 */
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readE4M3BlockScaled, streamE4M3BlockScaled } from '../src/analysis/io/fp8BlockScaled';
import { readMxfp4Expert, streamMxfp4Expert } from '../src/analysis/io/mxfp4Blocks';
import { readElementsF32, streamF32 } from '../src/analysis/io/tensorReader';
import { setDecodeWasmEnabled } from '../src/analysis/io/wasm/decodeKernelsWasm';
import { openModel } from '../src/analysis/model/openModel';
import { readMatrixKind } from '../src/analysis/model/readRole';
import type { ExpertSelector, MatrixKind, ModelHandle, TensorEntry } from '../src/analysis/model/types';
import { f16Bits, writeSafetensors, type TensorSpec } from '../test/fixtures/safetensorsWriter';
import { dropPageCache, flushToDisk } from './pageCache';

const N = 4096;
const dataDir = join(__dirname, '..', '.bench-data', 'quant');

let seed = 0x9e3779b9;
function randomBytes(n: number, fix?: (b: number) => number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = fix ? fix(seed & 255) : seed & 255;
  }
  return out;
}

function f16Scales(n: number): Uint8Array {
  const out = new Uint8Array(2 * n);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) dv.setUint16(2 * i, f16Bits(0.001 + (i % 97) * 1e-5), true);
  return out;
}

const llama = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: N,
  intermediate_size: N,
  num_hidden_layers: 1,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  vocab_size: 32,
};

interface Case {
  name: string;
  config: Record<string, unknown>;
  tensors: TensorSpec[];
  kind: MatrixKind;
  expert?: ExpertSelector;
}

function cases(): Case[] {
  const q = 'model.layers.0.mlp.down_proj';
  const gIdx = new Int32Array(N);
  for (let i = 0; i < N; i++) gIdx[i] = Math.floor(((i * 7919) % N) / 128);
  return [
    {
      name: 'FP8 block 128×128',
      config: { ...llama, quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] } },
      tensors: [
        { name: `${q}.weight`, dtype: 'F8_E4M3', shape: [N, N], bytes: randomBytes(N * N, (b) => ((b & 0x7f) === 0x7f ? 0x38 : b)) },
        { name: `${q}.weight_scale_inv`, dtype: 'F32', shape: [32, 32], values: Float32Array.from({ length: 1024 }, (_, i) => 0.001 + i * 1e-6) },
      ],
      kind: 'down',
    },
    {
      name: 'MXFP4 (gpt-oss)',
      config: {
        ...llama,
        architectures: ['GptOssForCausalLM'],
        model_type: 'gpt_oss',
        num_local_experts: 1,
        num_experts_per_tok: 1,
        head_dim: 128,
        quantization_config: { quant_method: 'mxfp4' },
      },
      tensors: [
        { name: 'model.layers.0.mlp.experts.down_proj_blocks', dtype: 'U8', shape: [1, N, N / 32, 16], bytes: randomBytes((N * N) / 2) },
        { name: 'model.layers.0.mlp.experts.down_proj_scales', dtype: 'U8', shape: [1, N, N / 32], bytes: randomBytes((N * N) / 32, (b) => 120 + (b % 10)) },
        { name: 'model.layers.0.mlp.router.weight', dtype: 'F32', shape: [1, N], values: new Float32Array(N) },
      ],
      kind: 'down',
      expert: 0,
    },
    {
      name: 'GPTQ int4 g128 act-order',
      config: { ...llama, quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128, desc_act: true, sym: false, checkpoint_format: 'gptq' } },
      tensors: [
        { name: `${q}.qweight`, dtype: 'I32', shape: [N / 8, N], bytes: randomBytes((N / 8) * N * 4) },
        { name: `${q}.qzeros`, dtype: 'I32', shape: [32, N / 8], bytes: randomBytes(32 * (N / 8) * 4) },
        { name: `${q}.scales`, dtype: 'F16', shape: [32, N], bytes: f16Scales(32 * N) },
        { name: `${q}.g_idx`, dtype: 'I32', shape: [N], bytes: new Uint8Array(gIdx.buffer) },
      ],
      kind: 'down',
    },
    {
      name: 'AWQ int4 g128',
      config: { ...llama, quantization_config: { quant_method: 'awq', bits: 4, group_size: 128, version: 'gemm', zero_point: true } },
      tensors: [
        { name: `${q}.qweight`, dtype: 'I32', shape: [N, N / 8], bytes: randomBytes(N * (N / 8) * 4) },
        { name: `${q}.qzeros`, dtype: 'I32', shape: [32, N / 8], bytes: randomBytes(32 * (N / 8) * 4) },
        { name: `${q}.scales`, dtype: 'F16', shape: [32, N], bytes: f16Scales(32 * N) },
      ],
      kind: 'down',
    },
  ];
}

/** Every stored tensor the weight is read from (its quant parts, or the plain tensors the case wrote). */
function storedParts(model: ModelHandle, c: Case): TensorEntry[] {
  const out: TensorEntry[] = [];
  for (const t of model.tensors.values()) out.push(...(t.quant ? t.quant.parts : [t]));
  return out.filter((t) => c.tensors.some((s) => s.name === t.name));
}

async function rawRead(parts: TensorEntry[], buf: Uint8Array): Promise<void> {
  for (const p of parts) {
    const fh = await open(p.file, 'r');
    try {
      let done = 0;
      while (done < p.byteLength) done += (await fh.read(buf, done, p.byteLength - done, p.dataStart + done)).bytesRead;
    } finally {
      await fh.close();
    }
  }
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const cold = process.argv.includes('--cold');
  console.log(
    `decode of a ${N}×${N} matrix through readMatrixKind vs raw fs.read of its stored bytes (best of 5, ${cold ? 'cold page cache: streams only' : 'warm cache'}; target ratio ≥ 0.50)`,
  );
  try {
    for (const c of cases()) {
      const dir = join(dataDir, c.name.replace(/\W+/g, '_'));
      await mkdir(dir, { recursive: true });
      // Norms, so the architecture map finds the layer around the one weight.
      const norms: TensorSpec[] = ['model.layers.0.input_layernorm.weight', 'model.layers.0.post_attention_layernorm.weight', 'model.norm.weight'].map(
        (name) => ({
          name,
          dtype: 'F32',
          shape: [N],
          values: new Float32Array(N).fill(1),
        }),
      );
      await writeSafetensors(join(dir, 'model.safetensors'), [...c.tensors, ...norms]);
      await writeFile(join(dir, 'config.json'), JSON.stringify(c.config));
      const model = await openModel(dir);
      const parts = storedParts(model, c);
      const bytes = parts.reduce((a, p) => a + p.byteLength, 0);
      const buf = new Uint8Array(bytes);
      await rawRead(parts, buf);
      const m0 = await readMatrixKind(model, 0, c.kind, c.expert);
      if (m0.rows !== N || m0.cols !== N) throw new Error(`${c.name}: decoded ${m0.rows}×${m0.cols}`);
      // FP8: also the one-pass io/fp8BlockScaled.ts read (E4M3 decode and block scale in one WASM kernel).
      const fp8 = c.tensors[0].dtype === 'F8_E4M3' ? parts.find((p) => p.dtype === 'F8_E4M3') : undefined;
      const fp8Scale = parts.find((p) => p.name.endsWith('weight_scale_inv'));
      const fused = async () => {
        if (!fp8 || !fp8Scale) return;
        const scales = await readElementsF32(fp8Scale, 0, fp8Scale.shape[0] * fp8Scale.shape[1]);
        await readE4M3BlockScaled(fp8, 0, 0, N * N, { scales, cols: N, gridCols: fp8Scale.shape[1], block: [128, 128] });
      };
      // Streamed (the statistics path): every chunk decoded where the consumer reads it — the stream of
      // a quantized entry, FP8 / MXFP4 through their own streams; and FP8 / MXFP4 read into one array
      // reused across repetitions (`into`: each chunk copied once, from the stream's memory).
      const reusedOut = new Float32Array(N * N);
      const weight = [...model.tensors.values()].find((t) => t.quant && parts.some((p) => t.quant!.parts.includes(p)));
      const mxBlocks = parts.find((p) => p.name.endsWith('_blocks'));
      const mxScales = parts.find((p) => p.name.endsWith('_scales'));
      let sum = 0;
      const fp8Grid = async () => {
        const scales = await readElementsF32(fp8Scale!, 0, fp8Scale!.shape[0] * fp8Scale!.shape[1]);
        return { scales, cols: N, gridCols: fp8Scale!.shape[1], block: [128, 128] as const };
      };
      const streamed = async () => {
        if (weight) await streamF32(weight, {}, (v) => void (sum += v[0]));
        else if (fp8 && fp8Scale) await streamE4M3BlockScaled(fp8, 0, 0, N * N, await fp8Grid(), {}, (v) => void (sum += v[0]));
        else if (mxBlocks && mxScales) await streamMxfp4Expert(mxBlocks, mxScales, 0, N, N / 32, {}, (v) => void (sum += v[0]));
        else throw new Error(`${c.name}: nothing to stream`);
      };
      const intoOne = async () => {
        if (fp8 && fp8Scale) await readE4M3BlockScaled(fp8, 0, 0, N * N, await fp8Grid(), {}, reusedOut);
        else if (mxBlocks && mxScales) await readMxfp4Expert(mxBlocks, mxScales, 0, N, N / 32, {}, reusedOut);
      };
      if (cold) {
        flushToDisk();
        let [coldRaw, coldStream] = [Infinity, Infinity];
        for (let i = 0; i < 5; i++) {
          dropPageCache();
          let t0 = performance.now();
          await rawRead(parts, buf);
          coldRaw = Math.min(coldRaw, performance.now() - t0);
          dropPageCache();
          t0 = performance.now();
          await streamed();
          coldStream = Math.min(coldStream, performance.now() - t0);
        }
        console.log(
          `  ${c.name.padEnd(26)} stored ${(bytes / 2 ** 20).toFixed(1).padStart(5)} MiB, cold page cache: raw ${coldRaw.toFixed(1)} ms; streamed ${coldStream.toFixed(1)} ms, ratio ${(coldRaw / coldStream).toFixed(2)}, ${((N * N) / coldStream / 1e6).toFixed(2)} G values/s${Number.isFinite(sum) ? '' : ' '}`,
        );
        if (!process.env.KEEP) await rm(dir, { recursive: true, force: true });
        continue;
      }
      let raw = Infinity;
      let dec = Infinity;
      let js = Infinity;
      let one = Infinity;
      let re = Infinity;
      let reJs = Infinity;
      let into = Infinity;
      for (let i = 0; i < 5; i++) {
        let t0 = performance.now();
        await rawRead(parts, buf);
        raw = Math.min(raw, performance.now() - t0);
        t0 = performance.now();
        await readMatrixKind(model, 0, c.kind, c.expert);
        dec = Math.min(dec, performance.now() - t0);
        // The same read with the WASM SIMD kernels turned off: the JavaScript decoders, as before them.
        setDecodeWasmEnabled(false);
        t0 = performance.now();
        await readMatrixKind(model, 0, c.kind, c.expert);
        js = Math.min(js, performance.now() - t0);
        setDecodeWasmEnabled(true);
        t0 = performance.now();
        await fused();
        one = Math.min(one, performance.now() - t0);
        t0 = performance.now();
        await streamed();
        re = Math.min(re, performance.now() - t0);
        setDecodeWasmEnabled(false);
        t0 = performance.now();
        await streamed();
        reJs = Math.min(reJs, performance.now() - t0);
        setDecodeWasmEnabled(true);
        t0 = performance.now();
        await intoOne();
        into = Math.min(into, performance.now() - t0);
      }
      const gvs = (ms: number) => ((N * N) / ms / 1e6).toFixed(2);
      console.log(
        `  ${c.name.padEnd(26)} stored ${(bytes / 2 ** 20).toFixed(1).padStart(5)} MiB: raw ${raw.toFixed(1).padStart(6)} ms; new array (readMatrixKind) ${dec.toFixed(1).padStart(6)} ms, ratio ${(raw / dec).toFixed(2)}, decoded float32 ${((N * N * 4) / 2 ** 20 / (dec / 1000)).toFixed(0)} MiB/s, ${gvs(dec)} G values/s; streamed, reused memory (${weight ? 'streamF32' : fp8 ? 'streamE4M3BlockScaled' : 'streamMxfp4Expert'}) ${re.toFixed(1)} ms, ratio ${(raw / re).toFixed(2)}, ${gvs(re)} G values/s (without WASM kernels ${reJs.toFixed(1)} ms, ratio ${(raw / reJs).toFixed(2)}); new array without WASM kernels ${js.toFixed(1)} ms (ratio ${(raw / js).toFixed(2)}, ${gvs(js)} G values/s)${Number.isFinite(sum) ? '' : ' '}`,
      );
      if (!weight)
        console.log(
          `  ${''.padEnd(26)} into one array reused across repetitions: ${into.toFixed(1)} ms, ratio ${(raw / into).toFixed(2)}, ${gvs(into)} G values/s`,
        );
      if (fp8)
        console.log(
          `  ${''.padEnd(26)} one-pass E4M3 + block scale kernel (io/fp8BlockScaled.ts), new array: ${one.toFixed(1)} ms, ratio ${(raw / one).toFixed(2)}, ${gvs(one)} G values/s`,
        );
      if (!process.env.KEEP) await rm(dir, { recursive: true, force: true });
    }
  } finally {
    if (!process.env.KEEP) await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

void main();
