//! server: GET /stats?xs=1,2,3 answers with summary statistics as JSON (std only).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

use stats_core::{parse_list, summarize};

fn respond(path: &str) -> (u16, String) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    match route {
        "/healthz" => (200, "ok".into()),
        "/stats" => {
            let xs = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("xs="))
                .unwrap_or("");
            match parse_list(xs) {
                Err(e) => (400, e),
                Ok(v) => match summarize(&v) {
                    Some(s) => (200, s.to_json()),
                    None => (400, "xs is empty".into()),
                },
            }
        }
        _ => (404, "not found".into()),
    }
}

fn handle(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = respond(path);
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        thread::spawn(move || handle(stream));
    }
}

fn selftest() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    thread::spawn(move || serve(listener));
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(s, "GET /stats?xs=3,1,2,10 HTTP/1.1\r\nHost: x\r\n\r\n").map_err(|e| e.to_string())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).map_err(|e| e.to_string())?;
    let want = r#"{"n":4,"min":1,"max":10,"mean":4,"median":2.5}"#;
    if !resp.starts_with("HTTP/1.1 200") || !resp.ends_with(want) {
        return Err(format!("unexpected response {resp:?}"));
    }
    println!("{want}");
    Ok(())
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--selftest") {
        return match selftest() {
            Ok(()) => {
                println!("selftest ok");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("selftest failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let addr = std::env::var("BIND").unwrap_or_else(|_| "0.0.0.0:3000".into());
    match TcpListener::bind(&addr) {
        Ok(l) => {
            eprintln!("stats server on {addr}");
            serve(l);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
