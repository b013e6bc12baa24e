"""crcsum: CRC-32C / CRC-32 / CRC-16 checksums of files or strings, via crcmod's C extension."""
import sys

import crcmod
import crcmod.predefined

ALGOS = ("crc-32c", "crc-32", "crc-16", "crc-64")


def checksum(algo, data):
    fn = crcmod.predefined.mkCrcFun(algo)
    return "%x" % fn(data)


def selftest():
    # The pure-Python fallback would also give the right answers: insist on the compiled one.
    from crcmod.crcmod import _usingExtension
    assert _usingExtension, "crcmod C extension not built"
    assert checksum("crc-32c", b"123456789") == "e3069283"
    assert checksum("crc-32", b"123456789") == "cbf43926"
    print("crcmod extension ok")


def main(argv):
    if argv[:1] == ["--selftest"]:
        selftest()
        return 0
    algo = "crc-32c"
    if argv[:1] == ["-a"]:
        algo, argv = argv[1], argv[2:]
    if algo not in ALGOS:
        print("unknown algorithm %s (try %s)" % (algo, ", ".join(ALGOS)), file=sys.stderr)
        return 2
    for name in argv or ["-"]:
        data = sys.stdin.buffer.read() if name == "-" else open(name, "rb").read()
        print(checksum(algo, data), name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
