import type os from 'node:os';
import { lanAddresses, listeningUrls } from '../../server/src/lib/addresses';

const info = (address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;

const machine = {
  lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
  wlan0: [info('192.168.1.20', 'IPv4'), info('fe80::1', 'IPv6')],
  eth0: [info('10.0.0.5', 'IPv4')],
  docker0: undefined,
};

describe('listeningUrls', () => {
  test('When Karavan listens on every interface, then localhost and each non-internal IPv4 address are listed', () => {
    expect(listeningUrls('0.0.0.0', 8080, machine)).toEqual([
      'http://localhost:8080',
      'http://192.168.1.20:8080',
      'http://10.0.0.5:8080',
    ]);
    expect(listeningUrls('::', 8080, machine)).toHaveLength(3);
  });

  test('When Karavan listens on the loopback address only, then only localhost is listed', () => {
    expect(listeningUrls('127.0.0.1', 3000, machine)).toEqual(['http://localhost:3000']);
  });

  test('When Karavan listens on one address, then that address is listed', () => {
    expect(listeningUrls('192.168.1.20', 8080, machine)).toEqual(['http://192.168.1.20:8080']);
    expect(listeningUrls('fd00::2', 8080, machine)).toEqual(['http://[fd00::2]:8080']);
  });

  test('When the machine has no network but loopback, then only localhost is listed', () => {
    expect(listeningUrls('0.0.0.0', 8080, { lo: machine.lo })).toEqual(['http://localhost:8080']);
  });

  test('When two interfaces share an address, then it is listed once', () => {
    expect(lanAddresses({ a: [info('192.168.1.20', 'IPv4')], b: [info('192.168.1.20', 'IPv4')] })).toEqual([
      '192.168.1.20',
    ]);
  });
});
