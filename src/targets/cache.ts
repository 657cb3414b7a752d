/**
 * Files edgebench needs on a device (models, runner scripts) are kept there by content, under
 * `${XDG_CACHE_HOME:-~/.cache}/edgebench` on the device:
 *
 *   blobs/<sha256>/<name>    one uploaded file; copied once per content, whatever it is called here
 *   bundles/<key>/<names…>   files that must sit side by side (a runner and the module it imports)
 *
 * A file is written to a temporary name in its folder, its size (and sha256, where the device has
 * sha256sum) checked, then renamed: a cut connection leaves at most a hidden `.part` file, never a
 * file that looks complete. A bundle is assembled in a hidden folder and renamed into place the
 * same way. Only POSIX sh, cat, wc, mkdir, ln and mv are needed on the device.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { sha256File } from '../util/hash.js';
import { lastLines, TargetError } from './errors.js';
import type { Transport } from './transport.js';

export interface UploadResult {
  /** Where the file is on the device. */
  remotePath: string;
  sha256: string;
  bytes: number;
  /** True when the bytes crossed the connection this time; false when the device had them already. */
  copied: boolean;
}

export interface BundleFile {
  localPath: string;
  /**
   * The file's name in the bundle's folder, or its path below it (`cats/1.jpg`: media that keep
   * their class folders); no segment empty, `.`/`..`, hidden, or holding a NUL or a newline.
   */
  name: string;
}

export interface BundleResult {
  /** The folder on the device holding every file under its name. */
  remoteDir: string;
  key: string;
  /** Files whose bytes crossed the connection this time. */
  copied: number;
}

const ROOT_SCRIPT = `if [ -n "\${XDG_CACHE_HOME:-}" ]; then base=$XDG_CACHE_HOME
elif [ -n "\${HOME:-}" ]; then base=$HOME/.cache
else echo "edgebench: neither HOME nor XDG_CACHE_HOME is set for this account" >&2; exit 3; fi
case "$base" in /*) ;; *) echo "edgebench: the cache folder $base is not an absolute path" >&2; exit 3;; esac
printf '%s\\n' "$base/edgebench"`;

// $1 final path, $2 size in bytes, $3 sha256. Prints present | linked | send (then reads stdin) and stored.
const UPLOAD_SCRIPT = `final=$1 size=$2 sum=$3
dir=\${final%/*}
if [ -f "$final" ]; then echo present; exit 0; fi
for other in "$dir"/*; do
  if [ -f "$other" ]; then
    ln -f "$other" "$final" 2>/dev/null || cp "$other" "$final" || exit 4
    echo linked; exit 0
  fi
done
mkdir -p "$dir" || exit 3
tmp="$dir/.part.$$"
trap 'rm -f "$tmp"' EXIT HUP INT TERM
echo send
cat > "$tmp" || exit 4
got=$(wc -c < "$tmp" | tr -d ' ')
if [ "$got" != "$size" ]; then echo "edgebench: received $got of $size bytes" >&2; exit 5; fi
if command -v sha256sum >/dev/null 2>&1; then
  check=$(sha256sum "$tmp" | cut -d ' ' -f 1)
  if [ "$check" != "$sum" ]; then echo "edgebench: the received bytes hash to $check, not $sum" >&2; exit 6; fi
fi
mv -f "$tmp" "$final" || exit 7
trap - EXIT HUP INT TERM
echo stored`;

// $1 final folder, then pairs: blob path, name. Prints present | stored.
const BUNDLE_SCRIPT = `final=$1; shift
if [ -d "$final" ]; then echo present; exit 0; fi
parent=\${final%/*}
mkdir -p "$parent" || exit 3
stage="$parent/.stage.$$"
rm -rf "$stage"; mkdir "$stage" || exit 3
trap 'rm -rf "$stage"' EXIT HUP INT TERM
while [ $# -gt 1 ]; do
  case "$2" in */*) mkdir -p "$stage/\${2%/*}" || exit 3;; esac
  ln -f "$1" "$stage/$2" 2>/dev/null || cp "$1" "$stage/$2" || exit 4
  shift 2
done
if [ -d "$final" ]; then echo present; exit 0; fi
mv "$stage" "$final" || exit 5
trap - EXIT HUP INT TERM
echo stored`;

// $1 the cache root (must end in /edgebench). Prints absent, or the kB removed.
const CLEAN_SCRIPT = `case "$1" in /?*/edgebench) ;; *) echo "edgebench: refusing to remove $1" >&2; exit 3;; esac
if [ ! -e "$1" ]; then echo absent; exit 0; fi
kb=$(du -sk "$1" 2>/dev/null | cut -f 1)
rm -rf -- "$1" || exit 4
echo "removed \${kb:-0}"`;

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** A bundle entry's path: segments that neither climb out of the bundle nor hide from a listing. */
function isBundlePath(name: string): boolean {
  return name
    .split('/')
    .every((segment) => segment !== '' && !segment.startsWith('.') && !/[\0\n]/.test(segment));
}

/** A file name that is safe on any device file system; odd names become `file<ext>`. */
export function deviceFileName(name: string): string {
  if (SAFE_NAME.test(name)) return name;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? '';
  return `file${ext}`;
}

export class DeviceCache {
  private rootPath: Promise<string> | undefined;

  constructor(private readonly transport: Transport) {}

