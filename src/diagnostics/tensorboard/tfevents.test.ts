// The event files decoded independently of the writer: TFRecord framing walked by hand, CRCs checked
// with a table-driven CRC-32C written here (not the writer's library), Event/Summary decoded with
// TensorFlow's published schema text (below, with fields liverank never writes) through protobufjs'
// parser — not with the writer's tfevents.proto or its encoder objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { EventWriter, SummaryBatch } from './writer.js';
import { readEventFile } from './reader.js';
import { dumpLines } from './dump.js';
import { Rng } from '../../util/rng.js';

// ---- an independent CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) ----
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
const masked = (b: Uint8Array) => { const c = crc32c(b); return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0; };

// ---- TensorFlow's schema (event.proto, summary.proto, tensor.proto, tensor_shape.proto, types.proto) ----
const TF_SCHEMA = `
syntax = "proto3";
package tensorflow;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
    bytes log_message = 6;
    bytes session_log = 7;
    bytes tagged_run_metadata = 8;
    bytes meta_graph_def = 9;
  }
  bytes source_metadata = 10;
}
message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}
enum DataClass { DATA_CLASS_UNKNOWN = 0; DATA_CLASS_SCALAR = 1; DATA_CLASS_TENSOR = 2; DATA_CLASS_BLOB_SEQUENCE = 3; }
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  DataClass data_class = 4;
}
message Summary {
  message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
  message Audio { float sample_rate = 1; int64 num_channels = 2; int64 length_frames = 3; bytes encoded_audio_string = 4; string content_type = 5; }
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      Image image = 4;
      HistogramProto histo = 5;
      Audio audio = 6;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}
enum DataType { DT_INVALID = 0; DT_FLOAT = 1; DT_DOUBLE = 2; DT_INT32 = 3; DT_UINT8 = 4; DT_INT16 = 5; DT_INT8 = 6; DT_STRING = 7; }
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
}
`;
const TFEvent = protobuf.parse(TF_SCHEMA, { keepCase: true }).root.lookupType('tensorflow.Event');

interface TfValue { tag: string; simple_value?: number; histo?: Record<string, number | number[]>; tensor?: { dtype: number; string_val: Uint8Array[] }; metadata?: { plugin_data?: { plugin_name: string } } }
interface TfEvent { wall_time: number; step: number; file_version?: string; summary?: { value: TfValue[] } }

/** Walks the TFRecord framing by hand; every CRC checked with the CRC-32C above. */
function records(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    assert.equal(buf.readUInt32LE(off + 8), masked(buf.subarray(off, off + 8)), `length CRC of the record at ${off}`);
    const data = buf.subarray(off + 12, off + 12 + len);
    assert.equal(buf.readUInt32LE(off + 12 + len), masked(data), `data CRC of the record at ${off}`);
    out.push(data);
    off += 16 + len;
  }
  assert.equal(off, buf.length);
  return out;
}
const decode = (d: Uint8Array) => TFEvent.toObject(TFEvent.decode(d), { longs: Number, arrays: true }) as TfEvent;

function tmp(): string { return mkdtempSync(join(tmpdir(), 'liverank-tb-')); }

function writeSample(dir: string, data: Float64Array): string {
  const w = new EventWriter(join(dir, 'tb'), { now: 1_700_000_000_000, host: 'testhost' });
  w.add(10, new SummaryBatch().scalar('loss/total', 0.6931).scalar('lr', 1e-3).histogram('logit/click', data).text('config', 'name: demo\nseed: 1'), 1_700_000_001);
  w.add(20, new SummaryBatch(12).histogram('prob/click', data.map((x) => 1 / (1 + Math.exp(-x)))).histogram('const', [2.5, 2.5, 2.5]), 1_700_000_002);
  w.close();
  return w.path;
}

test('the CRC-32C used by this test matches the published check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
});

