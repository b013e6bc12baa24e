//! cfgsrv: serves a greeting configured in config/settings.toml (a small TOML subset:
//! [sections], key = "string" and key = integer, # comments), parsed by hand.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

const CONFIG_PATH: &str = "config/settings.toml";

struct Config {
    bind: String,
    port: u16,
    text: String,
    animals: Vec<String>,
}

fn parse_toml(src: &str) -> Result<HashMap<String, String>, String> {
    let mut section = String::new();
    let mut out = HashMap::new();
    for (i, raw) in src.lines().enumerate() {
        let line = raw.split_once('#').map_or(raw, |(l, _)| l).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected key = value", i + 1))?;
        let value = value.trim();
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(s) => s.to_string(),
            None if value.parse::<i64>().is_ok() => value.to_string(),
            None => return Err(format!("line {}: unsupported value {value:?}", i + 1)),
        };
        out.insert(format!("{section}.{}", key.trim()), value);
    }
    Ok(out)
}

fn load(path: &str) -> Result<Config, String> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let kv = parse_toml(&src).map_err(|e| format!("{path}: {e}"))?;
    let get = |k: &str| {
        kv.get(k)
            .cloned()
            .ok_or_else(|| format!("{path}: missing {k}"))
    };
    Ok(Config {
        bind: get("server.bind")?,
        port: get("server.port")?
            .parse()
            .map_err(|_| "server.port: not a port".to_string())?,
        text: get("greeting.text")?,
        animals: get("greeting.animals")?
            .split(',')
            .map(|a| a.trim().to_string())
            .collect(),
    })
}

fn body(cfg: &Config) -> String {
    format!("{}: {}", cfg.text, cfg.animals.join(", "))
}

fn handle(stream: TcpStream, cfg: &Config) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let b = body(cfg);
    let mut out = stream;
    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len())
}

fn serve(listener: TcpListener, cfg: Arc<Config>) {
    for stream in listener.incoming().flatten() {
        let cfg = Arc::clone(&cfg);
        thread::spawn(move || handle(stream, &cfg));
    }
}

/// Serves the configured greeting on a random loopback port, fetches it, prints the body.
fn selftest(cfg: Config) -> Result<(), String> {
    let want = body(&cfg);
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    thread::spawn(move || serve(listener, Arc::new(cfg)));
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).map_err(|e| e.to_string())?;
    let got = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    if !resp.starts_with("HTTP/1.1 200") || got != want {
        return Err(format!("unexpected response {resp:?}"));
    }
    println!("{got}");
    Ok(())
}

fn main() -> ExitCode {
    let cfg = match load(CONFIG_PATH) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cfgsrv: {e}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::args().any(|a| a == "--selftest") {
        return match selftest(cfg) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("selftest failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let addr = format!("{}:{}", cfg.bind, cfg.port);
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("cfgsrv listening on {addr}");
    serve(listener, Arc::new(cfg));
    ExitCode::SUCCESS
}