  /** The cache folder on the device (asked once). */
  root(): Promise<string> {
    this.rootPath ??= this.transport
      .exec(['sh', '-c', ROOT_SCRIPT], { timeoutMs: 30_000, doing: 'finding the cache folder' })
      .then((result) => {
        const root = result.stdout.trim();
        if (result.code !== 0 || !root.startsWith('/') || root.includes('\n'))
          throw new TargetError(
            'ssh-failed',
            `${this.transport.label}: cannot tell where edgebench may keep files on the device (${lastLines(result.stderr) || root || `exit code ${result.code}`})`,
          );
        return root;
      })
      .catch((error: unknown) => {
        this.rootPath = undefined;
        throw error;
      });
    return this.rootPath;
  }

  /**
   * The file on the device, copied there unless its content already is (under any name). On this
   * machine (a local transport) the file is used where it is.
   */
  async upload(
    localFile: string,
    options: { name?: string; signal?: AbortSignal } = {},
  ): Promise<UploadResult> {
    const info = await stat(localFile).catch(() => null);
    if (!info?.isFile()) throw new UserError(`cannot copy ${localFile} to the device: no such file`);
    const sha256 = await sha256File(localFile);
    if (this.transport.kind === 'local')
      return { remotePath: path.resolve(localFile), sha256, bytes: info.size, copied: false };
    const name = deviceFileName(options.name ?? path.basename(localFile));
    const final = `${await this.root()}/blobs/${sha256}/${name}`;
    let sent = false;
    const running = this.transport.start(
      ['sh', '-c', UPLOAD_SCRIPT, 'sh', final, String(info.size), sha256],
      {
        timeoutMs: 0,
        doing: `copying ${name} (${info.size} bytes) to the device`,
        ...(options.signal ? { signal: options.signal } : {}),
        onStdoutLine: (line) => {
          if (line === 'send' && !sent) {
            sent = true;
            const source = createReadStream(localFile);
            source.on('error', (error) => running.stdin.destroy(error));
            source.pipe(running.stdin);
          } else if (line === 'present' || line === 'linked') running.stdin.end();
        },
      },
    );
    const result = await running.done;
    if (result.code !== 0 || !/^(present|linked|stored)$/m.test(result.stdout))
      throw new TargetError(
        'ssh-failed',
        `${this.transport.label}: copying ${name} to ${final} failed (${lastLines(result.stderr) || `exit code ${result.code}`})`,
      );
    return { remotePath: final, sha256, bytes: info.size, copied: sent };
  }

  /** Files that must sit in one folder (a runner and its shared module), kept by their combined content. */
  async uploadBundle(files: readonly BundleFile[]): Promise<BundleResult> {
    if (files.length === 0) throw new RangeError('a bundle needs at least one file');
    const names = new Set<string>();
    for (const file of files) {
      if (!isBundlePath(file.name) || names.has(file.name))
        throw new RangeError(`bad or repeated bundle file name '${file.name}'`);
      names.add(file.name);
    }
    const hashes = await Promise.all(files.map((file) => sha256File(file.localPath)));
    const manifest = files
      .map((file, i) => `${file.name}\0${hashes[i]}\n`)
      .sort()
      .join('');
    const key = createHash('sha256').update(manifest).digest('hex');
    if (this.transport.kind === 'local') {
      const dirs = new Set(files.map((file) => path.dirname(path.resolve(file.localPath))));
      const inPlace = dirs.size === 1 && files.every((file) => path.basename(file.localPath) === file.name);
      if (inPlace) return { remoteDir: [...dirs][0], key, copied: 0 };
    }
    const final = `${await this.root()}/bundles/${key}`;
    const check = await this.transport.exec(
      ['sh', '-c', 'if [ -d "$1" ]; then echo present; fi', 'sh', final],
      {
        timeoutMs: 30_000,
      },
    );
    if (check.stdout.trim() === 'present') return { remoteDir: final, key, copied: 0 };
    const blobs: UploadResult[] = [];
    for (const file of files) blobs.push(await this.upload(file.localPath, { name: file.name }));
    const pairs = files.flatMap((file, i) => [blobs[i].remotePath, file.name]);
    const result = await this.transport.exec(['sh', '-c', BUNDLE_SCRIPT, 'sh', final, ...pairs], {
      timeoutMs: 60_000,
      doing: 'assembling files on the device',
    });
    if (result.code !== 0)
      throw new TargetError(
        'ssh-failed',
        `${this.transport.label}: assembling ${final} failed (${lastLines(result.stderr) || `exit code ${result.code}`})`,
      );
    return { remoteDir: final, key, copied: blobs.filter((blob) => blob.copied).length };
  }

  /** Removes everything edgebench keeps on the device. */
  async clean(): Promise<{ path: string; removed: boolean; kilobytes: number | null }> {
    if (this.transport.kind === 'local')
      throw new UserError('nothing to clean on local: files are copied to remote targets only');
    const root = await this.root();
    const result = await this.transport.exec(['sh', '-c', CLEAN_SCRIPT, 'sh', root], {
      timeoutMs: 120_000,
      doing: `removing ${root}`,
    });
    const answer = result.stdout.trim();
    if (result.code !== 0 || !/^(absent|removed \d+)$/.test(answer))
      throw new TargetError(
        'ssh-failed',
        `${this.transport.label}: removing ${root} failed (${lastLines(result.stderr) || `exit code ${result.code}`})`,
      );
    const kb = /^removed (\d+)$/.exec(answer);
    return { path: root, removed: kb !== null, kilobytes: kb ? Number(kb[1]) : null };
  }
}
