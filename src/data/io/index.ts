// Public entry of the table readers/writers.
export { readTable, readAll, detectFormat } from './read.js';
export { writeTable, openTableWriter, type WriteOptions, type TableWriter } from './write.js';
export {
  DataReadError, formatBadRow,
  type ReadOptions, type ReadStats, type BadRow, type CsvOptions, type TableFormat,
} from './types.js';
