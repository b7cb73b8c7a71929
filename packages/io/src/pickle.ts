/**
 * A reader for the small Python pickles that describe data (dask's `to_npy_stack` writes its
 * `info` file as one: `{'chunks': ((2, 2, …), (3,)), 'dtype': dtype('int64'), 'axis': 0}`).
 *
 * It only builds values — numbers, strings, bytes, None/True/False, tuples and lists (as arrays),
 * dicts (as Maps) — and never runs anything: a reference to a Python callable (`GLOBAL`) and its
 * application (`REDUCE`, `NEWOBJ`, `BUILD`) become a plain {@link PickledCall} record, so
 * `numpy.dtype('i8')` reads as `{ global: 'numpy.dtype', args: ['i8', false, true], state: [...] }`.
 * Protocols 2 to 5 with the opcodes such values use; anything else is an error naming the opcode.
 */

/** A Python object built by calling something: what the pickle says, not executed. */
export interface PickledCall {
  readonly global: string;
  readonly args: readonly PickleValue[];
  /** What `BUILD` set on it (`__setstate__`'s argument), when anything. */
  state?: PickleValue;
  /** Items `SETITEM(S)` gave it (a dict subclass such as `OrderedDict`). */
  items?: Map<PickleValue, PickleValue>;
  /** Items `APPEND(S)` gave it (a list subclass). */
  list?: PickleValue[];
}

/** A value read from a pickle. */
export type PickleValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickledCall
  | { readonly global: string };

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

/**
 * Reads a pickle's value. Throws an `Error` saying which opcode (and byte) it could not read; the
 * caller wraps it in a format error naming the file.
 *
 * @example
 * const info = readPickle(readFileSync('stack/info')) as Map<PickleValue, PickleValue>;
 * info.get('axis'); // 0
 */
export function readPickle(bytes: Uint8Array): PickleValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let i = 0;
  const need = (n: number) => {
    if (i + n > bytes.length) throw new Error(`truncated at byte ${i}: ${n} more bytes needed`);
  };
  const u8 = () => (need(1), bytes[i++]!);
  const u16 = () => (need(2), (i += 2), dv.getUint16(i - 2, true));
  const u32 = () => (need(4), (i += 4), dv.getUint32(i - 4, true));
  const i32 = () => (need(4), (i += 4), dv.getInt32(i - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(i, true);
    i += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`length ${v} too large at byte ${i - 8}`);
    return Number(v);
  };
  const raw = (n: number) => (need(n), (i += n), bytes.subarray(i - n, i));
  const text = (n: number) => new TextDecoder('utf-8', { fatal: true }).decode(raw(n));
  // ISO-8859-1, byte n to code point n, as Python's encoding='latin1'. Not TextDecoder('latin1'):
  // the Encoding Standard makes that label windows-1252 (0x93 → U+201C), which Node 22 and 24
  // follow and Node 20 did not.
  const latin1 = (n: number) => {
    const b = raw(n);
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new Error(`stack underflow at byte ${i}`);
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new Error(`stack underflow at byte ${i}`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new Error(`no MARK before byte ${i}`);
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
    if (b.length && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const isCall = (v: PickleValue): v is PickledCall => typeof v === 'object' && v !== null && 'args' in v;
  const dictOf = (v: PickleValue): Map<PickleValue, PickleValue> => {
    if (v instanceof Map) return v;
    if (isCall(v)) return (v.items ??= new Map());
    throw new Error(`SETITEM on a non-dict at byte ${i}`);
  };
  const listOf = (v: PickleValue): PickleValue[] => {
    if (Array.isArray(v)) return v;
    if (isCall(v)) return (v.list ??= []);
    throw new Error(`APPEND on a non-list at byte ${i}`);
  };
  const call = (fn: PickleValue, args: PickleValue): PickledCall => {
    if (typeof fn !== 'object' || fn === null || !('global' in fn)) throw new Error(`REDUCE of a non-callable at byte ${i}`);
    return { global: fn.global, args: Array.isArray(args) ? args : [args] };
  };
  for (;;) {
    const at = i;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        i += 8;
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map<PickleValue, PickleValue>();
        for (let k = 0; k + 1 < items.length; k += 2) d.set(items[k]!, items[k + 1]!);
        stack.push(d);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        dictOf(top()).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = dictOf(top());
        for (let k = 0; k + 1 < items.length; k += 2) d.set(items[k]!, items[k + 1]!);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        listOf(top()).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        listOf(top()).push(...items);
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw new Error(`memo ${k} not set at byte ${at}`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(long(raw(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(raw(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(i, false));
        i += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (protocol 2 str)
        stack.push(latin1(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(raw(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(raw(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(raw(u64()).slice());
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const end1 = bytes.indexOf(0x0a, i);
        const end2 = end1 < 0 ? -1 : bytes.indexOf(0x0a, end1 + 1);
        if (end2 < 0) throw new Error(`truncated GLOBAL at byte ${at}`);
        const mod = new TextDecoder().decode(bytes.subarray(i, end1));
        const name = new TextDecoder().decode(bytes.subarray(end1 + 1, end2));
        i = end2 + 1;
        stack.push({ global: `${mod}.${name}` });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== 'string' || typeof name !== 'string') throw new Error(`STACK_GLOBAL of non-strings at byte ${at}`);
        stack.push({ global: `${mod}.${name}` });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (typeof obj !== 'object' || obj === null || !('global' in obj)) throw new Error(`BUILD on a plain value at byte ${at}`);
        (obj as PickledCall).state = state;
        break;
      }
      default:
        throw new Error(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
