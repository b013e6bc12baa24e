//! primes: prints the primes up to N (default 100), space separated.
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

fn sieve(limit: usize) -> Vec<usize> {
    if limit < 2 {
        return Vec::new();
    }
    let mut composite = vec![false; limit + 1];
    let mut primes = Vec::new();
    for n in 2..=limit {
        if composite[n] {
            continue;
        }
        primes.push(n);
        let mut m = n * n;
        while m <= limit {
            composite[m] = true;
            m += n;
        }
    }
    primes
}

fn main() -> ExitCode {
    let limit = match std::env::args().nth(1) {
        None => 100,
        Some(arg) => match arg.parse::<usize>() {
            Ok(n) if n <= 100_000_000 => n,
            _ => {
                eprintln!("usage: primes [LIMIT]  (LIMIT a number up to 100000000)");
                return ExitCode::from(2);
            }
        },
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut buf = itoa::Buffer::new();
    for (i, p) in sieve(limit).into_iter().enumerate() {
        if i > 0 {
            out.write_all(b" ").unwrap();
        }
        out.write_all(buf.format(p).as_bytes()).unwrap();
    }
    out.write_all(b"\n").unwrap();
    out.flush().unwrap();
    ExitCode::SUCCESS
}
