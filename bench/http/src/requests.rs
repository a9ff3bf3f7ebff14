//! The requests parsed by the benchmark.

/// What wrk sends in the TechEmpower plaintext and JSON tests.
pub const TECHEMPOWER: &[u8] = b"GET /plaintext HTTP/1.1\r\n\
Host: tfb-server:8080\r\n\
Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n\
Connection: keep-alive\r\n\
\r\n";

/// A navigation request from a current desktop browser: 16 header fields.
pub const BROWSER: &[u8] = b"GET /docs/guide/getting-started?lang=en&theme=dark HTTP/1.1\r\n\
Host: www.example.com\r\n\
Connection: keep-alive\r\n\
sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Upgrade-Insecure-Requests: 1\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n\
Sec-Fetch-Site: same-origin\r\n\
Sec-Fetch-Mode: navigate\r\n\
Sec-Fetch-User: ?1\r\n\
Sec-Fetch-Dest: document\r\n\
Referer: https://www.example.com/docs/\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n\
Cookie: session=3f2a9c1e7b5d4a8f; theme=dark; _ga=GA1.1.123456789.1700000000\r\n\
\r\n";

/// The smallest valid HTTP/1.1 request (for measuring the fixed cost of a parse).
/// What `wrk` sends without extra headers (48 bytes).
pub const SHORT: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

pub const MINIMAL: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/// [`MINIMAL`] with ten short fields more (for measuring the cost of one field line).
pub const TEN_FIELDS: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\n\
X-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\n\r\n";
