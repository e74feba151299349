// @ts-check
// The page's timeline: events with times relative to the click, and the ciphertext flights
// seen by wrapping the transport's `send` and `recv` (consecutive calls in one direction make
// one flight; its records are named by RecordScanner).
import { RecordScanner, summarize } from './records.js';

/**
 * @typedef {object} Flight
 * @property {'out' | 'in'} dir
 * @property {number} bytes
 * @property {number} calls
 * @property {string[]} labels
 * @property {HTMLElement} detail the element showing bytes and records
 */

/** Which Timeline owns each list: events of an earlier run (a late WebSocket close) are dropped. */
const owners = new WeakMap();

export class Timeline {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    owners.set(list, this);
    this.list = list;
    this.start = performance.now();
    /** @type {Flight | null} the flight still growing, until another event comes */
    this.flight = null;
    list.replaceChildren();
  }

  /**
   * Adds an event.
   * @param {string} what
   * @param {string} [detail]
   * @param {string} [kind] a class for the entry: 'ok', 'bad', 'phase'
   */
  event(what, detail = '', kind = '') {
    if (owners.get(this.list) !== this) return;
    this.flight = null;
    this.entry(what, detail, kind);
  }

  /**
   * Counts ciphertext in one direction, adding to the current flight when it goes the same way.
   * @param {'out' | 'in'} dir @param {number} bytes @param {string[]} labels
   */
  bytes(dir, bytes, labels) {
    if (owners.get(this.list) !== this) return;
    let f = this.flight;
    if (!f || f.dir !== dir) {
      const what = dir === 'out' ? 'client → server' : 'server → client';
      const { detail } = this.entry(what, '', `flight ${dir}`);
      f = this.flight = { dir, bytes: 0, calls: 0, labels: [], detail };
    }
    f.bytes += bytes;
    f.calls += 1;
    f.labels.push(...labels);
    const records = f.labels.length ? summarize(f.labels) : 'part of a record';
    f.detail.textContent = `${records} · ${f.bytes.toLocaleString('en')} bytes`;
  }

  /** @param {string} what @param {string} detail @param {string} kind */
  entry(what, detail, kind) {
    const li = document.createElement('li');
    if (kind) li.className = kind;
    const t = document.createElement('span');
    t.className = 't';
    t.textContent = `+${(performance.now() - this.start).toFixed(1)} ms`;
    const w = document.createElement('span');
    w.className = 'what';
    w.textContent = what;
    const d = document.createElement('span');
    d.className = 'detail';
    d.textContent = detail;
    li.append(t, w, d);
    this.list.append(li);
    return { li, detail: d };
  }
}

/**
 * Wraps a transport (docs/api.md) so that what passes through it shows on `timeline`. The
 * wrapped transport's answers are returned untouched.
 * @param {{ send(d: Uint8Array): any, recv(n: number): any, close?(): void }} transport
 * @param {Timeline} timeline
 */
export function instrument(transport, timeline) {
  const out = new RecordScanner();
  const inbound = new RecordScanner();
  /** @param {Uint8Array | null} got */
  const received = (got) => {
    if (got && got.length) timeline.bytes('in', got.length, inbound.feed(got));
    return got;
  };
  return {
    /** @param {Uint8Array} data only valid during the call, so it is read before passing on */
    send(data) {
      timeline.bytes('out', data.length, out.feed(data));
      return transport.send(data);
    },
    /** @param {number} maxBytes */
    recv(maxBytes) {
      const got = transport.recv(maxBytes);
      return got && typeof got.then === 'function' ? got.then(received) : received(got);
    },
    close() {
      transport.close?.();
    },
  };
}
