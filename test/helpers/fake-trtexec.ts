/**
 * A fake trtexec (a shell script) for the engine tests here and on the loopback board: it answers
 * --help with a banner, "builds" (writes a placeholder engine and timing cache), "runs" (prints a
 * recorded log and copies the recorded --exportTimes file), and, given --loadInputs and
 * --exportOutput, checks the input files are there and writes a recorded output export. With
 * `computeOutputs` its plan is the ONNX file it was built from, and an export holds that model's
 * outputs on the loaded inputs, computed by onnxruntime (fake-trtexec-outputs.mjs, six significant
 * digits as trtexec prints). Every command line goes to an args log, one line each.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';

export const TRTEXEC_FIXTURES = fileURLToPath(new URL('../engines/fixtures/trtexec/', import.meta.url));

export interface FakeTrtexec {
  dir: string;
  bin: string;
  argsLog: string;
  /** `name bytes` per input file trtexec was asked to load. */
  inputsLog: string;
  gpuNode: string;
  /** While this file exists, every build fails with the recorded 8.6.1 failure log. */
  failBuildMarker: string;
  /** While this file exists, every run with --exportOutput fails as trtexec does on a bad input file. */
  failExportMarker: string;
  /** The --help text; rewrite it to change the version the fake claims. */
  helpFile: string;
}

export interface FakeTrtexecOptions {
  /** `[TensorRT v8502] `, or '' for none. */
  helpBanner: string;
  runLog: string;
  times: string;
  profile?: string;
  buildLog?: string;
  buildFails?: boolean;
  /** The file written for --exportOutput (default: the recorded 8.2.1 export). */
  exportOutput?: string;
  /** Where the program goes (default: the fake's own folder), e.g. a board's /usr/src/tensorrt/bin. */
  binDir?: string;
  /** The plan is the ONNX file, and --exportOutput its outputs on the loaded inputs (see the header). */
  computeOutputs?: boolean;
}

const COMPUTE_OUTPUTS = fileURLToPath(new URL('./fake-trtexec-outputs.mjs', import.meta.url));

/** The --help text of a trtexec whose banner is `banner` (`[TensorRT v8201] `). */
export function trtexecHelp(banner: string): string {
  return `&&&& RUNNING TensorRT.trtexec ${banner}# trtexec --help\n  --memPoolSize=poolspec\n  --skipInference\n&&&& PASSED TensorRT.trtexec ${banner}# trtexec --help\n`;
}

export async function fakeTrtexec(opts: FakeTrtexecOptions): Promise<FakeTrtexec> {
  const dir = await tempDir('edgebench-fake-trtexec-');
  const argsLog = path.join(dir, 'args.log');
  const inputsLog = path.join(dir, 'inputs.log');
  const gpuNode = path.join(dir, 'nvidia0');
  await writeFile(gpuNode, '');
  const help = path.join(dir, 'help.txt');
  await writeFile(help, trtexecHelp(opts.helpBanner));
  const buildLog = opts.buildLog ?? path.join(TRTEXEC_FIXTURES, 'trt-8.5.2-orin-build-resnet50-int8.log');
  const exportOutput = opts.exportOutput ?? path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-export-output.json');
  const binDir = opts.binDir ?? dir;
  await mkdir(binDir, { recursive: true });
  const bin = path.join(binDir, 'trtexec');
  await writeFile(
    bin,
    `#!/bin/sh
echo "$*" >> '${argsLog}'
SAVE=; LOAD=; TIMES=; PROF=; TC=; INPUTS=; OUT=; ONNX=; SHAPES=
for a in "$@"; do
  case "$a" in
    --help) cat '${help}'; exit 0 ;;
    --onnx=*) ONNX="\${a#--onnx=}" ;;
    --shapes=*) SHAPES="\${a#--shapes=}" ;;
    --saveEngine=*) SAVE="\${a#--saveEngine=}" ;;
    --loadEngine=*) LOAD="\${a#--loadEngine=}" ;;
    --exportTimes=*) TIMES="\${a#--exportTimes=}" ;;
    --exportProfile=*) PROF="\${a#--exportProfile=}" ;;
    --timingCacheFile=*) TC="\${a#--timingCacheFile=}" ;;
    --loadInputs=*) INPUTS="\${a#--loadInputs=}" ;;
    --exportOutput=*) OUT="\${a#--exportOutput=}" ;;
  esac
done
if [ -n "$SAVE" ] && [ -f '${path.join(dir, 'build-fails')}' ]; then
  cat '${path.join(TRTEXEC_FIXTURES, 'trt-8.6.1-build-failure.log')}'
  exit 1
fi
if [ -n "$SAVE" ]; then
  cat '${buildLog}'
  ${opts.buildFails ? 'exit 1' : ''}
  ${opts.computeOutputs ? `cp "$ONNX" "$SAVE"` : `printf 'serialized engine' > "$SAVE"`}
  if [ -n "$TC" ]; then printf 'timing cache' > "$TC"; fi
  exit 0
fi
if [ -n "$LOAD" ]; then
  [ -f "$LOAD" ] || { echo "[E] Failed to open engine $LOAD"; exit 1; }
  if [ -n "$INPUTS" ]; then
    IFS=,
    for pair in $INPUTS; do
      f="\${pair#*:}"
      [ -f "$f" ] || { echo "[E] Cannot open input file $f"; echo "&&&& FAILED TensorRT.trtexec"; exit 1; }
      echo "\${pair%%:*} $(wc -c < "$f" | tr -d ' ')" >> '${inputsLog}'
    done
    unset IFS
  fi
  if [ -n "$OUT" ] && [ -f '${path.join(dir, 'export-fails')}' ]; then
    echo "[E] Error opening engine inputs for output export"; echo "&&&& FAILED TensorRT.trtexec"; exit 1
  fi
  cat '${opts.runLog}'
  if [ -n "$TIMES" ]; then cp '${opts.times}' "$TIMES"; fi
  if [ -n "$OUT" ]; then
    ${
      opts.computeOutputs
        ? `'${process.execPath}' '${COMPUTE_OUTPUTS}' "$LOAD" "$INPUTS" "$SHAPES" "$OUT" || { echo "&&&& FAILED TensorRT.trtexec"; exit 1; }`
        : `cp '${exportOutput}' "$OUT"`
    }
  fi
  if [ -n "$PROF" ] && [ -n '${opts.profile ?? ''}' ]; then cp '${opts.profile ?? ''}' "$PROF"; fi
  exit 0
fi
exit 1
`,
  );
  await chmod(bin, 0o755);
  return {
    dir,
    bin,
    argsLog,
    inputsLog,
    gpuNode,
    failBuildMarker: path.join(dir, 'build-fails'),
    failExportMarker: path.join(dir, 'export-fails'),
    helpFile: help,
  };
}

/** The command lines the fake was given, --help calls left out. */
export async function trtexecArgLines(fake: FakeTrtexec): Promise<string[]> {
  const text = await readFile(fake.argsLog, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '' && line !== '--help');
}
