/**
 * Per-table readers/writer gates. Reads (GetItem, BatchGetItem, Query, Scan, TransactGetItems)
 * pass a table's gate shared; a transaction holds the gates of its tables exclusively only for
 * its short apply phase (its conditions are evaluated before, under item locks), so no read sees
 * a transaction half applied. A waiting transaction stops new readers, or a steady stream of
 * Scans would starve it; the readers it held back go before the next transaction, or a steady
 * stream of transactions would starve them. Gates are taken in sorted order, so no two callers
 * holding several can deadlock. A read with no transaction about costs no wait.
 */
export class TableGate {
  private readonly gates = new Map<string, Gate>();

  /** Runs `read` with every table's gate held shared. */
  async reading<T>(tables: readonly string[], read: () => Promise<T>): Promise<T> {
    const names = [...new Set(tables)].sort();
    const held: Gate[] = [];
    try {
      for (const name of names) {
        const gate = this.gate(name);
        if (gate.writing || gate.waitingWriters.length > 0) {
          await new Promise<void>((resolve) => gate.waitingReaders.push(resolve));
        } else gate.readers++;
        held.push(gate);
      }
      return await read();
    } finally {
      for (let i = held.length - 1; i >= 0; i--) this.leaveRead(names[i]!, held[i]!);
    }
  }

  /** Runs `write` with every table's gate held exclusively. */
  async writing<T>(tables: readonly string[], write: () => Promise<T>): Promise<T> {
    const names = [...new Set(tables)].sort();
    const held: Gate[] = [];
    try {
      for (const name of names) {
        const gate = this.gate(name);
        if (gate.writing || gate.readers > 0) {
          await new Promise<void>((resolve) => gate.waitingWriters.push(resolve));
        } else gate.writing = true;
        held.push(gate);
      }
      return await write();
    } finally {
      for (let i = held.length - 1; i >= 0; i--) this.leaveWrite(names[i]!, held[i]!);
    }
  }

  private gate(name: string): Gate {
    let gate = this.gates.get(name);
    if (!gate) {
      gate = { readers: 0, writing: false, waitingReaders: [], waitingWriters: [] };
      this.gates.set(name, gate);
    }
    return gate;
  }

  private leaveRead(name: string, gate: Gate): void {
    gate.readers--;
    if (gate.readers === 0 && !this.admitWriter(name, gate)) this.admitReaders(name, gate);
  }

  /** Readers held back by this writer go first, then the next writer: neither side starves. */
  private leaveWrite(name: string, gate: Gate): void {
    gate.writing = false;
    if (!this.admitReaders(name, gate)) this.admitWriter(name, gate);
  }

  private admitWriter(name: string, gate: Gate): boolean {
    const writer = gate.waitingWriters.shift();
    if (!writer) return this.forget(name, gate);
    gate.writing = true;
    writer();
    return true;
  }

  private admitReaders(name: string, gate: Gate): boolean {
    const readers = gate.waitingReaders.splice(0);
    if (readers.length === 0) return this.forget(name, gate);
    gate.readers += readers.length;
    readers.forEach((resume) => resume());
    return true;
  }

  /** An idle gate is dropped; `false` lets the caller try the other side. */
  private forget(name: string, gate: Gate): false {
    if (
      gate.readers === 0 &&
      !gate.writing &&
      gate.waitingReaders.length === 0 &&
      gate.waitingWriters.length === 0
    ) {
      this.gates.delete(name);
    }
    return false;
  }
}

interface Gate {
  readers: number;
  writing: boolean;
  /** Each resumes as a holder: the hand-over has counted it in already. */
  waitingReaders: (() => void)[];
  waitingWriters: (() => void)[];
}
