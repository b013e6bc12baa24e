"""Command line front end for the fastmath C extension: python -m fastmath_cli <op> <args>."""
import sys

import fastmath

USAGE = "usage: python -m fastmath_cli gcd A B | fib N [M] | primes LO HI | --selftest"


def run(argv):
    if not argv:
        return USAGE
    op, args = argv[0], [int(a) for a in argv[1:]]
    if op == "gcd":
        return str(fastmath.gcd(*args))
    if op == "fib":
        n, m = args[0], (args[1] if len(args) > 1 else 10**9 + 7)
        return str(fastmath.fibmod(n, m))
    if op == "primes":
        return " ".join(str(k) for k in range(args[0], args[1] + 1) if fastmath.isprime(k))
    raise SystemExit(USAGE)


def selftest():
    assert fastmath.__file__.endswith(".so"), fastmath.__file__
    assert fastmath.gcd(84, 36) == 12
    assert fastmath.fibmod(90, 10**19) == 2880067194370816120
    assert run(["primes", "10", "30"]) == "11 13 17 19 23 29"
    return "fastmath ok"


if __name__ == "__main__":
    print(selftest() if sys.argv[1:2] == ["--selftest"] else run(sys.argv[1:]))
