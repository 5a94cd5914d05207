import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { TorchIoError } from './errors.js';

/**
 * A read-only zip reader for `torch.save` archives: end of central directory (with the zip64 records torch
 * writes for large files), central directory, then each entry's local header. Only stored (method 0) entries
 * are readable, as torch writes them. Reads go through a file handle at positions, so a checkpoint of
 * several GB is never loaded whole; an entry's CRC-32 is checked whenever it is read whole.
 */
export interface ZipEntry {
  name: string;
  method: number;
  size: number;
  compressedSize: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

function zipError(message: string, offset?: number, entry?: string): TorchIoError {
  return new TorchIoError('DGM_TORCH_IO_ZIP_INVALID', `zip: ${message}`, { ...(entry !== undefined ? { entry } : {}), ...(offset !== undefined ? { offset } : {}) });
}

function u64(view: DataView, at: number, where: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw zipError('64-bit field too large', where);
  return Number(v);
}

export class ZipReader {
  private readonly dataStart = new Map<string, number>();

  private constructor(
    private readonly handle: FileHandle,
    readonly fileSize: number,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipReader> {
    const handle = await openHandle(path);
    try {
      const fileSize = (await handle.stat()).size;
      const entries = await readCentralDirectory(handle, fileSize);
      return new ZipReader(handle, fileSize, entries);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** The bytes [start, start+length) of a stored entry (default: all of it, CRC-checked). */
  async read(name: string, start = 0, length?: number): Promise<Uint8Array> {
    const entry = this.entries.get(name);
    if (!entry) throw zipError('no such entry', undefined, name);
    if (entry.method !== 0) {
      throw new TorchIoError('DGM_TORCH_IO_ZIP_UNSUPPORTED', `zip: compression method ${entry.method} is not supported (torch stores entries uncompressed)`, { entry: name });
    }
    const len = length ?? entry.size - start;
    if (start < 0 || len < 0 || start + len > entry.size) throw zipError(`read of ${len} bytes at ${start} is outside the entry's ${entry.size} bytes`, start, name);
    const base = await this.entryDataStart(entry);
    const bytes = await readAt(this.handle, base + start, len, this.fileSize, name);
    if (start === 0 && len === entry.size && (crc32(bytes) >>> 0) !== entry.crc32) {
      throw zipError(`CRC-32 mismatch (the entry is corrupted)`, base, name);
    }
    return bytes;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async entryDataStart(entry: ZipEntry): Promise<number> {
    const known = this.dataStart.get(entry.name);
    if (known !== undefined) return known;
    const header = await readAt(this.handle, entry.localHeaderOffset, 30, this.fileSize, entry.name);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (view.getUint32(0, true) !== LOCAL_SIG) throw zipError('bad local header signature', entry.localHeaderOffset, entry.name);
    const start = entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    if (start + entry.size > this.fileSize) throw zipError(`entry data (${entry.size} bytes at ${start}) runs past the end of the file`, start, entry.name);
    this.dataStart.set(entry.name, start);
    return start;
  }
}

async function openHandle(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    throw new TorchIoError('DGM_TORCH_IO_UNREADABLE', `cannot open ${path}: ${(e as Error).message}`);
  }
}

/** Exactly `length` bytes at `position`, or a TorchIoError naming where the file ends. */
export async function readAt(handle: FileHandle, position: number, length: number, fileSize: number, entry?: string): Promise<Uint8Array> {
  if (position < 0 || position + length > fileSize) {
    throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `needs ${length} bytes at ${position} but the file has ${fileSize}`, { ...(entry !== undefined ? { entry } : {}), offset: position });
  }
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `file ended while reading ${length} bytes`, { offset: position + done });
    done += bytesRead;
  }
  return out;
}

async function readCentralDirectory(handle: FileHandle, fileSize: number): Promise<Map<string, ZipEntry>> {
  if (fileSize < EOCD_MIN) throw zipError(`file of ${fileSize} bytes is too short for a zip`, 0);
  const tailLen = Math.min(fileSize, EOCD_MIN + MAX_COMMENT);
  const tailStart = fileSize - tailLen;
  const tail = await readAt(handle, tailStart, tailLen, fileSize);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tailLen - EOCD_MIN; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG && i + EOCD_MIN + tv.getUint16(i + 20, true) === tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw zipError('no end-of-central-directory record (truncated file?)', fileSize);
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) throw zipError('zip64 locator missing', tailStart + eocd);
    const z64At = u64(tv, loc + 8, tailStart + loc);
    const z64 = await readAt(handle, z64At, 56, fileSize);
    const zv = new DataView(z64.buffer, z64.byteOffset, z64.byteLength);
    if (zv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw zipError('bad zip64 end-of-central-directory signature', z64At);
    count = u64(zv, 32, z64At + 32);
    cdSize = u64(zv, 40, z64At + 40);
    cdOffset = u64(zv, 48, z64At + 48);
  }
  if (cdOffset + cdSize > fileSize) throw zipError(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file`, cdOffset);
  const cd = await readAt(handle, cdOffset, cdSize, fileSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== CENTRAL_SIG) throw zipError(`bad central directory entry ${n}`, cdOffset + p);
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) throw zipError(`central directory entry ${n} runs past the directory`, cdOffset + p);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 64-bit values of exactly the fields saturated at 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) throw zipError('extra field runs past its entry', cdOffset + e, name);
      if (id === 0x0001) {
        let f = e + 4;
        const next = (): number => {
          if (f + 8 > e + 4 + len) throw zipError('zip64 extra field too short', cdOffset + f, name);
          const v = u64(cv, f, cdOffset + f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + len;
    }
    if (localHeaderOffset + 30 > fileSize) throw zipError('local header offset is past the end of the file', cdOffset + p, name);
    entries.set(name, { name, method, size, compressedSize, crc32: crc >>> 0, localHeaderOffset });
    p = end;
  }
  return entries;
}
