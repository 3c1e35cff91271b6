/** Runs a build tool with live progress on stderr: elapsed time and its latest output line. */
import { spawn } from 'node:child_process';

export interface ToolRun {
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  progress: (line: string) => void;
}

export function runTool({ label, command, args, cwd, env, progress }: ToolRun): Promise<{ ok: boolean; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let lastLine = '';
    let lines = 0;
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      const text = data.toString().trim().split('\n');
      lines += text.length;
      lastLine = text[text.length - 1] ?? lastLine;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const seconds = () => Math.round((Date.now() - started) / 1000);
    const ticker = setInterval(() => progress(`${label}: ${seconds()}s, ${lines} lines of output, last: ${lastLine.slice(0, 100)}`), 10_000);
    child.on('error', (error) => {
      clearInterval(ticker);
      resolve({ ok: false, output: `${output}\n${error.message}`, seconds: seconds() });
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      resolve({ ok: code === 0, output, seconds: seconds() });
    });
  });
}
