/**
 * `up`'s progress: on a terminal, one live line per task (the shared stack, each project) redrawn
 * in place with its latest step; elsewhere, plain timestamped lines, one per step.
 */
export interface Progress {
  step(line: string): void;
  done(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progressFor(
  stream: { isTTY?: boolean; write(s: string): unknown },
  dim: (s: string) => string,
): Progress {
  if (!stream.isTTY) {
    return {
      step: (line) => stream.write(`${dim(new Date().toISOString().slice(11, 19))} ${line}\n`),
      done: () => {},
    };
  }
  const tasks = new Map<string, string>();
  let drawn = 0;
  let frame = 0;
  const draw = () => {
    const lines = [...tasks].map(
      ([task, step]) => `${step.startsWith('FAILED') ? '✗' : FRAMES[frame % FRAMES.length]} ${task}: ${step}`,
    );
    stream.write(`${drawn ? `\u001b[${drawn}A` : ''}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
    frame++;
  };
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    step(line) {
      const i = line.indexOf(': ');
      const task = i > 0 ? line.slice(0, i) : 'up';
      tasks.set(task, i > 0 ? line.slice(i + 2) : line);
      draw();
    },
    done() {
      clearInterval(timer);
      for (const [task, step] of tasks) if (!step.startsWith('FAILED')) tasks.set(task, 'done');
      frame = 0;
      const lines = [...tasks].map(([task, step]) => `${step === 'done' ? '✓' : '✗'} ${task}: ${step}`);
      stream.write(`${drawn ? `\u001b[${drawn}A` : ''}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n`);
    },
  };
}
