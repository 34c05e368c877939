import net from 'node:net';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * Parses a slot address list: comma-separated IPv4 addresses, ranges (`a-b`) and CIDR blocks
 * (`127.77.1.0/28` = all 16 addresses in it: on loopback every one of them is usable).
 * Throws with every bad item named.
 */
export function parseAddressList(spec: string): string[] {
  const out: string[] = [];
  const bad: string[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const cidr = raw.match(/^([\d.]+)\/(\d{1,2})$/);
    const range = raw.match(/^([\d.]+)\s*-\s*([\d.]+)$/);
    if (cidr && net.isIPv4(cidr[1]!) && Number(cidr[2]) <= 32 && Number(cidr[2]) >= 16) {
      const size = 2 ** (32 - Number(cidr[2]));
      const base = ipToInt(cidr[1]!) - (ipToInt(cidr[1]!) % size);
      for (let i = 0; i < size; i++) out.push(intToIp(base + i));
    } else if (range && net.isIPv4(range[1]!) && net.isIPv4(range[2]!) && ipToInt(range[2]!) >= ipToInt(range[1]!) && ipToInt(range[2]!) - ipToInt(range[1]!) < 65536) {
      for (let n = ipToInt(range[1]!); n <= ipToInt(range[2]!); n++) out.push(intToIp(n));
    } else if (net.isIPv4(raw)) {
      out.push(raw);
    } else {
      bad.push(raw);
    }
  }
  if (bad.length) throw new Error(`not an IPv4 address, range or CIDR (/16../32): ${bad.join(', ')}`);
  const unique = [...new Set(out)];
  if (unique.length !== out.length) throw new Error('the address list names some address twice');
  return unique;
}
