// Connection set-up messages (service 0): see docs/ipc-protocol.md, "Connecting".
import { BodyReader, BodyWriter } from './codec.js';

export interface ResponseInitRequest { service: number; version: number }
export interface ResponseInitResponse { token: bigint; frameBytesMax: number; executivePid: number }
export interface DispatchInitRequest { service: number; version: number; token: bigint }

export function encodeResponseInitRequest(r: ResponseInitRequest): Buffer {
  return new BodyWriter(8).u32(r.service).u32(r.version).finish();
}
export function decodeResponseInitRequest(b: Buffer): ResponseInitRequest {
  const r = new BodyReader(b);
  const v = { service: r.u32(), version: r.u32() };
  r.end();
  return v;
}
export function encodeResponseInitResponse(r: ResponseInitResponse): Buffer {
  return new BodyWriter(16).u64(r.token).u32(r.frameBytesMax).u32(r.executivePid).finish();
}
export function decodeResponseInitResponse(b: Buffer): ResponseInitResponse {
  const r = new BodyReader(b);
  const v = { token: r.u64(), frameBytesMax: r.u32(), executivePid: r.u32() };
  r.end();
  return v;
}
export function encodeDispatchInitRequest(r: DispatchInitRequest): Buffer {
  return new BodyWriter(16).u32(r.service).u32(r.version).u64(r.token).finish();
}
export function decodeDispatchInitRequest(b: Buffer): DispatchInitRequest {
  const r = new BodyReader(b);
  const v = { service: r.u32(), version: r.u32(), token: r.u64() };
  r.end();
  return v;
}