test('event files decode with TensorFlow\'s schema: file version, scalars, histograms, text', () => {
  const dir = tmp();
  try {
    const rng = new Rng(7);
    const data = Float64Array.from({ length: 5000 }, () => rng.normal() * 2 - 1);
    const path = writeSample(dir, data);
    assert.deepEqual(readdirSync(join(dir, 'tb')), ['events.out.tfevents.1700000000.testhost']);
    const evs = records(readFileSync(path)).map(decode);
    assert.equal(evs.length, 3);
    assert.equal(evs[0]!.file_version, 'brain.Event:2');
    assert.equal(evs[1]!.step, 10);
    assert.equal(evs[1]!.wall_time, 1_700_000_001);
    const v = Object.fromEntries(evs[1]!.summary!.value.map((x) => [x.tag, x]));
    assert.ok(Math.abs(v['loss/total']!.simple_value! - 0.6931) < 1e-6);
    assert.ok(Math.abs(v.lr!.simple_value! - 1e-3) < 1e-9);
    assert.equal(v.config!.metadata!.plugin_data!.plugin_name, 'text');
    assert.equal(v.config!.tensor!.dtype, 7);
    assert.equal(Buffer.from(v.config!.tensor!.string_val[0]!).toString(), 'name: demo\nseed: 1');
    // histogram fields against the data, bucket counts by the (limit[i-1], limit[i]] rule
    const checkHisto = (h: Record<string, number | number[]>, xs: ArrayLike<number>, buckets: number) => {
      const arr = Array.from(xs);
      assert.equal(h.min, Math.min(...arr));
      assert.equal(h.max, Math.max(...arr));
      assert.equal(h.num, arr.length);
      assert.ok(Math.abs((h.sum as number) - arr.reduce((a, b) => a + b, 0)) < 1e-9 * arr.length);
      assert.ok(Math.abs((h.sum_squares as number) - arr.reduce((a, b) => a + b * b, 0)) < 1e-9 * arr.length);
      const lim = h.bucket_limit as number[], cnt = h.bucket as number[];
      assert.equal(lim.length, buckets);
      assert.equal(cnt.length, buckets);
      assert.equal(lim[lim.length - 1], h.max);
      for (let i = 1; i < lim.length; i++) assert.ok(lim[i]! > lim[i - 1]!, 'limits increase');
      const want = lim.map((hi, i) => arr.filter((x) => (i === 0 ? x <= hi : x > lim[i - 1]! && x <= hi)).length);
      assert.deepEqual(cnt, want);
      assert.equal(cnt.reduce((a, b) => a + b, 0), arr.length);
    };
    checkHisto(v['logit/click']!.histo!, data, 30);
    const v2 = Object.fromEntries(evs[2]!.summary!.value.map((x) => [x.tag, x]));
    assert.equal(evs[2]!.step, 20);
    checkHisto(v2['prob/click']!.histo!, data.map((x) => 1 / (1 + Math.exp(-x))), 12);
    assert.deepEqual(v2.const!.histo, { min: 2.5, max: 2.5, num: 3, sum: 7.5, sum_squares: 18.75, bucket_limit: [2.5], bucket: [3] });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('non-finite values are left out of a histogram and counted', () => {
  const b = new SummaryBatch(4).histogram('x', [1, NaN, 2, Infinity, 3]).histogram('none', [NaN]);
  assert.deepEqual(b.nonFinite, { x: 2, none: 1 });
  assert.equal(b.values.length, 1);
  assert.equal(b.values[0]!.histo!.num, 3);
});

test('a corrupt record is reported with its index and byte offset; the records before it are read', () => {
  const dir = tmp();
  try {
    const path = writeSample(dir, Float64Array.from([0, 1, 2, 3]));
    const buf = readFileSync(path);
    const recs = records(buf);
    const off2 = 16 + recs[0]!.length + 16 + recs[1]!.length; // the third record's header
    const bad = Buffer.from(buf);
    bad[off2 + 12 + 5]! ^= 0x40; // one bit of the third record's data
    writeFileSync(path, bad);
    const f = readEventFile(path);
    assert.equal(f.events.length, 2);
    assert.ok(f.error);
    assert.equal(f.error.index, 2);
    assert.equal(f.error.offset, off2);
    assert.match(f.error.message, new RegExp(`record 2 at byte offset ${off2}: data CRC mismatch`));
    // a damaged length field
    const badLen = Buffer.from(buf);
    badLen[16 + recs[0]!.length]! ^= 0x01;
    writeFileSync(path, badLen);
    const g = readEventFile(path);
    assert.equal(g.events.length, 1);
    assert.equal(g.error!.index, 1);
    assert.equal(g.error!.offset, 16 + recs[0]!.length);
    assert.match(g.error!.message, /length CRC mismatch/);
    const { lines, ok } = dumpLines([g]);
    assert.equal(ok, false);
    assert.match(lines[0]!, /ERROR: .*record 1 at byte offset \d+/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a truncated file is reported at the cut record, in the body and in the header', () => {
  const dir = tmp();
  try {
    const path = writeSample(dir, Float64Array.from([0, 1, 2, 3]));
    const buf = readFileSync(path);
    const recs = records(buf);
    const off1 = 16 + recs[0]!.length;
    writeFileSync(path, buf.subarray(0, off1 + 12 + 3)); // record 1 cut inside its data
    const f = readEventFile(path);
    assert.equal(f.events.length, 1);
    assert.equal(f.error!.index, 1);
    assert.equal(f.error!.offset, off1);
    assert.match(f.error!.message, /truncated record: the header declares \d+ data byte\(s\) but only 0 remain/);
    writeFileSync(path, buf.subarray(0, off1 + 7)); // cut inside the header
    const g = readEventFile(path);
    assert.equal(g.error!.index, 1);
    assert.match(g.error!.message, /truncated header: 7 byte\(s\) left/);
    writeFileSync(path, Buffer.from('not an event file at all, just text'));
    const h = readEventFile(path);
    assert.equal(h.events.length, 0);
    assert.equal(h.error!.index, 0);
    assert.equal(h.error!.offset, 0);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('buffered events reach the file without close() once flushMs has passed (a run that dies keeps them)', () => {
  const dir = tmp();
  try {
    const w = new EventWriter(dir, { flushMs: 0 });
    w.add(1, new SummaryBatch().scalar('a', 1));
    assert.equal(records(readFileSync(w.path)).length, 2, 'file version + the step, before close');
    const lazy = new EventWriter(join(dir, 'lazy'), { flushMs: 60_000 });
    lazy.add(1, new SummaryBatch().scalar('a', 1));
    assert.equal(records(readFileSync(lazy.path)).length, 1, 'only the file version until a flush');
    lazy.close();
    assert.equal(records(readFileSync(lazy.path)).length, 2);
    w.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
