// Starts the platform for the browser tests from the build dir, on free ports, in a temp dir:
// the dev broker, the four services, the gateway (serving ../../web, with demo users), then loads
// the demo city with fieldlinectl seed. stop() ends every process, also after a failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICES = ['intake', 'scheduling', 'inventory', 'callbacks'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Platform {
  constructor(buildDir) {
    this.buildDir = path.resolve(buildDir);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-browser-'));
    this.procs = [];  // { name, child, log }
    this.ports = {};
    this.secretFile = path.join(this.dir, 'secret');
    this.bootstrap = path.join(this.dir, 'bootstrap');
    fs.writeFileSync(this.secretFile, 'browser-test-secret-0123456789abcdef0123');
  }

  bin(name) {
    if (name === 'broker') return path.join(this.buildDir, 'services/devbroker/fieldline-devbroker');
    if (name === 'ctl') return path.join(this.buildDir, 'tools/fieldlinectl/fieldlinectl');
    return path.join(this.buildDir, `services/${name}/fieldline-${name}`);
  }

  logOf(name) {
    try { return fs.readFileSync(path.join(this.dir, `${name}.log`), 'utf8'); } catch { return ''; }
  }

  spawn(name, args, env = {}) {
    const log = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(this.bin(name), args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    fs.closeSync(fd);
    const p = { name, child, exited: null };
    child.on('exit', (code, signal) => { p.exited = { code, signal }; });
    child.on('error', (e) => { p.exited = { error: e.message }; });
    this.procs.push(p);
    return p;
  }

  // Waits for a line starting with `prefix` in the process's log; returns the line.
  async waitForLine(p, prefix, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.logOf(p.name).split('\n').find((l) => l.startsWith(prefix));
      if (line) return line;
      if (p.exited) throw new Error(`${p.name} exited during start (${JSON.stringify(p.exited)}):\n${this.logOf(p.name).slice(-4000)}`);
      await sleep(50);
    }
    throw new Error(`${p.name} did not print "${prefix}" within ${timeoutMs} ms:\n${this.logOf(p.name).slice(-4000)}`);
  }

  async start({ seed = true } = {}) {
    const broker = this.spawn('broker', ['--bootstrap-file', this.bootstrap]);
    const deadline = Date.now() + 30000;
    while (!fs.existsSync(this.bootstrap) || !fs.readFileSync(this.bootstrap, 'utf8').trim()) {
      if (broker.exited || Date.now() > deadline) throw new Error(`the dev broker did not start:\n${this.logOf('broker')}`);
      await sleep(50);
    }
    const started = [];
    for (const s of SERVICES) {
      this.ports[s] = await freePort();
      started.push([s, this.spawn(s, ['--listen', `127.0.0.1:${this.ports[s]}`, '--data-dir', path.join(this.dir, `data-${s}`),
        '--brokers-file', this.bootstrap, '--auth-secret-file', this.secretFile, '--log-level', 'info'])]);
    }
    for (const [s, p] of started) await this.waitForLine(p, `READY ${s}`);
    await this.startGateway(0);
    if (seed) await this.ctl(['seed'], 300000);
    return this;
  }

  // The gateway on `port` (0: any free port); the same data dir on every start.
  async startGateway(port) {
    const gw = this.spawn('gateway', ['--listen', `127.0.0.1:${port}`, '--data-dir', path.join(this.dir, 'data-gateway'),
      '--auth-secret-file', this.secretFile, '--web-root', path.join(REPO, 'web'),
      ...SERVICES.flatMap((s) => [`--${s}`, `127.0.0.1:${this.ports[s]}`]), '--demo-users', '--log-level', 'info']);
    this.gatewayStarts = (this.gatewayStarts || 0) + 1;
    const lines = async () => {
      const deadline = Date.now() + 60000;
      for (;;) {
        const ready = this.logOf('gateway').split('\n').filter((l) => l.startsWith('READY gateway'));
        if (ready.length >= this.gatewayStarts) return ready[ready.length - 1];
        if (gw.exited) throw new Error(`the gateway exited during start:\n${this.logOf('gateway').slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`the gateway did not start:\n${this.logOf('gateway').slice(-4000)}`);
        await sleep(50);
      }
    };
    const ready = await lines();
    this.ports.gateway = Number(ready.trim().split(/\s+/)[2]);
    this.url = `http://127.0.0.1:${this.ports.gateway}`;
    this.gateway = gw;
  }

  // Stops the gateway (SIGTERM) and waits for it to exit.
  async stopGateway() {
    const p = this.gateway;
    if (!p || p.exited) return;
    p.child.kill('SIGTERM');
    const deadline = Date.now() + 10000;
    while (!p.exited && Date.now() < deadline) await sleep(50);
    if (!p.exited) p.child.kill('SIGKILL');
    while (!p.exited) await sleep(20);
  }

  // Runs fieldlinectl against this platform (as admin unless args say otherwise).
  ctl(args, timeoutMs = 60000) {
    const common = ['--secret-file', this.secretFile, '--brokers-file', this.bootstrap,
      ...SERVICES.flatMap((s) => [`--${s}`, `127.0.0.1:${this.ports[s]}`])];
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin('ctl'), [...common, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`fieldlinectl ${args.join(' ')} failed (${code}):\n${out}\n${err}`));
      });
    });
  }

  // Stops every process (gateway and services first, the broker last); SIGKILL after 10 s.
  async stop() {
    for (const p of [...this.procs].reverse()) {
      if (p.exited) continue;
      p.child.kill('SIGTERM');
      const deadline = Date.now() + 10000;
      while (!p.exited && Date.now() < deadline) await sleep(50);
      if (!p.exited) p.child.kill('SIGKILL');
    }
  }

  // The end of every log, for a failure report.
  tails() {
    return this.procs.map((p) => `----- ${p.name} -----\n${this.logOf(p.name).slice(-3000)}`).join('\n');
  }

  cleanup() {
    try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch { /* ignore */ }
  }
}
