/** A byte count for messages: "512 MiB", "3.1 GiB" (powers of 1024). */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  let u = 0;
  let x = bytes;
  while (x >= 1024 && u < UNITS.length - 1) {
    x /= 1024;
    u++;
  }
  return `${u === 0 ? x.toFixed(0) : x < 10 ? x.toFixed(1) : x.toFixed(0)} ${UNITS[u]}`;
}
