// Which file under ./commands/ registers each top-level command. main.ts loads only that file when
// the first argument names a command, so `liverank hash …` does not import onnxruntime, the serving
// stack and every other command (measured: `liverank hash --help` 2.0 → 0.7 s). Anything else (no
// command, --help, `help`, an unknown name) loads every file. main.test.ts checks this table against
// what the files actually register, so a new command that is not listed here fails the tests.
export const COMMAND_FILES: Readonly<Record<string, string>> = {
  coarse: 'coarse.ts',
  compare: 'compare.ts',
  demo: 'demo.ts',
  diagnose: 'diagnose.ts',
  features: 'features.ts',
  fusion: 'fusion.ts',
  gates: 'gates.ts',
  representations: 'gates.ts',
  generate: 'generate.ts',
  hash: 'hash.ts',
  init: 'init.ts',
  join: 'join.ts',
  predict: 'predict.ts',
  recall: 'recall.ts',
  report: 'report.ts',
  seesaw: 'seesaw.ts',
  serve: 'serve.ts',
  simulate: 'simulate.ts',
  tb: 'tb.ts',
  'stream-compare': 'train-stream.ts',
  train: 'train.ts',
  eval: 'train.ts',
  export: 'train.ts',
};
