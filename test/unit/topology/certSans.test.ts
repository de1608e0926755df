import { validateCertSans } from "../../../src/topology/checks";

describe("validateCertSans", () => {
  test("accepts DNS names, wildcard names, IPv4 and IPv6 addresses", () => {
    const sans = ["api.example.com", "*.api.example.com", "localhost", "203.0.113.10", "2001:db8::10"];
    expect(validateCertSans(sans)).toEqual(sans);
  });

  test.each<[unknown, string]>([
    [["https://api.example.com"], 'extraCertSans: entry 0 ("https://api.example.com") is not a DNS name or IP address.'],
    [["api.example.com", "api.example.com:6443"], 'extraCertSans: entry 1 ("api.example.com:6443") is not a DNS name or IP address.'],
    [["api..example.com"], 'extraCertSans: entry 0 ("api..example.com")'],
    [["-api.example.com"], 'extraCertSans: entry 0 ("-api.example.com")'],
    [[""], 'extraCertSans: entry 0 ("")'],
    [[42], "extraCertSans: entry 0 (42) is not a DNS name or IP address."],
    ["api.example.com", 'extraCertSans: "api.example.com" (a string) is not a list.'],
  ])("refuses %p naming the entry", (value, message) => {
    expect(() => validateCertSans(value)).toThrow(message);
  });
});
