/**
 * A Python interpreter that can import torch and torchvision, for the tests that drive real PyTorch:
 * $EDGEBENCH_PYTHON, python3 on PATH, or the system's /usr/bin/python3 (Debian's python3-torch),
 * the first that works. Undefined when none does: those tests skip and say why.
 */
import { spawnSync } from 'node:child_process';

function importsTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

export const TORCH_PYTHON: string | undefined = [process.env.EDGEBENCH_PYTHON, 'python3', '/usr/bin/python3']
  .filter((p): p is string => typeof p === 'string' && p.length > 0)
  .find(importsTorch);
