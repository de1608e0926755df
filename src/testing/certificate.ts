/**
 * A real, self-signed P-256 certificate whose key was thrown away: mocks return it wherever a certificate PEM
 * is expected, so code that parses certificates (the `caCertHashes` pin) works under mocks. Testing only.
 */
export const TESTING_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIUKjT+84azr2rAbhVH80m8XrEPmQYwCgYIKoZIzj0EAwIw
JTEjMCEGA1UEAwwacHVsdW1pLWs4cy1oYS10ZXN0aW5nLW9ubHkwIBcNMjYxMTIx
MjMxMDU0WhgPMjEyNjEwMjgyMzEwNTRaMCUxIzAhBgNVBAMMGnB1bHVtaS1rOHMt
aGEtdGVzdGluZy1vbmx5MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3hbHGnyx
wBGEHVZ37FH5SylWxaiU6tuEHjw20jKMti09gM9EAtKgskzMGBmOZzfmPLYNPU2f
Oke57kPuujBzQKNTMFEwHQYDVR0OBBYEFLjpid1aBsDvmpd6ZtEtL98Gfl5cMB8G
A1UdIwQYMBaAFLjpid1aBsDvmpd6ZtEtL98Gfl5cMA8GA1UdEwEB/wQFMAMBAf8w
CgYIKoZIzj0EAwIDRwAwRAIgfRqAAkXhkEKlHqW06PrTKtvcyRdmW8Cp0zez/Euv
3W4CIE6Hp+K0MFTONqhJ7/ZUEvl7QThGArT1LiQHFmHH91Jo
-----END CERTIFICATE-----
`;
