//! Integration tests of dext-server's parts that talk to the outside: the OTLP exporter
//! against a real OTLP/HTTP receiver (PyPI's `oteltap`, installed by
//! `scripts/receivers.sh`; without it the test says so and passes, unless
//! `DEXT_REQUIRE_RECEIVERS` is set, as `scripts/test.sh` sets it).

mod otlp;
