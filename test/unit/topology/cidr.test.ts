import { canonicalCidr, cidrsOverlap, coveredAddressCount, firstHost, formatCidr, hasHostBits, parseIpv4Cidr } from "../../../src/topology";

const parse = (text: string) => {
  const cidr = parseIpv4Cidr(text);
  if (!cidr) throw new Error(`not a CIDR: ${text}`);
  return cidr;
};

describe("IPv4 CIDR helper", () => {
  it.each(["10.0.0.0/8", "0.0.0.0/0", "255.255.255.255/32", "192.168.1.0/24", "10.96.0.0/12"])("round-trips %s", (text) => {
    expect(formatCidr(parse(text))).toBe(text);
  });

  it.each(["", "10.0.0.0", "10.0.0/8", "10.0.0.0/33", "256.0.0.0/8", "10.0.0.01/8", "010.0.0.0/8", "10.0.0.0/08", " 10.0.0.0/8", "a.b.c.d/8", "10.0.0.0/-1", "::1/128"])(
    "rejects %j",
    (text) => {
      expect(parseIpv4Cidr(text)).toBeUndefined();
    },
  );

  it("canonicalises and detects host bits", () => {
    expect(hasHostBits(parse("10.244.1.0/16"))).toBe(true);
    expect(formatCidr(canonicalCidr(parse("10.244.1.7/16")))).toBe("10.244.0.0/16");
    expect(formatCidr(canonicalCidr(parse("192.168.255.255/1")))).toBe("128.0.0.0/1");
    expect(hasHostBits(parse("10.244.0.0/16"))).toBe(false);
    expect(hasHostBits(parse("10.0.0.1/32"))).toBe(false);
    expect(formatCidr(canonicalCidr(parse("10.0.0.1/0")))).toBe("0.0.0.0/0");
  });

  it.each<[string, string, boolean]>([
    ["10.0.0.0/8", "10.255.0.0/16", true],
    ["10.255.0.0/16", "10.0.0.0/8", true],
    ["10.0.0.0/16", "10.1.0.0/16", false],
    ["10.96.0.0/12", "10.111.255.0/24", true],
    ["10.96.0.0/12", "10.112.0.0/24", false],
    ["0.0.0.0/0", "192.168.0.0/16", true],
    ["192.168.0.0/24", "192.168.0.0/24", true],
  ])("%s overlaps %s: %s", (a, b, expected) => {
    expect(cidrsOverlap(parse(a), parse(b))).toBe(expected);
  });

  it("gives the first usable address", () => {
    expect(firstHost(parse("10.96.0.0/12"))).toBe("10.96.0.1");
    expect(firstHost(parse("172.20.0.0/16"))).toBe("172.20.0.1");
    expect(firstHost(parse("192.168.0.0/31"))).toBe("192.168.0.0");
    expect(firstHost(parse("255.255.255.0/24"))).toBe("255.255.255.1");
  });
});

describe("coveredAddressCount", () => {
  const count = (...cidrs: string[]) => coveredAddressCount(cidrs.map((c) => parseIpv4Cidr(c)!));
  test.each<[string[], number]>([
    [[], 0],
    [["203.0.113.7/32"], 1],
    [["10.0.0.0/8", "10.1.0.0/16"], 2 ** 24],
    [["0.0.0.0/1", "128.0.0.0/1"], 2 ** 32],
    [["0.0.0.0/0", "10.0.0.0/8"], 2 ** 32],
    [["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25"], 512],
  ])("%j covers %d addresses (overlaps once)", (cidrs, expected) => expect(count(...cidrs)).toBe(expected));
});
