// A node:test reporter that says which test files run and when each one ends, as it happens
// (the spec reporter holds a file's results back until the files before it have finished), and
// names the files still running when nothing else has been printed for a while.
import { Transform } from 'node:stream';
import { relative } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';

const QUIET_MS = 20_000;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export default class TestProgress extends Transform {
  #started = Date.now();
  #running = new Map(); // file -> start time
  #done = 0;
  #failed = [];
  #lastLine = Date.now();
  #timer;

  constructor() {
    super({ writableObjectMode: true });
    this.#timer = setInterval(() => this.#heartbeat(), 1000);
    this.#timer.unref();
  }

  _transform(event, _encoding, callback) {
    const { type, data } = event;
    // File-level events carry the file's path as the test name.
    if (data?.file && data.name === data.file) {
      const file = relative(process.cwd(), data.file);
      if (type === 'test:dequeue' && !this.#running.has(file)) {
        this.#running.set(file, Date.now());
        this.#line(`▶ ${file}`);
      } else if (type === 'test:complete') {
        const took = Date.now() - (this.#running.get(file) ?? this.#started);
        this.#running.delete(file);
        this.#done += 1;
        const ok = data.details?.passed !== false;
        if (!ok) this.#failed.push(file);
        this.#line(`${ok ? '✔' : '✖'} ${file} (${seconds(took)}; ${this.#done} files done)`);
      }
    }
    callback();
  }

  _flush(callback) {
    clearInterval(this.#timer);
    const failed = this.#failed.length ? `; failed: ${this.#failed.join(', ')}` : '';
    this.push(`${this.#done} test files in ${seconds(Date.now() - this.#started)}${failed}\n`);
    callback();
  }

  #heartbeat() {
    if (Date.now() - this.#lastLine < QUIET_MS || this.#running.size === 0) return;
    const now = Date.now();
    const files = [...this.#running].map(([file, at]) => `${file} (${seconds(now - at)})`);
    this.#line(`… still running: ${files.join(', ')}`);
  }

  #line(text) {
    this.#lastLine = Date.now();
    this.push(`[${seconds(this.#lastLine - this.#started)}] ${text}\n`);
  }
}
